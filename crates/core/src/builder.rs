//! The report builder: what a user may ask for, and the checks that keep a
//! request within it.
//!
//! A [`Definition`] is what people write and save: plain names (entity,
//! fields, operators, grains), so a saved report stays readable JSON and an
//! old one with a field that no longer exists is reported, not mis-read.
//! [`Definition::validate`] turns it into a [`Plan`] of typed parts, naming
//! every field that is wrong (`filters[1].op`, `group_by[0].field`, …).
//! The field catalogue ([`fields`]) is the whitelist: the store only ever
//! puts the SQL of a catalogue entry into a query, never request text.
//!
//! Date grouping is by calendar periods of the user's days
//! ([`buckets`]); [`Probe`] is the binary search that places an instant
//! among the periods' bounds — the store renders the same tree as nested
//! `CASE`s, so what the tests prove of it holds in SQL too.

use crate::datetime::{Day, Timestamp};
use crate::error::{FieldErrors, Invalid};
use crate::messages as msg;
use crate::money::{self, Currency};
use crate::reports::{self as periods, Grain};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// What a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Deals,
    Leads,
    Accounts,
    Contacts,
    Activities,
}

impl Entity {
    pub const ALL: [Entity; 5] = [
        Entity::Deals,
        Entity::Leads,
        Entity::Accounts,
        Entity::Contacts,
        Entity::Activities,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Deals => "deals",
            Entity::Leads => "leads",
            Entity::Accounts => "accounts",
            Entity::Contacts => "contacts",
            Entity::Activities => "activities",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// Records another field points at; the report shows their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    User,
    Pipeline,
    Stage,
    Lookup,
    Account,
}

/// A field's kind decides its operators, and whether it groups or sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// A whole number (probability).
    Number,
    /// Minor units beside the record's currency.
    Money,
    /// A UTC instant, grouped and filtered by the user's calendar days.
    Instant,
    /// A calendar day with no zone.
    Day,
    /// An id of another record.
    Ref(RefKind),
    /// One of a fixed set of stable values.
    Choice(&'static [&'static str]),
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Instant => "datetime",
            FieldType::Day => "date",
            FieldType::Ref(_) => "reference",
            FieldType::Choice(_) => "choice",
        }
    }

    pub fn is_date(self) -> bool {
        matches!(self, FieldType::Instant | FieldType::Day)
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Number | FieldType::Money)
    }

    /// The operators that make sense for the kind.
    pub fn ops(self) -> &'static [Op] {
        use Op::*;
        match self {
            FieldType::Text => &[Eq, Ne, In, Contains, Empty, NotEmpty],
            FieldType::Number | FieldType::Money => &[Eq, Ne, In, Lt, Gt, Between, Empty, NotEmpty],
            FieldType::Instant | FieldType::Day => &[Eq, Ne, Lt, Gt, Between, Empty, NotEmpty],
            FieldType::Ref(_) | FieldType::Choice(_) => &[Eq, Ne, In, Empty, NotEmpty],
        }
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: FieldType,
    /// Whether rows can be grouped by it (names, subjects and free text: no;
    /// they would give one group a record).
    pub groupable: bool,
}

impl FieldDef {
    /// Sum, average, min and max apply to numbers and money only.
    pub fn aggregatable(&self) -> bool {
        self.ty.is_numeric()
    }
}

const fn f(name: &'static str, ty: FieldType, groupable: bool) -> FieldDef {
    FieldDef {
        name,
        ty,
        groupable,
    }
}

use FieldType as T;

const DEAL_STATUS: &[&str] = &["open", "won", "lost"];
const LEAD_STATUS: &[&str] = &["new", "working", "converted", "disqualified"];
const ACCOUNT_KIND: &[&str] = &["prospect", "customer"];
const ACTIVITY_KIND: &[&str] = &["event", "task", "interaction"];
const ACTIVITY_STATUS: &[&str] = &[
    "planned",
    "held",
    "not_held",
    "not_started",
    "waiting",
    "deferred",
    "in_progress",
    "completed",
];
const PRIORITY: &[&str] = &["low", "normal", "high"];
const CHANNEL: &[&str] = &["call", "email", "message", "meeting"];

const DEALS: &[FieldDef] = &[
    f("title", T::Text, false),
    f("owner", T::Ref(RefKind::User), true),
    f("pipeline", T::Ref(RefKind::Pipeline), true),
    f("stage", T::Ref(RefKind::Stage), true),
    f("status", T::Choice(DEAL_STATUS), true),
    f("source", T::Ref(RefKind::Lookup), true),
    f("loss_reason", T::Ref(RefKind::Lookup), true),
    f("account", T::Ref(RefKind::Account), true),
    f("amount", T::Money, false),
    f("currency", T::Text, true),
    f("probability", T::Number, false),
    f("expected_close_date", T::Day, true),
    f("created_at", T::Instant, true),
    f("closed_at", T::Instant, true),
];

const LEADS: &[FieldDef] = &[
    f("last_name", T::Text, false),
    f("company", T::Text, false),
    f("owner", T::Ref(RefKind::User), true),
    f("status", T::Choice(LEAD_STATUS), true),
    f("source", T::Ref(RefKind::Lookup), true),
    f("created_at", T::Instant, true),
    f("converted_at", T::Instant, true),
];

const ACCOUNTS: &[FieldDef] = &[
    f("name", T::Text, false),
    f("kind", T::Choice(ACCOUNT_KIND), true),
    f("industry", T::Text, true),
    f("territory", T::Text, true),
    f("inn", T::Text, false),
    f("owner", T::Ref(RefKind::User), true),
    f("credit_limit", T::Money, false),
    f("created_at", T::Instant, true),
];

