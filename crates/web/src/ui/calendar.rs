//! The calendar: a month grid, a week and a day of hours, and a list
//! (agenda) of events and tasks, for one user or for everyone the viewer may
//! see. Weeks start on Monday. A click on an empty day or hour creates an
//! event there; dragging an event to another day or hour moves it, keeping
//! its duration (`calendar.js`). Without JavaScript every item links to its
//! page and every day and hour has a "+" link.
//!
//! All instants are UTC inside; days and hours are the user's own (`Tr::tz`).

use super::form::{Fields, urlencode};
use super::layout::{Nav, Page, render};
use super::lists::{self, entity_path};
use super::{Post, Ui};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Span;
use jiff::civil::{Date, DateTime};
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::HashMap;
use voronka_core::Timestamp;
use voronka_core::activity::{ActivityKind, ActivityStatus};
use voronka_core::records::{Activity, EntityKind, Id, Locale, User};
use voronka_store::{StoreError, rules, users};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar))
        .route("/calendar/move", post(move_event))
}

/// The hours the week and day views show one by one; the rest are collapsed.
const FIRST_HOUR: i8 = 8;
const LAST_HOUR: i8 = 20;
/// Where a click on a whole day puts a new event.
const DAY_START_HOUR: i8 = 9;
/// Items a month cell shows before "N more".
const CELL_ITEMS: usize = 4;
/// Pages of 500 read per kind: a calendar never shows more than this.
const MAX_PAGES: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Month,
    Week,
    Day,
    List,
}

impl View {
    pub const ALL: [View; 4] = [View::Month, View::Week, View::Day, View::List];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Month => "month",
            View::Week => "week",
            View::Day => "day",
            View::List => "list",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    fn label(self) -> &'static str {
        match self {
            View::Month => "calendar-month",
            View::Week => "calendar-week",
            View::Day => "calendar-day",
            View::List => "calendar-list",
        }
    }
}

fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_days(n).ok()?).ok()
}

fn add_months(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_months(n).ok()?).ok()
}

/// The Monday of the week a day is in.
pub fn monday_of(d: Date) -> Option<Date> {
    add_days(d, -i64::from(d.weekday().to_monday_zero_offset()))
}

