//! Deal groupings answered from the report roll-ups.
//!
//! The roll-ups (kept in every deal write's transaction) already hold what
//! a builder report of deals counts and sums for its commonest shapes, in a
//! few thousand cells instead of a million deals:
//!
//! - `report_opportunities` under the source key: every deal once, per UTC
//!   month and day of creation, pipeline, owner, source, status and
//!   currency. It answers deals by creation period, alone or beside one of
//!   those fields, and any grouping by one or two of those fields with no
//!   date at all (its month cells summed).
//! - `report_closed`: won and lost deals per UTC month and day of closing,
//!   pipeline, owner, status, loss reason, source and currency. It answers deals by
//!   close period, alone or beside one of those fields; the deals without a
//!   close date are exactly the open ones (a deal gets the date when it is
//!   won or lost and loses it when reopened), counted from
//!   `report_opportunities`.
//!
//! The hours at the ends of each period in the user's zone come from the
//! deals themselves, as in the reports (`rollup::Plan`). Only plans it
//! answers exactly qualify: no filters, aggregates among count, sum and
//! average of the amount; on SQLite, periods of a month or longer (or any
//! grain when the user's days begin at UTC midnights), the grid taking the
//! others; on PostgreSQL, which has no grid, any period. The statement yields the
//! columns of the `GROUP BY` it replaces.

use super::{Binds, Periods, constant_rows, period_bounds};
use crate::error::Result;
use crate::rollup::Plan as Pieces;
use voronka_core::builder::{DateGrain, Entity, Func, Plan};
use voronka_core::records::Id;
use voronka_core::rollup::Dim;
use voronka_core::{Day, Timestamp};

/// Edge pieces read from the deals at the most on SQLite, each one term of
/// the statement's `UNION ALL` (SQLite takes 500 at the most, with the
/// roll-up's own; PostgreSQL has no such limit); past this — months off
/// UTC over decades — the grid answers.
const MAX_RAW_PARTS: usize = 400;

/// The roll-up a plan reads, chosen by its date grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// By creation period, or no date at all.
    Created,
    /// By close period.
    Closed,
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
        }
    }

    /// The deals' column of the date, for the hours at the period ends.
    fn date_column(self) -> &'static str {
        match self {
            Source::Created => "d.created_at",
            Source::Closed => "d.closed_at",
        }
    }

    /// The key of a grouping in the roll-up (`r`) and in the deals (`d`).
    fn key(self, field: &str) -> Option<(&'static str, &'static str)> {
        Some(match (self, field) {
            (_, "owner") => ("r.owner_id", "d.owner_id"),
            (_, "pipeline") => ("r.pipeline_id", "d.pipeline_id"),
            (_, "status") => ("r.status", "d.status"),
            (_, "currency") => ("r.currency", "d.currency"),
            // The source's id as text, '' for none.
            (Source::Created, "source") => ("CAST(NULLIF(r.dim_key, '') AS BIGINT)", "d.source_id"),
            // 0 for none (won deals have none).
            (Source::Closed, "loss_reason") => (
                "NULLIF(r.loss_reason_id, 0)",
                "CASE WHEN d.status = 'lost' THEN d.loss_reason_id END",
            ),
            (Source::Closed, "source") => ("NULLIF(r.source_id, 0)", "d.source_id"),
            _ => return None,
        })
    }

    /// The key of a grouping among the open deals in `report_opportunities`
    /// (the close period's "no date" group): an open deal has no loss reason.
    fn open_key(field: &str) -> Option<&'static str> {
        match field {
            "loss_reason" => Some("CAST(NULL AS BIGINT)"),
            f => Source::Created.key(f).map(|(r, _)| r),
        }
    }
}

/// A grouping beside the period: its place in the plan and its key in the
/// roll-up, in the deals (the period ends) and among the open deals.
struct Other {
    at: usize,
    rolled: &'static str,
    deal: &'static str,
    open: &'static str,
}

