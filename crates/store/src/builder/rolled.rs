//! Deal groupings answered from the report roll-ups.
//!
//! The roll-ups (kept in every deal write's transaction) already hold what
//! a builder report of deals counts and sums for its commonest shapes, in a
//! few thousand cells instead of a million deals:
//!
//! - `report_opportunities` under the source key: every deal once, per UTC
//!   month and day of creation, pipeline, owner, source, stage, status and
//!   currency. It answers deals by creation period, alone or beside one of
//!   those fields, and any grouping by one or two of those fields with no
//!   date at all (its month cells summed).
//! - `report_closed`: won and lost deals per UTC month and day of closing,
//!   pipeline, owner, status, loss reason, source, stage and currency. It answers deals by
//!   close period, alone or beside one of those fields; the deals without a
//!   close date are exactly the open ones (a deal gets the date when it is
//!   won or lost and loses it when reopened), counted from
//!   `report_opportunities`. With no date, it answers a grouping by (or a
//!   filter on) the loss reason, which the creation roll-up lacks: read as
//!   one period from the first close to the last, the open deals beside.
//! - `report_due`: every deal with an expected close day, per UTC month
//!   and day of it, pipeline, owner, stage, status, loss reason (migration
//!   16), source and currency. It answers deals by expected close period,
//!   alone or beside one of those fields; the day needs no hours read at
//!   the ends (a day is the same day in every zone), and the deals without
//!   one are every deal of `report_opportunities` less those due in some
//!   month (beside or filtered by a loss reason, which that roll-up lacks,
//!   the lost ones among them are read from the deals).
//!
//! Filters on those keys apply to the roll-up's rows as to the deals';
//! filters on the period's own date (created, closed or expected on, before, after,
//! between days) narrow the instants read ([`Window`]), and with no date
//! grouping such a filter alone picks the roll-up, read as one period.
//!
//! Activities have their own roll-up, `report_activities`: every activity
//! under each of its dates (created, started, due, completed) per UTC month
//! and day, owner, kind, status, priority and channel. It answers a
//! grouping of activities by one date's period beside those fields, or by
//! the fields alone (the creation cells, which hold every activity); the
//! activities without the date are the creation cells less the date's.
//!
//! The hours at the ends of each period (and of each filtered range) in the
//! user's zone come from the deals (or activities) themselves, as in the reports
//! (`rollup::Plan`). Only plans it answers exactly qualify: filters on the
//! keys or the date, aggregates among count, sum, average, minimum and
//! maximum of the amount (the deal roll-ups keep each cell's least and
//! greatest since migration 25); periods shorter than a month off UTC are
//! left to the grid where it can answer them (SQLite), else read here with
//! their ends. A minimum or maximum cannot be taken back, so its periods'
//! ends only add hours (`rollup::added_pieces`), and the deals without an
//! expected day are read from the deals rather than as every deal less
//! those with one.
//! The statement yields the columns of the `GROUP BY` it replaces.

use super::{Binds, Calendar, Periods, Utc, condition_on, constant_rows, period_instants};
use crate::db::{Backend, Conn, col};
use crate::error::{Result, StoreError};
use crate::rollup::Plan as Pieces;
use voronka_core::builder::{
    DateGrain, Entity, FieldType, Func, Plan, Window, bucket_start, next_bucket,
};
use voronka_core::records::Id;
use voronka_core::rollup::{self, ActivityDate, Dim};
use voronka_core::{Day, Timestamp};

/// Edge pieces read from the deals at the most on SQLite, each one term of
/// the statement's `UNION ALL` (SQLite takes 500 at the most, with the
/// roll-up's own; PostgreSQL has no such limit); past this — days off UTC
/// over more than about 200 days, months over decades — the grid or the
/// plain statement answers.
const MAX_RAW_PARTS: usize = 400;

/// Roll-up cells one statement names at the most: a grouping's periods
/// are capped (`MAX_BUCKETS`: a thousand weeks are some 7,000 day cells),
/// but an open-ended filter reads from the earliest date to the latest,
/// and an expected close day typed centuries off would make that tens of
/// thousands of months; the plain statement answers those.
const MAX_CELLS: usize = 10_000;

