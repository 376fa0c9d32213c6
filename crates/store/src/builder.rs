//! The report builder's SQL, and the reports people save.
//!
//! A checked [`Plan`] runs as one `GROUP BY` statement (a detail report —
//! columns without grouping — as one listing plus one totals statement),
//! unless a faster way gives the same answer: deals by pipeline, stage,
//! owner or currency from the board's totals ([`board`]), the deals'
//! periods and fields from the roll-ups ([`rolled`]), other date groupings
//! cell by cell over covering indexes ([`grid`]), the customers walked in
//! name order until the report is full ([`grid::walk`]), or a field's
//! values read a run at a time before the customer ([`leading`]). All
//! yield the same columns, so labels, order and totals are computed once.
//! Only whitelisted text reaches the SQL: table and column names come from
//! [`column`] for the catalogue's fields, date-period bounds are dates this
//! code formatted itself; every value from the request is bound.
//!
//! One permission rule, the reports' own: the records of the owners
//! [`Actor::narrow`] leaves. Owner filters of the definition are ordinary
//! conditions on top of that, so they can never widen what the actor sees.
//!
//! Money is summed from minor units in one report currency (counts include
//! every currency); averages are computed here from the exact sum and count,
//! in `Decimal`. Instants are UTC inside; date groupings use the periods of
//! the user's calendar, whose local midnights the web layer supplies through
//! [`Calendar`]. Each record is placed in its period by a binary search
//! ([`Probe`]) rendered as nested `CASE`s, so a day grouping over years costs
//! about ten comparisons a row, and daylight-saving shifts are exact.

use crate::actor::Actor;
use crate::db::{Backend, Conn, Db, Snapshot, boxed, col};
use crate::error::{Result, StoreError};
use crate::table;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use sqlx::any::AnyRow;
use voronka_core::builder::{
    self as b, Aggregate, Definition, Entity, FieldDef, FieldType, Func, Plan, Probe, RefKind,
    Test, Value, next_day,
};
use voronka_core::records::Id;
use voronka_core::{Day, FieldErrors, Invalid, Timestamp, money, msg};

mod board;
mod grid;
mod leading;
mod rolled;

/// The user's calendar: where their days begin, as UTC instants.
pub trait Calendar: Sync {
    /// The instant the local `day` begins.
    fn midnight(&self, day: Day) -> Option<Timestamp>;
    /// The local day an instant falls on.
    fn day_of(&self, t: Timestamp) -> Day;
}

/// UTC days: for the command line and tests.
pub struct Utc;

impl Calendar for Utc {
    fn midnight(&self, day: Day) -> Option<Timestamp> {
        Some(Timestamp::from_utc(day.inner().midnight().assume_utc()))
    }
    fn day_of(&self, t: Timestamp) -> Day {
        t.day()
    }
}

/// Group rows a report returns at most; the rest is cut (`truncated`).
pub const MAX_GROUP_ROWS: usize = 2000;
/// Records a detail report lists at most.
pub const MAX_DETAIL_ROWS: usize = 500;

fn table_of(e: Entity) -> &'static str {
    match e {
        Entity::Deals => "deals",
        Entity::Leads => "leads",
        Entity::Accounts => "accounts",
        Entity::Contacts => "contacts",
        Entity::Activities => "activities",
    }
}

/// The column behind a catalogue field: the whitelist of SQL a definition
/// can reach.
pub fn column(e: Entity, field: &str) -> Option<&'static str> {
    Some(match (e, field) {
        (_, "owner") => "t.owner_id",
        (_, "created_at") => "t.created_at",
        (Entity::Deals, "title") => "t.title",
        (Entity::Deals, "pipeline") => "t.pipeline_id",
        (Entity::Deals, "stage") => "t.stage_id",
        (Entity::Deals, "status") => "t.status",
        (Entity::Deals, "source") => "t.source_id",
        (Entity::Deals, "loss_reason") => "t.loss_reason_id",
        (Entity::Deals, "account") => "t.account_id",
        (Entity::Deals, "amount") => "t.amount_minor",
        (Entity::Deals, "currency") => "t.currency",
        (Entity::Deals, "probability") => "t.probability",
        (Entity::Deals, "expected_close_date") => "t.expected_close_date",
        (Entity::Deals, "closed_at") => "t.closed_at",
        (Entity::Leads, "last_name") => "t.last_name",
        (Entity::Leads, "company") => "t.company",
        (Entity::Leads, "status") => "t.status",
        (Entity::Leads, "source") => "t.source_id",
        (Entity::Leads, "converted_at") => "t.converted_at",
        (Entity::Accounts, "name") => "t.name",
        (Entity::Accounts, "kind") => "t.kind",
        (Entity::Accounts, "industry") => "t.industry",
        (Entity::Accounts, "territory") => "t.territory",
        (Entity::Accounts, "inn") => "t.inn",
        (Entity::Accounts, "credit_limit") => "t.credit_limit_minor",
        (Entity::Contacts, "last_name") => "t.last_name",
        (Entity::Contacts, "first_name") => "t.first_name",
        (Entity::Contacts, "position") => "t.position",
        (Entity::Contacts, "account") => "t.account_id",
        (Entity::Contacts, "birthday") => "t.birthday",
        (Entity::Activities, "subject") => "t.subject",
        (Entity::Activities, "kind") => "t.kind",
        (Entity::Activities, "status") => "t.status",
        (Entity::Activities, "priority") => "t.priority",
        (Entity::Activities, "channel") => "t.channel",
        (Entity::Activities, "start_at") => "t.start_at",
        (Entity::Activities, "due_at") => "t.due_at",
        (Entity::Activities, "completed_at") => "t.completed_at",
        _ => return None,
    })
}

/// The currency column of a money field; `None` where amounts have no
/// currency of their own (an account's credit limit is in the base one).
fn currency_column(e: Entity) -> Option<&'static str> {
    (e == Entity::Deals).then_some("t.currency")
}

fn col_of(e: Entity, f: &FieldDef) -> Result<&'static str> {
    column(e, f.name).ok_or_else(|| StoreError::corrupt(format!("no column for {}", f.name)))
}

/// The table whose `name` labels a reference, and an ordering column.
fn ref_table(r: RefKind) -> (&'static str, &'static str) {
    match r {
        RefKind::User => ("users", "0"),
        RefKind::Pipeline => ("pipelines", "l.position"),
        // Stages in their pipeline's order.
        RefKind::Stage => ("stages", "l.pipeline_id * 100000 + l.position"),
        RefKind::Lookup => ("lookups", "l.position"),
        RefKind::Account => ("accounts", "0"),
    }
}

