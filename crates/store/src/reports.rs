//! Reports: the sales funnel (and the pipeline as it stood on a day), the
//! forecast, loss reasons and competitors, dynamics, manager activity,
//! opportunity analysis and gross profit.
//!
//! One permission rule: every report counts only the records of the owners
//! [`Actor::narrow`] leaves — the actor's visible owners, narrowed by the
//! owner or team the request asks for. The SQL only counts and sums; the
//! arithmetic (reach, conversions, rates, averages, time in stages) is in
//! `voronka_core::reports`.
//!
//! Each report reads one snapshot ([`Db::snapshot`]): its statements —
//! roll-up cells, the hours at the period ends read from the deals, the
//! stages, the totals — see the database as of the first of them, so a
//! deal saved meanwhile cannot be counted in one part and missing from
//! another (a funnel whose stages do not add up to its total).
//!
//! Periods arrive as UTC instants (and, for day fields such as the expected
//! close date, as days): the web layer turns the user's local calendar
//! periods into them, so "March" is March in the user's time zone.
//! Amounts are summed in one report currency (RUB by default); counts
//! include deals in every currency.

use crate::actor::Actor;
use crate::db::{Backend, Conn, Db, col};
use crate::error::{Result, StoreError};
use crate::pipelines;
use crate::rollup::Plan;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use voronka_core::money;
use voronka_core::records::{Id, StageKind};
use voronka_core::reports::{self as calc, Outcome, Reach};
use voronka_core::rollup;
use voronka_core::{Day, Timestamp};

/// What every report is narrowed by.
#[derive(Debug, Clone)]
pub struct Filter {
    pub pipeline_id: Option<Id>,
    pub owner_id: Option<Id>,
    pub team_id: Option<Id>,
    /// Instants from `from` (inclusive) to `to` (exclusive).
    pub from: Timestamp,
    pub to: Timestamp,
    /// The same period as days, for day fields: `from_day..to_day`.
    pub from_day: Day,
    pub to_day: Day,
    pub currency: String,
}

/// One period of a report grouped by time: its label, its days
/// (`start..end`) and the same span as instants in the user's zone.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub label: String,
    pub start: Day,
    pub end: Day,
    #[serde(skip)]
    pub from: Option<Timestamp>,
    #[serde(skip)]
    pub to: Option<Timestamp>,
}

/// A count and a sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub deals: i64,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally::of((0, 0))
    }
}

impl Tally {
    fn of(pair: (i64, i64)) -> Tally {
        Tally {
            deals: pair.0,
            amount: money::from_minor(pair.1),
        }
    }
}

/// The owners whose records a report counts (`None`: everyone's).
pub async fn scope(c: &mut impl Conn, actor: &Actor, f: &Filter) -> Result<Option<Vec<Id>>> {
    let wanted = match (f.owner_id, f.team_id) {
        (Some(o), _) => Some(vec![o]),
        (None, Some(team)) => {
            let rows = sqlx::query("SELECT id FROM users WHERE team_id = $1")
                .bind(team)
                .fetch_all(c.conn())
                .await?;
            Some(
                rows.iter()
                    .map(|r| col::i(r, "id"))
                    .collect::<Result<Vec<_>>>()?,
            )
        }
        (None, None) => None,
    };
    Ok(actor.narrow(wanted))
}

/// `AND <column> IN (…)` for the scope; the ids are integers from our own
/// database, never text from the request.
pub(crate) fn owners_sql(column: &str, owners: &Option<Vec<Id>>) -> String {
    match owners {
        None => String::new(),
        Some(list) if list.is_empty() => " AND 1 = 0".to_owned(),
        Some(list) => {
            let ids: Vec<String> = list.iter().map(|o| o.to_string()).collect();
            format!(" AND {column} IN ({})", ids.join(","))
        }
    }
}

/// The owner column in queries that read a few hours of deals through a
/// time index: the unary plus keeps SQLite from reading the owners' whole
/// index instead (it would, for a list of owners), and means nothing to
/// PostgreSQL.
const RAW_OWNER: &str = "+d.owner_id";

/// The owners and pipeline of a raw (edge hours) query. Such queries put
/// nothing else in `WHERE` but the time range (status and currency are
/// checked on the few rows read), so that no other index — by status, by
/// owner — can look cheaper to the planner than the range.
fn raw_scope(owners: &Option<Vec<Id>>, pipeline: Option<Id>) -> String {
    format!(
        "{}{}",
        owners_sql(RAW_OWNER, owners),
        pipeline_sql("d.pipeline_id", pipeline)
    )
}

/// The rows of `select` (columns, then `FROM deals d` and any joins) whose
/// `column` falls in `[lo, hi)`: the edge hours of a period, read by that
/// column's index alone (see [`raw_scope`]).
async fn deals_between(
    c: &mut impl Conn,
    select: &str,
    column: &str,
    (lo, hi): (Timestamp, Timestamp),
    scope: &str,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let sql = format!("SELECT {select} WHERE {column} >= $1 AND {column} < $2{scope}");
    Ok(sqlx::query(&sql)
        .bind(lo.to_db())
        .bind(hi.to_db())
        .fetch_all(c.conn())
        .await?)
}

fn pipeline_sql(column: &str, pipeline: Option<Id>) -> String {
    pipeline.map_or(String::new(), |p| format!(" AND {column} = {p}"))
}

const SUM_IN_CURRENCY: &str =
    "CAST(COALESCE(SUM(CASE WHEN d.currency = $9 THEN d.amount_minor ELSE 0 END), 0) AS BIGINT)";

/// The cells' amount in the report currency (bound as `$1`).
const SUM_CELLS: &str =
    "CAST(COALESCE(SUM(CASE WHEN r.currency = $1 THEN r.amount_minor ELSE 0 END), 0) AS BIGINT)";

fn outcome(status: &str) -> Outcome {
    match status {
        "won" => Outcome::Won,
        "lost" => Outcome::Lost,
        _ => Outcome::Open,
    }
}

async fn pipeline_for(
    c: &mut impl Conn,
    id: Option<Id>,
) -> Result<voronka_core::records::Pipeline> {
    match id {
        Some(id) => pipelines::load(c, id).await?,
        None => pipelines::default_pipeline(c).await?,
    }
    .ok_or(StoreError::NotFound)
}

// ---------------------------------------------------------------- funnel

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunnelStage {
    pub stage_id: Id,
    pub name: String,
    /// Deals of the cohort that reached this stage or went further.
    pub deals: i64,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Percent of them that reached the next stage (Won after the last open one).
    #[schema(value_type = Option<String>)]
    pub conversion_next: Option<Decimal>,
    /// Percent of them that are won.
    #[schema(value_type = Option<String>)]
    pub conversion_won: Option<Decimal>,
    /// Average days a deal spent in the stage (finished stays, repeated visits added up).
    #[schema(value_type = Option<String>)]
    pub avg_days: Option<Decimal>,
}

/// The funnel of the deals created in the period in one pipeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Funnel {
    pub pipeline_id: Id,
    pub pipeline: String,
    pub currency: String,
    pub stages: Vec<FunnelStage>,
    pub total: Tally,
    pub won: Tally,
    pub lost: Tally,
    /// Won of won + lost, percent.
    #[schema(value_type = Option<String>)]
    pub win_rate: Option<Decimal>,
}