const CONTACTS: &[FieldDef] = &[
    f("last_name", T::Text, false),
    f("first_name", T::Text, false),
    f("position", T::Text, true),
    f("account", T::Ref(RefKind::Account), true),
    f("owner", T::Ref(RefKind::User), true),
    f("birthday", T::Day, true),
    f("created_at", T::Instant, true),
];

const ACTIVITIES: &[FieldDef] = &[
    f("subject", T::Text, false),
    f("kind", T::Choice(ACTIVITY_KIND), true),
    f("status", T::Choice(ACTIVITY_STATUS), true),
    f("priority", T::Choice(PRIORITY), true),
    f("channel", T::Choice(CHANNEL), true),
    f("owner", T::Ref(RefKind::User), true),
    f("start_at", T::Instant, true),
    f("due_at", T::Instant, true),
    f("completed_at", T::Instant, true),
    f("created_at", T::Instant, true),
];

/// The fields of an entity a report may use, in the order forms list them.
pub fn fields(entity: Entity) -> &'static [FieldDef] {
    match entity {
        Entity::Deals => DEALS,
        Entity::Leads => LEADS,
        Entity::Accounts => ACCOUNTS,
        Entity::Contacts => CONTACTS,
        Entity::Activities => ACTIVITIES,
    }
}

pub fn field(entity: Entity, name: &str) -> Option<&'static FieldDef> {
    fields(entity).iter().find(|d| d.name == name)
}

/// Filter operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    In,
    Lt,
    Gt,
    Between,
    Contains,
    Empty,
    NotEmpty,
}