// ------------------------------------------------------------ results

/// One grouping value: its stable value (id, choice, text, first day of the
/// period) and what to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Key {
    /// `null` for records without a value.
    pub value: Option<String>,
    pub label: String,
}

/// A record's value in a detail report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Cell {
    Money {
        #[schema(value_type = String)]
        amount: Decimal,
        currency: String,
    },
    Ref {
        id: Id,
        label: String,
    },
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResultRow {
    /// One per grouping.
    pub keys: Vec<Key>,
    /// One per aggregate; `null` where nothing was there to sum.
    #[schema(value_type = Vec<Option<String>>)]
    pub values: Vec<Option<Decimal>>,
    /// One per column (detail reports): `null`, text, a number, money or a reference.
    pub cells: Vec<Option<Cell>>,
    /// The record (detail reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
}

/// A report's result.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub entity: Entity,
    /// The groupings: `owner`, `created_at:month`.
    pub groups: Vec<String>,
    /// The aggregates: `count`, `sum_amount`.
    pub aggregates: Vec<String>,
    /// The columns of a detail report.
    pub columns: Vec<String>,
    pub currency: String,
    pub rows: Vec<ResultRow>,
    /// The aggregates over every counted record.
    #[schema(value_type = Vec<Option<String>>)]
    pub totals: Vec<Option<Decimal>>,
    /// More rows than a report shows: narrow it with filters.
    pub truncated: bool,
}

// ------------------------------------------------------------ SQL building

/// Values bound to `$n`, in order.
#[derive(Default)]
struct Binds(Vec<Bound>);

enum Bound {
    I(i64),
    S(String),
}

impl Binds {
    fn int(&mut self, v: i64) -> String {
        self.0.push(Bound::I(v));
        format!("${}", self.0.len())
    }
    fn text(&mut self, v: impl Into<String>) -> String {
        self.0.push(Bound::S(v.into()));
        format!("${}", self.0.len())
    }
    async fn fetch(self, c: &mut impl Conn, sql: &str) -> Result<Vec<AnyRow>> {
        let mut q = sqlx::query(sql);
        for v in self.0 {
            q = match v {
                Bound::I(i) => q.bind(i),
                Bound::S(s) => q.bind(s),
            };
        }
        Ok(q.fetch_all(c.conn()).await?)
    }
}

fn out_of_range(path: &str) -> StoreError {
    Invalid::field(path, msg::INVALID_VALUE).into()
}

/// A day value as the column compares it: the day itself for day fields,
/// the local midnight for instants.
fn day_bound(
    f: &FieldDef,
    d: Day,
    cal: &dyn Calendar,
    binds: &mut Binds,
    path: &str,
) -> Result<String> {
    match f.ty {
        FieldType::Instant => {
            let t = cal.midnight(d).ok_or_else(|| out_of_range(path))?;
            Ok(binds.text(t.to_db()))
        }
        _ => Ok(binds.text(d.to_db())),
    }
}

fn bind_value(v: &Value, binds: &mut Binds) -> String {
    match v {
        Value::Int(i) => binds.int(*i),
        Value::Text(s) => binds.text(s.clone()),
        Value::Day(d) => binds.text(d.to_db()),
    }
}

/// `%text%` for LIKE, with `%`, `_` and `\` taken literally.
fn like_pattern(s: &str) -> String {
    let mut p = String::from("%");
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

fn condition(
    e: Entity,
    c: &b::Condition,
    i: usize,
    cal: &dyn Calendar,
    binds: &mut Binds,
) -> Result<String> {
    condition_on(col_of(e, c.field)?, c, i, cal, binds)
}

/// The filter `c` (number `i` of the definition) on the expression `col`,
/// which holds the field's value: its column, or where a roll-up keeps it.
fn condition_on(
    col: &str,
    c: &b::Condition,
    i: usize,
    cal: &dyn Calendar,
    binds: &mut Binds,
) -> Result<String> {
    let path = format!("filters[{i}].values");
    let is_text = matches!(c.field.ty, FieldType::Text);
    // Day values on instants compare whole local days.
    let day_of = |v: &Value| match v {
        Value::Day(d) => Some(*d),
        _ => None,
    };
    let instant = c.field.ty == FieldType::Instant;
    Ok(match &c.test {
        Test::Eq(v) | Test::Ne(v) => {
            let inner = match (instant, day_of(v)) {
                (true, Some(d)) => {
                    let a = day_bound(c.field, d, cal, binds, &path)?;
                    let z = day_bound(c.field, next_day(d), cal, binds, &path)?;
                    format!("{col} >= {a} AND {col} < {z}")
                }
                _ => format!("{col} = {}", bind_value(v, binds)),
            };
            if matches!(c.test, Test::Eq(_)) {
                format!("({inner})")
            } else {
                format!("({col} IS NULL OR NOT ({inner}))")
            }
        }
        Test::In(vs) => {
            let list: Vec<String> = vs.iter().map(|v| bind_value(v, binds)).collect();
            format!("{col} IN ({})", list.join(", "))
        }
        Test::Lt(v) => match (instant, day_of(v)) {
            (true, Some(d)) => format!("{col} < {}", day_bound(c.field, d, cal, binds, &path)?),
            _ => format!("{col} < {}", bind_value(v, binds)),
        },
        Test::Gt(v) => match (instant, day_of(v)) {
            (true, Some(d)) => format!(
                "{col} >= {}",
                day_bound(c.field, next_day(d), cal, binds, &path)?
            ),
            _ => format!("{col} > {}", bind_value(v, binds)),
        },
        Test::Between(a, z) => match (instant, day_of(a), day_of(z)) {
            (true, Some(a), Some(z)) => {
                let a = day_bound(c.field, a, cal, binds, &path)?;
                let z = day_bound(c.field, next_day(z), cal, binds, &path)?;
                format!("({col} >= {a} AND {col} < {z})")
            }
            _ => {
                let a = bind_value(a, binds);
                let z = bind_value(z, binds);
                format!("({col} >= {a} AND {col} <= {z})")
            }
        },
        Test::Contains(s) => {
            // LOWER is ASCII-only on SQLite: besides the lower-cased text,
            // match it as typed and with a capital first letter (names), so
            // «ромаш» finds «Ромашка» on both backends.
            let lower = s.to_lowercase();
            let mut variants = vec![lower.clone(), s.clone()];
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                variants.push(first.to_uppercase().chain(chars).collect());
            }
            variants.dedup();
            let mut ors = vec![format!(
                "LOWER({col}) LIKE {} ESCAPE '\\'",
                binds.text(like_pattern(&lower))
            )];
            for v in variants.iter().skip(1) {
                ors.push(format!(
                    "{col} LIKE {} ESCAPE '\\'",
                    binds.text(like_pattern(v))
                ));
            }
            format!("({})", ors.join(" OR "))
        }
        Test::Empty if is_text => format!("({col} IS NULL OR {col} = '')"),
        Test::Empty => format!("{col} IS NULL"),
        Test::NotEmpty if is_text => format!("({col} IS NOT NULL AND {col} <> '')"),
        Test::NotEmpty => format!("{col} IS NOT NULL"),
    })
}

