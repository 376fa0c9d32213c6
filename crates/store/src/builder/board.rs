//! Deal groupings without a date answered from the board's totals.
//!
//! `deal_totals` holds every deal once per stage, owner and currency: the
//! count, the amount, and (since migration 29) the sum of the deals' own
//! probabilities and how many have one, kept in each deal write's
//! transaction (`deals::adjust_totals`). A grouping by the pipeline,
//! stage, owner or currency, filtered on those alone, counting or summing
//! or averaging the amount or the probability, reads those few thousand
//! rows instead of a million deals, or the creation roll-up's month cells.
//! The stage gives the pipeline: a stage belongs to one pipeline (a deal
//! cannot be saved in another's stage). The status is left to the
//! roll-ups, which keep the deal's own: the stage's kind could give it,
//! but only as long as every deal follows its stage. Minimums and maximums
//! are not kept here either.

use super::{Binds, Calendar, condition_on};
use crate::error::Result;
use crate::reports::owners_sql;
use voronka_core::builder::{Entity, Func, Plan};
use voronka_core::records::Id;

/// A field's value in a row of `deal_totals` (`t`) joined to its stage (`s`).
fn key(field: &str) -> Option<&'static str> {
    Some(match field {
        "pipeline" => "s.pipeline_id",
        "stage" => "t.stage_id",
        "owner" => "t.owner_id",
        "currency" => "t.currency",
        _ => return None,
    })
}

/// The statement (columns `k{i}`, `a{i}`, `n{i}` as the `GROUP BY` it
/// replaces; no groupings: the totals, one row or none when no deal
/// counts), or `None` when the plan needs what the totals do not keep.
pub(super) fn statement(
    plan: &Plan,
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
    binds: &mut Binds,
) -> Result<Option<String>> {
    if plan.entity != Entity::Deals {
        return Ok(None);
    }
    let kept = plan.aggregates.iter().all(|a| {
        matches!(
            (a.func, a.field.map(|f| f.name)),
            (Func::Count, None) | (Func::Sum | Func::Avg, Some("amount" | "probability"))
        )
    });
    if !kept {
        return Ok(None);
    }
    let mut keys = Vec::new();
    for g in &plan.groups {
        match (g.grain, key(g.field.name)) {
            (None, Some(k)) => keys.push(k),
            _ => return Ok(None),
        }
    }
    let mut wheres = String::from("t.deals <> 0");
    wheres.push_str(&owners_sql("t.owner_id", owners));
    for (i, f) in plan.filters.iter().enumerate() {
        let Some(k) = key(f.field.name) else {
            return Ok(None);
        };
        wheres.push_str(" AND ");
        wheres.push_str(&condition_on(k, f, i, cal, binds)?);
    }
    let mut select: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS k{i}"))
        .collect();
    // Bound once, and only when an amount is summed.
    let mut cur: Option<String> = None;
    for (i, a) in plan.aggregates.iter().enumerate() {
        // The values summed and how many there are.
        let (sum, n) = match a.field.map(|f| f.name) {
            None => {
                select.push(format!("CAST(SUM(t.deals) AS BIGINT) AS a{i}"));
                continue;
            }
            Some("probability") => ("t.probability_sum".to_owned(), "t.probability_n".to_owned()),
            // The amount, in the report currency alone.
            Some(_) => {
                let c = cur.get_or_insert_with(|| binds.text(plan.currency.clone()));
                (
                    format!("CASE WHEN t.currency = {c} THEN t.amount_minor ELSE 0 END"),
                    format!("CASE WHEN t.currency = {c} THEN t.deals ELSE 0 END"),
                )
            }
        };
        // NULL, as SQL's SUM, when no value counts.
        select.push(format!(
            "CAST(CASE WHEN SUM({n}) > 0 THEN SUM({sum}) END AS BIGINT) AS a{i}"
        ));
        if a.func == Func::Avg {
            select.push(format!("CAST(SUM({n}) AS BIGINT) AS n{i}"));
        }
    }
    let group_by = match keys.is_empty() {
        true => String::new(),
        false => format!(" GROUP BY {}", keys.join(", ")),
    };
    Ok(Some(format!(
        "SELECT {} FROM deal_totals t JOIN stages s ON s.id = t.stage_id \
         WHERE {wheres}{group_by} HAVING SUM(t.deals) > 0",
        select.join(", ")
    )))
}