pub async fn funnel(db: &Db, actor: &Actor, f: &Filter) -> Result<Funnel> {
    let mut c = db.snapshot().await?;
    let pipeline = pipeline_for(&mut c, f.pipeline_id).await?;
    let owners = scope(&mut c, actor, f).await?;
    let open: Vec<_> = pipeline
        .stages
        .iter()
        .filter(|s| s.data.kind == StageKind::Open)
        .collect();
    let plan = Plan::instants(&[(f.from, f.to)]);
    let mut groups = Vec::new();
    // Seconds of finished stays and the number of deals with one, per stage.
    let mut spent: BTreeMap<Id, (i64, i64)> = BTreeMap::new();

    // Whole UTC months and days: the roll-ups.
    let cells = format!(
        "r.pipeline_id = $1 AND {}{}",
        plan.condition("r"),
        owners_sql("r.owner_id", &owners)
    );
    let sql = format!(
        "SELECT r.reached, r.status, CAST(SUM(r.deals) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN r.currency = $2 THEN r.amount_minor ELSE 0 END), 0) AS BIGINT) AS amt \
         FROM report_created r WHERE {cells} GROUP BY r.reached, r.status"
    );
    let rows = sqlx::query(&sql)
        .bind(pipeline.id)
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    for r in &rows {
        let reached: Vec<Id> = col::s(r, "reached")?
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect();
        groups.push(Reach {
            furthest: open.iter().rposition(|s| reached.contains(&s.id)),
            outcome: outcome(&col::s(r, "status")?),
            deals: col::i(r, "n")?,
            amount_minor: col::i(r, "amt")?,
        });
    }
    let sql = format!(
        "SELECT r.stage_id, CAST(SUM(r.seconds) AS BIGINT) AS secs, CAST(SUM(r.stays) AS BIGINT) AS n \
         FROM report_stays r WHERE {cells} GROUP BY r.stage_id"
    );
    let rows = sqlx::query(&sql)
        .bind(pipeline.id)
        .fetch_all(c.conn())
        .await?;
    for r in &rows {
        let e = spent.entry(col::i(r, "stage_id")?).or_default();
        e.0 += col::i(r, "secs")?;
        e.1 += col::i(r, "n")?;
    }

    // The hours at the ends: the deals created then, from their history.
    for &(from, to, _, sign) in &plan.raw {
        raw_funnel(
            &mut c,
            &pipeline,
            &owners,
            (from, to, sign),
            &f.currency,
            &mut groups,
            &mut spent,
        )
        .await?;
    }

    let counts = calc::funnel(open.len(), &groups);
    let reached: Vec<i64> = counts.reached.iter().map(|r| r.0).collect();
    let conv = calc::conversions(&reached, counts.won.0);
    let stages = open
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (secs, n) = spent.get(&s.id).copied().unwrap_or((0, 0));
            FunnelStage {
                stage_id: s.id,
                name: s.data.name.clone(),
                deals: counts.reached[i].0,
                amount: money::from_minor(counts.reached[i].1),
                conversion_next: conv[i].0,
                conversion_won: conv[i].1,
                avg_days: calc::average(Decimal::from(secs), n, 0).map(calc::days),
            }
        })
        .collect();
    Ok(Funnel {
        pipeline_id: pipeline.id,
        pipeline: pipeline.data.name.clone(),
        currency: f.currency.clone(),
        stages,
        total: Tally::of(counts.total),
        won: Tally::of(counts.won),
        lost: Tally::of(counts.lost),
        win_rate: calc::win_rate(counts.won.0, counts.lost.0),
    })
}

/// The funnel's counts for the deals created `from..to` (at most half a
/// day), read from the deals and their history, added (`sign` 1) or taken
/// back (−1).
async fn raw_funnel(
    c: &mut impl Conn,
    pipeline: &voronka_core::records::Pipeline,
    owners: &Option<Vec<Id>>,
    (from, to, sign): (Timestamp, Timestamp, i64),
    currency: &str,
    groups: &mut Vec<Reach>,
    spent: &mut BTreeMap<Id, (i64, i64)>,
) -> Result<()> {
    let open: Vec<_> = pipeline
        .stages
        .iter()
        .filter(|s| s.data.kind == StageKind::Open)
        .collect();
    let cohort = format!(
        "d.pipeline_id = $1 AND d.created_at >= $2 AND d.created_at < $3{}",
        owners_sql(RAW_OWNER, owners)
    );
    // The furthest open stage of this pipeline each deal's history reached.
    let sql = format!(
        "SELECT x.status, x.furthest, CAST(COUNT(*) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN x.currency = $4 THEN x.amount_minor ELSE 0 END), 0) AS BIGINT) AS amt \
         FROM (SELECT d.status, d.currency, d.amount_minor, \
           (SELECT MAX(s.position) FROM deal_stage_history h JOIN stages s ON s.id = h.to_stage_id \
            WHERE h.deal_id = d.id AND s.pipeline_id = $1 AND s.kind = 'open') AS furthest \
           FROM deals d WHERE {cohort}) x \
         GROUP BY x.status, x.furthest"
    );
    let rows = sqlx::query(&sql)
        .bind(pipeline.id)
        .bind(from.to_db())
        .bind(to.to_db())
        .bind(currency)
        .fetch_all(c.conn())
        .await?;
    for r in &rows {
        let furthest = col::oi(r, "furthest")?
            .and_then(|pos| open.iter().rposition(|s| s.data.position <= pos));
        groups.push(Reach {
            furthest,
            outcome: outcome(&col::s(r, "status")?),
            deals: sign * col::i(r, "n")?,
            amount_minor: sign * col::i(r, "amt")?,
        });
    }

    // Time in each stage, from the cohort's whole stage history.
    let sql = format!(
        "SELECT h.deal_id, h.to_stage_id, h.at FROM deal_stage_history h JOIN deals d ON d.id = h.deal_id \
         WHERE {cohort} ORDER BY h.deal_id, h.id"
    );
    let rows = sqlx::query(&sql)
        .bind(pipeline.id)
        .bind(from.to_db())
        .bind(to.to_db())
        .fetch_all(c.conn())
        .await?;
    let mut history: Vec<(Timestamp, Id)> = Vec::new();
    let mut current: Option<Id> = None;
    let mut flush = |history: &mut Vec<(Timestamp, Id)>| {
        for (stage, secs) in calc::stage_durations(history, None) {
            let e = spent.entry(stage).or_default();
            e.0 += sign * secs;
            e.1 += sign;
        }
        history.clear();
    };
    for r in &rows {
        let deal = col::i(r, "deal_id")?;
        if current != Some(deal) {
            flush(&mut history);
            current = Some(deal);
        }
        history.push((col::ts(r, "at")?, col::i(r, "to_stage_id")?));
    }
    flush(&mut history);
    Ok(())
}

/// One stage of the pipeline as it stood at an instant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SnapshotStage {
    pub stage_id: Id,
    pub name: String,
    pub kind: StageKind,
    pub deals: i64,
    /// The deals' amounts as they were then.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// The pipeline as it stood at `at`, rebuilt from stage history: each deal
