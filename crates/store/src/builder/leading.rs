//! A grouping by a field and then by customer, when there are more
//! customers than a report shows: the "leading values" plan.
//!
//! The report sorts by the first field, then by customer, so its first
//! [`super::MAX_GROUP_ROWS`] rows are the first value's customers, then
//! the next value's, and so on. One `GROUP BY` over every record gives
//! every (value, customer) pair — over a million deals ~700,000 of them,
//! sorted and shipped to keep 2,000 (a creation quarter or a stage, then
//! the customer: 2–8 s). Instead the first field's values are read in
//! the report's order a run at a time — the first value alone, then the
//! next one, the next two, four… — until the rows kept are more than a
//! report shows. Every row not kept sorts after every row kept, so the
//! report's first rows are all among them; the totals are counted apart
//! (from the roll-ups where they answer).
//!
//! A run is one `GROUP BY` over its own records (a range of the index led
//! by the field), sorted as the report sorts and cut in the database where
//! the report would end; but a value with many records (a stage, an owner,
//! a currency: tens of thousands of customers) is cheaper walked: its
//! customers in name order, each one's records of that value read by the
//! customer's index, until the report is full — a few thousand customers
//! instead of a hundred thousand records. So a listed value is counted
//! first, and one with none is skipped. After the last value a run reads
//! the records without one, and the report is then whole.

use super::{
    Agg, Binds, Calendar, MAX_GROUP_ROWS, Periods, Snapshot, SortKey, aggregate_sql, col_of,
    conditions, grid, grouped, period_bounds, ref_table, table_of,
};
use crate::db::{Backend, Conn, col};
use crate::error::{Result, StoreError};
use sqlx::any::AnyRow;
use voronka_core::builder::{Entity, FieldType, Grouping, Plan, RefKind};
use voronka_core::records::{Id, LookupKind};

/// The first grouping's values in the report's order.
enum Values {
    /// A date grouping: the periods' bounds as the column compares them
    /// (one more than there are periods; our own formatted dates).
    Periods {
        col: &'static str,
        bounds: Vec<String>,
    },
    /// A reference, a choice or a deal's currency: the values as SQL
    /// literals (ids from our database, catalogue words, currency codes
    /// quoted), without `NULL` or an empty text.
    Listed {
        col: &'static str,
        values: Vec<String>,
        text: bool,
    },
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Periods { bounds, .. } => bounds.len().saturating_sub(1),
            Values::Listed { values, .. } => values.len(),
        }
    }

    /// The records of the values `from..to`; `hidden` keeps PostgreSQL
    /// from reading them by an index of the column (a comparison in
    /// another collation or of an expression, which no index holds).
    fn run(&self, from: usize, to: usize, hidden: bool) -> String {
        match (self, hidden) {
            (Values::Periods { col, bounds }, _) => {
                let col = match hidden {
                    true => format!("{col} COLLATE \"C\""),
                    false => col.to_string(),
                };
                format!("{col} >= '{}' AND {col} < '{}'", bounds[from], bounds[to])
            }
            (Values::Listed { col, values, text }, _) => {
                let col = match (hidden, text) {
                    (false, _) => col.to_string(),
                    (true, true) => format!("{col} COLLATE \"C\""),
                    (true, false) => format!("+{col}"),
                };
                format!("{col} IN ({})", values[from..to].join(", "))
            }
        }
    }

    /// The records without a value, which the report shows last (an empty
    /// text is none too).
    fn none(&self) -> String {
        match self {
            Values::Listed {
                col, text: true, ..
            } => format!("({col} IS NULL OR {col} = '')"),
            Values::Periods { col, .. } | Values::Listed { col, .. } => format!("{col} IS NULL"),
        }
    }

    /// The grouping key of the value `at`, as the `GROUP BY` gives it (a
    /// period's place, an id, a text).
    fn key(&self, at: usize) -> String {
        match self {
            Values::Periods { .. } => format!("CAST({at} AS BIGINT)"),
            Values::Listed {
                values, text: true, ..
            } => values[at].clone(),
            Values::Listed { values, .. } => format!("CAST({} AS BIGINT)", values[at]),
        }
    }
}