impl Op {
    pub const ALL: [Op; 9] = [
        Op::Eq,
        Op::Ne,
        Op::In,
        Op::Lt,
        Op::Gt,
        Op::Between,
        Op::Contains,
        Op::Empty,
        Op::NotEmpty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::In => "in",
            Op::Lt => "lt",
            Op::Gt => "gt",
            Op::Between => "between",
            Op::Contains => "contains",
            Op::Empty => "empty",
            Op::NotEmpty => "not_empty",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// How many values the operator takes: `(min, max)`.
    pub fn arity(self) -> (usize, usize) {
        match self {
            Op::Empty | Op::NotEmpty => (0, 0),
            Op::In => (1, MAX_IN),
            Op::Between => (2, 2),
            _ => (1, 1),
        }
    }
}

/// How date fields are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateGrain {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl DateGrain {
    pub const ALL: [DateGrain; 5] = [
        DateGrain::Day,
        DateGrain::Week,
        DateGrain::Month,
        DateGrain::Quarter,
        DateGrain::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DateGrain::Day => "day",
            DateGrain::Week => "week",
            DateGrain::Month => "month",
            DateGrain::Quarter => "quarter",
            DateGrain::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<DateGrain> {
        DateGrain::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl Func {
    pub const ALL: [Func; 5] = [Func::Count, Func::Sum, Func::Avg, Func::Min, Func::Max];

    pub fn as_str(self) -> &'static str {
        match self {
            Func::Count => "count",
            Func::Sum => "sum",
            Func::Avg => "avg",
            Func::Min => "min",
            Func::Max => "max",
        }
    }

    pub fn parse(s: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// Chart types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    Bar,
    Line,
    Pie,
    Funnel,
}

impl Chart {
    pub const ALL: [Chart; 4] = [Chart::Bar, Chart::Line, Chart::Pie, Chart::Funnel];

    pub fn as_str(self) -> &'static str {
        match self {
            Chart::Bar => "bar",
            Chart::Line => "line",
            Chart::Pie => "pie",
            Chart::Funnel => "funnel",
        }
    }

    pub fn parse(s: &str) -> Option<Chart> {
        Chart::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

pub const MAX_COLUMNS: usize = 20;
pub const MAX_FILTERS: usize = 20;
pub const MAX_GROUPS: usize = 2;
pub const MAX_AGGREGATES: usize = 5;
pub const MAX_IN: usize = 100;
/// Date periods one grouping may have: a day grain over almost three years.
pub const MAX_BUCKETS: usize = 1000;

// ------------------------------------------------------------ definition

/// A filter value as written: text or a JSON number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Number(serde_json::Number),
}

impl Scalar {
    pub fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.trim().to_owned(),
            Scalar::Number(n) => n.to_string(),
        }
    }
}

impl From<&str> for Scalar {
    fn from(s: &str) -> Scalar {
        Scalar::Text(s.to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FilterDef {
    pub field: String,
    /// eq, ne, in, lt, gt, between, contains, empty, not_empty.
    pub op: String,
    /// Dates as YYYY-MM-DD (your calendar days), money as decimal text,
    /// references as ids, choices as their values (numbers may be JSON numbers).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub values: Vec<Scalar>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupDef {
    pub field: String,
    /// day, week, month, quarter or year: date fields only (default month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AggregateDef {
    /// count, sum, avg, min or max.
    pub func: String,
    /// A number or money field; none for count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A report as written and saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Definition {
    /// deals, leads, accounts, contacts or activities.
    pub entity: String,
    /// Fields listed per record when there is no grouping.
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub filters: Vec<FilterDef>,
    /// One or two levels.
    #[serde(default)]
    pub group_by: Vec<GroupDef>,
    /// Default: count.
    #[serde(default)]
    pub aggregates: Vec<AggregateDef>,
    /// bar, line, pie or funnel (default bar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    /// Money is summed in this currency (default: the company's own, so a
    /// saved report follows the books if they move); counts include every currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

// ------------------------------------------------------------ plan

/// A checked filter value (the values of one filter share a variant, so
/// their order is the field's order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Text(String),
    /// Numbers, money in minor units, ids.
    Int(i64),
    Day(Day),
}

/// A checked condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    Lt(Value),
    Gt(Value),
    /// Both ends included.
    Between(Value, Value),
    /// Text to look for, as typed (the store matches it case-insensitively
    /// where the database can).
    Contains(String),
    Empty,
    NotEmpty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: &'static FieldDef,
    pub test: Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grouping {
    pub field: &'static FieldDef,
    /// Set exactly for date fields.
    pub grain: Option<DateGrain>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aggregate {
    pub func: Func,
    /// `None` exactly for count.
    pub field: Option<&'static FieldDef>,
}

impl Aggregate {
    /// `count`, `sum_amount`: the key of the value in results and exports.
    pub fn key(&self) -> String {
        match self.field {
            None => self.func.as_str().to_owned(),
            Some(f) => format!("{}_{}", self.func.as_str(), f.name),
        }
    }
}

/// A definition that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub entity: Entity,
    pub columns: Vec<&'static FieldDef>,
    pub filters: Vec<Condition>,
    pub groups: Vec<Grouping>,
    pub aggregates: Vec<Aggregate>,
    pub chart: Chart,
    pub currency: String,
}

fn one_of<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|x| name(*x)).collect::<Vec<_>>().join(", ")
}

impl Definition {
    /// Checks everything and reports every bad part at once, each under its
    /// path (`columns[2]`, `filters[0].values`, `aggregates[1].field`).
    /// `base_currency` is the report currency when the definition names none.
    pub fn validate(&self, base_currency: &Currency) -> Result<Plan, Invalid> {
        let mut e = FieldErrors::new();
        let Some(entity) = Entity::parse(self.entity.trim()) else {
            e.add(
                "entity",
                msg::BUILDER_ENTITY.with("allowed", one_of(&Entity::ALL, Entity::as_str)),
            );
            return Err(Invalid(e));
        };
        let lookup = |name: &str, path: &str, e: &mut FieldErrors| {
            let found = field(entity, name.trim());
            if found.is_none() {
                e.add(path, msg::BUILDER_FIELD.with("entity", entity.as_str()));
            }
            found
        };

        let mut columns = Vec::new();
        if self.columns.len() > MAX_COLUMNS {
            e.add("columns", msg::BUILDER_TOO_MANY.with("max", MAX_COLUMNS));
        }
        for (i, c) in self.columns.iter().enumerate().take(MAX_COLUMNS) {
            let path = format!("columns[{i}]");
            if let Some(d) = lookup(c, &path, &mut e) {
                if columns.contains(&d) {
                    e.add(path, msg::LISTED_TWICE);
                } else {
                    columns.push(d);
                }
            }
        }

        let mut filters = Vec::new();
        if self.filters.len() > MAX_FILTERS {
            e.add("filters", msg::BUILDER_TOO_MANY.with("max", MAX_FILTERS));
        }
        for (i, fd) in self.filters.iter().enumerate().take(MAX_FILTERS) {
            let path = format!("filters[{i}]");
            let Some(d) = lookup(&fd.field, &format!("{path}.field"), &mut e) else {
                continue;
            };
            let op = Op::parse(fd.op.trim()).filter(|op| d.ty.ops().contains(op));
            let Some(op) = op else {
                e.add(
                    format!("{path}.op"),
                    msg::BUILDER_OPERATOR
                        .with("field", d.name)
                        .with("allowed", one_of(d.ty.ops(), Op::as_str)),
                );
                continue;
            };
            let (min, max) = op.arity();
            if fd.values.len() < min || fd.values.len() > max {
                let n = if min == max {
                    min.to_string()
                } else {
                    format!("{min} to {max}")
                };
                e.add(
                    format!("{path}.values"),
                    msg::BUILDER_VALUES.with("op", op.as_str()).with("n", n),
                );
                continue;
            }
            let mut values = Vec::with_capacity(fd.values.len());
            for v in &fd.values {
                match parse_value(d.ty, op, &v.text()) {
                    Ok(v) => values.push(v),
                    Err(m) => {
                        e.add(format!("{path}.values"), m);
                        break;
                    }
                }
            }
            if values.len() != fd.values.len() {
                continue;
            }
            let mut it = values.into_iter();
            let mut next = || it.next().unwrap_or(Value::Int(0));
            let test = match op {
                Op::Eq => Test::Eq(next()),
                Op::Ne => Test::Ne(next()),
                Op::Lt => Test::Lt(next()),
                Op::Gt => Test::Gt(next()),
                Op::Between => {
                    let (a, b) = (next(), next());
                    if b < a {
                        e.add(format!("{path}.values"), msg::BUILDER_BETWEEN_ORDER);
                        continue;
                    }
                    Test::Between(a, b)
                }
                Op::In => Test::In(fd.values.iter().map(|_| next()).collect()),
                Op::Contains => match next() {
                    Value::Text(t) => Test::Contains(t),
                    _ => continue,
                },
                Op::Empty => Test::Empty,
                Op::NotEmpty => Test::NotEmpty,
            };
            filters.push(Condition { field: d, test });
        }

        let mut groups: Vec<Grouping> = Vec::new();
        if self.group_by.len() > MAX_GROUPS {
            e.add("group_by", msg::BUILDER_TOO_MANY.with("max", MAX_GROUPS));
        }
        for (i, g) in self.group_by.iter().enumerate().take(MAX_GROUPS) {
            let path = format!("group_by[{i}]");
            let Some(d) = lookup(&g.field, &format!("{path}.field"), &mut e) else {
                continue;
            };
            if !d.groupable {
                e.add(
                    format!("{path}.field"),
                    msg::BUILDER_NOT_GROUPABLE.with("field", d.name),
                );
                continue;
            }
            let grain = match (d.ty.is_date(), g.grain.as_deref().map(str::trim)) {
                (true, None | Some("")) => Some(DateGrain::Month),
                (true, Some(s)) => match DateGrain::parse(s) {
                    Some(g) => Some(g),
                    None => {
                        e.add(
                            format!("{path}.grain"),
                            msg::BUILDER_GRAIN
                                .with("allowed", one_of(&DateGrain::ALL, DateGrain::as_str)),
                        );
                        continue;
                    }
                },
                (false, None | Some("")) => None,
                (false, Some(_)) => {
                    e.add(
                        format!("{path}.grain"),
                        msg::BUILDER_GRAIN_NOT_DATE.with("field", d.name),
                    );
                    continue;
                }
            };
            let grouping = Grouping { field: d, grain };
            if groups.contains(&grouping) {
                e.add(format!("{path}.field"), msg::LISTED_TWICE);
                continue;
            }
            groups.push(grouping);
        }

        let mut aggregates: Vec<Aggregate> = Vec::new();
        if self.aggregates.len() > MAX_AGGREGATES {
            e.add(
                "aggregates",
                msg::BUILDER_TOO_MANY.with("max", MAX_AGGREGATES),
            );
        }
        for (i, a) in self.aggregates.iter().enumerate().take(MAX_AGGREGATES) {
            let path = format!("aggregates[{i}]");
            let Some(func) = Func::parse(a.func.trim()) else {
                e.add(
                    format!("{path}.func"),
                    msg::BUILDER_FUNC.with("allowed", one_of(&Func::ALL, Func::as_str)),
                );
                continue;
            };
            let name = a.field.as_deref().map(str::trim).filter(|s| !s.is_empty());
            let agg = match (func, name) {
                (Func::Count, None) => Aggregate { func, field: None },
                (Func::Count, Some(_)) => {
                    e.add(format!("{path}.field"), msg::BUILDER_COUNT_NO_FIELD);
                    continue;
                }
                (_, None) => {
                    e.add(
                        format!("{path}.field"),
                        msg::BUILDER_NEEDS_FIELD.with("func", func.as_str()),
                    );
                    continue;
                }
                (_, Some(n)) => {
                    let Some(d) = lookup(n, &format!("{path}.field"), &mut e) else {
                        continue;
                    };
                    if !d.aggregatable() {
                        e.add(
                            format!("{path}.field"),
                            msg::BUILDER_NOT_AGGREGATABLE
                                .with("field", d.name)
                                .with("func", func.as_str()),
                        );
                        continue;
                    }
                    Aggregate {
                        func,
                        field: Some(d),
                    }
                }
            };
            if aggregates.contains(&agg) {
                e.add(format!("{path}.func"), msg::LISTED_TWICE);
                continue;
            }
            aggregates.push(agg);
        }
        if aggregates.is_empty() && self.aggregates.is_empty() {
            aggregates.push(Aggregate {
                func: Func::Count,
                field: None,
            });
        }

        let chart = match self.chart.as_deref().map(str::trim) {
            None | Some("") => Chart::Bar,
            Some(s) => Chart::parse(s).unwrap_or_else(|| {
                e.add(
                    "chart",
                    msg::BUILDER_CHART.with("allowed", one_of(&Chart::ALL, Chart::as_str)),
                );
                Chart::Bar
            }),
        };
        let currency = match self.currency.as_deref().map(str::trim) {
            None | Some("") => base_currency.as_str().to_owned(),
            Some(c) => e.check("currency", Currency::parse(c)).map_or_else(
                || base_currency.as_str().to_owned(),
                |c| c.as_str().to_owned(),
            ),
        };
        e.finish()?;
        Ok(Plan {
            entity,
            columns,
            filters,
            groups,
            aggregates,
            chart,
            currency,
        })
    }
}

fn parse_value(ty: FieldType, op: Op, s: &str) -> Result<Value, crate::Message> {
    if op == Op::Contains {
        return if s.is_empty() {
            Err(msg::REQUIRED.msg())
        } else {
            Ok(Value::Text(s.to_owned()))
        };
    }
    match ty {
        FieldType::Text => {
            if s.chars().count() > 200 {
                Err(msg::TOO_LONG.with("max", 200))
            } else {
                Ok(Value::Text(s.to_owned()))
            }
        }
        FieldType::Number => s
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| msg::BUILDER_NOT_NUMBER.with("value", s)),
        FieldType::Money => {
            let d: Decimal = s
                .replace(',', ".")
                .parse()
                .map_err(|_| msg::BUILDER_NOT_NUMBER.with("value", s))?;
            money::to_minor(d)
                .map(Value::Int)
                .map_err(crate::IntoMessage::into_message)
        }
        FieldType::Instant | FieldType::Day => Day::parse(s)
            .map(Value::Day)
            .map_err(crate::IntoMessage::into_message),
        FieldType::Ref(_) => match s.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Value::Int(id)),
            _ => Err(msg::NOT_ID.msg()),
        },
        FieldType::Choice(allowed) => {
            if allowed.contains(&s) {
                Ok(Value::Text(s.to_owned()))
            } else {
                Err(msg::BUILDER_CHOICE.with("allowed", allowed.join(", ")))
            }
        }
    }
}

