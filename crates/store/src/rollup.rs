//! The report roll-up tables (`report_created`, `report_stays`,
//! `report_closed`, `report_expected`, `report_moved`,
//! `report_opportunities`, `report_due`, `report_profit`,
//! `report_activities`, `report_invoice_profit`): kept in step with every
//! deal write (and every save of a deal's products), every activity write
//! and every invoice issued or canceled, in the same transaction, and
//! recounted from scratch after bulk loads. What goes into
//! them is decided in [`voronka_core::rollup`]; this module only reads a
//! deal's history (and its customer's territory and industry) and adds the
//! difference.

use crate::db::{Backend, Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use std::collections::BTreeMap;
use voronka_core::Invalid;
use voronka_core::money;
use voronka_core::records::StageKind;
use voronka_core::records::{Activity, Deal, Id, Line};
use voronka_core::rollup::{
    self, ActivityFacts, Bounds, Cell, Cells, DealFacts, InvoiceFacts, LineFacts, Move, Piece,
    Span, Sums,
};
use voronka_core::{Day, Timestamp};

/// A table's name, its key columns and its number columns, in the order
/// [`split`] yields their values.
struct Shape {
    table: &'static str,
    keys: &'static [&'static str],
    sums: &'static [&'static str],
    /// Whether its rows keep `min_minor` and `max_minor`
    /// ([`rollup::keeps_extremes`]).
    extremes: bool,
}

const CREATED: Shape = Shape {
    table: "report_created",
    keys: &[
        "span",
        "period",
        "pipeline_id",
        "owner_id",
        "reached",
        "status",
        "currency",
    ],
    sums: &["deals", "amount_minor"],
    extremes: false,
};
const STAYS: Shape = Shape {
    table: "report_stays",
    keys: &["span", "period", "pipeline_id", "owner_id", "stage_id"],
    sums: &["seconds", "stays"],
    extremes: false,
};
const CLOSED: Shape = Shape {
    table: "report_closed",
    keys: &[
        "span",
        "period",
        "pipeline_id",
        "owner_id",
        "status",
        "loss_reason_id",
        "source_id",
        "stage_id",
        "currency",
    ],
    sums: &["deals", "amount_minor"],
    extremes: true,
};
const EXPECTED: Shape = Shape {
    table: "report_expected",
    keys: &[
        "span",
        "period",
        "pipeline_id",
        "owner_id",
        "stage_id",
        "currency",
    ],
    sums: &["deals", "amount_minor", "implicit_minor", "weighted"],
    extremes: false,
};
const MOVED: Shape = Shape {
    table: "report_moved",
    keys: &[
        "span",
        "period",
        "pipeline_id",
        "owner_id",
        "stage_id",
        "currency",
    ],
    sums: &["deals", "amount_minor"],
    extremes: false,
};
const OPPORTUNITIES: Shape = Shape {
    table: "report_opportunities",
    keys: &[
        "span",
        "period",
        "dim",
        "pipeline_id",
        "owner_id",
        "dim_key",
        "stage_id",
        "status",
        "currency",
    ],
    sums: &["deals", "amount_minor", "cycle_seconds"],
    extremes: true,
};
const DUE: Shape = Shape {
    table: "report_due",
    keys: &[
        "span",
        "period",
        "pipeline_id",
        "owner_id",
        "stage_id",
        "status",
        "loss_reason_id",
        "source_id",
        "currency",
    ],
    sums: &["deals", "amount_minor"],
    extremes: true,
};
const PROFIT: Shape = Shape {
    table: "report_profit",
    keys: &[
        "span",
        "period",
        "pipeline_id",
        "owner_id",
        "product_id",
        "name",
        "currency",
    ],
    sums: &["net_minor", "cost_minor", "lines"],
    extremes: false,
};
const INVOICE_PROFIT: Shape = Shape {
    table: "report_invoice_profit",
    keys: PROFIT.keys,
    sums: PROFIT.sums,
    extremes: false,
};
const ACTIVITIES: Shape = Shape {
    table: "report_activities",
    keys: &[
        "field", "span", "period", "owner_id", "kind", "status", "priority", "channel",
    ],
    sums: &["activities"],
    extremes: false,
};
const SHAPES: [&Shape; 10] = [
    &CREATED,
    &STAYS,
    &CLOSED,
    &EXPECTED,
    &MOVED,
    &OPPORTUNITIES,
    &DUE,
    &PROFIT,
    &ACTIVITIES,
    &INVOICE_PROFIT,
];

#[derive(Debug, Clone)]
enum Key {
    I(Id),
    S(String),
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl Key {
    fn bind<'q>(&self, q: Query<'q>) -> Query<'q> {
        match self {
            Key::I(i) => q.bind(*i),
            Key::S(s) => q.bind(s.clone()),
        }
    }
}

fn day(d: time::Date) -> Key {
    Key::S(Day(d).to_db())
}