/// The roll-up a plan reads, chosen by its date grouping or date filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// By creation period or creation-date filters, or no date at all.
    Created,
    /// By close period or close-date filters.
    Closed,
    /// By expected close period or expected-date filters.
    Due,
    /// Activities, by one of their dates (their creation with none).
    Activity(ActivityDate),
}

impl Source {
    /// The roll-up table and the condition picking its rows (after `AND`).
    fn table(self) -> (&'static str, String) {
        match self {
            Source::Created => (
                "report_opportunities",
                format!(" AND r.dim = '{}'", Dim::Source.as_str()),
            ),
            Source::Closed => ("report_closed", String::new()),
            Source::Due => ("report_due", String::new()),
            Source::Activity(d) => (
                "report_activities",
                format!(" AND r.field = '{}'", d.field()),
            ),
        }
    }

    /// The roll-up every record is in once, read for the groups without
    /// the date (and for plans without a date at all): its month cells.
    fn whole(self) -> String {
        match self {
            Source::Activity(_) => format!(
                "FROM report_activities r WHERE r.field = '{}' AND r.span = 'm' AND r.activities <> 0",
                ActivityDate::Created.field()
            ),
            _ => format!(
                "FROM report_opportunities r WHERE r.dim = '{}' AND r.span = 'm' AND r.deals <> 0",
                Dim::Source.as_str()
            ),
        }
    }

    /// The source a plan without a date reads.
    fn undated(entity: Entity) -> Source {
        match entity {
            Entity::Activities => Source::Activity(ActivityDate::Created),
            _ => Source::Created,
        }
    }