/// The permission scope and the definition's filters, each a condition.
pub(super) struct Conditions {
    /// `t.owner_id IN (…)` of an actor who sees some owners' records.
    scope: Option<String>,
    rest: Vec<String>,
}

impl Conditions {
    /// Every condition, the scope's column behind a unary plus. It keeps
    /// SQLite from choosing an owner index for the scope: it would then look
    /// every row up in the table and sort for the GROUP BY (seconds at a
    /// million deals); without it, the grouping's covering index (which ends
    /// in owner_id) is read in order and the scope checked inside it. On
    /// PostgreSQL it hides the owners' share of the rows, so that the plain
    /// statement reads the table in parallel (a manager's maximum by source ×
    /// close month: 248 ms, 452 with the share known).
    pub(super) fn hidden(&self) -> Vec<String> {
        let scope = self.scope.as_ref().map(|s| format!("+{s}"));
        scope.into_iter().chain(self.rest.iter().cloned()).collect()
    }

    /// Every condition as written: PostgreSQL's grid, whose cells each read
    /// a range of an index, plans them well only knowing the owners' share
    /// (a manager's maximum by source × close month: 211 ms, 340 behind
    /// the plus; by close quarter × currency on the owners' index: 105 ms
    /// against 466); and its plain statement where an index led by the
    /// owner holds every column read (`grid::owner_index_covers`).
    pub(super) fn plain(&self) -> Vec<String> {
        self.scope.iter().chain(self.rest.iter()).cloned().collect()
    }
}

fn conditions(
    plan: &Plan,
    owners: &Option<Vec<Id>>,
    cal: &dyn Calendar,
    binds: &mut Binds,
) -> Result<Conditions> {
    let mut rest = Vec::new();
    let scope = match owners {
        None => None,
        Some(list) if list.is_empty() => {
            rest.push("1 = 0".to_owned());
            None
        }
        Some(list) => {
            let ids: Vec<String> = list.iter().map(|o| binds.int(*o)).collect();
            Some(format!("t.owner_id IN ({})", ids.join(", ")))
        }
    };
    for (i, c) in plan.filters.iter().enumerate() {
        rest.push(condition(plan.entity, c, i, cal, binds)?);
    }
    Ok(Conditions { scope, rest })
}

/// `WHERE …` of the conditions (empty without any).
fn where_of(parts: &[String]) -> String {
    if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    }
}

/// The nested `CASE` of a [`Probe`]; bounds are our own formatted dates.
fn probe_sql(p: &Probe, col: &str, bounds: &[String], out: &mut String) {
    match p {
        Probe::Leaf(i) => out.push_str(&i.to_string()),
        Probe::Split {
            bound,
            below,
            above,
        } => {
            let b = bounds.get(*bound).map(String::as_str).unwrap_or("");
            out.push_str(&format!("CASE WHEN {col} < '{b}' THEN "));
            probe_sql(below, col, bounds, out);
            out.push_str(" ELSE ");
            probe_sql(above, col, bounds, out);
            out.push_str(" END");
        }
    }
}

/// A date grouping's periods: their first days (and the day after the last).
struct Periods {
    days: Vec<Day>,
    grain: b::DateGrain,
}

/// The periods covering every value the field holds, from its smallest and
/// largest (cheap where the column is indexed; the range reveals nothing,
/// only groups with counted records are returned).
async fn periods_for(
    c: &mut impl Conn,
    e: Entity,
    g: &b::Grouping,
    i: usize,
    cal: &dyn Calendar,
) -> Result<Option<Periods>> {
    let Some(grain) = g.grain else {
        return Ok(None);
    };
    let col = col_of(e, g.field)?;
    // Two subqueries: SQLite reads a lone MIN or MAX off an index's end,
    // but scans the whole index for both in one SELECT.
    let table = table_of(e);
    let sql = format!(
        "SELECT (SELECT MIN({col}) FROM {table} t) AS lo, (SELECT MAX({col}) FROM {table} t) AS hi"
    );
    let row = sqlx::query(&sql).fetch_one(c.conn()).await?;
    let (Some(lo), Some(hi)) = (col::os(&row, "lo")?, col::os(&row, "hi")?) else {
        return Ok(Some(Periods {
            days: Vec::new(),
            grain,
        }));
    };
    let day = |s: &str| -> Result<Day> {
        match g.field.ty {
            FieldType::Instant => Timestamp::parse(s)
                .map(|t| cal.day_of(t))
                .map_err(|e| StoreError::corrupt(format!("{col}: {e}"))),
            _ => Day::parse(s).map_err(|e| StoreError::corrupt(format!("{col}: {e}"))),
        }
    };
    let (lo, hi) = (day(&lo)?, day(&hi)?);
    let days = b::buckets(lo, hi, grain, b::MAX_BUCKETS).ok_or_else(|| {
        StoreError::from(Invalid::field(
            &format!("group_by[{i}].grain"),
            msg::BUILDER_TOO_MANY_PERIODS.with("max", b::MAX_BUCKETS),
        ))
    })?;
    Ok(Some(Periods { days, grain }))
}

fn period_bounds(f: &FieldDef, p: &Periods, cal: &dyn Calendar, path: &str) -> Result<Vec<String>> {
    match f.ty {
        FieldType::Instant => Ok(period_instants(p, cal, path)?
            .into_iter()
            .map(Timestamp::to_db)
            .collect()),
        _ => Ok(p.days.iter().map(|d| d.to_db()).collect()),
    }
}

/// The periods' bounds of an instant field: the local midnights their
/// first days (and the day after the last) begin at.
fn period_instants(p: &Periods, cal: &dyn Calendar, path: &str) -> Result<Vec<Timestamp>> {
    p.days
        .iter()
        .map(|d| cal.midnight(*d).ok_or_else(|| out_of_range(path)))
        .collect()
}