/// The cell's table, key values and numbers.
fn split(cell: &Cell, sums: &Sums) -> (usize, Vec<Key>, Vec<i64>) {
    let span = |s: &Span| Key::S(s.as_str().to_owned());
    match cell {
        Cell::Created {
            span: s,
            period,
            pipeline_id,
            owner_id,
            reached,
            status,
            currency,
        } => (
            0,
            vec![
                span(s),
                day(*period),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::S(reached.clone()),
                Key::S((*status).to_owned()),
                Key::S(currency.clone()),
            ],
            sums[..2].to_vec(),
        ),
        Cell::Stay {
            span: s,
            period,
            pipeline_id,
            owner_id,
            stage_id,
        } => (
            1,
            vec![
                span(s),
                day(*period),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::I(*stage_id),
            ],
            sums[..2].to_vec(),
        ),
        Cell::Closed {
            span: s,
            period,
            pipeline_id,
            owner_id,
            status,
            loss_reason_id,
            source_id,
            stage_id,
            currency,
        } => (
            2,
            vec![
                span(s),
                day(*period),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::S((*status).to_owned()),
                Key::I(*loss_reason_id),
                Key::I(*source_id),
                Key::I(*stage_id),
                Key::S(currency.clone()),
            ],
            sums[..2].to_vec(),
        ),
        Cell::Expected {
            span: s,
            period,
            pipeline_id,
            owner_id,
            stage_id,
            currency,
        } => (
            3,
            vec![
                span(s),
                day(*period),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::I(*stage_id),
                Key::S(currency.clone()),
            ],
            sums.to_vec(),
        ),
        Cell::Moved {
            span: s,
            period,
            pipeline_id,
            owner_id,
            stage_id,
            currency,
        } => (
            4,
            vec![
                span(s),
                day(*period),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::I(*stage_id),
                Key::S(currency.clone()),
            ],
            sums[..2].to_vec(),
        ),
        Cell::Opportunity {
            span: s,
            period,
            pipeline_id,
            owner_id,
            dim,
            key,
            stage_id,
            status,
            currency,
        } => (
            5,
            vec![
                span(s),
                day(*period),
                Key::S(dim.as_str().to_owned()),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::S(key.clone()),
                Key::I(*stage_id),
                Key::S((*status).to_owned()),
                Key::S(currency.clone()),
            ],
            sums[..3].to_vec(),
        ),
        Cell::Due {
            span: s,
            period,
            pipeline_id,
            owner_id,
            stage_id,
            status,
            loss_reason_id,
            source_id,
            currency,
        } => (
            6,
            vec![
                span(s),
                day(*period),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::I(*stage_id),
                Key::S((*status).to_owned()),
                Key::I(*loss_reason_id),
                Key::I(*source_id),
                Key::S(currency.clone()),
            ],
            sums[..2].to_vec(),
        ),
        Cell::Profit {
            span: s,
            period,
            pipeline_id,
            owner_id,
            product_id,
            name,
            currency,
        }
        | Cell::InvoiceProfit {
            span: s,
            period,
            pipeline_id,
            owner_id,
            product_id,
            name,
            currency,
        } => (
            if matches!(cell, Cell::Profit { .. }) {
                7
            } else {
                9
            },
            vec![
                span(s),
                day(*period),
                Key::I(*pipeline_id),
                Key::I(*owner_id),
                Key::I(*product_id),
                Key::S(name.clone()),
                Key::S(currency.clone()),
            ],
            sums[..3].to_vec(),
        ),
        Cell::Activity {
            date,
            span: s,
            period,
            owner_id,
            kind,
            status,
            priority,
            channel,
        } => (
            8,
            vec![
                Key::S(date.field().to_owned()),
                span(s),
                day(*period),
                Key::I(*owner_id),
                Key::S((*kind).to_owned()),
                Key::S((*status).to_owned()),
                Key::S((*priority).to_owned()),
                Key::S((*channel).to_owned()),
            ],
            sums[..1].to_vec(),
        ),
    }
}

/// Rows per statement: well under both backends' limits on bound values.
const BATCH: usize = 400;

/// Adds `cells` to the tables: one multi-row upsert per table and batch.
/// Keys are unique within `cells` (it is a map), as PostgreSQL's
/// `ON CONFLICT` requires.
pub(crate) async fn add(tx: &mut impl Conn, cells: &Cells, upsert: bool) -> Result<()> {
    add_bounded(tx, cells, &Bounds::new(), upsert).await
}

/// [`add`], folding `bounds` into the least and greatest amounts of the
/// cells that keep them (the others' stay as they were).
async fn add_bounded(
    tx: &mut impl Conn,
    cells: &Cells,
    bounds: &Bounds,
    upsert: bool,
) -> Result<()> {
    type Row = (Vec<Key>, Vec<i64>, Option<(i64, i64)>);
    let mut by_table: [Vec<Row>; SHAPES.len()] = Default::default();
    for (cell, sums) in cells {
        let (t, keys, nums) = split(cell, sums);
        by_table[t].push((keys, nums, bounds.get(cell).copied()));
    }
    // PostgreSQL's LEAST and GREATEST skip a NULL; SQLite's MIN and MAX of
    // several values are NULL with one, hence each side falls back on the other.
    let (least, greatest) = match tx.backend() {
        Backend::Sqlite => ("MIN", "MAX"),
        Backend::Postgres => ("LEAST", "GREATEST"),
    };
    for (shape, rows) in SHAPES.iter().zip(&by_table) {
        let mut columns: Vec<&str> = shape.keys.iter().chain(shape.sums).copied().collect();
        if shape.extremes {
            columns.extend(["min_minor", "max_minor"]);
        }
        for chunk in rows.chunks(BATCH) {
            let mut n = 0;
            let values: Vec<String> = chunk
                .iter()
                .map(|_| {
                    let ps: Vec<String> = (0..columns.len())
                        .map(|_| {
                            n += 1;
                            format!("${n}")
                        })
                        .collect();
                    format!("({})", ps.join(", "))
                })
                .collect();
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                shape.table,
                columns.join(", "),
                values.join(", ")
            );
            if upsert {
                let t = shape.table;
                let mut set: Vec<String> = shape
                    .sums
                    .iter()
                    .map(|c| format!("{c} = {t}.{c} + excluded.{c}"))
                    .collect();
                if shape.extremes {
                    for (c, f) in [("min_minor", least), ("max_minor", greatest)] {
                        set.push(format!(
                            "{c} = {f}(COALESCE({t}.{c}, excluded.{c}), COALESCE(excluded.{c}, {t}.{c}))"
                        ));
                    }
                }
                sql.push_str(&format!(
                    " ON CONFLICT ({}) DO UPDATE SET {}",
                    shape.keys.join(", "),
                    set.join(", ")
                ));
            }
            let mut q = sqlx::query(&sql);
            for (keys, nums, bounds) in chunk {
                for k in keys {
                    q = k.bind(q);
                }
                for v in nums {
                    q = q.bind(*v);
                }
                if shape.extremes {
                    q = q.bind(bounds.map(|b| b.0)).bind(bounds.map(|b| b.1));
                }
            }
            q.execute(tx.conn()).await?;
        }
    }
    Ok(())
}