/// The values of the first grouping `g`, in the order the report sorts
/// them; `None` for a field whose values cannot be listed cheaply (free
/// text but a deal's currency and a contact's position). An actor who
/// sees some owners' records only has those owners as values of the owner.
///
/// Every value a record may hold is listed, which the report's cut relies
/// on (a record of a value left out would be neither read nor known to be
/// missing): periods span the column's first and last value in the same
/// snapshot, references are every row of their table (a lookup of the
/// kind the field takes, as every write checks), choices the catalogue's,
/// a deal's currencies those `deal_totals` counts in each deal's own
/// write transaction (as the grid's cells list them), a contact's
/// positions those of the contacts themselves.
async fn values(
    c: &mut impl Conn,
    e: Entity,
    g: &Grouping,
    periods: Option<&Periods>,
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
) -> Result<Option<Values>> {
    let col = col_of(e, g.field)?;
    if let Some(p) = periods {
        let bounds = period_bounds(g.field, p, cal, "group_by[0].grain")?;
        return Ok(Some(Values::Periods { col, bounds }));
    }
    let mut texts = match g.field.ty {
        FieldType::Ref(RefKind::Account) => return Ok(None),
        FieldType::Ref(r) => {
            let (table, order) = ref_table(r);
            // A source is never a loss reason: the other kind's lookups
            // would be runs of values without records.
            let kind = match (r, g.field.name) {
                (RefKind::Lookup, "source") => Some(LookupKind::LeadSource),
                (RefKind::Lookup, "loss_reason") => Some(LookupKind::LossReason),
                _ => None,
            };
            let only = kind.map_or(String::new(), |k| {
                format!(" WHERE l.kind = '{}'", k.as_str())
            });
            let rows = sqlx::query(&format!(
                "SELECT l.id AS id, l.name AS name, CAST({order} AS BIGINT) AS pos FROM {table} l{only}"
            ))
            .fetch_all(c.conn())
            .await?;
            let mut keyed = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: Id = col::i(r, "id")?;
                let label = col::os(r, "name")?.unwrap_or_else(|| format!("#{id}"));
                keyed.push(SortKey(false, col::i(r, "pos")?, label, id));
            }
            if let (RefKind::User, Some(seen)) = (r, owners)
                && col == "t.owner_id"
            {
                keyed.retain(|k| seen.contains(&k.3));
            }
            keyed.sort();
            let values = keyed.into_iter().map(|k| k.3.to_string()).collect();
            return Ok(Some(Values::Listed {
                col,
                values,
                text: false,
            }));
        }
        FieldType::Choice(choices) => choices.iter().map(|v| (*v).to_owned()).collect(),
        FieldType::Text if e == Entity::Deals && col == "t.currency" => {
            grid::deal_currencies(c).await?
        }
        FieldType::Text if e == Entity::Contacts && col == "t.position" => {
            // A skip over `contacts_by_position` (migration 27): one
            // probe of the index a position, not a read of every contact.
            sqlx::query(
                "WITH RECURSIVE p(v) AS (SELECT MIN(position) FROM contacts \
                 UNION ALL SELECT (SELECT MIN(position) FROM contacts WHERE position > p.v) \
                 FROM p WHERE p.v IS NOT NULL) SELECT v FROM p WHERE v IS NOT NULL",
            )
            .fetch_all(c.conn())
            .await?
            .iter()
            .map(|r| col::s(r, "v"))
            .collect::<Result<Vec<_>>>()?
        }
        _ => return Ok(None),
    };
    // Text keys sort bytewise; an empty one folds into "no value", last.
    texts.retain(|t| !t.is_empty());
    texts.sort();
    let values = texts
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect();
    Ok(Some(Values::Listed {
        col,
        values,
        text: true,
    }))
}