/// One aggregate of a statement: its alias (`a{i}` for count, sum, min,
/// max; `n{i}` for how many values an average divides by), its SQL
/// function and the argument (`*` for a row count). Kept apart so the
/// grid can aggregate a cell's rows of one value of a field at a time
/// ([`Agg::when`]).
#[derive(Debug, Clone)]
pub(super) struct Agg {
    pub alias: String,
    func: &'static str,
    arg: String,
    /// Over the rows in the report currency only (an amount of money).
    pub in_currency: bool,
}

impl Agg {
    pub(super) fn sql(&self) -> String {
        format!("{}({})", self.func, self.arg)
    }

    /// The same aggregate over the rows meeting `cond` only.
    pub(super) fn when(&self, cond: &str) -> String {
        let arg = match self.arg.as_str() {
            "*" => "1",
            a => a,
        };
        format!("{}(CASE WHEN {cond} THEN {arg} END)", self.func)
    }

    /// Its value over no rows.
    pub(super) fn of_none(&self) -> &'static str {
        match self.func {
            "COUNT" => "0",
            _ => "NULL",
        }
    }

    /// Whether it counts rows, whatever their values.
    pub(super) fn counts_rows(&self) -> bool {
        self.func == "COUNT" && self.arg == "*"
    }
}

/// The aggregates of a plan, in the order [`read_raw`] reads them.
fn aggregate_sql(
    e: Entity,
    aggs: &[Aggregate],
    currency: &str,
    binds: &mut Binds,
) -> Result<Vec<Agg>> {
    let mut out = Vec::new();
    // Bound once, and only when used: PostgreSQL cannot type an unused parameter.
    let mut cur: Option<String> = None;
    for (i, a) in aggs.iter().enumerate() {
        let Some(f) = a.field else {
            out.push(Agg {
                alias: format!("a{i}"),
                func: "COUNT",
                arg: "*".to_owned(),
                in_currency: false,
            });
            continue;
        };
        let col = col_of(e, f)?;
        let (v, in_currency) = match (f.ty, currency_column(e)) {
            (FieldType::Money, Some(cc)) => {
                let p = cur.get_or_insert_with(|| binds.text(currency));
                (format!("CASE WHEN {cc} = {p} THEN {col} END"), true)
            }
            _ => (col.to_owned(), false),
        };
        let func = match a.func {
            Func::Count | Func::Sum | Func::Avg => "SUM",
            Func::Min => "MIN",
            Func::Max => "MAX",
        };
        out.push(Agg {
            alias: format!("a{i}"),
            func,
            arg: v.clone(),
            in_currency,
        });
        // Only an average divides by the count of values: counting them for
        // the others would cost every row a second CASE.
        if a.func == Func::Avg {
            out.push(Agg {
                alias: format!("n{i}"),
                func: "COUNT",
                arg: v,
                in_currency,
            });
        }
    }
    Ok(out)
}

/// The raw figures of one aggregate in one row: the SQL value and the count
/// of values behind it (for an average, its divisor; for a sum, minimum or
/// maximum only whether there was any).
#[derive(Debug, Clone, Copy, Default)]
struct Raw {
    v: Option<i64>,
    n: i64,
}

fn read_raw(r: &AnyRow, aggs: &[Aggregate]) -> Result<Vec<Raw>> {
    aggs.iter()
        .enumerate()
        .map(|(i, a)| {
            let v = col::oi(r, &format!("a{i}"))?;
            let n = match a.func {
                Func::Avg => col::i(r, &format!("n{i}"))?,
                Func::Count => v.unwrap_or(0),
                // SQL's SUM, MIN and MAX are NULL exactly when no value counted.
                Func::Sum | Func::Min | Func::Max => i64::from(v.is_some()),
            };
            Ok(Raw { v, n })
        })
        .collect()
}

/// The shown value: money from minor units, averages from the exact sum.
fn finish(a: &Aggregate, raw: Raw) -> Option<Decimal> {
    let money = a.field.is_some_and(|f| f.ty == FieldType::Money);
    let scale = |v: i64| {
        if money {
            money::from_minor(v)
        } else {
            Decimal::from(v)
        }
    };
    match a.func {
        Func::Count => Some(Decimal::from(raw.v.unwrap_or(0))),
        Func::Avg => {
            let sum = raw.v?;
            if raw.n == 0 {
                return None;
            }
            Some(
                (scale(sum) / Decimal::from(raw.n))
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
            )
        }
        _ => raw.v.filter(|_| raw.n > 0).map(scale),
    }
}

/// The totals over all rows: counts and sums add, min and max compare,
/// averages divide the total sum by the total count.
fn combine(a: &Aggregate, rows: &[Raw]) -> Raw {
    let n = rows.iter().map(|r| r.n).sum();
    let vals = rows.iter().filter_map(|r| r.v);
    let v = match a.func {
        Func::Count | Func::Sum | Func::Avg => {
            let mut any = false;
            let mut s = 0i64;
            for x in vals {
                any = true;
                s = s.saturating_add(x);
            }
            any.then_some(s)
        }
        Func::Min => vals.min(),
        Func::Max => vals.max(),
    };
    Raw { v, n }
}

fn group_name(g: &b::Grouping) -> String {
    match g.grain {
        Some(gr) => format!("{}:{}", g.field.name, gr.as_str()),
        None => g.field.name.to_owned(),
    }
}

/// How a key sorts: periods by time, references by their position, then
/// by label, then by id (same-named customers in the same order whichever
/// way answered); records without a value last.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey(bool, i64, String, i64);

// ------------------------------------------------------------ running