/// After a deal's amount left `left`'s cells (already counted out by
/// [`add_bounded`]), reads again the least and greatest amount of those
/// where it was one of them ([`rollup::recount_after`]): a day cell's from
/// the deals still in it, then a month cell's from its day cells (a busy
/// month holds tens of thousands of deals; its day cells of the same keys
/// are a few dozen rows, and exact by then). On PostgreSQL the cells' rows
/// are locked by then (the upsert took them, the month before its days,
/// as every writer does), so each statement sees every deal a transaction
/// that wrote the cell before committed; one that writes it after widens
/// it again itself. `gone` is a deal still in its row but being deleted.
async fn narrow(tx: &mut impl Conn, left: &BTreeMap<Cell, i64>, gone: Option<Id>) -> Result<()> {
    let sqlite = tx.backend() == Backend::Sqlite;
    let span_of = |cell: &Cell| match cell {
        Cell::Closed { span, .. } | Cell::Due { span, .. } | Cell::Opportunity { span, .. } => {
            Some(*span)
        }
        _ => None,
    };
    for span in [Span::Day, Span::Month] {
        for (cell, amount) in left.iter().filter(|(c, _)| span_of(c) == Some(span)) {
            let (t, keys, _) = split(cell, &[0; 4]);
            let shape = SHAPES[t];
            let (mut from_sql, mut binds) = match span {
                Span::Day => {
                    let Some(deals) = deals_in(cell, sqlite) else {
                        continue;
                    };
                    (deals.sql, deals.binds)
                }
                Span::Month => days_of(shape, &keys)?,
            };
            let mut n = binds.len();
            if let (Some(id), Span::Day) = (gone, span) {
                n += 1;
                from_sql.push_str(&format!(" AND d.id <> ${n}"));
                binds.push(Key::I(id));
            }
            let mut key = Vec::new();
            for (column, value) in shape.keys.iter().zip(keys) {
                n += 1;
                key.push(format!("{column} = ${n}"));
                binds.push(value);
            }
            let (lo, hi) = match span {
                Span::Day => ("MIN(d.amount_minor)", "MAX(d.amount_minor)"),
                Span::Month => ("MIN(d.min_minor)", "MAX(d.max_minor)"),
            };
            // A cell the deal was alone in (most day cells) is empty now:
            // the subquery's last condition spares reading it.
            let sql = format!(
                "UPDATE {t} SET (min_minor, max_minor) = \
                 (SELECT {lo}, {hi} {from_sql} AND {t}.deals <> 0) \
                 WHERE {} AND (min_minor >= ${} OR max_minor <= ${})",
                key.join(" AND "),
                n + 1,
                n + 2,
                t = shape.table,
            );
            let mut q = sqlx::query(&sql);
            for k in &binds {
                q = k.bind(q);
            }
            q.bind(*amount).bind(*amount).execute(tx.conn()).await?;
        }
    }
    Ok(())
}

/// The day cells of a month cell (`keys` as [`split`] gives them: the span,
/// the month's first day, then the rest): `FROM {table} d WHERE …` and its
/// bound values, read by the table's key (the span and period lead it).
fn days_of(shape: &Shape, keys: &[Key]) -> Result<(String, Vec<Key>)> {
    let Some(Key::S(start)) = keys.get(1) else {
        return Err(StoreError::corrupt(format!("{}: no period", shape.table)));
    };
    let first = Day::parse(start)
        .map_err(|e| StoreError::corrupt(format!("{}.period: {e}", shape.table)))?;
    let last = Day(rollup::piece_last(Span::Month, first.inner())).to_db();
    let mut binds = vec![
        Key::S(Span::Day.as_str().to_owned()),
        Key::S(start.clone()),
        Key::S(last),
    ];
    let mut sql = format!(
        "FROM {} d WHERE d.span = $1 AND d.period >= $2 AND d.period <= $3",
        shape.table
    );
    for (column, value) in shape.keys.iter().zip(keys).skip(2) {
        binds.push(value.clone());
        sql.push_str(&format!(" AND d.{column} = ${}", binds.len()));
    }
    Ok((sql, binds))
}

/// The deals of a cell that keeps extremes: a `FROM deals d WHERE …` with
/// `$1`, `$2`… for its bound values, in order.
struct DealsIn {
    sql: String,
    binds: Vec<Key>,
}