// ------------------------------------------------------------ date periods

fn date(y: i32, m: Month, d: u8) -> Day {
    Day(Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN))
}

/// The first day of the period `day` is in (weeks start on Monday).
pub fn bucket_start(day: Day, grain: DateGrain) -> Day {
    match grain {
        DateGrain::Day => day,
        DateGrain::Week => periods::period_start(day, Grain::Week),
        DateGrain::Month => periods::period_start(day, Grain::Month),
        DateGrain::Quarter => periods::period_start(day, Grain::Quarter),
        DateGrain::Year => date(day.inner().year(), Month::January, 1),
    }
}

/// The first day after the period that starts at `start`.
pub fn next_bucket(start: Day, grain: DateGrain) -> Day {
    match grain {
        DateGrain::Day => start.inner().next_day().map(Day).unwrap_or(start),
        DateGrain::Week => periods::next_period(start, Grain::Week),
        DateGrain::Month => periods::next_period(start, Grain::Month),
        DateGrain::Quarter => periods::next_period(start, Grain::Quarter),
        DateGrain::Year => date(start.inner().year() + 1, Month::January, 1),
    }
}

/// The first days of the periods covering `from..=to`, and the day after
/// the last one: `n` periods give `n + 1` bounds. `None` when more than
/// `limit` periods would be needed.
pub fn buckets(from: Day, to: Day, grain: DateGrain, limit: usize) -> Option<Vec<Day>> {
    let mut bounds = vec![bucket_start(from, grain)];
    loop {
        let &last = bounds.last()?;
        if last > to {
            return Some(bounds);
        }
        if bounds.len() > limit {
            return None;
        }
        let next = next_bucket(last, grain);
        if next <= last {
            // The end of the calendar: nothing can lie beyond it.
            return Some(bounds);
        }
        bounds.push(next);
    }
}