/// The plain statement: one `GROUP BY`, a date period found per row by the
/// nested `CASE` of a [`Probe`].
fn grouped(
    backend: Backend,
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn Calendar,
    conds: &[String],
    aggs: &[Agg],
    index: Option<&str>,
) -> Result<String> {
    let implied = match backend {
        Backend::Sqlite => implied_pipeline(plan),
        Backend::Postgres => None,
    };
    let mut keys = Vec::new();
    for (i, g) in plan.groups.iter().enumerate() {
        let col = col_of(plan.entity, g.field)?;
        let expr = match &periods[i] {
            _ if Some(i) == implied => format!("MIN({col})"),
            Some(p) => {
                let bounds = period_bounds(g.field, p, cal, &format!("group_by[{i}].grain"))?;
                // Stamps and days are ISO text, ordered byte by byte; PostgreSQL
                // would compare them by the database's collation, a quarter
                // of a date grouping's time at a million rows.
                let probed = match backend {
                    Backend::Sqlite => col.to_owned(),
                    Backend::Postgres => format!("{col} COLLATE \"C\""),
                };
                let mut s = format!("CAST(CASE WHEN {col} IS NULL THEN NULL ELSE ");
                probe_sql(&Probe::new(bounds.len()), &probed, &bounds, &mut s);
                s.push_str(" END AS BIGINT)");
                s
            }
            None => col.to_owned(),
        };
        keys.push(expr);
    }
    let select_keys: String = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS k{i}, "))
        .collect();
    let list: Vec<String> = (0..keys.len())
        .filter(|i| Some(*i) != implied)
        .map(|i| format!("k{i}"))
        .collect();
    let group_by = match list.is_empty() {
        true => String::new(),
        false => format!(" GROUP BY {}", list.join(", ")),
    };
    let indexed = index.map_or(String::new(), |ix| format!(" INDEXED BY {ix}"));
    Ok(format!(
        "SELECT {select_keys}{} FROM {} t{indexed}{}{group_by}",
        select_list(aggs),
        table_of(plan.entity),
        where_of(conds)
    ))
}

/// The place of a deal grouping by pipeline that a grouping by stage (no
/// date on either) makes redundant: a stage belongs to one pipeline (a deal
/// cannot be saved in another's stage), so its deals' pipeline is one
/// value. SQLite, which sorts for a `GROUP BY` no index leads with, groups
/// by the stage alone then and takes the pipeline as the group's `MIN`:
/// the index by stage streams it (a million deals by pipeline × stage,
/// the sum of the probability: 0.7–0.9 s sorted).
fn implied_pipeline(plan: &Plan) -> Option<usize> {
    let at = |name: &str| {
        plan.groups
            .iter()
            .position(|g| g.field.name == name && g.grain.is_none())
    };
    match plan.entity {
        Entity::Deals => at("stage").and(at("pipeline")),
        _ => None,
    }
}

/// Constant rows (each its SQL values, comma-separated) as a subquery with
/// named columns. A `VALUES` list rather than a `UNION ALL` of `SELECT`s:
/// SQLite refuses a compound of more than 500 terms, and a report may have
/// a thousand periods (or seven day cells a week). `rows` must not be empty.
fn constant_rows(columns: &[&str], rows: &[String]) -> String {
    let rows: Vec<String> = rows.iter().map(|r| format!("({r})")).collect();
    format!(
        "(WITH c({}) AS (VALUES {}) SELECT * FROM c)",
        columns.join(", "),
        rows.join(", ")
    )
}

/// `CAST(expr AS BIGINT) AS alias, …`.
fn select_list(aggs: &[Agg]) -> String {
    aggs.iter()
        .map(|a| format!("CAST({} AS BIGINT) AS {}", a.sql(), a.alias))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statement that groups (columns `k{i}`, `a{i}`, `n{i}`), its bound
/// values, and the way that answers it: the board's totals for deals
/// without a date, the roll-ups for the deal and activity reports they
/// hold (either backend), the grid for other date groupings over a
/// covering index (SQLite's many; PostgreSQL's for activities, a few for
/// deals and one by each date of a deal holding every column), else one
/// `GROUP BY`.
async fn statement(
    c: &mut Snapshot,
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
    fast: bool,
) -> Result<(Binds, String, Way)> {
    let sqlite = c.backend() == Backend::Sqlite;
    if fast {
        // Its own binds: PostgreSQL refuses parameters a statement leaves unused.
        let mut binds = Binds::default();
        if let Some(sql) = board::statement(plan, cal, owners, &mut binds)? {
            return Ok((binds, sql, Way::Board));
        }
        let mut binds = Binds::default();
        let rolled = rolled::statement(c, plan, periods, cal, owners, sqlite, &mut binds).await?;
        if let Some(sql) = rolled {
            return Ok((binds, sql, Way::Rollup));
        }
    }
    let mut binds = Binds::default();
    let aggs = aggregate_sql(plan.entity, &plan.aggregates, &plan.currency, &mut binds)?;
    let conds = conditions(plan, owners, cal, &mut binds)?;
    if fast && let Some(sql) = grid::statement(c, plan, periods, cal, &conds, &aggs, owners).await?
    {
        return Ok((binds, sql, Way::Grid));
    }
    if fast && sqlite {
        // Short periods the grid left (a filter outside its indexes): the
        // roll-up with the hours at every period's ends beats a sort.
        let short = plan
            .groups
            .iter()
            .any(|g| matches!(g.grain, Some(b::DateGrain::Day | b::DateGrain::Week)));
        let mut binds = Binds::default();
        if short
            && let Some(sql) =
                rolled::statement(c, plan, periods, cal, owners, false, &mut binds).await?
        {
            return Ok((binds, sql, Way::Rollup));
        }
    }
    if fast && let Some(sql) = grid::walk(c, plan, &conds.hidden(), &aggs).await? {
        return Ok((binds, sql, Way::Walk));
    }
    if fast && let Some(w) = grid::customers_first(c, plan, owners, cal).await? {
        let mut conds = conds.hidden();
        conds.push(w.condition);
        let sql = grouped(c.backend(), plan, periods, cal, &conds, &aggs, w.index)?;
        return Ok((binds, sql, Way::Walk));
    }
    let index = match sqlite {
        true => grid::plain_index(plan, owners.is_some())?,
        false => None,
    };
    let conds = match !sqlite && owners.is_some() && grid::owner_index_covers(plan)? {
        true => conds.plain(),
        false => conds.hidden(),
    };
    let sql = grouped(c.backend(), plan, periods, cal, &conds, &aggs, index)?;
    Ok((binds, sql, Way::Plain))
}

/// The totals of a plan over every record it counts, as one row without
/// groups: what adding up all its groups would give. From the roll-ups
/// where they answer (count, sum or average of the amount, filters on
/// their keys), else one aggregate over the records.
async fn ungrouped_totals(
    c: &mut Snapshot,
    plan: &Plan,
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
) -> Result<Vec<Option<Decimal>>> {
    let whole = Plan {
        groups: Vec::new(),
        ..plan.clone()
    };
    let mut binds = Binds::default();
    let mut sql = board::statement(&whole, cal, owners, &mut binds)?;
    if sql.is_none() {
        binds = Binds::default();
        sql = rolled::totals(c, &whole, cal, owners, &mut binds).await?;
    }
    let raw = match sql {
        Some(sql) => match binds.fetch(c, &sql).await?.first() {
            Some(r) => read_raw(r, &plan.aggregates)?,
            // No deal counted: no row passes the HAVING.
            None => vec![Raw::default(); plan.aggregates.len()],
        },
        None => {
            let mut binds = Binds::default();
            let aggs = aggregate_sql(plan.entity, &plan.aggregates, &plan.currency, &mut binds)?;
            let conds = conditions(&whole, owners, cal, &mut binds)?.hidden();
            let index = match c.backend() {
                Backend::Sqlite => grid::plain_index(&whole, owners.is_some())?,
                Backend::Postgres => None,
            };
            let sql = grouped(c.backend(), &whole, &[], cal, &conds, &aggs, index)?;
            let rows = binds.fetch(c, &sql).await?;
            match rows.first() {
                Some(r) => read_raw(r, &plan.aggregates)?,
                None => {
                    return Err(StoreError::corrupt(
                        "an aggregate without groups gave no row",
                    ));
                }
            }
        }
    };
    Ok(plan
        .aggregates
        .iter()
        .zip(raw)
        .map(|(a, r)| finish(a, r))
        .collect())
}

/// Runs a checked plan for the actor: only the records they may see count.
pub async fn run(db: &Db, actor: &Actor, plan: &Plan, cal: &dyn Calendar) -> Result<Outcome> {
    Ok(run_with(db, actor, plan, cal, true).await?.0)
}

/// How a report was answered.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// From the board's totals (no date; see [`board`]).
    Board,
    /// From the roll-ups (and the hours at the period ends from the records).
    Rollup,
    /// Cell by cell over a covering index (SQLite; on PostgreSQL the
    /// activities' and four of the deals').
    Grid,
    /// Customers in name order until the report is full.
    Walk,
    /// The first grouping's values in order, a run at a time, until the
    /// report is full (a field, then the customer).
    Leading,
    /// One `GROUP BY`, or a listing.
    Plain,
}

