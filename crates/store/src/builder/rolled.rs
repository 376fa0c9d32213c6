//! Creation-date groupings of deals from the opportunity roll-up.
//!
//! `report_opportunities` (kept in every deal write's transaction) holds,
//! per UTC month and day of creation, pipeline, owner, source, status and
//! currency, the deals and their amount: exactly what a builder report of
//! deals by creation period — alone or beside one of those fields — counts
//! and sums. Such a report reads a few thousand cells instead of a million
//! deals; the hours at the ends of each period in the user's zone come from
//! the deals themselves, as in the reports (`rollup::Plan`).
//!
//! Only plans it answers exactly qualify: no filters, aggregates among
//! count, sum and average of the amount, periods of a month or longer (or
//! any grain when the user's days begin at UTC midnights), and the other
//! grouping, if any, one of owner, pipeline, source, status, currency. The
//! statement yields the columns of the `GROUP BY` it replaces.

use super::{Binds, Periods, period_bounds};
use crate::error::Result;
use crate::rollup::Plan as Pieces;
use voronka_core::builder::{DateGrain, Entity, Func, Plan};
use voronka_core::records::Id;
use voronka_core::rollup::Dim;
use voronka_core::{Day, Timestamp};

/// The key of a grouping in the roll-up (`r`) and in the deals (`d`).
fn key(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "owner" => ("r.owner_id", "d.owner_id"),
        "pipeline" => ("r.pipeline_id", "d.pipeline_id"),
        // The source's id as text, '' for none.
        "source" => ("CAST(NULLIF(r.dim_key, '') AS BIGINT)", "d.source_id"),
        "status" => ("r.status", "d.status"),
        "currency" => ("r.currency", "d.currency"),
        _ => return None,
    })
}

/// The statement, or `None` when the plan is not one the roll-up answers.
pub(super) fn statement(
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn super::Calendar,
    owners: &Option<Vec<Id>>,
    binds: &mut Binds,
) -> Result<Option<String>> {
    if plan.entity != Entity::Deals || !plan.filters.is_empty() {
        return Ok(None);
    }
    let money_only = plan.aggregates.iter().all(|a| match a.field {
        None => a.func == Func::Count,
        Some(f) => f.name == "amount" && matches!(a.func, Func::Sum | Func::Avg),
    });
    if !money_only {
        return Ok(None);
    }
    let Some(date) = plan
        .groups
        .iter()
        .position(|g| g.field.name == "created_at" && g.grain.is_some())
    else {
        return Ok(None);
    };
    let Some(Some(p)) = periods.get(date) else {
        return Ok(None);
    };
    let mut other = None;
    for (i, g) in plan.groups.iter().enumerate() {
        if i != date {
            match key(g.field.name) {
                Some(k) => other = Some((i, k)),
                None => return Ok(None),
            }
        }
    }

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
    if ranges.is_empty() {
        return Ok(None);
    }
    let pieces = Pieces::instants(&ranges);
    // Days and weeks off UTC would read a quarter of the deals at their
    // edges: the grid is the better way for them.
    let long = matches!(
        p.grain,
        DateGrain::Month | DateGrain::Quarter | DateGrain::Year
    );
    if !long && !pieces.raw.is_empty() {
        return Ok(None);
    }

    let scope = |column: &str| match owners {
        None => String::new(),
        Some(list) if list.is_empty() => " AND 1 = 0".to_owned(),
        Some(list) => {
            let ids: Vec<String> = list.iter().map(|o| o.to_string()).collect();
            format!(" AND {column} IN ({})", ids.join(", "))
        }
    };
    // Which report period each whole UTC month or day belongs to; the
    // periods are dates this code formatted.
    let cells: Vec<String> = pieces
        .cells
        .iter()
        .map(|((span, start), i)| {
            format!(
                "SELECT '{}' AS span, '{}' AS period, {i} AS i",
                span.as_str(),
                Day(*start).to_db()
            )
        })
        .collect();
    let (other_r, other_d) = match other {
        Some((_, (r, d))) => (format!(", {r} AS ke"), format!(", {d} AS ke")),
        None => (String::new(), String::new()),
    };
    let mut parts = Vec::new();
    if !cells.is_empty() {
        parts.push(format!(
            "SELECT b.i AS kd{other_r}, r.currency AS cur, r.deals AS n, r.amount_minor AS amt \
             FROM report_opportunities r JOIN ({}) b ON b.span = r.span AND b.period = r.period \
             WHERE r.dim = '{}' AND r.deals <> 0{}",
            cells.join(" UNION ALL "),
            Dim::Source.as_str(),
            scope("r.owner_id")
        ));
    }
    for (from, to, i, sign) in &pieces.raw {
        // The unary plus: only the time range may choose the index.
        parts.push(format!(
            "SELECT {i} AS kd{other_d}, d.currency AS cur, {sign} AS n, {sign} * d.amount_minor AS amt \
             FROM deals d WHERE d.created_at >= '{}' AND d.created_at < '{}'{}",
            from.to_db(),
            to.to_db(),
            scope("+d.owner_id")
        ));
    }

    if parts.is_empty() {
        return Ok(None);
    }
    let cur = binds.text(plan.currency.clone());
    let in_cur = format!("SUM(CASE WHEN u.cur = {cur} THEN u.n ELSE 0 END)");
    let mut select = Vec::new();
    for i in 0..plan.groups.len() {
        if i == date {
            select.push(format!("u.kd AS k{i}"));
        } else {
            select.push(format!("u.ke AS k{i}"));
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
    let group_by = if other.is_some() {
        "u.kd, u.ke"
    } else {
        "u.kd"
    };
    Ok(Some(format!(
        "SELECT {} FROM ({}) u GROUP BY {group_by} HAVING SUM(u.n) > 0",
        select.join(", "),
        parts.join(" UNION ALL ")
    )))
}