/// counts in the stage of its last move at or before `at`, with the amount
/// that move recorded. Owners are today's. Whole months and days before
/// `at`'s day come from the roll-up of moves (each move adds the deal to
/// its stage and takes it from the one before); the rest of that day is
/// read from the history itself.
pub async fn pipeline_as_of(
    db: &Db,
    actor: &Actor,
    f: &Filter,
    at: Timestamp,
) -> Result<Vec<SnapshotStage>> {
    let mut c = db.snapshot().await?;
    let pipeline = pipeline_for(&mut c, f.pipeline_id).await?;
    let owners = scope(&mut c, actor, f).await?;
    let until = rollup::pieces_until(at);
    let month = until.month;
    let mut plan = Plan::default();
    plan.take(until.pieces, 0);
    let sql = format!(
        "SELECT r.stage_id, CAST(SUM(r.deals) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN r.currency = $2 THEN r.amount_minor ELSE 0 END), 0) AS BIGINT) AS amt \
         FROM report_moved r WHERE r.pipeline_id = $1 \
         AND ((r.span = 'm' AND r.period < '{}') OR {}){} GROUP BY r.stage_id",
        Day(month).to_db(),
        plan.condition("r"),
        owners_sql("r.owner_id", &owners)
    );
    let rows = sqlx::query(&sql)
        .bind(pipeline.id)
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    let mut by_stage: BTreeMap<Id, (i64, i64)> = BTreeMap::new();
    for r in &rows {
        by_stage.insert(col::i(r, "stage_id")?, (col::i(r, "n")?, col::i(r, "amt")?));
    }
    // The rest of the day, from the moves themselves: each adds its deal to
    // its stage and takes it from the stage of the move before. Moves after
    // `at` in a day counted whole are taken back the same way.
    let mut edges: Vec<(&str, String, String, i64)> = plan
        .raw
        .iter()
        .map(|&(from, _, _, _)| ("h.at >= $1 AND h.at <= $2", from.to_db(), at.to_db(), 1))
        .collect();
    if let Some((after, end)) = until.undo {
        edges.push(("h.at > $1 AND h.at < $2", after.to_db(), end.to_db(), -1));
    }
    for (range, lo, hi, sign) in edges {
        let sql = format!(
            "SELECT h.pipeline_id AS hp, h.to_stage_id AS hs, h.currency AS hc, h.amount_minor AS ha, \
             p.pipeline_id AS pp, p.to_stage_id AS ps, p.currency AS pc, p.amount_minor AS pa \
             FROM deal_stage_history h JOIN deals d ON d.id = h.deal_id \
             LEFT JOIN deal_stage_history p ON p.id = \
               (SELECT MAX(p2.id) FROM deal_stage_history p2 WHERE p2.deal_id = h.deal_id AND p2.id < h.id) \
             WHERE {range}{}",
            owners_sql(RAW_OWNER, &owners)
        );
        let rows = sqlx::query(&sql)
            .bind(lo)
            .bind(hi)
            .fetch_all(c.conn())
            .await?;
        for r in &rows {
            let minor = |cur: &str, amt: i64| if cur == f.currency { amt } else { 0 };
            if col::i(r, "hp")? == pipeline.id {
                let e = by_stage.entry(col::i(r, "hs")?).or_default();
                e.0 += sign;
                e.1 += sign * minor(&col::s(r, "hc")?, col::i(r, "ha")?);
            }
            if col::oi(r, "pp")? == Some(pipeline.id)
                && let Some(stage) = col::oi(r, "ps")?
            {
                let e = by_stage.entry(stage).or_default();
                e.0 -= sign;
                e.1 -= sign
                    * minor(
                        &col::os(r, "pc")?.unwrap_or_default(),
                        col::oi(r, "pa")?.unwrap_or(0),
                    );
            }
        }
    }
    Ok(pipeline
        .stages
        .iter()
        .map(|s| {
            let (n, amt) = by_stage.get(&s.id).copied().unwrap_or((0, 0));
            SnapshotStage {
                stage_id: s.id,
                name: s.data.name.clone(),
                kind: s.data.kind,
                deals: n,
                amount: money::from_minor(amt),
            }
        })
        .collect())
}

// ---------------------------------------------------------------- forecast

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ForecastRow {
    pub period: String,
    pub owner_id: Id,
    pub owner: String,
    /// Open deals expected to close in the period.
    pub open: Tally,
    /// Their amounts × their probabilities.
    #[schema(value_type = String)]
    pub weighted: Decimal,
    /// Won in the period.
    pub won: Tally,
}

/// Weighted pipeline by expected close period beside what was won in each
/// period, per owner. Only deals in the report currency. The open side
/// comes from the roll-up by expected close day (a day field, so whole
/// months and days cover it exactly); deals that take their stage's
/// probability are weighted with the stage's probability of today. The
/// won side comes from the roll-up by close instant, plus the hours at the
/// period's ends read from the deals.
pub async fn forecast(
    db: &Db,
    actor: &Actor,
    f: &Filter,
    periods: &[Period],
) -> Result<Vec<ForecastRow>> {
    let mut c = db.snapshot().await?;
    let owners = scope(&mut c, actor, f).await?;
    let scope_sql = |alias: &str| {
        format!(
            "{}{}",
            owners_sql(&format!("{alias}.owner_id"), &owners),
            pipeline_sql(&format!("{alias}.pipeline_id"), f.pipeline_id)
        )
    };
    let mut cells: BTreeMap<(usize, Id), ForecastRow> = BTreeMap::new();

    // Open deals by expected close period.
    let probability: BTreeMap<Id, i64> = sqlx::query("SELECT id, probability FROM stages")
        .fetch_all(c.conn())
        .await?
        .iter()
        .map(|r| Ok((col::i(r, "id")?, col::i(r, "probability")?)))
        .collect::<Result<_>>()?;
    let by_day = Plan::days(&periods.iter().map(|p| (p.start, p.end)).collect::<Vec<_>>());
    let sql = format!(
        "SELECT r.span, r.period, r.owner_id, r.stage_id, CAST(SUM(r.deals) AS BIGINT) AS n, \
         CAST(SUM(r.amount_minor) AS BIGINT) AS amt, CAST(SUM(r.implicit_minor) AS BIGINT) AS imp, \
         CAST(SUM(r.weighted) AS BIGINT) AS w \
         FROM report_expected r WHERE r.currency = $1 AND {}{} \
         GROUP BY r.span, r.period, r.owner_id, r.stage_id",
        by_day.condition("r"),
        scope_sql("r")
    );
    let rows = sqlx::query(&sql)
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    // Sums in minor units × percent, per (period, owner).
    let mut open: BTreeMap<(usize, Id), (i64, i64, i64)> = BTreeMap::new();
    for r in &rows {
        let Some(p) = by_day.period_of(r)? else {
            continue;
        };
        let stage_probability = probability
            .get(&col::i(r, "stage_id")?)
            .copied()
            .unwrap_or(0);
        let e = open.entry((p, col::i(r, "owner_id")?)).or_default();
        e.0 += col::i(r, "n")?;
        e.1 += col::i(r, "amt")?;
        e.2 += col::i(r, "w")? + col::i(r, "imp")?.saturating_mul(stage_probability);
    }
    for ((p, owner), (n, amt, w)) in open {
        if n == 0 {
            continue;
        }
        if let Some(row) = forecast_row(&mut cells, periods, p, owner) {
            row.open = Tally::of((n, amt));
            // Minor units × percent: four decimal places of the currency unit.
            row.weighted = Decimal::new(w, 4).round_dp(2);
        }
    }

    // Won deals by close period.
    let by_instant = Plan::instants(&instant_ranges(periods));
    let sql = format!(
        "SELECT r.span, r.period, r.owner_id, CAST(SUM(r.deals) AS BIGINT) AS n, \
         CAST(SUM(r.amount_minor) AS BIGINT) AS amt \
         FROM report_closed r WHERE r.status = 'won' AND r.currency = $1 AND {}{} \
         GROUP BY r.span, r.period, r.owner_id",
        by_instant.condition("r"),
        scope_sql("r")
    );
    let rows = sqlx::query(&sql)
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    let mut won: BTreeMap<(usize, Id), (i64, i64)> = BTreeMap::new();
    for r in &rows {
        let Some(p) = by_instant.period_of(r)? else {
            continue;
        };
        let e = won.entry((p, col::i(r, "owner_id")?)).or_default();
        e.0 += col::i(r, "n")?;
        e.1 += col::i(r, "amt")?;
    }
    // The hours at the periods' ends, one index range at a time.
    let scope = raw_scope(&owners, f.pipeline_id);
    for &(from, to, p, sign) in &by_instant.raw {
        let select = "d.owner_id, d.status, d.currency, d.amount_minor FROM deals d";
        for r in &deals_between(&mut c, select, "d.closed_at", (from, to), &scope).await? {
            if col::s(r, "status")? != "won" || col::s(r, "currency")? != f.currency {
                continue;
            }
            let e = won.entry((p, col::i(r, "owner_id")?)).or_default();
            e.0 += sign;
            e.1 += sign * col::i(r, "amount_minor")?;
        }
    }
    for ((p, owner), t) in won {
        if t.0 == 0 {
            continue;
        }
        if let Some(row) = forecast_row(&mut cells, periods, p, owner) {
            row.won = Tally::of(t);
        }
    }

    let names = user_names(&mut c).await?;
    Ok(cells
        .into_values()
        .map(|mut r| {
            r.owner = names.get(&r.owner_id).cloned().unwrap_or_default();
            r
        })
        .collect())
}

fn forecast_row<'a>(
    cells: &'a mut BTreeMap<(usize, Id), ForecastRow>,
    periods: &[Period],
    p: usize,
    owner: Id,
) -> Option<&'a mut ForecastRow> {
    let period = periods.get(p)?;
    Some(cells.entry((p, owner)).or_insert_with(|| ForecastRow {
        period: period.label.clone(),
        owner_id: owner,
        owner: String::new(),
        open: Tally::default(),
        weighted: money::from_minor(0),
        won: Tally::default(),
    }))
}