    /// The records' table.
    fn records(self) -> &'static str {
        match self {
            Source::Activity(_) => "activities",
            _ => "deals",
        }
    }

    /// A roll-up row's count column.
    fn count(self) -> &'static str {
        match self {
            Source::Activity(_) => "r.activities",
            _ => "r.deals",
        }
    }

    /// The currency, count and amount of a roll-up row (`r`), taken `sign`
    /// times: activities have neither currency nor amount. With `extremes`
    /// the least and greatest amount too (`mn`, `mx`), which only add.
    fn measures(self, sign: i64, extremes: bool) -> String {
        match self {
            Source::Activity(_) => format!("'' AS cur, {sign} * r.activities AS n, 0 AS amt"),
            _ if extremes => format!(
                "r.currency AS cur, {sign} * r.deals AS n, {sign} * r.amount_minor AS amt, \
                 r.min_minor AS mn, r.max_minor AS mx"
            ),
            _ => {
                format!("r.currency AS cur, {sign} * r.deals AS n, {sign} * r.amount_minor AS amt")
            }
        }
    }

    /// The same of a record (`d`), counted `sign` times.
    fn record_measures(self, sign: i64, extremes: bool) -> String {
        match self {
            Source::Activity(_) => format!("'' AS cur, {sign} AS n, 0 AS amt"),
            _ if extremes => format!(
                "d.currency AS cur, {sign} AS n, {sign} * d.amount_minor AS amt, \
                 d.amount_minor AS mn, d.amount_minor AS mx"
            ),
            _ => format!("d.currency AS cur, {sign} AS n, {sign} * d.amount_minor AS amt"),
        }
    }

    /// The catalogue's date field the roll-up is kept by.
    fn date_field(self) -> &'static str {
        match self {
            Source::Created => "created_at",
            Source::Closed => "closed_at",
            Source::Due => "expected_close_date",
            Source::Activity(d) => d.field(),
        }
    }

    /// The deals' column of the date, for the hours at the period ends.
    fn date_column(self) -> &'static str {
        match self {
            Source::Created => "d.created_at",
            Source::Closed => "d.closed_at",
            Source::Due => "d.expected_close_date",
            Source::Activity(ActivityDate::Created) => "d.created_at",
            Source::Activity(ActivityDate::Start) => "d.start_at",
            Source::Activity(ActivityDate::Due) => "d.due_at",
            Source::Activity(ActivityDate::Completed) => "d.completed_at",
        }
    }

    /// The calendar the roll-up's periods are days of. The expected close
    /// date is a day, not an instant: its periods are kept in UTC days,
    /// which is the same as the day itself whatever the user's zone, so
    /// every period is whole cells and nothing is read from the deals.
    fn calendar(self, user: &dyn Calendar) -> &dyn Calendar {
        match self {
            Source::Created | Source::Closed | Source::Activity(_) => user,
            Source::Due => &Utc,
        }
    }

    /// Where a field's value is kept: in the roll-up (`r`), in the deals
    /// (`d`), and in `report_opportunities`, which the "no date" groups
    /// read (the close period's open deals, where no deal has a loss
    /// reason; every deal less those with an expected day).
    fn key(self, field: &str) -> Option<Key> {
        if let Source::Activity(_) = self {
            // The creation cells, read for the activities without the
            // date, have the same columns.
            let (rolled, deal) = match field {
                "owner" => ("r.owner_id", "d.owner_id"),
                "kind" => ("r.kind", "d.kind"),
                "status" => ("r.status", "d.status"),
                // '' for none.
                "priority" => ("NULLIF(r.priority, '')", "d.priority"),
                "channel" => ("NULLIF(r.channel, '')", "d.channel"),
                _ => return None,
            };
            return Some(Key {
                rolled,
                deal,
                open: rolled,
            });
        }
        let (rolled, deal) = match (self, field) {
            (_, "owner") => ("r.owner_id", "d.owner_id"),
            (_, "pipeline") => ("r.pipeline_id", "d.pipeline_id"),
            (_, "status") => ("r.status", "d.status"),
            // The deal's current stage (a won or lost one when closed).
            (_, "stage") => ("r.stage_id", "d.stage_id"),
            (_, "currency") => ("r.currency", "d.currency"),
            // The source's id as text, '' for none.
            (Source::Created, "source") => ("CAST(NULLIF(r.dim_key, '') AS BIGINT)", "d.source_id"),
            // 0 for none (only lost deals have one).
            (Source::Closed | Source::Due, "loss_reason") => (
                "NULLIF(r.loss_reason_id, 0)",
                "CASE WHEN d.status = 'lost' THEN d.loss_reason_id END",
            ),
            (Source::Closed | Source::Due, "source") => ("NULLIF(r.source_id, 0)", "d.source_id"),
            _ => return None,
        };
        let open = match (self, field) {
            // The creation roll-up keeps no loss reason: the open deals
            // (by close period), the deals not lost (by expected period,
            // the lost ones read from the deals) have none.
            (_, "loss_reason") => "CAST(NULL AS BIGINT)",
            (Source::Closed | Source::Due, f) => Source::Created.key(f)?.rolled,
            (Source::Created | Source::Activity(_), _) => rolled,
        };
        Some(Key { rolled, deal, open })
    }
}

/// A field's value in each part of the statement (see [`Source::key`]).
#[derive(Clone, Copy)]
struct Key {
    rolled: &'static str,
    deal: &'static str,
    open: &'static str,
}

/// The statement's parts: the roll-up's cells, the deals at the ends, the
/// creation roll-up's cells read for a "no date" group.
#[derive(Clone, Copy)]
enum Part {
    Rolled,
    Deal,
    Open,
}

impl Key {
    fn of(self, part: Part) -> &'static str {
        match part {
            Part::Rolled => self.rolled,
            Part::Deal => self.deal,
            Part::Open => self.open,
        }
    }
}

/// The roll-up for the plan's dates: the date grouping's, else the date
/// the filters test (`None` when they test another, or both).
fn source_of(plan: &Plan, date: Option<usize>) -> Option<Source> {
    let by = |field: &str| match (plan.entity, field) {
        (Entity::Deals, "created_at") => Some(Source::Created),
        (Entity::Deals, "closed_at") => Some(Source::Closed),
        (Entity::Deals, "expected_close_date") => Some(Source::Due),
        (Entity::Activities, f) => ActivityDate::parse(f).map(Source::Activity),
        _ => None,
    };
    let mut source = match date {
        None => None,
        Some(i) => Some(by(plan.groups[i].field.name)?),
    };
    for f in plan.filters.iter().filter(|f| f.field.ty.is_date()) {
        let by = by(f.field.name)?;
        if source.is_some_and(|s| s != by) {
            return None;
        }
        source = Some(by);
    }
    if source.is_none() && plan.entity == Entity::Deals {
        // Undated, by or filtered on a loss reason, which the creation
        // roll-up lacks: the close roll-up as one period holds every won
        // and lost deal with its reason, and the open ones beside it.
        let reason = |name: &str| name == "loss_reason";
        if plan.groups.iter().any(|g| reason(g.field.name))
            || plan.filters.iter().any(|f| reason(f.field.name))
        {
            return Some(Source::Closed);
        }
    }
    Some(source.unwrap_or(Source::undated(plan.entity)))
}