/// The deals a cell counts, by the rule of [`rollup::cells`]: the period
/// of its date (instants for creation and close, the day for the expected
/// close), pipeline, owner, stage, status, currency, and its source and
/// loss reason (0 for none; a deal not lost has none). On SQLite the
/// index led by the stage (and its status and pipeline) and then that
/// date, which holds the owner, currency and amount: the cell's range of
/// it, with a table row read only for the deals of its owner and currency
/// (the owner's index by the date read every one of the owner's deals of
/// the period from the table: moves at half the rate).
fn deals_in(cell: &Cell, sqlite: bool) -> Option<DealsIn> {
    // From the first instant up to the next period's; or from the first
    // day to the last, inclusive (the last month there is has no next).
    let instants = |span: Span, period: time::Date| {
        (
            Key::S(rollup::midnight(period).to_db()),
            "<",
            Key::S(rollup::midnight(rollup::piece_end(span, period)).to_db()),
        )
    };
    let days = |span: Span, period: time::Date| {
        (
            Key::S(Day(period).to_db()),
            "<=",
            Key::S(Day(rollup::piece_last(span, period)).to_db()),
        )
    };
    let lost = "(CASE WHEN d.status = 'lost' THEN COALESCE(d.loss_reason_id, 0) ELSE 0 END) = $5";
    let (date, index, range, mut rest, mut binds): (_, _, _, Vec<&str>, _) = match cell {
        Cell::Closed {
            span,
            period,
            pipeline_id,
            owner_id,
            status,
            loss_reason_id,
            source_id,
            stage_id,
            currency,
        }
        | Cell::Due {
            span,
            period,
            pipeline_id,
            owner_id,
            stage_id,
            status,
            loss_reason_id,
            source_id,
            currency,
        } => {
            let (date, index, range) = match cell {
                Cell::Closed { .. } => (
                    "closed_at",
                    "deals_grid_stage_closed",
                    instants(*span, *period),
                ),
                _ => (
                    "expected_close_date",
                    "deals_grid_stages_expected",
                    days(*span, *period),
                ),
            };
            (
                date,
                index,
                range,
                vec![lost, "COALESCE(d.source_id, 0) = $6"],
                vec![
                    Key::I(*pipeline_id),
                    Key::I(*stage_id),
                    Key::S((*status).to_owned()),
                    Key::S(currency.clone()),
                    Key::I(*loss_reason_id),
                    Key::I(*source_id),
                    Key::I(*owner_id),
                ],
            )
        }
        Cell::Opportunity {
            span,
            period,
            pipeline_id,
            owner_id,
            dim: rollup::Dim::Source,
            key,
            stage_id,
            status,
            currency,
        } => {
            let mut binds = vec![
                Key::I(*pipeline_id),
                Key::I(*stage_id),
                Key::S((*status).to_owned()),
                Key::S(currency.clone()),
            ];
            let source = match key.parse::<Id>() {
                Ok(id) => {
                    binds.push(Key::I(id));
                    "d.source_id = $5"
                }
                Err(_) => "d.source_id IS NULL",
            };
            binds.push(Key::I(*owner_id));
            (
                "created_at",
                "deals_grid_stages_created",
                instants(*span, *period),
                vec![source],
                binds,
            )
        }
        _ => return None,
    };
    let indexed = match sqlite {
        true => format!(" INDEXED BY {index}"),
        false => String::new(),
    };
    // The owner (bound last) and the range.
    let owner = format!("d.owner_id = ${}", binds.len());
    rest.push(&owner);
    let (first, below, end) = range;
    binds.push(first);
    binds.push(end);
    let (from, to) = (binds.len() - 1, binds.len());
    Some(DealsIn {
        sql: format!(
            "FROM deals d{indexed} WHERE d.pipeline_id = $1 AND d.stage_id = $2 AND d.status = $3 \
             AND d.currency = $4 AND {} AND d.{date} >= ${from} AND d.{date} {below} ${to}",
            rest.join(" AND ")
        ),
        binds,
    })
}

/// A deal's stage history in the order written.
pub(crate) async fn history(c: &mut impl Conn, deal_id: Id) -> Result<Vec<Move>> {
    let rows = sqlx::query(
        "SELECT at, pipeline_id, to_stage_id, currency, amount_minor FROM deal_stage_history \
         WHERE deal_id = $1 ORDER BY id",
    )
    .bind(deal_id)
    .fetch_all(c.conn())
    .await?;
    rows.iter().map(move_of).collect()
}

fn move_of(r: &sqlx::any::AnyRow) -> Result<Move> {
    Ok(Move {
        at: col::ts(r, "at")?,
        pipeline_id: col::i(r, "pipeline_id")?,
        stage_id: col::i(r, "to_stage_id")?,
        currency: col::s(r, "currency")?,
        amount_minor: col::i(r, "amount_minor")?,
    })
}

/// A customer's territory and industry, as the opportunity cells key them.
pub(crate) type Place = (Option<String>, Option<String>);