/// A period's short name: `2026-11-23`, `2026-W48`, `2026-11`, `2026-Q4`, `2026`.
pub fn bucket_label(start: Day, grain: DateGrain) -> String {
    match grain {
        DateGrain::Day => start.to_string(),
        DateGrain::Week => periods::period_label(start, Grain::Week),
        DateGrain::Month => periods::period_label(start, Grain::Month),
        DateGrain::Quarter => periods::period_label(start, Grain::Quarter),
        DateGrain::Year => start.inner().year().to_string(),
    }
}

/// A binary search over sorted bounds `b[0] < … < b[m-1]`: interval `i`
/// is `b[i] <= x < b[i+1]`, `-1` is below `b[0]`, `m-1` at or above the last
/// bound. Depth `log2(m)`, so a thousand day periods cost ten comparisons a
/// row where a flat `CASE` would cost up to a thousand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Leaf(i64),
    /// `x < b[bound]` → `below`, else `above`.
    Split {
        bound: usize,
        below: Box<Probe>,
        above: Box<Probe>,
    },
}

impl Probe {
    /// The search tree for `m` bounds.
    pub fn new(m: usize) -> Probe {
        Probe::split(-1, m as i64 - 1)
    }

    fn split(lo: i64, hi: i64) -> Probe {
        if lo >= hi {
            return Probe::Leaf(lo);
        }
        let mid = (lo + hi + 1) / 2;
        Probe::Split {
            bound: mid as usize,
            below: Box::new(Probe::split(lo, mid - 1)),
            above: Box::new(Probe::split(mid, hi)),
        }
    }

    /// Where `x` falls (what the SQL rendering of the tree computes).
    pub fn locate<B: PartialOrd<X>, X: PartialOrd<B>>(&self, bounds: &[B], x: &X) -> i64 {
        match self {
            Probe::Leaf(i) => *i,
            Probe::Split {
                bound,
                below,
                above,
            } => match bounds.get(*bound) {
                Some(b) if x < b => below.locate(bounds, x),
                _ => above.locate(bounds, x),
            },
        }
    }
}

/// The day after `d` (the last day of the calendar stays itself): how a
/// filter's day value on an instant becomes the end of that local day.
pub fn next_day(d: Day) -> Day {
    d.inner().next_day().map(Day).unwrap_or(d)
}

/// A range of instants `from..to`; `None` is unbounded on that side.
pub type Instants = (Option<Timestamp>, Option<Timestamp>);

/// The instants a date field may hold under a plan's filters on it: the
/// roll-ups answer a date-filtered report by reading exactly these instants
/// (cells and the hours at their ends) where the plain statement tests each
/// row. The store renders the same tests as SQL (its `condition`): the
/// property test below restates that SQL's meaning, and the store's
/// `builder_grid` test runs both ways on the same deals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Sorted, disjoint and non-empty.
    pub spans: Vec<Instants>,
    /// Whether a record without the date passes.
    pub undated: bool,
}

impl Window {
    /// No filter yet: every instant, and records without one.
    pub fn all() -> Window {
        Window {
            spans: vec![(None, None)],
            undated: true,
        }
    }