/// From the first instant of the UTC month of the column's earliest value
/// to the end of the UTC month of its latest (`None` when it holds none):
/// the whole of an open-ended date filter, in month cells.
async fn extent(c: &mut impl Conn, source: Source) -> Result<Option<(Timestamp, Timestamp)>> {
    let (column, table) = (source.date_column(), source.records());
    // Two subqueries: SQLite reads a lone MIN or MAX off an index's end.
    let row = sqlx::query(&format!(
        "SELECT (SELECT MIN({column}) FROM {table} d) AS lo, (SELECT MAX({column}) FROM {table} d) AS hi"
    ))
    .fetch_one(c.conn())
    .await?;
    let (Some(lo), Some(hi)) = (col::os(&row, "lo")?, col::os(&row, "hi")?) else {
        return Ok(None);
    };
    // An instant, or a day (the expected close date).
    let month = |s: &str| -> Result<Day> {
        let day = match Timestamp::parse(s) {
            Ok(t) => t.day(),
            Err(_) => Day::parse(s).map_err(|e| StoreError::corrupt(format!("{column}: {e}")))?,
        };
        Ok(bucket_start(day, DateGrain::Month))
    };
    let (lo, hi) = (month(&lo)?, next_bucket(month(&hi)?, DateGrain::Month));
    Ok(Some((
        rollup::midnight(lo.inner()),
        rollup::midnight(hi.inner()),
    )))
}

/// The statement, or `None` when the plan is not one a roll-up answers;
/// `defer_short` leaves periods shorter than a month off UTC to the grid.
pub(super) async fn statement(
    c: &mut impl Conn,
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
    defer_short: bool,
    binds: &mut Binds,
) -> Result<Option<String>> {
    if plan.groups.is_empty() {
        return Ok(None);
    }
    build(c, plan, periods, cal, owners, defer_short, binds).await
}

/// The totals of a plan without groupings over every deal it counts, as
/// one row of `a{i}` (`n{i}`) — none when no deal counts — or `None` when
/// no roll-up answers. What a grouping by customer shows beside the
/// customers it walked (`grid::walk`): a few thousand roll-up rows instead
/// of every deal.
pub(super) async fn totals(
    c: &mut impl Conn,
    whole: &Plan,
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
    binds: &mut Binds,
) -> Result<Option<String>> {
    if !whole.groups.is_empty() {
        return Ok(None);
    }
    build(c, whole, &[], cal, owners, false, binds).await
}