/// The periods as instants in the user's zone (midnight UTC when a period
/// was given as days only).
fn instant_ranges(periods: &[Period]) -> Vec<(Timestamp, Timestamp)> {
    periods
        .iter()
        .map(|p| {
            (
                p.from.unwrap_or_else(|| rollup::midnight(p.start.inner())),
                p.to.unwrap_or_else(|| rollup::midnight(p.end.inner())),
            )
        })
        .collect()
}

async fn user_names(c: &mut impl Conn) -> Result<BTreeMap<Id, String>> {
    id_names(c, "SELECT id, name FROM users").await
}

// ---------------------------------------------------------------- dynamics

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DynamicsRow {
    pub period: String,
    pub start: Day,
    /// Created in the period.
    pub new: Tally,
    /// Closed won in the period.
    pub won: Tally,
    /// Closed lost in the period.
    pub lost: Tally,
}

/// New, won and lost deals and their amounts per period.
pub async fn dynamics(
    db: &Db,
    actor: &Actor,
    f: &Filter,
    periods: &[Period],
) -> Result<Vec<DynamicsRow>> {
    let mut c = db.snapshot().await?;
    let owners = scope(&mut c, actor, f).await?;
    let mut out: Vec<DynamicsRow> = periods
        .iter()
        .map(|p| DynamicsRow {
            period: p.label.clone(),
            start: p.start,
            new: Tally::default(),
            won: Tally::default(),
            lost: Tally::default(),
        })
        .collect();
    let plan = Plan::instants(&instant_ranges(periods));
    let scope_sql = |alias: &str| {
        format!(
            "{}{}",
            owners_sql(&format!("{alias}.owner_id"), &owners),
            pipeline_sql(&format!("{alias}.pipeline_id"), f.pipeline_id)
        )
    };
    // Per period: new, won, lost as (deals, minor units).
    let mut acc = vec![[(0i64, 0i64); 3]; periods.len()];
    let mut add = |p: usize, which: &str, n: i64, amt: i64| {
        if let Some(row) = acc.get_mut(p) {
            let t = &mut row[match which {
                "new" => 0,
                "won" => 1,
                _ => 2,
            }];
            t.0 += n;
            t.1 += amt;
        }
    };
    // Whole UTC months and days: created from one roll-up, closed from another.
    for sql in [
        format!(
            "SELECT r.span, r.period, 'new' AS which, CAST(SUM(r.deals) AS BIGINT) AS n, {SUM_CELLS} AS amt \
             FROM report_created r WHERE {}{} GROUP BY r.span, r.period",
            plan.condition("r"),
            scope_sql("r")
        ),
        format!(
            "SELECT r.span, r.period, r.status AS which, CAST(SUM(r.deals) AS BIGINT) AS n, {SUM_CELLS} AS amt \
             FROM report_closed r WHERE {}{} GROUP BY r.span, r.period, r.status",
            plan.condition("r"),
            scope_sql("r")
        ),
    ] {
        let rows = sqlx::query(&sql)
            .bind(&f.currency)
            .fetch_all(c.conn())
            .await?;
        for r in &rows {
            if let Some(p) = plan.period_of(r)? {
                add(p, &col::s(r, "which")?, col::i(r, "n")?, col::i(r, "amt")?);
            }
        }
    }
    // The hours at the ends of each period, from the deals, one index range
    // at a time.
    let scope = raw_scope(&owners, f.pipeline_id);
    for &(from, to, p, sign) in &plan.raw {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, {} AS amt FROM deals d \
             WHERE d.created_at >= $1 AND d.created_at < $2{scope}",
            SUM_IN_CURRENCY.replace("$9", "$3"),
        );
        let row = sqlx::query(&sql)
            .bind(from.to_db())
            .bind(to.to_db())
            .bind(&f.currency)
            .fetch_one(c.conn())
            .await?;
        add(
            p,
            "new",
            sign * col::i(&row, "n")?,
            sign * col::i(&row, "amt")?,
        );
        // Closed then: the status is checked here, not in SQL, so that the
        // close-time index is the only one the query can use.
        let select = "d.status, d.currency, d.amount_minor FROM deals d";
        for r in &deals_between(&mut c, select, "d.closed_at", (from, to), &scope).await? {
            let status = col::s(r, "status")?;
            if status == "won" || status == "lost" {
                let amt = if col::s(r, "currency")? == f.currency {
                    col::i(r, "amount_minor")?
                } else {
                    0
                };
                add(p, &status, sign, sign * amt);
            }
        }
    }
    for (row, [new, won, lost]) in out.iter_mut().zip(acc) {
        row.new = Tally::of(new);
        row.won = Tally::of(won);
        row.lost = Tally::of(lost);
    }
    Ok(out)
}