/// The rows (under the caller's `outer` statement, which names the
/// groups) of a grouping by a field and then by customer, read a run of
/// the first field's values at a time until more than a report shows; and
/// whether they are every row. `None` when the plan is not such a
/// grouping, or there are few customers.
pub(super) async fn rows(
    c: &mut Snapshot,
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn Calendar,
    owners: &Option<Vec<Id>>,
    outer: &(dyn Fn(&str) -> String + Sync),
) -> Result<Option<(Vec<AnyRow>, bool)>> {
    let [lead, second] = plan.groups.as_slice() else {
        return Ok(None);
    };
    if second.field.ty != FieldType::Ref(RefKind::Account)
        || second.grain.is_some()
        || !grid::many_customers(c).await?
    {
        return Ok(None);
    }
    let Some(values) = values(c, plan.entity, lead, periods[0].as_ref(), cal, owners).await? else {
        return Ok(None);
    };
    let index = match c.backend() {
        Backend::Sqlite => {
            grid::leading_index(plan, col_of(plan.entity, lead.field)?, owners.is_some())?
        }
        Backend::Postgres => None,
    };
    let order = order_by(plan, periods, c.backend());
    let postgres = c.backend() == Backend::Postgres;
    let customers = customers(c).await?;
    let listed = matches!(values, Values::Listed { .. });
    let mut rows = Vec::new();
    let (mut from, mut width) = (0, 1);
    // The values in runs, then the records without one.
    loop {
        let to = (from + width).min(values.len());
        let need = MAX_GROUP_ROWS + 1 - rows.len();
        let part = match from < to {
            true => values.run(from, to, false),
            false => values.none(),
        };
        // Periods are read from an index holding every column (PostgreSQL;
        // on SQLite by creation), a range of records as quick to group as
        // to count. A listed value's records may be many and spread over
        // the table, so counted first.
        let records = match listed && from < to {
            true => Some(count(c, plan.entity, &values, from, to).await?),
            false => None,
        };
        if records == Some(0) {
            from = to;
            continue;
        }
        // With a record for a tenth of the customers, the walk finds a
        // report's rows within some 20,000 customers, one probe of their
        // index each (an owner's 30,000 of 300,000 contacts: 55-70 ms),
        // where grouping them looks up the names of as many customers (a
        // hash of every customer on PostgreSQL: 150 ms).
        let dense = records.is_some_and(|n| n >= customers / 10);
        if dense && to > from + 1 {
            // One value at a time, each walked.
            width = 1;
            continue;
        }
        let mut found = Vec::new();
        if dense {
            // The customers walked keep only the value's records, read
            // from their own index: on PostgreSQL the value's column is
            // hidden from the planner, which would otherwise read the
            // value's range again for every customer.
            let (binds, aggs, conds) =
                statement_parts(plan, owners, cal, &values.run(from, to, postgres))?;
            if let Some(w) = grid::walk_by(c, plan.entity, second, &conds, &aggs, need).await? {
                let figures: Vec<String> = aggs.iter().map(|a| format!("w.{}", a.alias)).collect();
                let sql = format!(
                    "SELECT {} AS k0, w.k0 AS k1, {} FROM ({w}) w",
                    values.key(from),
                    figures.join(", ")
                );
                found = binds.fetch(c, &outer(&sql)).await?;
            }
        }
        // Few records (or a walk that ended short, the value's customers
        // too few among all): grouped at once.
        if found.len() < need {
            let (binds, aggs, conds) = statement_parts(plan, owners, cal, &part)?;
            let sql = grouped(c.backend(), plan, periods, cal, &conds, &aggs, index)?;
            // Text without a value is NULL or empty, two groups the
            // server folds into one: a cut could fall between them.
            let limit = match (from == to, &values) {
                (true, Values::Listed { text: true, .. }) => String::new(),
                _ => format!(" LIMIT {need}"),
            };
            let sql = format!("{} ORDER BY {order}{limit}", outer(&sql));
            found = binds.fetch(c, &sql).await?;
        }
        rows.extend(found);
        if rows.len() > MAX_GROUP_ROWS {
            return Ok(Some((rows, false)));
        }
        if from == to {
            return Ok(Some((rows, true)));
        }
        from = to;
        width *= 2;
    }
}

/// How many customers there are, near enough to tell a value whose
/// customers are dense enough to walk: PostgreSQL's own estimate (a count
/// reads every one, 20 ms at 200,000), SQLite's count.
async fn customers(c: &mut impl Conn) -> Result<i64> {
    if c.backend() == Backend::Postgres {
        let row = sqlx::query(
            "SELECT CAST(reltuples AS BIGINT) AS n FROM pg_class WHERE oid = 'accounts'::regclass",
        )
        .fetch_one(c.conn())
        .await?;
        let n = col::i(&row, "n")?;
        // -1 or 0 before the table's first analysis.
        if n > 0 {
            return Ok(n);
        }
    }
    let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM accounts")
        .fetch_one(c.conn())
        .await?;
    col::i(&row, "n")
}

/// How many records of `e` have the values `from..to` of `values`: a
/// deal's owner, stage or currency from the board's totals (`deal_totals`,
/// a few rows a stage; PostgreSQL has no index led by the currency), its
/// pipeline through the stages there; its loss reason from the closed
/// deals' month cells (`report_closed`; PostgreSQL has no index led by it
/// either and read the table for each value, 115 ms): only a lost deal has
/// one, and a lost deal is closed. Anything else an index range's count.
/// The totals and the cells are kept in each deal's write transaction.
async fn count(
    c: &mut impl Conn,
    e: Entity,
    values: &Values,
    from: usize,
    to: usize,
) -> Result<i64> {
    let Values::Listed { col, .. } = values else {
        return Err(StoreError::corrupt("periods are not counted"));
    };
    // Each table below as `t`: the run's condition names its column.
    let condition = values.run(from, to, false);
    let sql = match (e, *col) {
        (Entity::Deals, "t.owner_id" | "t.stage_id" | "t.currency") => {
            format!("SELECT CAST(SUM(t.deals) AS BIGINT) AS n FROM deal_totals t WHERE {condition}")
        }
        (Entity::Deals, "t.pipeline_id") => format!(
            "SELECT CAST(SUM(d.deals) AS BIGINT) AS n FROM deal_totals d \
             JOIN stages t ON t.id = d.stage_id WHERE {condition}"
        ),
        (Entity::Deals, "t.loss_reason_id") => format!(
            "SELECT CAST(SUM(t.deals) AS BIGINT) AS n FROM report_closed t \
             WHERE t.span = 'm' AND {condition}"
        ),
        _ => format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {} t WHERE {condition}",
            table_of(e)
        ),
    };
    let row = sqlx::query(&sql).fetch_one(c.conn()).await?;
    Ok(col::oi(&row, "n")?.unwrap_or(0))
}