/// The days from `start` up to, not including, `end`.
pub fn days(start: Date, end: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = start;
    while d < end && out.len() < 400 {
        out.push(d);
        match add_days(d, 1) {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

/// What a view shows: the days `[start, end)` and the day it was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub view: View,
    pub anchor: Date,
    pub start: Date,
    pub end: Date,
}

impl Period {
    /// The month, week (from Monday) or day containing `anchor`; the list shows the month.
    pub fn new(view: View, anchor: Date) -> Option<Period> {
        let (start, end) = match view {
            View::Month | View::List => {
                let first = anchor.first_of_month();
                (first, add_months(first, 1)?)
            }
            View::Week => {
                let monday = monday_of(anchor)?;
                (monday, add_days(monday, 7)?)
            }
            View::Day => (anchor, add_days(anchor, 1)?),
        };
        Some(Period {
            view,
            anchor,
            start,
            end,
        })
    }

    /// The days on screen: a month grid is whole weeks, Monday to Sunday.
    pub fn shown(&self) -> Option<(Date, Date)> {
        match self.view {
            View::Month => {
                let last = add_days(self.end, -1)?;
                Some((monday_of(self.start)?, add_days(monday_of(last)?, 7)?))
            }
            _ => Some((self.start, self.end)),
        }
    }

    /// A day in the period before this one.
    pub fn prev(&self) -> Option<Date> {
        match self.view {
            View::Month | View::List => add_months(self.start, -1),
            View::Week => add_days(self.start, -7),
            View::Day => add_days(self.start, -1),
        }
    }

    /// A day in the period after this one (the first, in every view).
    pub fn next(&self) -> Option<Date> {
        Some(self.end)
    }
}

/// A `date` parameter: `YYYY-MM-DD` within the years a calendar can show.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>()
        .ok()
        .filter(|d| (1..=9998).contains(&d.year()))
}

const RU_MONTHS: [&str; 12] = [
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
];
/// "23 ноября": the month after a day number is in the genitive.
const RU_MONTHS_GEN: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const RU_WEEKDAYS: [&str; 7] = [
    "Понедельник",
    "Вторник",
    "Среда",
    "Четверг",
    "Пятница",
    "Суббота",
    "Воскресенье",
];
const EN_WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const RU_WEEKDAYS_SHORT: [&str; 7] = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"];
const EN_WEEKDAYS_SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn month_index(d: Date) -> usize {
    usize::try_from(d.month() - 1).unwrap_or(0).min(11)
}

fn weekday_index(d: Date) -> usize {
    usize::try_from(d.weekday().to_monday_zero_offset())
        .unwrap_or(0)
        .min(6)
}

fn is_weekend(d: Date) -> bool {
    weekday_index(d) >= 5
}

/// «Ноябрь 2026», "November 2026".
pub fn month_title(locale: Locale, d: Date) -> String {
    let m = month_index(d);
    match locale {
        Locale::Ru => format!("{} {}", RU_MONTHS[m], d.year()),
        Locale::En => format!("{} {}", EN_MONTHS[m], d.year()),
    }
}

/// «Понедельник, 23 ноября 2026», "Monday, November 23, 2026" (the year only when asked).
pub fn day_title(locale: Locale, d: Date, year: bool) -> String {
    let (m, w) = (month_index(d), weekday_index(d));
    match (locale, year) {
        (Locale::Ru, true) => format!(
            "{}, {} {} {}",
            RU_WEEKDAYS[w],
            d.day(),
            RU_MONTHS_GEN[m],
            d.year()
        ),
        (Locale::Ru, false) => format!("{}, {} {}", RU_WEEKDAYS[w], d.day(), RU_MONTHS_GEN[m]),
        (Locale::En, true) => format!(
            "{}, {} {}, {}",
            EN_WEEKDAYS[w],
            EN_MONTHS[m],
            d.day(),
            d.year()
        ),
        (Locale::En, false) => format!("{}, {} {}", EN_WEEKDAYS[w], EN_MONTHS[m], d.day()),
    }
}

/// Days `first..=last`: «23–29 ноября 2026», «30 ноября – 6 декабря 2026»,
/// «29 декабря 2025 – 4 января 2026»; "November 23–29, 2026" in English.
pub fn range_title(locale: Locale, first: Date, last: Date) -> String {
    let (m1, m2) = (month_index(first), month_index(last));
    let (y1, y2) = (first.year(), last.year());
    let (d1, d2) = (first.day(), last.day());
    match locale {
        Locale::Ru if y1 == y2 && m1 == m2 => format!("{d1}–{d2} {} {y1}", RU_MONTHS_GEN[m1]),
        Locale::Ru if y1 == y2 => format!(
            "{d1} {} – {d2} {} {y1}",
            RU_MONTHS_GEN[m1], RU_MONTHS_GEN[m2]
        ),
        Locale::Ru => format!(
            "{d1} {} {y1} – {d2} {} {y2}",
            RU_MONTHS_GEN[m1], RU_MONTHS_GEN[m2]
        ),
        Locale::En if y1 == y2 && m1 == m2 => format!("{} {d1}–{d2}, {y1}", EN_MONTHS[m1]),
        Locale::En if y1 == y2 => format!("{} {d1} – {} {d2}, {y1}", EN_MONTHS[m1], EN_MONTHS[m2]),
        Locale::En => format!(
            "{} {d1}, {y1} – {} {d2}, {y2}",
            EN_MONTHS[m1], EN_MONTHS[m2]
        ),
    }
}

/// The period as a heading, in the user's language.
pub fn title(locale: Locale, p: &Period) -> String {
    match p.view {
        View::Month | View::List => month_title(locale, p.start),
        View::Week => range_title(locale, p.start, add_days(p.end, -1).unwrap_or(p.start)),
        View::Day => day_title(locale, p.start, true),
    }
}

fn weekday_short(locale: Locale, d: Date) -> &'static str {
    match locale {
        Locale::Ru => RU_WEEKDAYS_SHORT[weekday_index(d)],
        Locale::En => EN_WEEKDAYS_SHORT[weekday_index(d)],
    }
}

/// Whose calendar is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Me,
    All,
    User(Id),
}

impl Owner {
    fn parse(s: Option<&str>, me: Id) -> Owner {
        match s.map(str::trim) {
            Some("all") => Owner::All,
            Some(s) => match s.parse::<Id>() {
                Ok(id) if id != me => Owner::User(id),
                _ => Owner::Me,
            },
            None => Owner::Me,
        }
    }

    fn filter(self, me: Id) -> Option<Id> {
        match self {
            Owner::Me => Some(me),
            Owner::All => None,
            Owner::User(id) => Some(id),
        }
    }

    fn param(self) -> String {
        match self {
            Owner::Me => String::new(),
            Owner::All => "&owner=all".to_owned(),
            Owner::User(id) => format!("&owner={id}"),
        }
    }
}

fn href(view: View, date: Date, owner: Owner) -> String {
    format!(
        "/calendar?view={}&date={date}{}",
        view.as_str(),
        owner.param()
    )
}

/// The create form of an event starting at a local day and hour.
fn new_event_href(day: Date, hour: i8) -> String {
    format!(
        "/activities/new?kind=event&start={}",
        urlencode(&format!("{day}T{hour:02}:00"))
    )
}

/// The instant a local day starts, in the user's zone.
fn start_of(ui: &Ui, d: Date) -> Option<Timestamp> {
    let z = d.to_zoned(ui.tr.tz.clone()).ok()?;
    Timestamp::parse(&z.timestamp().to_string()).ok()
}