// ---------------------------------------------------------------- losses

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LossRow {
    /// The loss reason from the catalog; `None` for deals lost without one.
    pub reason_id: Option<Id>,
    pub reason: String,
    pub lost: Tally,
    /// Percent of all deals lost in the period.
    #[schema(value_type = Option<String>)]
    pub share: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompetitorRow {
    pub competitor_id: Id,
    pub competitor: String,
    /// Deals with this competitor won in the period.
    pub won: Tally,
    /// Deals with this competitor lost in the period.
    pub lost: Tally,
    #[schema(value_type = Option<String>)]
    pub win_rate: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Losses {
    pub reasons: Vec<LossRow>,
    pub competitors: Vec<CompetitorRow>,
}

/// Deals lost in the period by reason; deals closed in the period against
/// each competitor (by the deal's outcome). The competitors' query starts
/// from the deals that have competitors (`CROSS JOIN` fixes SQLite's join
/// order; PostgreSQL plans it as the inner join it is): read from the deals'
/// side, it would walk every closed deal of the year.
pub async fn losses(db: &Db, actor: &Actor, f: &Filter) -> Result<Losses> {
    let mut c = db.snapshot().await?;
    let owners = scope(&mut c, actor, f).await?;
    let scope_sql = format!(
        "{}{}",
        owners_sql("d.owner_id", &owners),
        pipeline_sql("d.pipeline_id", f.pipeline_id)
    );
    // Lost deals per reason (0: none): whole UTC months and days from the
    // roll-up, the hours at the ends from the deals.
    let plan = Plan::instants(&[(f.from, f.to)]);
    let mut by_reason: BTreeMap<Id, (i64, i64)> = BTreeMap::new();
    let sql = format!(
        "SELECT r.loss_reason_id AS rid, CAST(SUM(r.deals) AS BIGINT) AS n, {SUM_CELLS} AS amt \
         FROM report_closed r WHERE r.status = 'lost' AND {}{}{} GROUP BY r.loss_reason_id",
        plan.condition("r"),
        owners_sql("r.owner_id", &owners),
        pipeline_sql("r.pipeline_id", f.pipeline_id)
    );
    let rows = sqlx::query(&sql)
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    for r in &rows {
        let e = by_reason.entry(col::i(r, "rid")?).or_default();
        e.0 += col::i(r, "n")?;
        e.1 += col::i(r, "amt")?;
    }
    let scope = raw_scope(&owners, f.pipeline_id);
    for &(from, to, _, sign) in &plan.raw {
        let select = "d.status, d.loss_reason_id, d.currency, d.amount_minor FROM deals d";
        for r in &deals_between(&mut c, select, "d.closed_at", (from, to), &scope).await? {
            if col::s(r, "status")? != "lost" {
                continue;
            }
            let e = by_reason
                .entry(col::oi(r, "loss_reason_id")?.unwrap_or(0))
                .or_default();
            e.0 += sign;
            if col::s(r, "currency")? == f.currency {
                e.1 += sign * col::i(r, "amount_minor")?;
            }
        }
    }
    let names: BTreeMap<Id, String> = sqlx::query("SELECT id, name FROM lookups")
        .fetch_all(c.conn())
        .await?
        .iter()
        .map(|r| Ok((col::i(r, "id")?, col::s(r, "name")?)))
        .collect::<Result<_>>()?;
    let mut reasons: Vec<LossRow> = by_reason
        .into_iter()
        .filter(|(_, (n, _))| *n != 0)
        .map(|(id, t)| LossRow {
            reason_id: (id != 0).then_some(id),
            reason: names.get(&id).cloned().unwrap_or_default(),
            lost: Tally::of(t),
            share: None,
        })
        .collect();
    reasons.sort_by(|a, b| {
        b.lost
            .deals
            .cmp(&a.lost.deals)
            .then_with(|| a.reason.cmp(&b.reason))
    });
    let all: i64 = reasons.iter().map(|r| r.lost.deals).sum();
    for r in &mut reasons {
        r.share = calc::percent(r.lost.deals, all);
    }
    let sql = format!(
        "SELECT c.id AS cid, c.name AS cname, d.status, CAST(COUNT(*) AS BIGINT) AS n, {} AS amt \
         FROM deal_competitors dc JOIN competitors c ON c.id = dc.competitor_id CROSS JOIN deals d \
         WHERE d.id = dc.deal_id AND d.status IN ('won', 'lost') AND d.closed_at >= $1 AND d.closed_at < $2{scope_sql} \
         GROUP BY c.id, c.name, d.status ORDER BY c.name, c.id",
        SUM_IN_CURRENCY.replace("$9", "$3")
    );
    let rows = sqlx::query(&sql)
        .bind(f.from.to_db())
        .bind(f.to.to_db())
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    let mut competitors: Vec<CompetitorRow> = Vec::new();
    for r in &rows {
        let id = col::i(r, "cid")?;
        if competitors.last().is_none_or(|c| c.competitor_id != id) {
            competitors.push(CompetitorRow {
                competitor_id: id,
                competitor: col::s(r, "cname")?,
                won: Tally::default(),
                lost: Tally::default(),
                win_rate: None,
            });
        }
        let t = Tally::of((col::i(r, "n")?, col::i(r, "amt")?));
        if let Some(row) = competitors.last_mut() {
            if col::s(r, "status")? == "won" {
                row.won = t;
            } else {
                row.lost = t;
            }
        }
    }
    for r in &mut competitors {
        r.win_rate = calc::win_rate(r.won.deals, r.lost.deals);
    }
    Ok(Losses {
        reasons,
        competitors,
    })
}

// ---------------------------------------------------------------- activity

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ActivityRow {
    pub owner_id: Id,
    pub owner: String,
    /// Calls held or logged in the period.
    pub calls: i64,
    /// Meetings held or logged in the period.
    pub meetings: i64,
    /// Tasks completed in the period.
    pub tasks_done: i64,
    /// Open tasks past their due time now.
    pub tasks_overdue: i64,
}

/// Calls, meetings, tasks done and overdue per manager. A call is any
/// activity on the call channel; a meeting one on the meeting channel or an
/// event on no other channel; both count when held or logged, at their
/// start (else their completion) time. Overdue is as of `now`.
pub async fn activity(
    db: &Db,
    actor: &Actor,
    f: &Filter,
    now: Timestamp,
) -> Result<Vec<ActivityRow>> {
    let mut c = db.snapshot().await?;
    let owners = scope(&mut c, actor, f).await?;
    let o = owners_sql("u.id", &owners);
    // Each figure is counted per manager over a range of a partial index
    // that holds just its activities (migration 14), rather than one pass
    // over every activity ever logged: on SQLite that pass went through
    // an owner index and looked each activity up in the table (1.9 s over
    // a million). SQLite is told the index; PostgreSQL finds it.
    let sqlite = c.backend() == Backend::Sqlite;
    let index = |name: &str| match sqlite {
        true => format!(" INDEXED BY {name}"),
        false => String::new(),
    };
    // The activities of the range that are `what`, or all of them.
    let figure = |what: Option<&str>, name: &str, condition: &str| {
        let counted = match what {
            Some(what) => format!("COALESCE(SUM(CASE WHEN {what} THEN 1 ELSE 0 END), 0)"),
            None => "COUNT(*)".to_owned(),
        };
        format!(
            "(SELECT CAST({counted} AS BIGINT) \
             FROM activities a{} WHERE a.owner_id = u.id AND {condition})",
            index(name)
        )
    };
    // Held or logged, at their start, else at their completion.
    let started = "a.status IN ('held', 'completed') AND a.start_at >= $1 AND a.start_at < $2";
    let unstarted = "a.status IN ('held', 'completed') AND a.start_at IS NULL \
                     AND a.completed_at >= $1 AND a.completed_at < $2";
    let call = "a.channel = 'call'";
    let meeting = "(a.channel = 'meeting' OR (a.kind = 'event' AND a.channel IS NULL))";
    // Calls and meetings read the same range: PostgreSQL counts both in one
    // pass (`LATERAL`); SQLite, which has no `LATERAL`, in two.
    let mut joins = String::new();
    let mut calls = Vec::new();
    let mut meetings = Vec::new();
    for (n, (name, condition)) in [
        ("activities_report_held", started),
        ("activities_report_unstarted", unstarted),
    ]
    .into_iter()
    .enumerate()
    {
        if sqlite {
            calls.push(figure(Some(call), name, condition));
            meetings.push(figure(Some(meeting), name, condition));
        } else {
            joins.push_str(&format!(
                " CROSS JOIN LATERAL (SELECT \
                 COALESCE(SUM(CASE WHEN {call} THEN 1 ELSE 0 END), 0) AS calls, \
                 COALESCE(SUM(CASE WHEN {meeting} THEN 1 ELSE 0 END), 0) AS meetings \
                 FROM activities a WHERE a.owner_id = u.id AND {condition}) h{n}"
            ));
            calls.push(format!("h{n}.calls"));
            meetings.push(format!("h{n}.meetings"));
        }
    }
    let sql = format!(
        "SELECT u.id AS owner_id, CAST({} AS BIGINT) AS calls, CAST({} AS BIGINT) AS meetings, \
         {} AS done, {} AS overdue FROM users u{joins} WHERE 1 = 1{o}",
        calls.join(" + "),
        meetings.join(" + "),
        figure(
            None,
            "activities_report_done",
            "a.kind = 'task' AND a.status = 'completed' AND a.completed_at >= $1 AND a.completed_at < $2"
        ),
        figure(
            None,
            "activities_report_open_tasks",
            "a.kind = 'task' AND a.status NOT IN ('completed', 'held', 'not_held') AND a.due_at < $3"
        ),
    );
    let rows = sqlx::query(&sql)
        .bind(f.from.to_db())
        .bind(f.to.to_db())
        .bind(now.to_db())
        .fetch_all(c.conn())
        .await?;
    let names = user_names(&mut c).await?;
    let mut out = Vec::new();
    for r in &rows {
        let row = ActivityRow {
            owner_id: col::i(r, "owner_id")?,
            owner: String::new(),
            calls: col::oi(r, "calls")?.unwrap_or(0),
            meetings: col::oi(r, "meetings")?.unwrap_or(0),
            tasks_done: col::oi(r, "done")?.unwrap_or(0),
            tasks_overdue: col::oi(r, "overdue")?.unwrap_or(0),
        };
        if row.calls + row.meetings + row.tasks_done + row.tasks_overdue > 0 {
            out.push(ActivityRow {
                owner: names.get(&row.owner_id).cloned().unwrap_or_default(),
                ..row
            });
        }
    }
    out.sort_by(|a, b| a.owner.cmp(&b.owner).then(a.owner_id.cmp(&b.owner_id)));
    Ok(out)
}

// ---------------------------------------------------------------- opportunities

/// What the opportunity analysis groups deals by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityBy {
    Source,
    Territory,
    Industry,
    Owner,
    Pipeline,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpportunityRow {
    /// The group's name; empty when the deals have none (no source, no account …).
    pub key: String,
    pub total: Tally,
    pub won: Tally,
    pub lost: Tally,
    #[schema(value_type = Option<String>)]
    pub win_rate: Option<Decimal>,
    /// Average amount of the won deals.
    #[schema(value_type = Option<String>)]
    pub avg_won_amount: Option<Decimal>,
    /// Average days from creation to the win.
    #[schema(value_type = Option<String>)]
    pub avg_cycle_days: Option<Decimal>,
}

/// Deals created in the period, grouped: count, amount, win rate, average
/// won deal and average sales cycle. Whole UTC months and days come from
/// `report_opportunities`; the hours at the ends from the deals themselves,
/// through the same rule ([`rollup::opportunity_cells`]).
pub async fn opportunities(
    db: &Db,
    actor: &Actor,
    f: &Filter,
    by: OpportunityBy,
) -> Result<Vec<OpportunityRow>> {
    let mut c = db.snapshot().await?;
    let owners = scope(&mut c, actor, f).await?;
    // Owners and pipelines are read from the source rows: each deal is
    // there exactly once.
    let dim = match by {
        OpportunityBy::Territory => rollup::Dim::Territory,
        OpportunityBy::Industry => rollup::Dim::Industry,
        OpportunityBy::Source | OpportunityBy::Owner | OpportunityBy::Pipeline => {
            rollup::Dim::Source
        }
    };
    let plan = Plan::instants(&[(f.from, f.to)]);
    #[derive(Default)]
    struct Acc {
        total: (i64, i64),
        won: (i64, i64),
        lost: (i64, i64),
        cycle_secs: i64,
    }
    // By the raw key (a source, owner or pipeline id as text, a territory
    // or an industry); names come after.
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    let mut count = |key: String, status: &str, currency: &str, sums: [i64; 3], sign: i64| {
        let amount = if currency == f.currency { sums[1] } else { 0 };
        let (n, amount) = (sign * sums[0], sign * amount);
        let acc = groups.entry(key).or_default();
        acc.total.0 += n;
        acc.total.1 += amount;
        match outcome(status) {
            Outcome::Won => {
                acc.won.0 += n;
                acc.won.1 += amount;
                acc.cycle_secs += sign * sums[2];
            }
            Outcome::Lost => {
                acc.lost.0 += n;
                acc.lost.1 += amount;
            }
            Outcome::Open => {}
        }
    };

    let key = match by {
        OpportunityBy::Owner => "CAST(r.owner_id AS TEXT)",
        OpportunityBy::Pipeline => "CAST(r.pipeline_id AS TEXT)",
        _ => "r.dim_key",
    };
    let sql = format!(
        "SELECT {key} AS k, r.status, r.currency, CAST(SUM(r.deals) AS BIGINT) AS n, \
         CAST(SUM(r.amount_minor) AS BIGINT) AS amt, CAST(SUM(r.cycle_seconds) AS BIGINT) AS secs \
         FROM report_opportunities r WHERE r.dim = $1 AND {}{}{} \
         GROUP BY {key}, r.status, r.currency",
        plan.condition("r"),
        owners_sql("r.owner_id", &owners),
        pipeline_sql("r.pipeline_id", f.pipeline_id)
    );
    let rows = sqlx::query(&sql)
        .bind(dim.as_str())
        .fetch_all(c.conn())
        .await?;
    for r in &rows {
        count(
            col::s(r, "k")?,
            &col::s(r, "status")?,
            &col::s(r, "currency")?,
            [col::i(r, "n")?, col::i(r, "amt")?, col::i(r, "secs")?],
            1,
        );
    }

    // The hours at the ends, from the deals created then.
    let select = format!(
        "{} FROM deals d LEFT JOIN accounts a ON a.id = d.account_id",
        crate::rollup::FACT_COLUMNS
    );
    let scope = raw_scope(&owners, f.pipeline_id);
    for &(from, to, _, sign) in &plan.raw {
        for r in &deals_between(&mut c, &select, "d.created_at", (from, to), &scope).await? {
            let deal = crate::rollup::facts_of_row(r)?;
            let key = match by {
                OpportunityBy::Owner => deal.owner_id.to_string(),
                OpportunityBy::Pipeline => deal.pipeline_id.to_string(),
                _ => dim.key(&deal),
            };
            let sums = [1, deal.amount_minor, rollup::won_cycle(&deal).unwrap_or(0)];
            count(key, deal.status.as_str(), &deal.currency, sums, sign);
        }
    }

    let names = match by {
        OpportunityBy::Source => id_names(&mut c, "SELECT id, name FROM lookups").await?,
        OpportunityBy::Owner => user_names(&mut c).await?,
        OpportunityBy::Pipeline => id_names(&mut c, "SELECT id, name FROM pipelines").await?,
        OpportunityBy::Territory | OpportunityBy::Industry => BTreeMap::new(),
    };
    let mut named: BTreeMap<String, Acc> = BTreeMap::new();
    for (key, a) in groups {
        if a.total.0 == 0 {
            continue;
        }
        let name = match by {
            OpportunityBy::Territory | OpportunityBy::Industry => key,
            _ => key
                .parse::<Id>()
                .ok()
                .map(|id| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
                .unwrap_or_default(),
        };
        // Two records of one name are one group, as the reader sees them.
        let e = named.entry(name).or_default();
        for (x, y) in [
            (&mut e.total, a.total),
            (&mut e.won, a.won),
            (&mut e.lost, a.lost),
        ] {
            x.0 += y.0;
            x.1 += y.1;
        }
        e.cycle_secs += a.cycle_secs;
    }
    let mut out: Vec<OpportunityRow> = named
        .into_iter()
        .map(|(key, a)| OpportunityRow {
            key,
            total: Tally::of(a.total),
            won: Tally::of(a.won),
            lost: Tally::of(a.lost),
            win_rate: calc::win_rate(a.won.0, a.lost.0),
            avg_won_amount: calc::average(money::from_minor(a.won.1), a.won.0, 2),
            avg_cycle_days: calc::average(Decimal::from(a.cycle_secs), a.won.0, 0).map(calc::days),
        })
        .collect();
    out.sort_by(|a, b| b.total.deals.cmp(&a.total.deals).then(a.key.cmp(&b.key)));
    Ok(out)
}

/// Names by id from a small table (`SELECT id, name …`).
async fn id_names(c: &mut impl Conn, sql: &str) -> Result<BTreeMap<Id, String>> {
    let rows = sqlx::query(sql).fetch_all(c.conn()).await?;
    rows.iter()
        .map(|r| Ok((col::i(r, "id")?, col::s(r, "name")?)))
        .collect()
}

// ---------------------------------------------------------------- gross profit

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfitBy {
    Deal,
    Product,
    Owner,
    Period,
}

/// Where revenue and cost come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfitSource {
    /// The products of deals won in the period.
    Deals,
    /// The lines of invoices issued (not draft, not canceled) in the period.
    Invoices,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProfitRow {
    pub key: String,
    /// The deal of a row by deal: two deals may share a title. None for
    /// the invoices without a deal, and for a deal the user may not see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<Id>,
    /// Net of VAT.
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub cost: Decimal,
    #[schema(value_type = String)]
    pub profit: Decimal,
    /// Profit of revenue, percent.
    #[schema(value_type = Option<String>)]
    pub margin: Option<Decimal>,
}

impl ProfitRow {
    /// A group's row from its net revenue and cost in minor units.
    fn of(key: String, deal_id: Option<Id>, net: i64, cost: i64) -> ProfitRow {
        ProfitRow {
            key,
            deal_id,
            revenue: money::from_minor(net),
            cost: money::from_minor(cost),
            profit: money::from_minor(net - cost),
            margin: calc::percent(net - cost, net),
        }
    }
}

/// Which rows of a ranked report to return: up to `limit` (every one
/// without it) after skipping `offset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowWindow {
    pub offset: u64,
    pub limit: Option<u64>,
}

impl RowWindow {
    /// The window's rows of rows already computed and sorted.
    pub fn cut<T>(self, rows: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = self
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        rows.into_iter().skip(skip).take(take).collect()
    }

    /// `LIMIT` and `OFFSET` of a statement that returns the window itself
    /// (both backends take a limit this large as none).
    fn sql_bounds(self) -> (u64, u64) {
        let limit = self.limit.unwrap_or(i64::MAX as u64).min(i64::MAX as u64);
        (limit, self.offset.min(i64::MAX as u64))
    }
}

/// How many rows a ranked statement has in all, its window holding `got`
/// of them: told by the window itself when it ends before its limit,
/// else counted by `count` (bound as the ranking was: from, to, currency).
async fn total_rows(
    c: &mut impl Conn,
    window: RowWindow,
    got: usize,
    count: &str,
    bounds: (&str, &str, &str),
) -> Result<u64> {
    let (_, offset) = window.sql_bounds();
    let full = window.limit.is_some_and(|l| got as u64 >= l);
    if !full && (got > 0 || offset == 0) {
        return Ok(offset + got as u64);
    }
    let r = sqlx::query(count)
        .bind(bounds.0)
        .bind(bounds.1)
        .bind(bounds.2)
        .fetch_one(c.conn())
        .await?;
    Ok(u64::try_from(col::i(&r, "n")?).unwrap_or(0))
}

/// A window of a ranked report's rows and how many there are in all.
#[derive(Debug, Clone)]
pub struct RowsOf<T> {
    pub rows: Vec<T>,
    pub total_rows: u64,
}

/// Gross profit (net revenue − cost of the lines) grouped by deal, product,
/// owner or period: the window's rows, by profit (periods in order of time).
pub async fn gross_profit(
    db: &Db,
    actor: &Actor,
    f: &Filter,
    by: ProfitBy,
    source: ProfitSource,
    periods: &[Period],
    window: RowWindow,
) -> Result<RowsOf<ProfitRow>> {
    let mut c = db.snapshot().await?;
    let owners = scope(&mut c, actor, f).await?;
    let all = match (source, by) {
        // A year of a busy CRM's deals is a hundred thousand rows: the
        // database ranks them and returns the window alone.
        (ProfitSource::Deals, ProfitBy::Deal) => {
            return profit_by_deal(&mut c, &owners, f, window).await;
        }
        (ProfitSource::Deals, _) => rolled_profit(&mut c, &owners, f, by, periods).await?,
        (ProfitSource::Invoices, _) => {
            return invoice_profit(&mut c, actor, &owners, f, by, periods, window).await;
        }
    };
    Ok(RowsOf {
        total_rows: all.len() as u64,
        rows: window.cut(all),
    })
}

/// Gross profit of the lines of invoices issued in the period (by their
/// document day), grouped by the invoice's deal (a row per deal, those
/// without one together), product, owner or period; a pipeline filter
/// keeps the invoices of that pipeline's deals. An invoice counts for the
/// user who may see it; its deal may be another owner's, which the user
/// may not open: such a row keeps the deal's title (the invoice shows it)
/// but not its id, so no link leads to a page that would refuse them.
///
/// By product, owner or period the lines are read from their roll-up
/// (`report_invoice_profit`, by the invoice's day and month: an invoice's
/// date is a calendar day, so the cells cover any range exactly); by deal
/// the issued invoices of the range are ranked in their index
/// (`invoices_revenue`) and only the window's deals are read.
async fn invoice_profit(
    c: &mut impl Conn,
    actor: &Actor,
    owners: &Option<Vec<Id>>,
    f: &Filter,
    by: ProfitBy,
    periods: &[Period],
    window: RowWindow,
) -> Result<RowsOf<ProfitRow>> {
    if by == ProfitBy::Deal {
        return invoice_profit_by_deal(c, actor, owners, f, window).await;
    }
    let ranges: Vec<(Day, Day)> = match by {
        ProfitBy::Period => periods
            .iter()
            .map(|p| (p.start.max(f.from_day), p.end.min(f.to_day)))
            .collect(),
        _ => vec![(f.from_day, f.to_day)],
    };
    let mut groups = ProfitGroups::new(c, by, periods).await?;
    groups
        .read(c, "report_invoice_profit", &Plan::days(&ranges), owners, f)
        .await?;
    let all = groups.rows();
    Ok(RowsOf {
        total_rows: all.len() as u64,
        rows: window.cut(all),
    })
}

/// Gross profit from invoices by deal: the deals of the issued invoices
/// dated in the range, ranked by their lines' profit (then the older deal
/// first; the invoices without a deal, one row, before a deal of the same
/// profit), the window's alone read with their titles. Counted only when
/// the window may not hold the last row.
async fn invoice_profit_by_deal(
    c: &mut impl Conn,
    actor: &Actor,
    owners: &Option<Vec<Id>>,
    f: &Filter,
    window: RowWindow,
) -> Result<RowsOf<ProfitRow>> {
    // The partial index holds every column the ranking reads; SQLite's
    // planner would rather take the deal's index and read each invoice.
    let index = match c.backend() {
        Backend::Sqlite => " INDEXED BY invoices_revenue",
        Backend::Postgres => "",
    };
    let pipeline = match f.pipeline_id {
        Some(p) => format!(" AND i.deal_id IN (SELECT id FROM deals WHERE pipeline_id = {p})"),
        None => String::new(),
    };
    let body = format!(
        "FROM invoices i{index} WHERE i.status IN ('sent', 'partially_paid', 'paid') \
         AND i.doc_date >= $1 AND i.doc_date < $2 AND i.currency = $3{}{pipeline} \
         GROUP BY i.deal_id",
        owners_sql("i.owner_id", owners),
    );
    let (limit, offset) = window.sql_bounds();
    let sql = format!(
        "SELECT x.deal, x.net, x.cost, d.title, d.owner_id AS deal_owner FROM (\
         SELECT i.deal_id AS deal, CAST(SUM(i.lines_net_minor) AS BIGINT) AS net, \
         CAST(SUM(i.cost_minor) AS BIGINT) AS cost {body} \
         ORDER BY SUM(i.lines_net_minor) - SUM(i.cost_minor) DESC, COALESCE(i.deal_id, 0) \
         LIMIT {limit} OFFSET {offset}) x LEFT JOIN deals d ON d.id = x.deal \
         ORDER BY x.net - x.cost DESC, COALESCE(x.deal, 0)"
    );
    let (from, to) = (f.from_day.to_db(), f.to_day.to_db());
    let rows = sqlx::query(&sql)
        .bind(&from)
        .bind(&to)
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        // By the user's own rights, not the report's owner filter: an
        // administrator filtering by one manager may open every deal.
        let visible = col::oi(r, "deal_owner")?.is_some_and(|o| actor.can_see_owner(o));
        let deal = col::oi(r, "deal")?.filter(|_| visible);
        out.push(ProfitRow::of(
            col::os(r, "title")?.unwrap_or_default(),
            deal,
            col::i(r, "net")?,
            col::i(r, "cost")?,
        ));
    }
    let count = format!("SELECT COUNT(*) AS n FROM (SELECT i.deal_id {body}) g");
    let total_rows = total_rows(c, window, out.len(), &count, (&from, &to, &f.currency)).await?;
    Ok(RowsOf {
        rows: out,
        total_rows,
    })
}

fn sort_profit(out: &mut [ProfitRow], by: ProfitBy) {
    if by == ProfitBy::Period {
        out.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        // Deals of one profit: the older first (the deals without one, of
        // invoices, before them); other groups by name.
        out.sort_by(|a, b| {
            b.profit
                .cmp(&a.profit)
                .then(a.deal_id.cmp(&b.deal_id))
                .then(a.key.cmp(&b.key))
        });
    }
}

/// Gross profit of each deal won in the period with products: a row per
/// deal (two may share a title), from the sums of its lines the deal keeps
/// beside them (`lines_net_minor`, `lines_cost_minor`, `lines_count`,
/// written with the lines). The won deals with lines are ranked inside
/// `deals_won_lines` (migration 18), which holds the sums, and the table
/// is read for the window's rows alone; counted only when the window may
/// not hold the last row.
async fn profit_by_deal(
    c: &mut impl Conn,
    owners: &Option<Vec<Id>>,
    f: &Filter,
    window: RowWindow,
) -> Result<RowsOf<ProfitRow>> {
    // SQLite's planner would rather read the status's index and every
    // deal's row; the partial index holds all the ranking needs.
    let index = match c.backend() {
        Backend::Sqlite => " INDEXED BY deals_won_lines",
        Backend::Postgres => "",
    };
    let body = format!(
        "FROM deals r{index} WHERE r.status = 'won' AND r.lines_count > 0 AND r.currency = $3 \
         AND r.closed_at >= $1 AND r.closed_at < $2{}{}",
        owners_sql("r.owner_id", owners),
        pipeline_sql("r.pipeline_id", f.pipeline_id)
    );
    let (limit, offset) = window.sql_bounds();
    // By profit, then the older deal first: the order [`sort_profit`] gives.
    let rank = |t: &str| format!("{t}.lines_net_minor - {t}.lines_cost_minor DESC, {t}.id");
    let sql = format!(
        "SELECT d.id, d.title, d.lines_net_minor AS net, d.lines_cost_minor AS cost \
         FROM (SELECT r.id {body} ORDER BY {} LIMIT {limit} OFFSET {offset}) x \
         JOIN deals d ON d.id = x.id ORDER BY {}",
        rank("r"),
        rank("d")
    );
    let (from, to) = (f.from.to_db(), f.to.to_db());
    let rows = sqlx::query(&sql)
        .bind(&from)
        .bind(&to)
        .bind(&f.currency)
        .fetch_all(c.conn())
        .await?;
    let rows = rows
        .iter()
        .map(|r| {
            let (net, cost) = (col::i(r, "net")?, col::i(r, "cost")?);
            Ok(ProfitRow::of(
                col::s(r, "title")?,
                Some(col::i(r, "id")?),
                net,
                cost,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let count = format!("SELECT COUNT(*) AS n {body}");
    let total_rows = total_rows(c, window, rows.len(), &count, (&from, &to, &f.currency)).await?;
    Ok(RowsOf { rows, total_rows })
}

/// Gross profit of won deals' products by product, owner or period, from
/// `report_profit` (whole UTC months and days of the win) and the lines of
/// the deals won in the hours at the ends, as the other reports read their
/// roll-ups. Groups are by name, as the statement over the lines groups
/// them: two products of one name are one row.
async fn rolled_profit(
    c: &mut impl Conn,
    owners: &Option<Vec<Id>>,
    f: &Filter,
    by: ProfitBy,
    periods: &[Period],
) -> Result<Vec<ProfitRow>> {
    // Each period cut to the filter's range, as the statement over the
    // lines cuts it: the first and last months are partial.
    let ranges = match by {
        ProfitBy::Period => instant_ranges(periods)
            .into_iter()
            .map(|(a, b)| (a.max(f.from), b.min(f.to)))
            .collect(),
        _ => vec![(f.from, f.to)],
    };
    let plan = Plan::instants(&ranges);
    let mut groups = ProfitGroups::new(c, by, periods).await?;
    groups.read(c, "report_profit", &plan, owners, f).await?;

    // The hours at the ends, from the deals won then and their lines: the
    // deals first, by the close date's index alone (joined to the lines, a
    // planner may read every line instead), then their lines by deal.
    let scope = raw_scope(owners, f.pipeline_id);
    for &(from, to, period, sign) in &plan.raw {
        let select = "d.id, d.owner_id, d.status, d.currency FROM deals d";
        let mut owner_of: BTreeMap<Id, Id> = BTreeMap::new();
        for r in &deals_between(c, select, "d.closed_at", (from, to), &scope).await? {
            if col::s(r, "status")? == StageKind::Won.as_str()
                && col::s(r, "currency")? == f.currency.as_str()
            {
                owner_of.insert(col::i(r, "id")?, col::i(r, "owner_id")?);
            }
        }
        let ids: Vec<Id> = owner_of.keys().copied().collect();
        for chunk in ids.chunks(500) {
            let list: Vec<String> = chunk.iter().map(Id::to_string).collect();
            let sql = format!(
                "SELECT doc_id, product_id, name, net_minor, cost_minor FROM doc_lines \
                 WHERE doc_kind = 'deal' AND doc_id IN ({})",
                list.join(", ")
            );
            for r in &sqlx::query(&sql).fetch_all(c.conn()).await? {
                let owner = owner_of.get(&col::i(r, "doc_id")?).copied().unwrap_or(0);
                let k = groups.key(
                    period,
                    owner,
                    col::oi(r, "product_id")?.unwrap_or(0),
                    col::s(r, "name")?,
                );
                let sums = [col::i(r, "net_minor")?, col::i(r, "cost_minor")?, 1];
                groups.count(k, sums.map(|v| sign * v));
            }
        }
    }
    Ok(groups.rows())
}

/// Gross profit summed by product, owner or period from the cells of a
/// profit roll-up (`report_profit`, `report_invoice_profit`).
struct ProfitGroups<'a> {
    by: ProfitBy,
    periods: &'a [Period],
    /// Products' or owners' names, by id.
    names: BTreeMap<Id, String>,
    /// Net, cost and lines per group.
    groups: BTreeMap<String, [i64; 3]>,
}

impl<'a> ProfitGroups<'a> {
    async fn new(
        c: &mut impl Conn,
        by: ProfitBy,
        periods: &'a [Period],
    ) -> Result<ProfitGroups<'a>> {
        let names = match by {
            ProfitBy::Product => id_names(c, "SELECT id, name FROM products").await?,
            ProfitBy::Owner => user_names(c).await?,
            ProfitBy::Period | ProfitBy::Deal => BTreeMap::new(),
        };
        Ok(ProfitGroups {
            by,
            periods,
            names,
            groups: BTreeMap::new(),
        })
    }

    /// The group of a (period, owner, product, line name).
    fn key(&self, period: usize, owner: Id, product: Id, name: String) -> Option<String> {
        let named = |id: Id| {
            self.names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}"))
        };
        match self.by {
            ProfitBy::Product if product != 0 => Some(named(product)),
            ProfitBy::Product => Some(name),
            ProfitBy::Owner => Some(named(owner)),
            ProfitBy::Period => self.periods.get(period).map(|p| p.label.clone()),
            ProfitBy::Deal => None,
        }
    }

    fn count(&mut self, key: Option<String>, sums: [i64; 3]) {
        if let Some(k) = key {
            let g = self.groups.entry(k).or_default();
            for (a, b) in g.iter_mut().zip(sums) {
                *a += b;
            }
        }
    }

    /// Adds the cells of `table` the plan picks, in the filter's currency,
    /// owners and pipeline.
    async fn read(
        &mut self,
        c: &mut impl Conn,
        table: &str,
        plan: &Plan,
        owners: &Option<Vec<Id>>,
        f: &Filter,
    ) -> Result<()> {
        let sql = format!(
            "SELECT r.span, r.period, r.owner_id, r.product_id, r.name, \
             CAST(SUM(r.net_minor) AS BIGINT) AS net, CAST(SUM(r.cost_minor) AS BIGINT) AS cost, \
             CAST(SUM(r.lines) AS BIGINT) AS n \
             FROM {table} r WHERE r.currency = $1 AND {}{}{} \
             GROUP BY r.span, r.period, r.owner_id, r.product_id, r.name",
            plan.condition("r"),
            owners_sql("r.owner_id", owners),
            pipeline_sql("r.pipeline_id", f.pipeline_id)
        );
        for r in &sqlx::query(&sql)
            .bind(f.currency.as_str())
            .fetch_all(c.conn())
            .await?
        {
            let Some(period) = plan.period_of(r)? else {
                continue;
            };
            let k = self.key(
                period,
                col::i(r, "owner_id")?,
                col::i(r, "product_id")?,
                col::s(r, "name")?,
            );
            self.count(k, [col::i(r, "net")?, col::i(r, "cost")?, col::i(r, "n")?]);
        }
        Ok(())
    }

    /// The groups as rows, by profit (periods in order of time). A group
    /// whose lines all left it (the deals reopened, the invoices canceled)
    /// is no row; one of lines worth nothing is.
    fn rows(self) -> Vec<ProfitRow> {
        let mut out: Vec<ProfitRow> = self
            .groups
            .into_iter()
            .filter(|(_, [_, _, lines])| *lines != 0)
            .map(|(key, [net, cost, _])| ProfitRow::of(key, None, net, cost))
            .collect();
        sort_profit(&mut out, self.by);
        out
    }
}