    /// Narrowed by one more filter on the field, whose day values mean the
    /// user's local days (`midnight` gives the instant one begins). `None`
    /// when the test has no window (a list, a text search, a value that is
    /// not a day) or a day lies outside the calendar.
    pub fn narrow(
        &self,
        test: &Test,
        midnight: &dyn Fn(Day) -> Option<Timestamp>,
    ) -> Option<Window> {
        let day = |v: &Value| match v {
            Value::Day(d) => Some(*d),
            _ => None,
        };
        let start = |v: &Value| midnight(day(v)?);
        let end = |v: &Value| midnight(next_day(day(v)?));
        let (spans, undated) = match test {
            Test::Eq(v) => (vec![(Some(start(v)?), Some(end(v)?))], false),
            Test::Ne(v) => {
                let (a, z) = (start(v)?, end(v)?);
                let spans = if a < z {
                    vec![(None, Some(a)), (Some(z), None)]
                } else {
                    vec![(None, None)]
                };
                (spans, true)
            }
            Test::Lt(v) => (vec![(None, Some(start(v)?))], false),
            Test::Gt(v) => (vec![(Some(end(v)?), None)], false),
            Test::Between(a, z) => (vec![(Some(start(a)?), Some(end(z)?))], false),
            Test::Empty => (Vec::new(), true),
            Test::NotEmpty => (vec![(None, None)], false),
            Test::In(_) | Test::Contains(_) => return None,
        };
        let mut both = Vec::new();
        for a in &self.spans {
            for b in &spans {
                let from = a.0.max(b.0);
                let to = match (a.1, b.1) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, None) => x,
                    (None, y) => y,
                };
                if from.is_none() || to.is_none() || from < to {
                    both.push((from, to));
                }
            }
        }
        both.sort();
        Some(Window {
            spans: both,
            undated: self.undated && undated,
        })
    }

    /// Whether a record with this date (or none) passes.
    pub fn contains(&self, t: Option<Timestamp>) -> bool {
        match t {
            None => self.undated,
            Some(t) => self
                .spans
                .iter()
                .any(|(a, z)| a.is_none_or(|a| a <= t) && z.is_none_or(|z| t < z)),
        }
    }

    /// The instants of `from..to` the window keeps, in order.
    pub fn clamp(&self, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        self.spans
            .iter()
            .filter_map(|(a, z)| {
                let a = a.map_or(from, |a| a.max(from));
                let z = z.map_or(to, |z| z.min(to));
                (a < z).then_some((a, z))
            })
            .collect()
    }

    /// The first and last instants it bounds, where it bounds them.
    pub fn bounds(&self) -> Instants {
        (
            self.spans.first().and_then(|s| s.0),
            self.spans.last().and_then(|s| s.1),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn def(entity: &str) -> Definition {
        Definition {
            entity: entity.into(),
            columns: vec![],
            filters: vec![],
            group_by: vec![],
            aggregates: vec![],
            chart: None,
            currency: None,
        }
    }

    fn errors(d: &Definition) -> Vec<(String, String)> {
        match d.validate(&Currency::rub()) {
            Ok(_) => vec![],
            Err(Invalid(e)) => e.into_map().into_iter().collect(),
        }
    }

    #[test]
    fn defaults_count_bar_in_the_companys_currency() {
        let eur = Currency::parse("EUR").unwrap();
        let p = def("deals").validate(&eur).unwrap();
        assert_eq!(p.entity, Entity::Deals);
        assert_eq!(p.chart, Chart::Bar);
        assert_eq!(p.currency, "EUR");
        assert_eq!(
            p.aggregates,
            vec![Aggregate {
                func: Func::Count,
                field: None
            }]
        );
        // A currency the definition names wins over the company's.
        let mut d = def("deals");
        d.currency = Some(" usd ".into());
        assert_eq!(d.validate(&eur).unwrap().currency, "USD");
    }

    #[test]
    fn errors_name_the_field_and_the_problem() {
        let mut d = def("deals");
        d.columns = vec!["title".into(), "nope".into(), "title".into()];
        d.filters = vec![
            FilterDef {
                field: "amount".into(),
                op: "contains".into(),
                values: vec!["1".into()],
            },
            FilterDef {
                field: "created_at".into(),
                op: "between".into(),
                values: vec!["2026-01-01".into()],
            },
            FilterDef {
                field: "status".into(),
                op: "eq".into(),
                values: vec!["closed".into()],
            },
        ];
        d.group_by = vec![
            GroupDef {
                field: "title".into(),
                grain: None,
            },
            GroupDef {
                field: "owner".into(),
                grain: Some("month".into()),
            },
        ];
        d.aggregates = vec![
            AggregateDef {
                func: "sum".into(),
                field: Some("title".into()),
            },
            AggregateDef {
                func: "median".into(),
                field: None,
            },
            AggregateDef {
                func: "avg".into(),
                field: None,
            },
        ];
        d.chart = Some("radar".into());
        let e: std::collections::BTreeMap<_, _> = errors(&d).into_iter().collect();
        assert_eq!(e["columns[1]"], "is not a field of deals");
        assert_eq!(e["columns[2]"], "is listed twice");
        assert!(e["filters[0].op"].contains("amount"), "{e:?}");
        assert_eq!(e["filters[1].values"], "between takes 2 value(s)");
        assert!(e["filters[2].values"].contains("open, won, lost"));
        assert_eq!(e["group_by[0].field"], "title cannot be grouped by");
        assert!(e["group_by[1].grain"].contains("owner"));
        assert!(e["aggregates[0].field"].contains("title"));
        assert!(e["aggregates[1].func"].contains("count, sum"));
        assert_eq!(
            e["aggregates[2].field"],
            "avg needs a number or money field"
        );
        assert!(e["chart"].contains("bar, line, pie, funnel"));
        assert_eq!(e.len(), 11, "{e:?}");
        assert!(errors(&def("dealz"))[0].0 == "entity");
    }

    #[test]
    fn values_are_typed() {
        let mut d = def("deals");
        d.filters = vec![
            FilterDef {
                field: "amount".into(),
                op: "between".into(),
                values: vec!["100".into(), Scalar::Number(2500.into())],
            },
            FilterDef {
                field: "expected_close_date".into(),
                op: "lt".into(),
                values: vec!["2026-03-01".into()],
            },
            FilterDef {
                field: "title".into(),
                op: "contains".into(),
                values: vec!["Ромашка".into()],
            },
        ];
        let p = d.validate(&Currency::rub()).unwrap();
        assert_eq!(
            p.filters[0].test,
            Test::Between(Value::Int(10_000), Value::Int(250_000))
        );
        assert_eq!(
            p.filters[1].test,
            Test::Lt(Value::Day(Day::parse("2026-03-01").unwrap()))
        );
        assert_eq!(p.filters[2].test, Test::Contains("Ромашка".into()));
        d.filters[0].values = vec!["300".into(), "100".into()];
        assert_eq!(errors(&d)[0].0, "filters[0].values");
        d.filters[0].values = vec!["1.001".into(), "2".into()];
        assert_eq!(errors(&d)[0].0, "filters[0].values");
    }

    #[test]
    fn date_groups_default_to_month() {
        let mut d = def("leads");
        d.group_by = vec![GroupDef {
            field: "created_at".into(),
            grain: None,
        }];
        let p = d.validate(&Currency::rub()).unwrap();
        assert_eq!(p.groups[0].grain, Some(DateGrain::Month));
    }

    #[test]
    fn bucket_labels() {
        let d = Day::parse("2026-11-23").unwrap();
        let l = |g| bucket_label(bucket_start(d, g), g);
        assert_eq!(l(DateGrain::Day), "2026-11-23");
        assert_eq!(l(DateGrain::Week), "2026-W48");
        assert_eq!(l(DateGrain::Month), "2026-11");
        assert_eq!(l(DateGrain::Quarter), "2026-Q4");
        assert_eq!(l(DateGrain::Year), "2026");
        assert!(buckets(d, d.inner().next_day().map(Day).unwrap(), DateGrain::Day, 1).is_none());
    }

    fn any_entity() -> impl Strategy<Value = Entity> {
        prop::sample::select(Entity::ALL.to_vec())
    }

    fn any_day() -> impl Strategy<Value = Day> {
        (0i64..20_000)
            .prop_map(|n| Day(date(1990, Month::January, 1).inner() + time::Duration::days(n)))
    }

    fn any_grain() -> impl Strategy<Value = DateGrain> {
        prop::sample::select(DateGrain::ALL.to_vec())
    }

    proptest! {
        /// Grouping is accepted exactly for the catalogue's groupable fields,
        /// with a grain exactly when the field is a date.
        #[test]
        fn grouping_accepts_exactly_the_catalogue(e in any_entity(), i in 0usize..20, grain in prop::option::of(any_grain())) {
            let all = fields(e);
            let fd = all[i % all.len()];
            let mut d = def(e.as_str());
            d.group_by = vec![GroupDef { field: fd.name.into(), grain: grain.map(|g| g.as_str().into()) }];
            let ok = d.validate(&Currency::rub()).is_ok();
            prop_assert_eq!(ok, fd.groupable && (fd.ty.is_date() || grain.is_none()));
        }

        /// Sum, avg, min and max are accepted exactly on numeric fields;
        /// count only without a field.
        #[test]
        fn aggregates_accept_exactly_numbers(e in any_entity(), i in 0usize..20, func in prop::sample::select(Func::ALL.to_vec())) {
            let all = fields(e);
            let fd = all[i % all.len()];
            let mut d = def(e.as_str());
            d.aggregates = vec![AggregateDef { func: func.as_str().into(), field: Some(fd.name.into()) }];
            prop_assert_eq!(d.validate(&Currency::rub()).is_ok(), func != Func::Count && fd.aggregatable());
        }

        /// An operator is accepted exactly when the field's type lists it.
        #[test]
        fn operators_follow_the_type(e in any_entity(), i in 0usize..20, op in prop::sample::select(Op::ALL.to_vec())) {
            let all = fields(e);
            let fd = all[i % all.len()];
            let sample = match fd.ty {
                FieldType::Text => "x",
                FieldType::Number | FieldType::Money | FieldType::Ref(_) => "5",
                FieldType::Instant | FieldType::Day => "2026-05-01",
                FieldType::Choice(c) => c[0],
            };
            let (min, _) = op.arity();
            let mut d = def(e.as_str());
            d.filters = vec![FilterDef { field: fd.name.into(), op: op.as_str().into(), values: vec![sample.into(); min] }];
            prop_assert_eq!(d.validate(&Currency::rub()).is_ok(), fd.ty.ops().contains(&op));
        }

        /// Every day lies in exactly one period of any covering range, and
        /// that period is the one `bucket_start` names.
        #[test]
        fn every_day_in_exactly_one_period(a in any_day(), len in 0i64..800, g in any_grain(), k in 0i64..800) {
            let b = Day(a.inner() + time::Duration::days(len));
            let x = Day(a.inner() + time::Duration::days(k.min(len)));
            let bounds = buckets(a, b, g, 10_000).unwrap();
            let hits: Vec<usize> = (0..bounds.len() - 1).filter(|&i| bounds[i] <= x && x < bounds[i + 1]).collect();
            prop_assert_eq!(hits.len(), 1);
            prop_assert_eq!(bounds[hits[0]], bucket_start(x, g));
            prop_assert!(bucket_start(x, g) <= x && x < next_bucket(bucket_start(x, g), g));
        }

        /// Instants: with the periods' bounds as local midnights (here a
        /// fixed offset of whole minutes), the probe puts every instant of
        /// the range in the one period whose bounds enclose it, and instants
        /// outside the range outside every period.
        #[test]
        fn probe_places_every_instant_once(a in any_day(), len in 0i64..400, g in any_grain(), offset_min in -720i64..=840, at in -2_000_000i64..40_000_000) {
            let b = Day(a.inner() + time::Duration::days(len));
            let days = buckets(a, b, g, 10_000).unwrap();
            let midnight = |d: Day| d.inner().midnight().assume_utc().unix_timestamp() - offset_min * 60;
            let bounds: Vec<i64> = days.iter().map(|d| midnight(*d)).collect();
            let x = midnight(a) + at;
            let probe = Probe::new(bounds.len());
            let i = probe.locate(&bounds, &x);
            let linear: Vec<i64> = (0..bounds.len() - 1).filter(|&j| bounds[j] <= x && x < bounds[j + 1]).map(|j| j as i64).collect();
            if x < bounds[0] {
                prop_assert_eq!(i, -1);
            } else if x >= bounds[bounds.len() - 1] {
                prop_assert_eq!(i, bounds.len() as i64 - 1);
            } else {
                prop_assert_eq!(vec![i], linear);
            }
        }

        /// A window keeps exactly the dates every one of its filters keeps,
        /// read as the store's SQL reads them (local days as
        /// `midnight..midnight of the next day`), its spans stay sorted and
        /// disjoint, and clamping to a range keeps exactly the range's part.
        #[test]
        fn a_window_keeps_what_its_filters_keep(
            tests in prop::collection::vec(any_date_test(), 0..4),
            offset_min in -720i64..=840,
            at in prop::option::of(-200_000i64..5_000_000),
            from in -200_000i64..5_000_000,
            len in 0i64..3_000_000,
        ) {
            let base = time::macros::datetime!(2026-03-01 0:00 UTC);
            let stamp = |secs: i64| Timestamp::from_utc(base + time::Duration::seconds(secs));
            let midnight = |d: Day| Some(Timestamp::from_utc(d.inner().midnight().assume_utc() - time::Duration::minutes(offset_min)));
            let mut w = Window::all();
            for t in &tests {
                w = w.narrow(t, &midnight).unwrap();
            }
            for pair in w.spans.windows(2) {
                prop_assert!(pair[0].1.is_some() && pair[1].0.is_some() && pair[0].1 <= pair[1].0);
            }
            let x = at.map(stamp);
            let keeps = |t: &Test| {
                let m = |v: &Value| match v { Value::Day(d) => midnight(*d).unwrap(), _ => unreachable!() };
                let e = |v: &Value| match v { Value::Day(d) => midnight(next_day(*d)).unwrap(), _ => unreachable!() };
                match (t, x) {
                    (Test::Empty, x) => x.is_none(),
                    (Test::NotEmpty, x) => x.is_some(),
                    (Test::Ne(v), Some(x)) => !(m(v) <= x && x < e(v)),
                    (Test::Ne(_), None) => true,
                    (_, None) => false,
                    (Test::Eq(v), Some(x)) => m(v) <= x && x < e(v),
                    (Test::Lt(v), Some(x)) => x < m(v),
                    (Test::Gt(v), Some(x)) => x >= e(v),
                    (Test::Between(a, z), Some(x)) => m(a) <= x && x < e(z),
                    _ => unreachable!(),
                }
            };
            let all = tests.iter().all(keeps);
            prop_assert_eq!(w.contains(x), all);
            if let Some(x) = x {
                let (a, z) = (stamp(from), stamp(from + len));
                let inside = w.clamp(a, z).iter().any(|(p, q)| *p <= x && x < *q);
                prop_assert_eq!(inside, a <= x && x < z && all);
            }
        }
    }

    fn any_date_test() -> impl Strategy<Value = Test> {
        let day = (0i64..60).prop_map(|k| {
            Value::Day(Day(
                time::macros::date!(2026 - 02 - 20) + time::Duration::days(k)
            ))
        });
        prop_oneof![
            day.clone().prop_map(Test::Eq),
            day.clone().prop_map(Test::Ne),
            day.clone().prop_map(Test::Lt),
            day.clone().prop_map(Test::Gt),
            (day.clone(), day).prop_map(|(a, z)| Test::Between(a, z)),
            Just(Test::Empty),
            Just(Test::NotEmpty),
        ]
    }

    #[test]
    fn every_activity_kind_and_status_is_a_choice() {
        use crate::activity::{ActivityKind as K, ActivityStatus};
        // The store's grid names every value of these two required fields
        // (`IN` over the choices): a value missing here would drop its
        // activities from a report. This match stops compiling when a kind
        // is added; add it here and to the choices.
        let _: fn(K) = |k| match k {
            K::Event | K::Task | K::Interaction => {}
        };
        let kinds = [K::Event, K::Task, K::Interaction];
        let listed: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(listed, ACTIVITY_KIND);
        let mut statuses: Vec<&str> = kinds
            .iter()
            .flat_map(|k| k.statuses())
            .map(|s: &ActivityStatus| s.as_str())
            .collect();
        statuses.sort_unstable();
        statuses.dedup();
        let mut choices = ACTIVITY_STATUS.to_vec();
        choices.sort_unstable();
        assert_eq!(statuses, choices);
    }

    #[test]
    fn a_window_refuses_lists_and_text() {
        let midnight = |d: Day| Some(Timestamp::from_utc(d.inner().midnight().assume_utc()));
        assert_eq!(Window::all().narrow(&Test::In(vec![]), &midnight), None);
        assert_eq!(
            Window::all().narrow(&Test::Contains("x".into()), &midnight),
            None
        );
        let w = Window::all()
            .narrow(
                &Test::Between(
                    Value::Day(Day::parse("2026-01-01").unwrap()),
                    Value::Day(Day::parse("2026-03-31").unwrap()),
                ),
                &midnight,
            )
            .unwrap();
        assert_eq!(
            w.bounds(),
            (
                Timestamp::parse("2026-01-01T00:00:00Z").ok(),
                Timestamp::parse("2026-04-01T00:00:00Z").ok()
            )
        );
        assert!(!w.contains(None));
    }
}