/// A run's aggregates and conditions (the plan's and `part`) and what
/// they bind.
fn statement_parts(
    plan: &Plan,
    owners: &Option<Vec<Id>>,
    cal: &dyn Calendar,
    part: &str,
) -> Result<(Binds, Vec<Agg>, Vec<String>)> {
    let mut binds = Binds::default();
    let aggs = aggregate_sql(plan.entity, &plan.aggregates, &plan.currency, &mut binds)?;
    let mut conds = conditions(plan, owners, cal, &mut binds)?.hidden();
    conds.push(part.to_owned());
    Ok((binds, aggs, conds))
}

/// The report's order of the rows under the caller's `outer` statement
/// (`g.k{i}`, and `pos{i}`, `l{i}.name` of a reference), as the server sorts
/// them ([`SortKey`]): records without a value last, periods by time,
/// references by position, name and id, text bytewise. A run keeps only
/// the rows the report may still show: sorting a run's groups top-N in
/// the database costs less than shipping every one (the first stage of the
/// demo alone has 81,000 customers).
fn order_by(plan: &Plan, periods: &[Option<Periods>], backend: Backend) -> String {
    let bytewise = match backend {
        Backend::Postgres => " COLLATE \"C\"",
        Backend::Sqlite => "",
    };
    let mut keys = Vec::new();
    for (i, g) in plan.groups.iter().enumerate() {
        match (&periods[i], g.field.ty) {
            (Some(_), _) => keys.extend([format!("(g.k{i} IS NULL)"), format!("g.k{i}")]),
            // PostgreSQL sorts by an output column's bare name only, not
            // within an expression: the label's collation goes on its source.
            (None, FieldType::Ref(_)) => keys.extend([
                format!("(g.k{i} IS NULL)"),
                format!("pos{i}"),
                format!("l{i}.name{bytewise}"),
                format!("g.k{i}"),
            ]),
            (None, _) => keys.extend([
                format!("(g.k{i} IS NULL OR g.k{i} = '')"),
                format!("g.k{i}{bytewise}"),
            ]),
        }
    }
    keys.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods() -> Values {
        Values::Periods {
            col: "t.created_at",
            bounds: vec!["a".into(), "b".into(), "c".into(), "d".into()],
        }
    }

    #[test]
    fn a_run_of_periods_is_the_range_of_its_bounds() {
        assert_eq!(periods().len(), 3);
        assert_eq!(
            periods().run(1, 3, false),
            "t.created_at >= 'b' AND t.created_at < 'd'"
        );
    }

    #[test]
    fn a_run_of_listed_values_names_them_and_an_empty_text_is_no_value() {
        let stages = Values::Listed {
            col: "t.stage_id",
            values: vec!["4".into(), "2".into(), "9".into()],
            text: false,
        };
        assert_eq!(stages.run(0, 1, false), "t.stage_id IN (4)");
        assert_eq!(stages.run(1, 3, false), "t.stage_id IN (2, 9)");
        assert_eq!(stages.run(1, 2, true), "+t.stage_id IN (2)");
        assert_eq!(stages.key(2), "CAST(9 AS BIGINT)");
        assert_eq!(stages.none(), "t.stage_id IS NULL");
        let currencies = Values::Listed {
            col: "t.currency",
            values: vec!["'EUR'".into(), "'RUB'".into()],
            text: true,
        };
        assert_eq!(currencies.key(1), "'RUB'");
        assert_eq!(
            currencies.run(0, 1, true),
            "t.currency COLLATE \"C\" IN ('EUR')"
        );
        assert_eq!(currencies.none(), "(t.currency IS NULL OR t.currency = '')");
        assert_eq!(periods().key(2), "CAST(2 AS BIGINT)");
        assert_eq!(periods().none(), "t.created_at IS NULL");
    }
}