/// The territory and industry of the deal's customer (none without one).
async fn place_of(c: &mut impl Conn, account_id: Option<Id>) -> Result<Place> {
    let Some(id) = account_id else {
        return Ok((None, None));
    };
    let row = sqlx::query("SELECT territory, industry FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(c.conn())
        .await?;
    match row {
        Some(r) => Ok((col::os(&r, "territory")?, col::os(&r, "industry")?)),
        None => Ok((None, None)),
    }
}

pub(crate) fn facts(d: &Deal, place: &Place) -> Result<DealFacts> {
    Ok(DealFacts {
        pipeline_id: d.data.pipeline_id.unwrap_or_default(),
        stage_id: d.data.stage_id.unwrap_or_default(),
        owner_id: d.meta.owner_id,
        status: d.status,
        currency: d.data.currency.as_str().to_owned(),
        amount_minor: money::to_minor(d.data.amount).map_err(|e| Invalid::field("amount", e))?,
        probability: d.data.probability,
        expected_close: d.data.expected_close_date,
        created_at: d.meta.created_at,
        closed_at: d.closed_at,
        loss_reason_id: d.loss_reason_id,
        source_id: d.data.source_id,
        territory: place.0.clone(),
        industry: place.1.clone(),
    })
}

/// What a deal (before, after — either may be absent) and its history
/// (before, after) add to the tables; written in the caller's transaction.
pub(crate) async fn follow(
    tx: &mut Tx,
    before: Option<(&Deal, &[Move])>,
    after: Option<(&Deal, &[Move])>,
) -> Result<()> {
    // The customer's place is read once when the deal keeps its customer.
    let account = |x: Option<(&Deal, &[Move])>| x.and_then(|(d, _)| d.data.account_id);
    if tx.locks_rows() {
        // An account edit moves its deals' cells by their place (see
        // `follow_account`): holding the customers' rows until commit makes
        // the two wait for each other instead of both counting the old place.
        // In id order, so two deals swapping customers cannot deadlock.
        let mut ids: Vec<Id> = [account(before), account(after)]
            .into_iter()
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(id)
                .execute(tx.conn())
                .await?;
        }
    }
    let place_before = place_of(tx, account(before)).await?;
    let place_after = if account(after) == account(before) {
        place_before.clone()
    } else {
        place_of(tx, account(after)).await?
    };
    let of = |x: Option<(&Deal, &[Move])>, place: &Place| -> Result<Cells> {
        match x {
            Some((d, h)) => Ok(rollup::cells(&facts(d, place)?, h)),
            None => Ok(Cells::new()),
        }
    };
    let (old_cells, new_cells) = (of(before, &place_before)?, of(after, &place_after)?);
    let mut change = rollup::diff(&old_cells, &new_cells);
    let extremes = rollup::extremes(&old_cells, &new_cells);
    // The products count only while the deal is won: read them only then.
    let won = |x: Option<(&Deal, &[Move])>| x.is_some_and(|(d, _)| d.status == StageKind::Won);
    if let Some((deal, _)) = before.or(after)
        && (won(before) || won(after))
    {
        let lines = lines_of(tx, "deal", deal.id).await?;
        let profit = |x: Option<(&Deal, &[Move])>, place: &Place| -> Result<Cells> {
            match x {
                Some((d, _)) => Ok(rollup::profit_cells(&facts(d, place)?, &lines)),
                None => Ok(Cells::new()),
            }
        };
        let p = rollup::diff(
            &profit(before, &place_before)?,
            &profit(after, &place_after)?,
        );
        change.extend(p);
    }
    // A deal moved to another pipeline takes its invoices' profit along.
    if let (Some((old, _)), Some((new, _))) = (before, after)
        && old.data.pipeline_id != new.data.pipeline_id
    {
        change.extend(move_invoices(tx, new.id, old.data.pipeline_id, new.data.pipeline_id).await?);
    }
    if change.is_empty() {
        return Ok(());
    }
    add_bounded(tx, &change, &extremes.entered, true).await?;
    // A deal deleted is followed before its row goes.
    let gone = match after {
        None => before.map(|(d, _)| d.id),
        Some(_) => None,
    };
    narrow(tx, &extremes.left, gone).await
}

/// A document's lines (`doc_kind` is `deal` or `invoice`) as the gross
/// profit cells take them.
pub(crate) async fn lines_of(c: &mut impl Conn, doc_kind: &str, id: Id) -> Result<Vec<LineFacts>> {
    let rows = sqlx::query(
        "SELECT product_id, name, net_minor, cost_minor FROM doc_lines \
         WHERE doc_kind = $1 AND doc_id = $2 ORDER BY position",
    )
    .bind(doc_kind)
    .bind(id)
    .fetch_all(c.conn())
    .await?;
    rows.iter().map(line_of).collect()
}

/// The columns [`invoice_of_row`] reads: an invoice `i` and its deal `d`.
const INVOICE_COLUMNS: &str = "i.id, i.status, i.doc_date, i.owner_id, i.currency, d.pipeline_id";

fn invoice_of_row(r: &sqlx::any::AnyRow) -> Result<InvoiceFacts> {
    let status: voronka_core::documents::InvoiceStatus = col::en(r, "status")?;
    Ok(InvoiceFacts {
        revenue: status.is_revenue(),
        doc_date: col::oday(r, "doc_date")?
            .ok_or_else(|| StoreError::corrupt("invoices.doc_date"))?
            .inner(),
        pipeline_id: col::oi(r, "pipeline_id")?.unwrap_or(0),
        owner_id: col::i(r, "owner_id")?,
        currency: col::s(r, "currency")?,
    })
}

/// An invoice as stored now, with its deal's pipeline.
pub(crate) async fn invoice_facts(c: &mut impl Conn, invoice_id: Id) -> Result<InvoiceFacts> {
    let row = sqlx::query(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices i LEFT JOIN deals d ON d.id = i.deal_id WHERE i.id = $1"
    ))
    .bind(invoice_id)
    .fetch_optional(c.conn())
    .await?
    .ok_or(StoreError::NotFound)?;
    invoice_of_row(&row)
}