fn local(ui: &Ui, t: Timestamp) -> Option<DateTime> {
    ui.tr.zoned(t).map(|z| z.datetime())
}

/// An event or a task as the calendar places it.
struct Item {
    id: Id,
    task: bool,
    subject: String,
    status: ActivityStatus,
    at: Timestamp,
    end: Option<Timestamp>,
    all_day: bool,
    location: Option<String>,
    owner_id: Id,
    related: (EntityKind, Id),
    start: DateTime,
    first_day: Date,
    last_day: Date,
    overdue: bool,
}

impl Item {
    fn new(ui: &Ui, a: Activity, now: Timestamp) -> Option<Item> {
        let task = a.data.kind == ActivityKind::Task;
        let status = a.data.status();
        let (at, end) = if task {
            (a.data.due_at?, None)
        } else {
            (a.data.start_at?, a.data.end_at)
        };
        let start = local(ui, at)?;
        let first_day = start.date();
        // An event ending at midnight ends on the day before.
        let last_day = match end.and_then(|e| local(ui, e).map(|l| (e, l))) {
            Some((e, l)) if e > at && l.time() == jiff::civil::Time::midnight() => {
                add_days(l.date(), -1).unwrap_or(first_day)
            }
            Some((_, l)) => l.date(),
            None => first_day,
        }
        .max(first_day);
        Some(Item {
            id: a.id,
            task,
            subject: a.data.subject,
            status,
            at,
            end,
            all_day: a.data.all_day,
            location: a.data.location,
            owner_id: a.meta.owner_id,
            related: (a.data.related_type, a.data.related_id),
            start,
            first_day,
            last_day,
            overdue: task && !status.is_closed() && at < now,
        })
    }

    /// Shown in the day strip rather than in an hour: all-day and multi-day events.
    fn long(&self) -> bool {
        !self.task && (self.all_day || self.last_day > self.first_day)
    }

    fn on(&self, d: Date) -> bool {
        self.first_day <= d && d <= self.last_day
    }

    fn done(&self) -> bool {
        matches!(
            self.status,
            ActivityStatus::Completed | ActivityStatus::Held
        )
    }

    /// `10:00–11:30`, or the start alone when the end is on another day.
    fn times(&self, ui: &Ui) -> String {
        let from = ui.tr.time(self.at);
        match self.end {
            Some(e) if !self.task && self.last_day == self.first_day && e > self.at => {
                format!("{from}–{}", ui.tr.time(e))
            }
            _ => from,
        }
    }
}

async fn fetch_all(
    state: &AppState,
    ui: &Ui,
    params: Vec<(String, String)>,
) -> voronka_store::Result<Vec<Activity>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut p = params.clone();
        if let Some(c) = cursor.take() {
            p.push(("cursor".into(), c));
        }
        let page = rules::list::<Activity>(&state.db, &ui.actor, &p).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// Events overlapping the days `[first, end)` and tasks due in them, visible to the viewer.
async fn load_items(
    state: &AppState,
    ui: &Ui,
    first: Date,
    end: Date,
    owner: Option<Id>,
) -> voronka_store::Result<Vec<Item>> {
    let (Some(from), Some(to)) = (start_of(ui, first), start_of(ui, end)) else {
        return Ok(Vec::new());
    };
    let p = |pairs: &[(&str, String)]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        v.push(("limit".into(), "500".into()));
        if let Some(o) = owner {
            v.push(("owner_id".into(), o.to_string()));
        }
        v
    };
    let events = fetch_all(
        state,
        ui,
        p(&[
            ("kind", "event".into()),
            ("start_at__lte", to.to_string()),
            ("end_at__gte", from.to_string()),
            ("sort", "start_at".into()),
        ]),
    )
    .await?;
    let tasks = fetch_all(
        state,
        ui,
        p(&[
            ("kind", "task".into()),
            ("due_at__gte", from.to_string()),
            ("due_at__lte", to.to_string()),
            ("sort", "due_at".into()),
        ]),
    )
    .await?;
    let now = state.db.now();
    let mut items: Vec<Item> = events
        .into_iter()
        .chain(tasks)
        .filter_map(|a| Item::new(ui, a, now))
        .collect();
    // Long events first, then by time; events before tasks at the same minute.
    items.sort_by_key(|i| (!i.long(), i.at, i.task, i.id));
    Ok(items)
}

/// What every part of the page needs to draw items.
struct Ctx<'a> {
    ui: &'a Ui,
    today: Date,
    owner: Owner,
    users: &'a [User],
    names: HashMap<(EntityKind, Id), String>,
    /// The day view has room for times, places and what an event is about.
    wide: bool,
}