/// [`run`], with the fast ways (roll-up, grid) allowed or not; also says
/// which way answered. Tests compare them on the same data.
#[doc(hidden)]
pub async fn run_with(
    db: &Db,
    actor: &Actor,
    plan: &Plan,
    cal: &dyn Calendar,
    allow_fast: bool,
) -> Result<(Outcome, Way)> {
    // One snapshot: the periods come from the field's first and last value,
    // and a deal saved between that read and the grouping must not fall
    // outside them (nor the totals differ from the groups).
    let mut c = db.snapshot().await?;
    let owners = actor.narrow(None);
    if plan.groups.is_empty() && !plan.columns.is_empty() {
        return Ok((detail(&mut c, plan, &owners, cal).await?, Way::Plain));
    }
    let e = plan.entity;
    let mut periods = Vec::new();
    for (i, g) in plan.groups.iter().enumerate() {
        periods.push(periods_for(&mut c, e, g, i, cal).await?);
    }

    // Names of referenced records are joined after grouping: the GROUP BY
    // runs over ids alone, the join touches one row per group.
    let mut outer_cols = vec!["g.*".to_owned()];
    let mut joins = String::new();
    for (i, g) in plan.groups.iter().enumerate() {
        if let FieldType::Ref(r) = g.field.ty {
            let (table, order) = ref_table(r);
            let order = order.replace("l.", &format!("l{i}."));
            outer_cols.push(format!("l{i}.name AS label{i}"));
            outer_cols.push(format!("CAST({order} AS BIGINT) AS pos{i}"));
            joins.push_str(&format!(" LEFT JOIN {table} l{i} ON l{i}.id = g.k{i}"));
        }
    }
    let outer = |inner: &str| format!("SELECT {} FROM ({inner}) g{joins}", outer_cols.join(", "));
    let leading = match allow_fast {
        true => leading::rows(&mut c, plan, &periods, cal, &owners, &outer).await?,
        false => None,
    };
    // The walk and the leading values know the first groups but not the
    // totals; when the walk ended short of a full report, the GROUP BY
    // answers after all.
    let mut walked_totals = None;
    let (rows, way) = match leading {
        Some((rows, whole)) => {
            if !whole {
                walked_totals = Some(ungrouped_totals(&mut c, plan, cal, &owners).await?);
            }
            (rows, Way::Leading)
        }
        None => {
            let (binds, inner, way) =
                statement(&mut c, plan, &periods, cal, &owners, allow_fast).await?;
            let rows = binds.fetch(&mut c, &outer(&inner)).await?;
            match way {
                Way::Walk if rows.len() > MAX_GROUP_ROWS => {
                    walked_totals = Some(ungrouped_totals(&mut c, plan, cal, &owners).await?);
                    (rows, way)
                }
                Way::Walk => {
                    let (binds, inner, plain) =
                        statement(&mut c, plan, &periods, cal, &owners, false).await?;
                    (binds.fetch(&mut c, &outer(&inner)).await?, plain)
                }
                _ => (rows, way),
            }
        }
    };

    let mut out: Vec<(Vec<SortKey>, Vec<Key>, Vec<Raw>)> = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut sort = Vec::new();
        let mut ks = Vec::new();
        for (i, g) in plan.groups.iter().enumerate() {
            let k = format!("k{i}");
            let (s, key) = match (&periods[i], g.field.ty) {
                (Some(p), _) => match col::oi(r, &k)? {
                    Some(ix) if ix >= 0 && (ix as usize) + 1 < p.days.len() => {
                        let start = p.days[ix as usize];
                        (
                            SortKey(false, ix, String::new(), 0),
                            Key {
                                value: Some(start.to_db()),
                                label: b::bucket_label(start, p.grain),
                            },
                        )
                    }
                    _ => (
                        SortKey(true, 0, String::new(), 0),
                        Key {
                            value: None,
                            label: String::new(),
                        },
                    ),
                },
                (None, FieldType::Ref(_)) => match col::oi(r, &k)? {
                    Some(id) => {
                        let label =
                            col::os(r, &format!("label{i}"))?.unwrap_or_else(|| format!("#{id}"));
                        let pos = col::oi(r, &format!("pos{i}"))?.unwrap_or(0);
                        (
                            SortKey(false, pos, label.clone(), id),
                            Key {
                                value: Some(id.to_string()),
                                label,
                            },
                        )
                    }
                    None => (
                        SortKey(true, 0, String::new(), 0),
                        Key {
                            value: None,
                            label: String::new(),
                        },
                    ),
                },
                (None, _) => match col::os(r, &k)?.filter(|s| !s.is_empty()) {
                    Some(s) => (
                        SortKey(false, 0, s.clone(), 0),
                        Key {
                            value: Some(s.clone()),
                            label: s,
                        },
                    ),
                    None => (
                        SortKey(true, 0, String::new(), 0),
                        Key {
                            value: None,
                            label: String::new(),
                        },
                    ),
                },
            };
            sort.push(s);
            ks.push(key);
        }
        out.push((sort, ks, read_raw(r, &plan.aggregates)?));
    }
    // Text keys that differ only in emptiness ('' and NULL) fold into one.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(Vec<SortKey>, Vec<Key>, Vec<Raw>)> = Vec::with_capacity(out.len());
    for row in out {
        match merged.last_mut() {
            Some(last) if last.1 == row.1 => {
                for (j, a) in plan.aggregates.iter().enumerate() {
                    last.2[j] = combine(a, &[last.2[j], row.2[j]]);
                }
            }
            _ => merged.push(row),
        }
    }
    let totals = match walked_totals {
        Some(t) => t,
        None => plan
            .aggregates
            .iter()
            .enumerate()
            .map(|(j, a)| {
                let col: Vec<Raw> = merged.iter().map(|r| r.2[j]).collect();
                finish(a, combine(a, &col))
            })
            .collect(),
    };
    let truncated = merged.len() > MAX_GROUP_ROWS;
    merged.truncate(MAX_GROUP_ROWS);
    let outcome = Outcome {
        entity: e,
        groups: plan.groups.iter().map(group_name).collect(),
        aggregates: plan.aggregates.iter().map(Aggregate::key).collect(),
        columns: Vec::new(),
        currency: plan.currency.clone(),
        rows: merged
            .into_iter()
            .map(|(_, keys, raw)| ResultRow {
                keys,
                values: plan
                    .aggregates
                    .iter()
                    .zip(raw)
                    .map(|(a, r)| finish(a, r))
                    .collect(),
                cells: Vec::new(),
                id: None,
            })
            .collect(),
        totals,
        truncated,
    };
    Ok((outcome, way))
}