/// Holds the deal of an invoice about to be issued or canceled until
/// commit (PostgreSQL): a move of the deal to another pipeline then either
/// commits first, and the invoice is counted under the new pipeline, or
/// waits, and finds the invoice issued when it moves its cells. Taken
/// before the invoice's own row, in the order deal writes lock.
pub(crate) async fn lock_invoice_deal(tx: &mut Tx, invoice_id: Id) -> Result<()> {
    if tx.locks_rows() {
        sqlx::query(
            "SELECT d.id FROM deals d JOIN invoices i ON i.deal_id = d.id \
             WHERE i.id = $1 FOR UPDATE OF d",
        )
        .bind(invoice_id)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// Counts an invoice's lines in gross profit from invoices, or takes them
/// back, as its status went from `before` (the invoice's facts then) to
/// what is stored now; in the transaction that changed it, after the write.
pub(crate) async fn follow_invoice(
    tx: &mut Tx,
    invoice_id: Id,
    before: &InvoiceFacts,
) -> Result<()> {
    let after = invoice_facts(tx, invoice_id).await?;
    if !before.revenue && !after.revenue {
        return Ok(());
    }
    let lines = lines_of(tx, "invoice", invoice_id).await?;
    let change = rollup::diff(
        &rollup::invoice_profit_cells(before, &lines),
        &rollup::invoice_profit_cells(&after, &lines),
    );
    if change.is_empty() {
        return Ok(());
    }
    add(tx, &change, true).await
}

/// What moving a deal from pipeline `from` to `to` changes in its issued
/// invoices' cells.
async fn move_invoices(
    tx: &mut Tx,
    deal_id: Id,
    from: Option<Id>,
    to: Option<Id>,
) -> Result<Cells> {
    let rows = sqlx::query(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices i LEFT JOIN deals d ON d.id = i.deal_id \
         WHERE i.deal_id = $1 AND i.status IN ('sent', 'partially_paid', 'paid')"
    ))
    .bind(deal_id)
    .fetch_all(tx.conn())
    .await?;
    let mut change = Cells::new();
    for r in &rows {
        let mut facts = invoice_of_row(r)?;
        let lines = lines_of(tx, "invoice", col::i(r, "id")?).await?;
        facts.pipeline_id = from.unwrap_or(0);
        let old = rollup::invoice_profit_cells(&facts, &lines);
        facts.pipeline_id = to.unwrap_or(0);
        for (cell, sums) in rollup::diff(&old, &rollup::invoice_profit_cells(&facts, &lines)) {
            rollup::add(&mut change, cell, sums);
        }
    }
    Ok(change)
}

fn line_of(r: &sqlx::any::AnyRow) -> Result<LineFacts> {
    Ok(LineFacts {
        product_id: col::oi(r, "product_id")?.unwrap_or(0),
        name: col::s(r, "name")?,
        net_minor: col::i(r, "net_minor")?,
        cost_minor: col::i(r, "cost_minor")?,
    })
}

/// Stored lines as the gross profit cells take them (the same figures
/// [`lines_of`] reads, already loaded).
fn line_facts(lines: &[Line]) -> Result<Vec<LineFacts>> {
    let minor = |d, field: &str| money::to_minor(d).map_err(|e| Invalid::field(field, e));
    lines
        .iter()
        .map(|l| {
            Ok(LineFacts {
                product_id: l.product_id.unwrap_or(0),
                name: l.name.clone(),
                net_minor: minor(l.net, "net")?,
                cost_minor: minor(l.cost, "cost")?,
            })
        })
        .collect()
}

/// Moves a won deal's gross profit from its old product lines to its new
/// ones, in the transaction that saves them (the deal's own write, if any,
/// sees only the new lines).
pub(crate) async fn follow_lines(
    tx: &mut Tx,
    deal: &Deal,
    old: &[Line],
    new: &[Line],
) -> Result<()> {
    if deal.status != StageKind::Won {
        return Ok(());
    }
    let f = facts(deal, &(None, None))?;
    let change = rollup::diff(
        &rollup::profit_cells(&f, &line_facts(old)?),
        &rollup::profit_cells(&f, &line_facts(new)?),
    );
    if change.is_empty() {
        return Ok(());
    }
    add(tx, &change, true).await
}

/// The columns [`facts_of_row`] reads: a deal `d` and its customer `a`.
pub(crate) const FACT_COLUMNS: &str = "d.id, d.pipeline_id, d.stage_id, d.owner_id, d.status, d.currency, \
     d.amount_minor, d.probability, d.expected_close_date, d.created_at, d.closed_at, \
     d.loss_reason_id, d.source_id, a.territory, a.industry";

pub(crate) fn facts_of_row(r: &sqlx::any::AnyRow) -> Result<DealFacts> {
    Ok(DealFacts {
        pipeline_id: col::i(r, "pipeline_id")?,
        stage_id: col::i(r, "stage_id")?,
        owner_id: col::i(r, "owner_id")?,
        status: col::en(r, "status")?,
        currency: col::s(r, "currency")?,
        amount_minor: col::i(r, "amount_minor")?,
        probability: col::oi(r, "probability")?,
        expected_close: col::oday(r, "expected_close_date")?,
        created_at: col::ts(r, "created_at")?,
        closed_at: col::ots(r, "closed_at")?,
        loss_reason_id: col::oi(r, "loss_reason_id")?,
        source_id: col::oi(r, "source_id")?,
        territory: col::os(r, "territory")?,
        industry: col::os(r, "industry")?,
    })
}

/// Moves the opportunity cells of an account's deals when its territory or
/// industry changes; in the caller's transaction, after the account's row
/// is written (the deals are read with the new place and counted again with
/// the old one taken back).
pub(crate) async fn follow_account(tx: &mut Tx, account_id: Id, before: &Place) -> Result<()> {
    let rows = sqlx::query(&format!(
        "SELECT {FACT_COLUMNS} FROM deals d JOIN accounts a ON a.id = d.account_id \
         WHERE d.account_id = $1"
    ))
    .bind(account_id)
    .fetch_all(tx.conn())
    .await?;
    let mut change = Cells::new();
    for r in &rows {
        let after = facts_of_row(r)?;
        let old = DealFacts {
            territory: before.0.clone(),
            industry: before.1.clone(),
            ..after.clone()
        };
        let d = rollup::diff(
            &rollup::opportunity_cells(&old),
            &rollup::opportunity_cells(&after),
        );
        for (cell, sums) in d {
            rollup::add(&mut change, cell, sums);
        }
    }
    change.retain(|_, v| *v != [0; 4]);
    if change.is_empty() {
        return Ok(());
    }
    add(tx, &change, true).await
}

/// The columns [`activity_of_row`] reads.
const ACTIVITY_COLUMNS: &str =
    "owner_id, kind, status, priority, channel, created_at, start_at, due_at, completed_at";

fn activity_of_row(r: &sqlx::any::AnyRow) -> Result<ActivityFacts> {
    Ok(ActivityFacts {
        owner_id: col::i(r, "owner_id")?,
        kind: col::en(r, "kind")?,
        status: col::en(r, "status")?,
        priority: col::oen(r, "priority")?,
        channel: col::oen(r, "channel")?,
        created_at: col::ts(r, "created_at")?,
        start_at: col::ots(r, "start_at")?,
        due_at: col::ots(r, "due_at")?,
        completed_at: col::ots(r, "completed_at")?,
    })
}

/// What the activity roll-up keeps of a stored activity.
pub(crate) fn activity_facts(a: &Activity) -> ActivityFacts {
    ActivityFacts {
        owner_id: a.meta.owner_id,
        kind: a.data.kind,
        status: a.data.status(),
        priority: a.data.priority,
        channel: a.data.channel,
        created_at: a.meta.created_at,
        start_at: a.data.start_at,
        due_at: a.data.due_at,
        completed_at: a.completed_at,
    }
}

/// Moves an activity's cells from what it was to what it is (either may be
/// absent: created, deleted), in the caller's transaction.
pub(crate) async fn follow_activity(
    tx: &mut Tx,
    before: Option<&Activity>,
    after: Option<&Activity>,
) -> Result<()> {
    let of = |a: Option<&Activity>| {
        a.map_or_else(Cells::new, |a| rollup::activity_cells(&activity_facts(a)))
    };
    let change = rollup::diff(&of(before), &of(after));
    if change.is_empty() {
        return Ok(());
    }
    add(tx, &change, true).await
}

/// Takes a record's activities out of the roll-up before they are deleted
/// with it, in the same transaction.
pub(crate) async fn forget_activities(tx: &mut Tx, kind: &str, id: Id) -> Result<()> {
    // Held until the delete commits: an edit of one of these activities
    // running beside it (PostgreSQL) waits, and is read as it left the row,
    // rather than both taking the same cells out.
    let lock = if tx.locks_rows() { " FOR UPDATE" } else { "" };
    let rows = sqlx::query(&format!(
        "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE related_type = $1 AND related_id = $2{lock}"
    ))
    .bind(kind)
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    let mut change = Cells::new();
    for r in &rows {
        for (cell, sums) in rollup::activity_cells(&activity_of_row(r)?) {
            rollup::add(&mut change, cell, sums.map(|v| -v));
        }
    }
    change.retain(|_, v| *v != [0; 4]);
    if change.is_empty() {
        return Ok(());
    }
    add(tx, &change, true).await
}

/// The lines of the documents of a kind with ids in `(after, upto]`, by
/// document, for a round of a recount.
async fn lines_between(
    c: &mut impl Conn,
    doc_kind: &str,
    after: Id,
    upto: Id,
) -> Result<BTreeMap<Id, Vec<LineFacts>>> {
    let rows = sqlx::query(
        "SELECT doc_id, product_id, name, net_minor, cost_minor FROM doc_lines \
         WHERE doc_kind = $1 AND doc_id > $2 AND doc_id <= $3 ORDER BY doc_id, position",
    )
    .bind(doc_kind)
    .bind(after)
    .bind(upto)
    .fetch_all(c.conn())
    .await?;
    let mut lines: BTreeMap<Id, Vec<LineFacts>> = BTreeMap::new();
    for r in &rows {
        lines
            .entry(col::i(r, "doc_id")?)
            .or_default()
            .push(line_of(r)?);
    }
    Ok(lines)
}

/// Records read per round of a recount.
const CHUNK: i64 = 20_000;

/// A round of a recount: the rows of `sql` (ids after `$1`, in id order,
/// at most `$2`) after `last`, and the last one's id; `None` past the end.
/// Paged by id, not by `OFFSET`, so each round starts where the last one
/// stopped instead of reading past every row before it again.
async fn page(
    c: &mut impl Conn,
    sql: &str,
    last: Id,
) -> Result<Option<(Vec<sqlx::any::AnyRow>, Id)>> {
    let rows = sqlx::query(sql)
        .bind(last)
        .bind(CHUNK)
        .fetch_all(c.conn())
        .await?;
    let end = rows.last().map(|r| col::i(r, "id")).transpose()?;
    Ok(end.map(|end| (rows, end)))
}

/// Recounts every table from the deals and their history (after bulk loads
/// and when the tables are first created), in one transaction.
pub async fn rebuild(db: &Db) -> Result<()> {
    db.write(|tx| {
        boxed(async move {
            for shape in SHAPES {
                sqlx::query(&format!("DELETE FROM {}", shape.table))
                    .execute(tx.conn())
                    .await?;
            }
            let mut all = Cells::new();
            let mut bounds = Bounds::new();
            let deals_after = format!(
                "SELECT {FACT_COLUMNS} FROM deals d LEFT JOIN accounts a ON a.id = d.account_id \
                 WHERE d.id > $1 ORDER BY d.id LIMIT $2"
            );
            let mut last: Id = 0;
            while let Some((deals, end)) = page(tx, &deals_after, last).await? {
                let rows = sqlx::query(
                    "SELECT deal_id, at, pipeline_id, to_stage_id, currency, amount_minor FROM deal_stage_history \
                     WHERE deal_id > $1 AND deal_id <= $2 ORDER BY deal_id, id",
                )
                .bind(last)
                .bind(end)
                .fetch_all(tx.conn())
                .await?;
                let mut lines = lines_between(tx, "deal", last, end).await?;
                let mut histories: BTreeMap<Id, Vec<Move>> = BTreeMap::new();
                for r in &rows {
                    histories
                        .entry(col::i(r, "deal_id")?)
                        .or_default()
                        .push(move_of(r)?);
                }
                for r in &deals {
                    let id = col::i(r, "id")?;
                    let f = facts_of_row(r)?;
                    let h = histories.remove(&id).unwrap_or_default();
                    let cells = rollup::cells(&f, &h);
                    rollup::widen(&mut bounds, &cells);
                    for (cell, sums) in cells {
                        rollup::add(&mut all, cell, sums);
                    }
                    let l = lines.remove(&id).unwrap_or_default();
                    for (cell, sums) in rollup::profit_cells(&f, &l) {
                        rollup::add(&mut all, cell, sums);
                    }
                }
                last = end;
            }
            let invoices_after = format!(
                "SELECT {INVOICE_COLUMNS} FROM invoices i LEFT JOIN deals d ON d.id = i.deal_id \
                 WHERE i.id > $1 ORDER BY i.id LIMIT $2"
            );
            let mut last: Id = 0;
            while let Some((invoices, end)) = page(tx, &invoices_after, last).await? {
                let mut lines = lines_between(tx, "invoice", last, end).await?;
                for r in &invoices {
                    let l = lines.remove(&col::i(r, "id")?).unwrap_or_default();
                    for (cell, sums) in rollup::invoice_profit_cells(&invoice_of_row(r)?, &l) {
                        rollup::add(&mut all, cell, sums);
                    }
                }
                last = end;
            }
            let activities_after = format!(
                "SELECT id, {ACTIVITY_COLUMNS} FROM activities WHERE id > $1 ORDER BY id LIMIT $2"
            );
            let mut last: Id = 0;
            while let Some((rows, end)) = page(tx, &activities_after, last).await? {
                for r in &rows {
                    for (cell, sums) in rollup::activity_cells(&activity_of_row(r)?) {
                        rollup::add(&mut all, cell, sums);
                    }
                }
                last = end;
            }
            all.retain(|_, v| *v != [0; 4]);
            add_bounded(tx, &all, &bounds, false).await
        })
    })
    .await
}

/// Which report period each cell period and raw range belongs to.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub cells: BTreeMap<(Span, time::Date), usize>,
    /// Instant ranges counted from the rows, with their report period and
    /// sign (−1: taken back from a whole day's cell).
    pub raw: Vec<(Timestamp, Timestamp, usize, i64)>,
}

