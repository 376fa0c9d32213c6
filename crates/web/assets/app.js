// Voronka's own few lines of JavaScript: keyboard shortcuts, confirmations,
// and the pipeline board's drag and drop (SortableJS). Pages work without it.
(function () {
  "use strict";
  var csrf = function () { return document.body.dataset.csrf || ""; };

  // "/" or Ctrl+K focuses the global search; Esc leaves it.
  document.addEventListener("keydown", function (e) {
    var box = document.getElementById("search-box");
    if (!box) return;
    var typing = /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName);
    if ((e.key === "/" && !typing) || (e.key.toLowerCase() === "k" && (e.ctrlKey || e.metaKey))) {
      e.preventDefault(); box.focus(); box.select();
    } else if (e.key === "Escape" && document.activeElement === box) {
      document.getElementById("search-results").innerHTML = ""; box.blur();
    }
  });

  // A destructive action asks once and names what it destroys.
  document.addEventListener("submit", function (e) {
    var form = e.target, msg = form.getAttribute("data-confirm");
    // data-confirm-if="action=delete": ask only when that choice is made.
    var only = form.getAttribute("data-confirm-if");
    if (only) {
      var kv = only.split("="), field = form.elements[kv[0]];
      if (!field || field.value !== kv[1]) return;
    }
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  function post(url, data) {
    var body = new URLSearchParams(data);
    body.set("_csrf", csrf());
    return fetch(url, { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
  }

  function reloadBoard() {
    var board = document.getElementById("board");
    if (board && window.htmx) { window.htmx.ajax("GET", board.dataset.src, { target: "#board", swap: "outerHTML" }); }
    else { window.location.reload(); }
  }

  function initBoard() {
    if (!window.Sortable) return;
    document.querySelectorAll("#board .cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "deals", animation: 120, ghostClass: "sortable-ghost",
        onMove: function (evt) {
          document.querySelectorAll("#board .cards").forEach(function (c) { c.classList.remove("drop-hint"); });
          evt.to.classList.add("drop-hint");
        },
        onEnd: function (evt) {
          document.querySelectorAll("#board .cards").forEach(function (c) { c.classList.remove("drop-hint"); });
          if (evt.from === evt.to) return;
          var deal = evt.item.dataset.deal, stage = evt.to.dataset.stage;
          if (evt.to.dataset.kind === "lost") {
            var dialog = document.getElementById("lost-dialog");
            dialog.querySelector("[name=deal]").value = deal;
            dialog.querySelector("[name=stage_id]").value = stage;
            dialog.returnValue = "";
            dialog.showModal();
            dialog.addEventListener("close", function onClose() {
              dialog.removeEventListener("close", onClose);
              if (dialog.returnValue !== "ok") reloadBoard();
            });
            return;
          }
          post("/deals/" + deal + "/move", { stage_id: stage }).then(reloadBoard);
        }
      });
    });
  }

  document.addEventListener("submit", function (e) {
    if (e.target.id !== "lost-form") return;
    e.preventDefault();
    var form = e.target, data = new FormData(form), dialog = document.getElementById("lost-dialog");
    post("/deals/" + data.get("deal") + "/move", data).then(function (r) {
      if (r.ok) { dialog.returnValue = "ok"; dialog.close(); reloadBoard(); }
      else { r.text().then(function (t) { form.querySelector(".error").textContent = t; }); }
    });
  });

  // Record fields are edited one at a time: a click on a value opens its
  // input (links inside the value keep working), Esc puts the value back,
  // and the focus follows: into the input, then back to the field's ✎.
  document.addEventListener("click", function (e) {
    var value = e.target.closest && e.target.closest(".fv:not(.editing) dd");
    if (!value || e.target.closest("a")) return;
    var edit = value.querySelector(".fv-edit");
    if (edit) { e.preventDefault(); edit.click(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var form = document.activeElement && document.activeElement.closest && document.activeElement.closest(".fv-form");
    var cancel = form && form.querySelector(".fv-cancel");
    if (cancel) { e.preventDefault(); cancel.click(); }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    var cell = e.detail && e.detail.elt;
    if (!cell || !cell.classList || !cell.classList.contains("fv")) return;
    var input = cell.querySelector(".fv-form input:not([type=hidden]), .fv-form textarea, .fv-form select");
    var focus = input || cell.querySelector(".fv-edit");
    if (focus) focus.focus();
  });

  // A form that failed validation (422) comes back with the messages beside
  // the fields: show it, as for any success.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      window.htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "422", swap: true },
        { code: "[45]..", swap: false, error: true }
      ];
    }
  });
  document.addEventListener("DOMContentLoaded", initBoard);
  document.addEventListener("htmx:afterSettle", initBoard);
})();