impl Ctx<'_> {
    fn t(&self, id: &str) -> String {
        self.ui.tr.t(id)
    }

    fn user_name(&self, id: Id) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.data.name.clone())
            .unwrap_or_default()
    }

    fn related(&self, i: &Item) -> Option<(String, String)> {
        let (kind, id) = i.related;
        let name = self.names.get(&(kind, id))?;
        Some((format!("/{}/{id}", entity_path(kind)), name.clone()))
    }

    /// The hover text of an item: when, what, about what, whose.
    fn hover(&self, i: &Item) -> String {
        let mut parts = vec![
            if i.long() {
                self.t("field-all_day")
            } else {
                i.times(self.ui)
            },
            i.subject.clone(),
        ];
        if i.overdue {
            parts.push(self.t("board-overdue"));
        }
        if let Some((_, name)) = self.related(i) {
            parts.push(name);
        }
        if self.owner != Owner::Me {
            parts.push(self.user_name(i.owner_id));
        }
        parts.join(" · ")
    }

    /// One event or task in a day cell or an hour slot; events can be dragged.
    fn chip(&self, i: &Item, wide: bool) -> Markup {
        let input = format!(
            "{}T{:02}:{:02}",
            i.start.date(),
            i.start.hour(),
            i.start.minute()
        );
        let time = if i.task || !i.long() {
            Some(if wide {
                i.times(self.ui)
            } else {
                self.ui.tr.time(i.at)
            })
        } else {
            None
        };
        html! {
            li.cal-item.cal-ev[!i.task].cal-task[i.task].overdue[i.overdue].done[i.done()]
                .cancelled[i.status == ActivityStatus::NotHeld].long[i.long()]
                data-id=[(!i.task).then_some(i.id)] data-start=[(!i.task).then_some(&input)] title=(self.hover(i)) {
                a href=(format!("/activities/{}", i.id)) {
                    @if i.task {
                        span.cal-check aria-hidden="true" { @if i.done() { "✓" } @else { "○" } }
                    }
                    @if i.overdue {
                        span.cal-flag { "!" span.sr-only { " " (self.t("board-overdue")) } }
                    }
                    @if let Some(time) = time { span.cal-time { (time) } " " }
                    span.cal-subject { (i.subject) }
                    @if wide {
                        @if let Some((_, name)) = self.related(i) { span.cal-rel { " · " (name) } }
                        @if let Some(loc) = &i.location { span.cal-rel { " · " (loc) } }
                    }
                }
            }
        }
    }

    /// A drop target: a day (hours `lo..=hi` keep the event's own time) or an hour.
    fn slot(&self, day: Date, (lo, hi): (i8, i8), class: &str, items: &[&Item]) -> Markup {
        let new_hour = new_hour(lo, hi);
        let label = format!(
            "{} {}, {:02}:00",
            self.t("calendar-new-event"),
            day_title(self.ui.tr.locale, day, false),
            new_hour
        );
        html! {
            div.cal-slot.(class).today[day == self.today].weekend[is_weekend(day)] {
                a.cal-add href=(new_event_href(day, new_hour)) title=(label) aria-label=(label) { "+" }
                ul.cal-items data-date=(day) data-lo=(lo) data-hi=(hi) {
                    @for i in items { (self.chip(i, self.wide)) }
                }
            }
        }
    }
}

fn month_grid(ctx: &Ctx, p: &Period, first: Date, end: Date, items: &[Item]) -> Markup {
    let locale = ctx.ui.tr.locale;
    let week: Vec<Date> = days(first, end).into_iter().take(7).collect();
    html! {
        div.cal-month {
            div.cal-wdh aria-hidden="true" {
                @for d in &week { div.weekend[is_weekend(*d)] { (weekday_short(locale, *d)) } }
            }
            div.cal-grid {
                @for d in days(first, end) {
                    @let on: Vec<&Item> = items.iter().filter(|i| i.on(d)).collect();
                    @let label = day_title(locale, d, true);
                    @let new_label = format!("{} {}", ctx.t("calendar-new-event"), day_title(locale, d, false));
                    div.cal-cell.other[d.month() != p.start.month()].today[d == ctx.today].weekend[is_weekend(d)].empty[on.is_empty()] {
                        div.cal-cellhead {
                            a.cal-daynum href=(href(View::Day, d, ctx.owner)) aria-label=(label) {
                                span.cal-wdname { (weekday_short(locale, d)) " " }
                                (d.day())
                            }
                            a.cal-add href=(new_event_href(d, DAY_START_HOUR)) title=(new_label) aria-label=(new_label) { "+" }
                        }
                        ul.cal-items data-date=(d) data-lo="0" data-hi="23" {
                            @for i in on.iter().take(CELL_ITEMS) { (ctx.chip(i, false)) }
                        }
                        @if on.len() > CELL_ITEMS {
                            a.cal-more href=(href(View::Day, d, ctx.owner)) { (ctx.ui.tr.t1("calendar-more", "count", on.len() - CELL_ITEMS)) }
                        }
                    }
                }
            }
        }
    }
}