/// Columns without grouping: the newest records (at most
/// [`MAX_DETAIL_ROWS`]) and the aggregates over all of them.
async fn detail(
    c: &mut impl Conn,
    plan: &Plan,
    owners: &Option<Vec<Id>>,
    cal: &dyn Calendar,
) -> Result<Outcome> {
    let e = plan.entity;
    let mut binds = Binds::default();
    let aggs = aggregate_sql(e, &plan.aggregates, &plan.currency, &mut binds)?;
    let filter = where_of(&conditions(plan, owners, cal, &mut binds)?.hidden());
    let totals_sql = format!(
        "SELECT {} FROM {} t{filter}",
        select_list(&aggs),
        table_of(e)
    );
    let rows = binds.fetch(c, &totals_sql).await?;
    let raw = match rows.first() {
        Some(r) => read_raw(r, &plan.aggregates)?,
        None => vec![Raw::default(); plan.aggregates.len()],
    };
    let totals = plan
        .aggregates
        .iter()
        .zip(raw)
        .map(|(a, r)| finish(a, r))
        .collect();

    let mut binds = Binds::default();
    let mut select = vec!["t.id AS id".to_owned()];
    let mut joins = String::new();
    for (i, f) in plan.columns.iter().enumerate() {
        let col = col_of(e, f)?;
        select.push(format!("{col} AS c{i}"));
        match f.ty {
            FieldType::Ref(r) => {
                let (table, _) = ref_table(r);
                select.push(format!("l{i}.name AS label{i}"));
                joins.push_str(&format!(" LEFT JOIN {table} l{i} ON l{i}.id = {col}"));
            }
            FieldType::Money => {
                let cc = currency_column(e).unwrap_or("NULL");
                select.push(format!("{cc} AS cur{i}"));
            }
            _ => {}
        }
    }
    let filter = where_of(&conditions(plan, owners, cal, &mut binds)?.hidden());
    let sql = format!(
        "SELECT {} FROM {} t{joins}{filter} ORDER BY t.id DESC LIMIT {}",
        select.join(", "),
        table_of(e),
        MAX_DETAIL_ROWS + 1
    );
    let rows = binds.fetch(c, &sql).await?;
    let truncated = rows.len() > MAX_DETAIL_ROWS;
    let mut out = Vec::with_capacity(rows.len().min(MAX_DETAIL_ROWS));
    for r in rows.iter().take(MAX_DETAIL_ROWS) {
        let mut cells = Vec::with_capacity(plan.columns.len());
        for (i, f) in plan.columns.iter().enumerate() {
            let k = format!("c{i}");
            let cell = match f.ty {
                FieldType::Number => col::oi(r, &k)?.map(Cell::Int),
                FieldType::Money => col::oi(r, &k)?.map(|v| Cell::Money {
                    amount: money::from_minor(v),
                    currency: col::os(r, &format!("cur{i}"))
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| plan.currency.clone()),
                }),
                FieldType::Ref(_) => match col::oi(r, &k)? {
                    Some(id) => Some(Cell::Ref {
                        id,
                        label: col::os(r, &format!("label{i}"))?
                            .unwrap_or_else(|| format!("#{id}")),
                    }),
                    None => None,
                },
                _ => col::os(r, &k)?.map(Cell::Text),
            };
            cells.push(cell);
        }
        out.push(ResultRow {
            keys: Vec::new(),
            values: Vec::new(),
            cells,
            id: Some(col::i(r, "id")?),
        });
    }
    Ok(Outcome {
        entity: e,
        groups: Vec::new(),
        aggregates: plan.aggregates.iter().map(Aggregate::key).collect(),
        columns: plan.columns.iter().map(|f| f.name.to_owned()).collect(),
        currency: plan.currency.clone(),
        rows: out,
        totals,
        truncated,
    })
}

// ------------------------------------------------------------ saved reports

/// A saved report as its readers see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SavedReport {
    pub id: Id,
    pub name: String,
    pub owner_id: Id,
    pub owner: String,
    /// The team it is shared with.
    pub team_id: Option<Id>,
    pub definition: Definition,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Whether the actor may change or delete it (its owner or an administrator).
    pub can_edit: bool,
}

/// What a save sends.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, utoipa::ToSchema)]
pub struct SavedReportInput {
    pub name: String,
    /// Share with this team (`null`: only you).
    #[serde(default)]
    pub team_id: Option<Id>,
    pub definition: Definition,
}