/// The statement, or `None` when the plan is not one a roll-up answers;
/// `grid` says whether the grid would take periods shorter than a month.
pub(super) fn statement(
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn super::Calendar,
    owners: &Option<Vec<Id>>,
    grid: bool,
    binds: &mut Binds,
) -> Result<Option<String>> {
    if plan.entity != Entity::Deals || !plan.filters.is_empty() || plan.groups.is_empty() {
        return Ok(None);
    }
    let money_only = plan.aggregates.iter().all(|a| match a.field {
        None => a.func == Func::Count,
        Some(f) => f.name == "amount" && matches!(a.func, Func::Sum | Func::Avg),
    });
    if !money_only {
        return Ok(None);
    }
    let dated: Vec<usize> = (0..plan.groups.len())
        .filter(|i| plan.groups[*i].grain.is_some())
        .collect();
    let (date, source) = match dated.as_slice() {
        [] => (None, Source::Created),
        [i] => match plan.groups[*i].field.name {
            "created_at" => (Some(*i), Source::Created),
            "closed_at" => (Some(*i), Source::Closed),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    // The other groupings: their place in the plan and keys in each part.
    let mut others = Vec::new();
    for (i, g) in plan.groups.iter().enumerate() {
        if Some(i) == date {
            continue;
        }
        let Some((r, d)) = source.key(g.field.name) else {
            return Ok(None);
        };
        let open = match source {
            Source::Closed => match Source::open_key(g.field.name) {
                Some(k) => k,
                None => return Ok(None),
            },
            Source::Created => r,
        };
        others.push(Other {
            at: i,
            rolled: r,
            deal: d,
            open,
        });
    }

    let scope = |column: &str| match owners {
        None => String::new(),
        Some(list) if list.is_empty() => " AND 1 = 0".to_owned(),
        Some(list) => {
            let ids: Vec<String> = list.iter().map(|o| o.to_string()).collect();
            format!(" AND {column} IN ({})", ids.join(", "))
        }
    };
    // The key columns of one part: the period (`kd`), then the others.
    let keys = |kd: Option<String>, pick: &dyn Fn(&Other) -> &'static str| {
        let mut out: Vec<String> = kd.map(|k| format!("{k} AS kd")).into_iter().collect();
        for (j, o) in others.iter().enumerate() {
            out.push(format!("{} AS ke{j}", pick(o)));
        }
        out.join(", ")
    };
    let (table, rows) = source.table();
    let opportunities = format!(
        "FROM report_opportunities r WHERE r.dim = '{}' AND r.span = 'm' AND r.deals <> 0",
        Dim::Source.as_str()
    );
    let mut parts = Vec::new();
    match date {
        None => parts.push(format!(
            "SELECT {}, r.currency AS cur, r.deals AS n, r.amount_minor AS amt {opportunities}{}",
            keys(None, &|o| o.rolled),
            scope("r.owner_id")
        )),
        Some(date) => {
            let Some(Some(p)) = periods.get(date) else {
                return Ok(None);
            };
            let bounds = period_bounds(
                plan.groups[date].field,
                p,
                cal,
                &format!("group_by[{date}].grain"),
            )?;
            let mut ranges = Vec::new();
            for w in bounds.windows(2) {
                let (Ok(a), Ok(b)) = (Timestamp::parse(&w[0]), Timestamp::parse(&w[1])) else {
                    return Ok(None);
                };
                ranges.push((a, b));
            }
            let pieces = Pieces::instants(&ranges);
            // Days and weeks off UTC read the hours at every period's ends
            // from the deals (an eighth of them for days): where the grid
            // can answer instead (SQLite), it is the better way.
            let long = matches!(
                p.grain,
                DateGrain::Month | DateGrain::Quarter | DateGrain::Year
            );
            if grid && ((!long && !pieces.raw.is_empty()) || pieces.raw.len() > MAX_RAW_PARTS) {
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
                parts.push(format!(
                    "SELECT {}, r.currency AS cur, r.deals AS n, r.amount_minor AS amt \
                     FROM {table} r JOIN {} b ON b.span = r.span AND b.period = r.period \
                     WHERE r.deals <> 0{rows}{}",
                    keys(Some("b.i".into()), &|o| o.rolled),
                    constant_rows(&["span", "period", "i"], &cells),
                    scope("r.owner_id")
                ));
            }
            let column = source.date_column();
            for (from, to, i, sign) in &pieces.raw {
                // The unary plus: only the time range may choose the index.
                parts.push(format!(
                    "SELECT {}, d.currency AS cur, {sign} AS n, {sign} * d.amount_minor AS amt \
                     FROM deals d WHERE {column} >= '{}' AND {column} < '{}'{}",
                    keys(Some(i.to_string()), &|o| o.deal),
                    from.to_db(),
                    to.to_db(),
                    scope("+d.owner_id")
                ));
            }
            if parts.is_empty() {
                return Ok(None);
            }
            if source == Source::Closed {
                parts.push(format!(
                    "SELECT {}, r.currency AS cur, r.deals AS n, \
                     r.amount_minor AS amt {opportunities} AND r.status = 'open'{}",
                    keys(Some("CAST(NULL AS BIGINT)".into()), &|o| o.open),
                    scope("r.owner_id")
                ));
            }
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
        } else if let Some(j) = others.iter().position(|o| o.at == i) {
            select.push(format!("u.ke{j} AS k{i}"));
            group_by.push(format!("u.ke{j}"));
        }
    }
    for (i, a) in plan.aggregates.iter().enumerate() {
        match a.func {
            Func::Count => select.push(format!("CAST(SUM(u.n) AS BIGINT) AS a{i}")),
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
    Ok(Some(format!(
        "SELECT {} FROM ({}) u GROUP BY {} HAVING SUM(u.n) > 0",
        select.join(", "),
        parts.join(" UNION ALL "),
        group_by.join(", ")
    )))
}
