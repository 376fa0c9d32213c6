// The calendar page: drag an event to another day or hour to move it
// (SortableJS, so touch works too), click an empty day or hour to create an
// event there, and a new owner applies at once. Without this file every
// event still links to its page and every day and hour has a "+" link.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function reload() {
    var cal = document.getElementById("cal");
    if (cal && window.htmx) { window.htmx.ajax("GET", cal.dataset.src, { target: "#cal", swap: "outerHTML" }); }
    else { window.location.reload(); }
  }

  // The new local start: the target's day, and the event's own time of day
  // kept within the target's hours (one hour for an hour slot, 0–23 for a day).
  function newStart(item, list) {
    var start = item.dataset.start || "";
    var hour = parseInt(start.slice(11, 13), 10) || 0;
    var minute = start.slice(14, 16) || "00";
    var lo = parseInt(list.dataset.lo, 10) || 0, hi = parseInt(list.dataset.hi, 10);
    if (isNaN(hi)) hi = 23;
    hour = Math.min(Math.max(hour, lo), hi);
    return list.dataset.date + "T" + pad(hour) + ":" + minute;
  }

  function move(item, list) {
    var start = newStart(item, list);
    if (start === item.dataset.start) return;
    var cal = document.getElementById("cal");
    var body = new URLSearchParams({ id: item.dataset.id, start: start, _csrf: document.body.dataset.csrf || "" });
    item.classList.add("moving");
    fetch("/calendar/move", { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.ok) return null;
        return r.text().then(function (text) {
          window.alert((cal && cal.dataset.moveError || "") + (text ? ": " + text : ""));
        });
      }, function () { window.alert(cal && cal.dataset.moveError || ""); })
      .then(reload);
  }

  function clearHints() {
    document.querySelectorAll("#cal .drop-hint").forEach(function (el) { el.classList.remove("drop-hint"); });
  }

  function init() {
    var cal = document.getElementById("cal");
    if (!cal) return;
    cal.classList.add("js");
    if (!window.Sortable) return;
    cal.querySelectorAll(".cal-items[data-date]").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "calendar", draggable: ".cal-ev[data-start]", sort: false, animation: 100,
        ghostClass: "sortable-ghost", delay: 200, delayOnTouchOnly: true, emptyInsertThreshold: 24,
        onMove: function (evt) {
          clearHints();
          var slot = evt.to.closest(".cal-slot, .cal-cell");
          if (slot) slot.classList.add("drop-hint");
        },
        onEnd: function (evt) {
          clearHints();
          if (evt.from === evt.to) return;
          move(evt.item, evt.to);
        }
      });
    });
  }

  // A click on the empty part of a day or an hour opens a new event there.
  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    var cell = e.target.closest("#cal .cal-cell, #cal .cal-slot");
    if (!cell || e.target.closest("a, button, li, input, select")) return;
    var add = cell.querySelector(".cal-add");
    if (add) window.location.href = add.href;
  });

  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("#cal .cal-owner select")) e.target.form.submit();
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