/// The hour a click on a slot starts an event at: the hour itself, the last
/// one before the working day, the first after it, or the morning for a day.
fn new_hour(lo: i8, hi: i8) -> i8 {
    match (lo, hi) {
        _ if lo == hi => lo,
        (0, 23) => DAY_START_HOUR,
        (0, _) => hi,
        _ => lo,
    }
}

/// Hour rows for the week and day views: the hours before and after the
/// working day collapse into one row each.
fn hour_rows() -> Vec<(i8, i8)> {
    let mut rows = vec![(0, FIRST_HOUR - 1)];
    rows.extend((FIRST_HOUR..LAST_HOUR).map(|h| (h, h)));
    rows.push((LAST_HOUR, 23));
    rows
}

fn hours_grid(ctx: &Ctx, first: Date, end: Date, items: &[Item]) -> Markup {
    let locale = ctx.ui.tr.locale;
    let cols = days(first, end);
    html! {
        div.cal-week.cal-one[ctx.wide] {
            div.cal-wgrid style=(format!("--days: {}", cols.len())) {
                div.cal-corner {}
                @for d in &cols {
                    div.cal-colhead.today[*d == ctx.today].weekend[is_weekend(*d)] {
                        a href=(href(View::Day, *d, ctx.owner)) aria-label=(day_title(locale, *d, true)) {
                            span.cal-wd { (weekday_short(locale, *d)) } " " span.cal-num { (d.day()) }
                        }
                    }
                }
                div.cal-rowlabel.strip { (ctx.t("calendar-strip")) }
                @for d in &cols {
                    @let strip: Vec<&Item> = items.iter().filter(|i| (i.long() || i.task) && i.on(*d)).collect();
                    (ctx.slot(*d, (0, 23), "cal-strip", &strip))
                }
                @for (lo, hi) in hour_rows() {
                    div.cal-rowlabel.collapsed[lo != hi] {
                        @if lo == hi { (format!("{lo:02}:00")) }
                        @else if lo == 0 { (ctx.ui.tr.t1("calendar-before", "time", format!("{:02}:00", hi + 1))) }
                        @else { (ctx.ui.tr.t1("calendar-after", "time", format!("{lo:02}:00"))) }
                    }
                    @for d in &cols {
                        @let here: Vec<&Item> = items.iter()
                            .filter(|i| !i.task && !i.long() && i.first_day == *d && (lo..=hi).contains(&i.start.hour()))
                            .collect();
                        (ctx.slot(*d, (lo, hi), if lo == hi { "cal-hour" } else { "cal-hour collapsed" }, &here))
                    }
                }
            }
        }
    }
}