async fn team_of(c: &mut impl Conn, user: Id) -> Result<Option<Id>> {
    let row = sqlx::query("SELECT team_id FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(c.conn())
        .await?;
    match row {
        Some(r) => col::oi(&r, "team_id"),
        None => Ok(None),
    }
}

const SAVED_SELECT: &str = "SELECT r.id, r.name, r.owner_id, u.name AS owner, r.team_id, \
     r.definition, r.created_at, r.updated_at FROM saved_reports r JOIN users u ON u.id = r.owner_id";

fn saved_from(r: &AnyRow, actor: &Actor) -> Result<SavedReport> {
    let owner_id = col::i(r, "owner_id")?;
    let definition = serde_json::from_str(&col::s(r, "definition")?)
        .map_err(|e| StoreError::corrupt(format!("saved_reports.definition: {e}")))?;
    Ok(SavedReport {
        id: col::i(r, "id")?,
        name: col::s(r, "name")?,
        owner_id,
        owner: col::s(r, "owner")?,
        team_id: col::oi(r, "team_id")?,
        definition,
        created_at: col::ts(r, "created_at")?,
        updated_at: col::ts(r, "updated_at")?,
        can_edit: actor.is_admin() || actor.user_id == Some(owner_id),
    })
}

/// `AND …` that keeps the reports the actor may read: their own and those
/// shared with their team; an administrator reads all.
async fn readable_sql(c: &mut impl Conn, actor: &Actor) -> Result<String> {
    if actor.is_admin() {
        return Ok(String::new());
    }
    let Some(user) = actor.user_id else {
        return Ok(" AND 1 = 0".into());
    };
    Ok(match team_of(c, user).await? {
        Some(team) => format!(" AND (r.owner_id = {user} OR r.team_id = {team})"),
        None => format!(" AND r.owner_id = {user}"),
    })
}

/// The reports the actor may open, by name.
pub async fn list_saved(db: &Db, actor: &Actor) -> Result<Vec<SavedReport>> {
    let mut c = db.reader().await?;
    let scope = readable_sql(&mut c, actor).await?;
    let sql = format!("{SAVED_SELECT} WHERE 1 = 1{scope} ORDER BY r.name, r.id");
    let rows = sqlx::query(&sql).fetch_all(c.conn()).await?;
    rows.iter().map(|r| saved_from(r, actor)).collect()
}

async fn load(c: &mut impl Conn, actor: &Actor, id: Id) -> Result<SavedReport> {
    let scope = readable_sql(c, actor).await?;
    let sql = format!("{SAVED_SELECT} WHERE r.id = $1{scope}");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    saved_from(&row, actor)
}

/// One report the actor may read; anyone else's is `NotFound`.
pub async fn get_saved(db: &Db, actor: &Actor, id: Id) -> Result<SavedReport> {
    let mut c = db.reader().await?;
    load(&mut c, actor, id).await
}

/// Checks a save: the name, the definition (its problems under
/// `definition.…`) and the team. Returns the definition as stored JSON.
async fn check_input(c: &mut impl Conn, input: &SavedReportInput) -> Result<(String, String)> {
    let mut e = FieldErrors::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        e.add("name", msg::NAME_REQUIRED);
    }
    let base = crate::company::base_currency(c).await?;
    if let Err(Invalid(errs)) = input.definition.validate(&base) {
        for (k, m) in errs.into_messages() {
            e.add(format!("definition.{k}"), m);
        }
    }
    if let Some(team) = input.team_id {
        let found = sqlx::query("SELECT id FROM teams WHERE id = $1")
            .bind(team)
            .fetch_optional(c.conn())
            .await?;
        if found.is_none() {
            e.add("team_id", msg::TEAM_MISSING);
        }
    }
    e.finish()?;
    let json =
        serde_json::to_string(&input.definition).map_err(|e| StoreError::corrupt(e.to_string()))?;
    Ok((name, json))
}

pub async fn create_saved(db: &Db, actor: &Actor, input: SavedReportInput) -> Result<SavedReport> {
    let Some(user) = actor.user_id else {
        return Err(StoreError::Forbidden("only people save reports".into()));
    };
    let actor2 = actor.clone();
    let id = db
        .write(move |tx| {
            boxed(async move {
                let (name, json) = check_input(tx, &input).await?;
                let now = tx.now().to_db();
                table::insert_row(
                    tx,
                    "saved_reports",
                    vec![
                        ("owner_id", user.into()),
                        ("team_id", input.team_id.into()),
                        ("name", name.into()),
                        ("definition", json.into()),
                        ("created_at", now.clone().into()),
                        ("updated_at", now.into()),
                    ],
                )
                .await
            })
        })
        .await?;
    get_saved(db, &actor2, id).await
}

/// Loads a report for a change: `NotFound` if the actor cannot read it,
/// `Forbidden` if they can but it is not theirs.
async fn editable(c: &mut impl Conn, actor: &Actor, id: Id) -> Result<SavedReport> {
    let r = load(c, actor, id).await?;
    if !r.can_edit {
        return Err(StoreError::Forbidden(msg::REPORT_OWNER_ONLY.text()));
    }
    Ok(r)
}

pub async fn update_saved(
    db: &Db,
    actor: &Actor,
    id: Id,
    input: SavedReportInput,
) -> Result<SavedReport> {
    let a = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            editable(tx, &a, id).await?;
            let (name, json) = check_input(tx, &input).await?;
            let now = tx.now().to_db();
            sqlx::query(
                "UPDATE saved_reports SET name = $1, team_id = $2, definition = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(name)
            .bind(input.team_id)
            .bind(json)
            .bind(now)
            .bind(id)
            .execute(tx.conn())
            .await?;
            Ok(())
        })
    })
    .await?;
    get_saved(db, actor, id).await
}

pub async fn delete_saved(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    let a = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            editable(tx, &a, id).await?;
            sqlx::query("DELETE FROM saved_reports WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            Ok(())
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_field_has_a_column() {
        for e in Entity::ALL {
            for f in b::fields(e) {
                assert!(column(e, f.name).is_some(), "{} {}", e.as_str(), f.name);
            }
        }
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn averages_are_exact_decimals() {
        let a = Aggregate {
            func: Func::Avg,
            field: b::field(Entity::Deals, "amount"),
        };
        // 100.00 + 200.01 over 2 = 150.005: half a kopeck rounds up.
        let v = finish(
            &a,
            Raw {
                v: Some(30_001),
                n: 2,
            },
        );
        assert_eq!(v, Some(Decimal::new(15001, 2)));
        assert_eq!(finish(&a, Raw { v: None, n: 0 }), None);
    }
}