/// The roll-up statement of [`statement`] and [`totals`], for any number
/// of groupings (none: the totals alone, one row).
async fn build(
    c: &mut impl Conn,
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
    defer_short: bool,
    binds: &mut Binds,
) -> Result<Option<String>> {
    // What the roll-ups keep: counts, and the deals' amount summed (an
    // average is the sum over the count), its least and greatest (since
    // migration 25); activities have counts alone.
    let kept = match plan.entity {
        Entity::Deals => plan.aggregates.iter().all(|a| match a.field {
            None => a.func == Func::Count,
            Some(f) => f.name == "amount",
        }),
        Entity::Activities => plan
            .aggregates
            .iter()
            .all(|a| a.field.is_none() && a.func == Func::Count),
        _ => false,
    };
    if !kept {
        return Ok(None);
    }
    let dated: Vec<usize> = (0..plan.groups.len())
        .filter(|i| plan.groups[*i].grain.is_some())
        .collect();
    let date = match dated.as_slice() {
        [] => None,
        [i] => Some(*i),
        _ => return Ok(None),
    };
    let Some(source) = source_of(plan, date) else {
        return Ok(None);
    };
    // A minimum or maximum adds cells and rows but cannot take any back.
    let extremes = plan
        .aggregates
        .iter()
        .any(|a| matches!(a.func, Func::Min | Func::Max));
    // The calendar of the roll-up's date: the user's, or UTC for a day.
    let days = source.calendar(cal);
    let sqlite = c.backend() == Backend::Sqlite;
    // The other groupings: their place in the plan and keys in each part.
    let mut others = Vec::new();
    for (i, g) in plan.groups.iter().enumerate() {
        if Some(i) == date {
            continue;
        }
        let Some(k) = source.key(g.field.name) else {
            return Ok(None);
        };
        others.push((i, k));
    }
    // Filters on the date narrow the window; the others need a key.
    let mut window = Window::all();
    let mut keyed = Vec::new();
    for (i, f) in plan.filters.iter().enumerate() {
        if f.field.name == source.date_field() {
            match window.narrow(&f.test, &|d| days.midnight(d)) {
                Some(w) => window = w,
                None => return Ok(None),
            }
        } else if let Some(k) = source.key(f.field.name) {
            keyed.push((i, f, k));
        } else {
            return Ok(None);
        }
    }
    // The close- and expected-date roll-ups are always read by period: the
    // month cells without a date hold the creation roll-up's keys.
    let filtered = window != Window::all() || source != Source::undated(plan.entity);

    // The permission scope and the filters, on one part's columns.
    let wheres = |part: Part, binds: &mut Binds| -> Result<String> {
        let mut out = String::new();
        let owner = match part {
            // The unary plus: only the time range may choose the index.
            Part::Deal => "+d.owner_id",
            _ => "r.owner_id",
        };
        out.push_str(&crate::reports::owners_sql(owner, owners));
        for (i, f, k) in &keyed {
            // As for the owner: indexes led by the status, the kind, the
            // source or the stage must not be preferred to the time range.
            // PostgreSQL's generic plan of a prepared statement, blind to
            // the bound values, took one (activities by kind × done month,
            // held or completed: 5 ms for the first five runs, 0.5 s
            // after). PostgreSQL has no unary plus on text: an empty
            // string appended hides the column from its indexes as well.
            let column = match (part, sqlite, f.field.ty) {
                (Part::Deal, _, _) if !k.deal.starts_with("d.") => k.deal.to_owned(),
                (Part::Deal, false, FieldType::Choice(_) | FieldType::Text) => {
                    format!("({} || '')", k.deal)
                }
                (Part::Deal, ..) => format!("+{}", k.deal),
                _ => k.of(part).to_owned(),
            };
            out.push_str(" AND ");
            out.push_str(&condition_on(&column, f, *i, cal, binds)?);
        }
        Ok(out)
    };
    // The key columns of one part: the period (`kd`), then the others.
    let keys = |kd: Option<String>, part: Part| {
        let mut out: Vec<String> = kd.map(|k| format!("{k} AS kd")).into_iter().collect();
        for (j, (_, k)) in others.iter().enumerate() {
            out.push(format!("{} AS ke{j}", k.of(part)));
        }
        if out.is_empty() {
            // The totals alone: no key, but a column for the SELECT list.
            out.push("0 AS kd".to_owned());
        }
        out.join(", ")
    };
    let (table, rows) = source.table();
    let whole = source.whole();
    let count = source.count();
    // The instants each report period (`kd`) reads: the date grouping's
    // periods, or with none the filters' window as one.
    let mut ranges = Vec::new();
    let mut long = true;
    match date {
        Some(date) => {
            let Some(Some(p)) = periods.get(date) else {
                return Ok(None);
            };
            // The roll-ups are kept by an instant (created, closed) or by
            // a day taken as its UTC midnight (expected).
            let bounds = period_instants(p, days, &format!("group_by[{date}].grain"))?;
            for (i, w) in bounds.windows(2).enumerate() {
                ranges.push((i, w[0], w[1]));
            }
            long = matches!(
                p.grain,
                DateGrain::Month | DateGrain::Quarter | DateGrain::Year
            );
        }
        None if filtered => {
            if let Some((lo, hi)) = extent(c, source).await? {
                // Within the data: a filter from the year 1900 reads no
                // empty months.
                let (a, z) = window.bounds();
                ranges.push((0, a.map_or(lo, |a| a.max(lo)), z.map_or(hi, |z| z.min(hi))));
            }
        }
        None => {}
    }

    let mut parts = Vec::new();
    if date.is_none() && !filtered {
        let scope = wheres(Part::Rolled, binds)?;
        parts.push(format!(
            "SELECT {}, {} {whole}{scope}",
            keys(None, Part::Rolled),
            source.measures(1, extremes),
        ));
    } else {
        let mut pieces = Pieces::default();
        for (i, a, b) in ranges {
            for (from, to) in window.clamp(a, b) {
                pieces.take(
                    match extremes {
                        true => rollup::added_pieces(from, to),
                        false => rollup::pieces(from, to),
                    },
                    i,
                );
            }
        }
        // Days and weeks off UTC read the hours at every period's ends
        // from the deals (an eighth of them for days): where the grid
        // can answer instead (SQLite), it is the better way.
        if (defer_short && !long && !pieces.raw.is_empty())
            || (sqlite && pieces.raw.len() > MAX_RAW_PARTS)
        {
            return Ok(None);
        }
        if pieces.cells.len() > MAX_CELLS {
            return Ok(None);
        }
        // Days from UTC midnight to UTC midnight are whole cells; the
        // deals' day column could not be compared with instants anyway.
        if source == Source::Due && !pieces.raw.is_empty() {
            return Ok(None);
        }
        // Which report period each whole UTC month or day belongs to;
        // the periods are dates this code formatted.
        let cells: Vec<String> = pieces
            .cells
            .iter()
            .map(|((span, start), i)| {
                format!("'{}', '{}', {i}", span.as_str(), Day(*start).to_db())
            })
            .collect();
        if !cells.is_empty() {
            let scope = wheres(Part::Rolled, binds)?;
            parts.push(format!(
                "SELECT {}, {} \
                 FROM {table} r JOIN {} b ON b.span = r.span AND b.period = r.period \
                 WHERE {count} <> 0{rows}{scope}",
                keys(Some("b.i".into()), Part::Rolled),
                source.measures(1, extremes),
                constant_rows(&["span", "period", "i"], &cells),
            ));
        }
        let (column, records) = (source.date_column(), source.records());
        // Rendered once: every edge part refers to the same bound values
        // (a day grouping has a thousand edges, a filter list many values).
        let scope = match pieces.raw.is_empty() {
            true => String::new(),
            false => wheres(Part::Deal, binds)?,
        };
        for (from, to, i, sign) in &pieces.raw {
            parts.push(format!(
                "SELECT {}, {} \
                 FROM {records} d WHERE {column} >= '{}' AND {column} < '{}'{scope}",
                keys(Some(i.to_string()), Part::Deal),
                source.record_measures(*sign, extremes),
                from.to_db(),
                to.to_db(),
            ));
        }
        let no_date = || Some("CAST(NULL AS BIGINT)".to_owned());
        match source {
            Source::Closed if window.undated => {
                let scope = wheres(Part::Open, binds)?;
                parts.push(format!(
                    "SELECT {}, {} {whole} AND r.status = 'open'{scope}",
                    keys(no_date(), Part::Open),
                    source.measures(1, extremes),
                ));
            }
            // Every deal less those due cannot take a minimum back: with
            // one, the deals without an expected day are read themselves
            // (an index by the day holds them together, first).
            Source::Due if window.undated && extremes => {
                let scope = wheres(Part::Deal, binds)?;
                parts.push(format!(
                    "SELECT {}, {} FROM deals d WHERE d.expected_close_date IS NULL{scope}",
                    keys(no_date(), Part::Deal),
                    source.record_measures(1, extremes),
                ));
            }
            // The deals without an expected day: every deal, less every
            // deal due in some month. Beside a loss reason, or filtered by
            // one, which the creation roll-up lacks: so for the deals not
            // lost (none has a reason), and the lost ones, few, read from
            // the deals by an index led by the status and the expected day
            // (SQLite) or by the day (PostgreSQL).
            Source::Due if window.undated => {
                let by_reason = plan.groups.iter().any(|g| g.field.name == "loss_reason")
                    || plan.filters.iter().any(|f| f.field.name == "loss_reason");
                let not_lost = match by_reason {
                    true => " AND r.status <> 'lost'",
                    false => "",
                };
                let scope = wheres(Part::Open, binds)?;
                parts.push(format!(
                    "SELECT {}, {} {whole}{not_lost}{scope}",
                    keys(no_date(), Part::Open),
                    source.measures(1, extremes),
                ));
                let scope = wheres(Part::Rolled, binds)?;
                parts.push(format!(
                    "SELECT {}, {} \
                     FROM report_due r WHERE r.span = 'm' AND r.deals <> 0{not_lost}{scope}",
                    keys(no_date(), Part::Rolled),
                    source.measures(-1, extremes),
                ));
                if by_reason {
                    let scope = wheres(Part::Deal, binds)?;
                    parts.push(format!(
                        "SELECT {}, {} \
                         FROM deals d WHERE d.status = 'lost' AND d.expected_close_date IS NULL{scope}",
                        keys(no_date(), Part::Deal),
                        source.record_measures(1, extremes),
                    ));
                }
            }
            // The activities without the date: every activity (the
            // creation cells) less every activity with one.
            Source::Activity(d) if d != ActivityDate::Created && window.undated => {
                let scope = wheres(Part::Open, binds)?;
                parts.push(format!(
                    "SELECT {}, {} {whole}{scope}",
                    keys(no_date(), Part::Open),
                    source.measures(1, extremes),
                ));
                let scope = wheres(Part::Rolled, binds)?;
                parts.push(format!(
                    "SELECT {}, {} FROM {table} r WHERE r.span = 'm' AND {count} <> 0{rows}{scope}",
                    keys(no_date(), Part::Rolled),
                    source.measures(-1, extremes),
                ));
            }
            _ => {}
        }
        if parts.is_empty() {
            return Ok(None);
        }
    }

    let cur = binds.text(plan.currency.clone());
    let in_cur = format!("SUM(CASE WHEN u.cur = {cur} THEN u.n ELSE 0 END)");
    let mut select = Vec::new();
    let mut group_by = Vec::new();
    if date.is_some() {
        group_by.push("u.kd".to_owned());
    }
    for i in 0..plan.groups.len() {
        if Some(i) == date {
            select.push(format!("u.kd AS k{i}"));
        } else if let Some(j) = others.iter().position(|(at, _)| *at == i) {
            select.push(format!("u.ke{j} AS k{i}"));
            group_by.push(format!("u.ke{j}"));
        }
    }
    for (i, a) in plan.aggregates.iter().enumerate() {
        match a.func {
            Func::Count => select.push(format!("CAST(SUM(u.n) AS BIGINT) AS a{i}")),
            Func::Min | Func::Max => {
                let (f, c) = match a.func {
                    Func::Min => ("MIN", "u.mn"),
                    _ => ("MAX", "u.mx"),
                };
                select.push(format!(
                    "CAST({f}(CASE WHEN u.cur = {cur} THEN {c} END) AS BIGINT) AS a{i}"
                ));
            }
            _ => {
                // NULL, as SQL's SUM, when no deal of the report currency counts.
                select.push(format!(
                    "CAST(CASE WHEN {in_cur} > 0 THEN SUM(CASE WHEN u.cur = {cur} THEN u.amt ELSE 0 END) END AS BIGINT) AS a{i}"
                ));
                if a.func == Func::Avg {
                    select.push(format!("CAST({in_cur} AS BIGINT) AS n{i}"));
                }
            }
        }
    }
    let group_by = match group_by.is_empty() {
        true => String::new(),
        false => format!(" GROUP BY {}", group_by.join(", ")),
    };
    Ok(Some(format!(
        "SELECT {} FROM ({}) u{group_by} HAVING SUM(u.n) > 0",
        select.join(", "),
        parts.join(" UNION ALL "),
    )))
}