fn agenda(ctx: &Ctx, p: &Period, items: &[Item]) -> Markup {
    let ui = ctx.ui;
    // Each item once: on its first day, or on the first day shown if it began earlier.
    let groups: Vec<(Date, Vec<&Item>)> = days(p.start, p.end)
        .into_iter()
        .map(|d| {
            (
                d,
                items
                    .iter()
                    .filter(|i| i.first_day == d || (d == p.start && i.first_day < d && i.on(d)))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    html! {
        @if groups.is_empty() {
            div.card.muted.cal-empty {
                (ctx.t("calendar-empty")) " "
                a href=(new_event_href(if ctx.today >= p.start && ctx.today < p.end { ctx.today } else { p.start }, DAY_START_HOUR)) { "+ " (ctx.t("calendar-new-event")) }
            }
        }
        div.cal-agenda {
            @for (d, list) in &groups {
                section.cal-aday.today[*d == ctx.today] {
                    h2 {
                        a href=(href(View::Day, *d, ctx.owner)) { (day_title(ui.tr.locale, *d, false)) }
                        a.cal-add href=(new_event_href(*d, DAY_START_HOUR)) aria-label=(format!("{} {}", ctx.t("calendar-new-event"), day_title(ui.tr.locale, *d, false))) { "+" }
                    }
                    ul.cal-alist {
                        @for i in list {
                            li.cal-arow.overdue[i.overdue].done[i.done()].cancelled[i.status == ActivityStatus::NotHeld] {
                                span.cal-atime {
                                    @if i.long() {
                                        @if i.last_day > i.first_day { (ui.tr.datetime(i.at)) @if let Some(e) = i.end { " – " (ui.tr.datetime(e)) } }
                                        @else { (ctx.t("field-all_day")) }
                                    } @else { (i.times(ui)) }
                                }
                                span.cal-kind.badge { (ui.tr.label("activity-kind", if i.task { "task" } else { "event" })) }
                                span.cal-asubject {
                                    @if i.overdue { span.cal-flag { "!" } " " }
                                    a href=(format!("/activities/{}", i.id)) { (i.subject) }
                                    @if i.overdue { " " span.overdue { (ctx.t("board-overdue")) } }
                                }
                                span.cal-ameta.muted {
                                    @if let Some((link, name)) = ctx.related(i) { a.muted href=(link) { (name) } }
                                    @if ctx.owner != Owner::Me { " · " (ctx.user_name(i.owner_id)) }
                                    @if i.status != ActivityStatus::Planned { " · " (ui.tr.label("activity-status", i.status.as_str())) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn toolbar(ctx: &Ctx, p: &Period) -> Markup {
    let ui = ctx.ui;
    let me = ui.user.id;
    html! {
        div.cal-bar {
            div.cal-nav {
                @if let Some(d) = p.prev() { a.btn href=(href(p.view, d, ctx.owner)) aria-label=(ctx.t("calendar-prev")) title=(ctx.t("calendar-prev")) { "‹" } }
                a.btn href=(href(p.view, ctx.today, ctx.owner)) { (ctx.t("calendar-today")) }
                @if let Some(d) = p.next() { a.btn href=(href(p.view, d, ctx.owner)) aria-label=(ctx.t("calendar-next")) title=(ctx.t("calendar-next")) { "›" } }
            }
            nav.cal-views aria-label=(ctx.t("nav-calendar")) {
                @for v in View::ALL {
                    a href=(href(v, p.anchor, ctx.owner)) aria-current=[(v == p.view).then_some("page")] { (ctx.t(v.label())) }
                }
            }
            form.cal-owner method="get" action="/calendar" {
                input type="hidden" name="view" value=(p.view.as_str());
                input type="hidden" name="date" value=(p.anchor.to_string());
                label.sr-only for="cal-owner" { (ctx.t("field-owner_id")) }
                select #cal-owner name="owner" {
                    option value=(me) selected[ctx.owner == Owner::Me] { (ui.user.data.name) }
                    option value="all" selected[ctx.owner == Owner::All] { (ctx.t("calendar-all-users")) }
                    @for u in ctx.users.iter().filter(|u| u.id != me && (u.data.active || ctx.owner == Owner::User(u.id))) {
                        option value=(u.id) selected[ctx.owner == Owner::User(u.id)] { (u.data.name) }
                    }
                }
                button type="submit" { (ctx.t("action-apply")) }
            }
        }
    }
}

async fn calendar(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let q = Fields(q);
    let now = state.db.now();
    // Today in the user's zone (UTC if the zone cannot say).
    let today = ui
        .tr
        .today(now)
        .unwrap_or_else(|| now.day().to_string().parse().unwrap_or_default());
    let view = q.get("view").and_then(View::parse).unwrap_or(View::Month);
    let asked = q.get("date").map(str::trim).filter(|s| !s.is_empty());
    let anchor = asked.and_then(parse_date);
    let mut bad_date = asked.is_some() && anchor.is_none();
    let period = match anchor.and_then(|d| Period::new(view, d)) {
        Some(p) => p,
        None => {
            bad_date |= anchor.is_some();
            match Period::new(view, today) {
                Some(p) => p,
                None => {
                    return (StatusCode::BAD_REQUEST, ui.tr.t("calendar-bad-date")).into_response();
                }
            }
        }
    };
    let owner = Owner::parse(q.get("owner"), ui.user.id);
    let Some((first, end)) = period.shown() else {
        return (StatusCode::BAD_REQUEST, ui.tr.t("calendar-bad-date")).into_response();
    };
    let items = match load_items(&state, &ui, first, end, owner.filter(ui.user.id)).await {
        Ok(items) => items,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let users = users::list_users(&state.db).await.unwrap_or_default();
    let refs: Vec<Value> = items
        .iter()
        .map(|i| json!({"related_type": i.related.0, "related_id": i.related.1}))
        .collect();
    let names = lists::ref_names(&state, &ui, &refs)
        .await
        .unwrap_or_default();
    let ctx = Ctx {
        ui: &ui,
        today,
        owner,
        users: &users,
        names,
        wide: period.view == View::Day,
    };
    let body = html! {
        div #cal .cal data-src=(href(period.view, period.anchor, owner)) data-move-error=(ctx.t("calendar-move-failed")) {
            @if bad_date { div.flash.error role="alert" { (ctx.t("calendar-bad-date")) } }
            @if q.get("msg") == Some("moved") { div.flash role="status" { (ctx.t("calendar-moved")) } }
            (toolbar(&ctx, &period))
            @match period.view {
                View::Month => (month_grid(&ctx, &period, first, end, &items)),
                View::Week | View::Day => (hours_grid(&ctx, first, end, &items)),
                View::List => (agenda(&ctx, &period, &items)),
            }
        }
    };
    if ui.htmx {
        return Html(body.into_string()).into_response();
    }
    let new_day = if today >= period.start && today < period.end {
        today
    } else {
        period.start
    };
    let page = Page {
        title: title(ui.tr.locale, &period),
        nav: Nav::Calendar,
        actions: Some(
            html! { a.btn.primary href=(new_event_href(new_day, DAY_START_HOUR)) { "+ " (ui.tr.t("calendar-new-event")) } },
        ),
        body: html! { (body) script src="/assets/calendar.js" defer {} },
    };
    Html(render(&ui, page).into_string()).into_response()
}

/// Where a plain form goes back to after a move: a calendar page only.
fn back_to(form: &Fields, fallback: String) -> String {
    match form.get("back") {
        Some(b) if b.starts_with("/calendar") && !b.contains(['\r', '\n', '\\']) => b.to_owned(),
        _ => fallback,
    }
}

/// Moves an event to a new start (a local date and time), keeping its duration.
async fn move_event(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    let Some(id) = form.get("id").and_then(|v| v.trim().parse::<Id>().ok()) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "id: choose an event").into_response();
    };
    let Some(start) = form
        .get("start")
        .and_then(|s| ui.tr.parse_input_datetime(s))
    else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "start: is not a date and time",
        )
            .into_response();
    };
    let event = match rules::get::<Activity>(&state.db, &ui.actor, id).await {
        Ok(a) => a,
        Err(e) => return move_failed(&ui, e),
    };
    if event.data.kind != ActivityKind::Event {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "only events can be moved in the calendar",
        )
            .into_response();
    }
    let duration = match (event.data.start_at, event.data.end_at) {
        (Some(s), Some(e)) if e >= s => (e.inner() - s.inner()).whole_seconds(),
        _ => 3600,
    };
    let Some(end) = start
        .inner()
        .checked_add(time::Duration::seconds(duration))
        .map(Timestamp::from_utc)
    else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "start: is too far in the future",
        )
            .into_response();
    };
    let patch = json!({"start_at": start.to_string(), "end_at": end.to_string()});
    match rules::update::<Activity>(&state.db, &ui.actor, id, patch).await {
        Ok(_) if ui.htmx => StatusCode::NO_CONTENT.into_response(),
        Ok(_) => {
            let day = local(&ui, start).map(|l| l.date()).unwrap_or_default();
            let fallback = format!("{}&msg=moved", href(View::Week, day, Owner::Me));
            Redirect::to(&back_to(&form, fallback)).into_response()
        }
        Err(e) => move_failed(&ui, e),
    }
}

fn move_failed(ui: &Ui, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => (StatusCode::NOT_FOUND, ui.tr.t("error-not-found")).into_response(),
        StoreError::Invalid(inv) => {
            let text = ui
                .tr
                .errors(&inv.0)
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("; ");
            (StatusCode::UNPROCESSABLE_ENTITY, text).into_response()
        }
        StoreError::Conflict(m) => (StatusCode::CONFLICT, ui.tr.conflict(&m)).into_response(),
        other => crate::error::ApiError::from(other).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-23 is a Monday; 2026-11-29 a Sunday.
        assert_eq!(monday_of(date(2026, 11, 23)), Some(date(2026, 11, 23)));
        assert_eq!(monday_of(date(2026, 11, 29)), Some(date(2026, 11, 23)));
        assert_eq!(monday_of(date(2026, 11, 26)), Some(date(2026, 11, 23)));
        // Across a month and a year.
        assert_eq!(monday_of(date(2026, 1, 1)), Some(date(2025, 12, 29)));
    }

    #[test]
    fn periods_of_each_view() {
        let week = Period::new(View::Week, date(2026, 11, 26)).unwrap();
        assert_eq!(
            (week.start, week.end),
            (date(2026, 11, 23), date(2026, 11, 30))
        );
        assert_eq!(week.prev(), Some(date(2026, 11, 16)));
        assert_eq!(week.next(), Some(date(2026, 11, 30)));

        let day = Period::new(View::Day, date(2026, 12, 31)).unwrap();
        assert_eq!((day.start, day.end), (date(2026, 12, 31), date(2027, 1, 1)));
        assert_eq!(day.prev(), Some(date(2026, 12, 30)));
        assert_eq!(day.next(), Some(date(2027, 1, 1)));

        let list = Period::new(View::List, date(2026, 3, 31)).unwrap();
        assert_eq!((list.start, list.end), (date(2026, 3, 1), date(2026, 4, 1)));
        assert_eq!(list.prev(), Some(date(2026, 2, 1)));
    }

    #[test]
    fn a_month_grid_is_whole_weeks() {
        // November 2026: Sunday the 1st … Monday the 30th.
        let m = Period::new(View::Month, date(2026, 11, 17)).unwrap();
        assert_eq!((m.start, m.end), (date(2026, 11, 1), date(2026, 12, 1)));
        let (first, end) = m.shown().unwrap();
        assert_eq!((first, end), (date(2026, 10, 26), date(2026, 12, 7)));
        assert_eq!(days(first, end).len(), 6 * 7);
        // February 2027 starts on a Monday and has exactly four weeks.
        let feb = Period::new(View::Month, date(2027, 2, 10)).unwrap();
        assert_eq!(feb.shown(), Some((date(2027, 2, 1), date(2027, 3, 1))));
        // Month navigation never skips a short month.
        let jan = Period::new(View::Month, date(2027, 1, 31)).unwrap();
        assert_eq!(jan.next(), Some(date(2027, 2, 1)));
        assert_eq!(
            Period::new(View::Month, date(2027, 3, 31)).unwrap().prev(),
            Some(date(2027, 2, 1))
        );
    }

    #[test]
    fn dates_are_read_strictly() {
        assert_eq!(parse_date("2026-11-23"), Some(date(2026, 11, 23)));
        assert_eq!(parse_date(" 2026-11-23 "), Some(date(2026, 11, 23)));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("23.11.2026"), None);
        assert_eq!(parse_date("9999-12-31"), None);
        assert_eq!(parse_date(""), None);
        // The edges of what is accepted still give periods and navigation.
        let last = Period::new(View::Month, parse_date("9998-12-31").unwrap()).unwrap();
        assert!(last.shown().is_some());
    }

    #[test]
    fn titles_in_russian_and_english() {
        let ru = Locale::Ru;
        let en = Locale::En;
        assert_eq!(
            title(ru, &Period::new(View::Month, date(2026, 11, 5)).unwrap()),
            "Ноябрь 2026"
        );
        assert_eq!(
            title(en, &Period::new(View::List, date(2026, 11, 5)).unwrap()),
            "November 2026"
        );
        assert_eq!(
            title(ru, &Period::new(View::Week, date(2026, 11, 25)).unwrap()),
            "23–29 ноября 2026"
        );
        assert_eq!(
            title(en, &Period::new(View::Week, date(2026, 11, 25)).unwrap()),
            "November 23–29, 2026"
        );
        assert_eq!(
            title(ru, &Period::new(View::Week, date(2026, 12, 1)).unwrap()),
            "30 ноября – 6 декабря 2026"
        );
        assert_eq!(
            title(en, &Period::new(View::Week, date(2026, 12, 1)).unwrap()),
            "November 30 – December 6, 2026"
        );
        assert_eq!(
            title(ru, &Period::new(View::Week, date(2027, 1, 1)).unwrap()),
            "28 декабря 2026 – 3 января 2027"
        );
        assert_eq!(
            title(en, &Period::new(View::Week, date(2027, 1, 1)).unwrap()),
            "December 28, 2026 – January 3, 2027"
        );
        assert_eq!(
            title(ru, &Period::new(View::Day, date(2026, 11, 23)).unwrap()),
            "Понедельник, 23 ноября 2026"
        );
        assert_eq!(
            title(en, &Period::new(View::Day, date(2026, 11, 23)).unwrap()),
            "Monday, November 23, 2026"
        );
        assert_eq!(
            day_title(ru, date(2026, 3, 8), false),
            "Воскресенье, 8 марта"
        );
    }

    #[test]
    fn owners_and_links() {
        assert_eq!(Owner::parse(None, 5), Owner::Me);
        assert_eq!(Owner::parse(Some("5"), 5), Owner::Me);
        assert_eq!(Owner::parse(Some("7"), 5), Owner::User(7));
        assert_eq!(Owner::parse(Some("all"), 5), Owner::All);
        assert_eq!(Owner::parse(Some("x"), 5), Owner::Me);
        assert_eq!(Owner::All.filter(5), None);
        assert_eq!(
            href(View::Week, date(2026, 11, 23), Owner::All),
            "/calendar?view=week&date=2026-11-23&owner=all"
        );
        assert_eq!(
            new_event_href(date(2026, 11, 23), 9),
            "/activities/new?kind=event&start=2026-11-23T09%3A00"
        );
        assert_eq!(hour_rows().first(), Some(&(0, 7)));
        assert_eq!(hour_rows().last(), Some(&(20, 23)));
        assert_eq!(hour_rows().len(), 2 + 12);
        assert_eq!(
            [
                new_hour(14, 14),
                new_hour(0, 7),
                new_hour(20, 23),
                new_hour(0, 23)
            ],
            [14, 7, 20, 9]
        );
    }

    #[test]
    fn a_plain_form_goes_back_to_the_calendar_only() {
        let f = |b: &str| Fields(vec![("back".into(), b.into())]);
        assert_eq!(
            back_to(&f("/calendar?view=day"), "/x".into()),
            "/calendar?view=day"
        );
        assert_eq!(
            back_to(&f("https://evil.example/calendar"), "/x".into()),
            "/x"
        );
        assert_eq!(back_to(&f("//evil.example"), "/x".into()), "/x");
        assert_eq!(back_to(&Fields::default(), "/x".into()), "/x");
    }
}