impl Plan {
    /// Report periods as instants (`from..to`).
    pub fn instants(periods: &[(Timestamp, Timestamp)]) -> Plan {
        let mut plan = Plan::default();
        for (i, (a, b)) in periods.iter().enumerate() {
            plan.take(rollup::pieces(*a, *b), i);
        }
        plan
    }

    /// Report periods as days (`from..to`), for day fields.
    pub fn days(periods: &[(Day, Day)]) -> Plan {
        let mut plan = Plan::default();
        for (i, (a, b)) in periods.iter().enumerate() {
            plan.take(rollup::day_pieces(*a, *b), i);
        }
        plan
    }

    pub fn take(&mut self, pieces: Vec<Piece>, i: usize) {
        for p in pieces {
            match p {
                Piece::Cell(span, start) => {
                    self.cells.insert((span, start), i);
                }
                Piece::Raw(a, b) => self.raw.push((a, b, i, 1)),
                Piece::Less(a, b) => self.raw.push((a, b, i, -1)),
            }
        }
    }

    /// `(span = 'm' AND period IN (…)) OR (span = 'd' AND period IN (…))`:
    /// the periods are our own formatted dates, never request text.
    pub fn condition(&self, alias: &str) -> String {
        let mut parts = Vec::new();
        for span in [Span::Month, Span::Day] {
            let list: Vec<String> = self
                .cells
                .keys()
                .filter(|(s, _)| *s == span)
                .map(|(_, d)| format!("'{}'", Day(*d).to_db()))
                .collect();
            if !list.is_empty() {
                parts.push(format!(
                    "({alias}.span = '{}' AND {alias}.period IN ({}))",
                    span.as_str(),
                    list.join(", ")
                ));
            }
        }
        if parts.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }

    /// The report period of a cell row read back.
    pub fn period_of(&self, r: &sqlx::any::AnyRow) -> Result<Option<usize>> {
        let span = Span::parse(&col::s(r, "span")?)
            .ok_or_else(|| StoreError::corrupt("a report cell with an unknown span"))?;
        let period = col::s(r, "period")?;
        let day = Day::parse(&period)
            .map_err(|_| StoreError::corrupt("a report cell with a bad period"))?;
        Ok(self.cells.get(&(span, day.inner())).copied())
    }
}
