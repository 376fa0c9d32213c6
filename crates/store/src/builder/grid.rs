//! Date groupings without a sort or a whole-table read: the "grid" plan.
//!
//! SQLite has no hash aggregation: a `GROUP BY` whose key is an expression
//! (a date period) sorts every row first — over a million deals that sort
//! is most of a second. When every grouping is either a date field or a
//! reference or choice field whose values can be listed (users, stages,
//! pipelines, lookups, fixed choices), the report is a grid of cells known
//! in advance: one period × one value. Each cell is then one correlated
//! aggregate over a range of a covering index that starts with the listed
//! fields and then the date (`INDEXED BY`, so the plan cannot drift), and
//! every row is read once, in index order, with no sort. On SQLite one
//! grouped text field of a few values (a priority, a channel, a deal's
//! currency) may sit after the date in the index instead: each cell then
//! aggregates every value apart at once ([`Unfolding::figures`]) and unfolds
//! into a row per value.
//!
//! The grid yields the same columns as the `GROUP BY` it replaces (`k{i}`,
//! `a{i}`, `n{i}`), so labels, sorting and totals are shared; empty cells
//! are dropped.
//!
//! PostgreSQL hashes its groups, but it reads the whole table for them
//! (activities carry their subjects and descriptions) and finds each row's
//! period through a nested `CASE`: a million activities by owner × month
//! took 275–410 ms, status × due month 385 ms. The grid
//! runs there over the covering indexes it has too ([`ON_POSTGRES`]), each
//! cell an aggregate `LATERAL` to its keys ([`lateral`]), read as an
//! index-only range. Its deal groupings are mostly the roll-ups' (and the
//! customer walk, [`walk`]); what they cannot answer — a filter on the
//! amount, a minimum or maximum of another field than the amount (whose
//! least and greatest the roll-ups keep since migration 25) — by creation
//! or close period, alone
//! or beside the owner, or by close period beside the pipeline or the
//! status, reads four of SQLite's deal indexes there too (migration 21).
//! Beside any other field, or filtered by a column none of those holds,
//! it reads PostgreSQL's own indexes by each date ([`WIDE`], migration
//! 22): each period one index-only range, the other fields grouped within
//! it, the periods read side by side by PostgreSQL's parallel workers (a
//! narrower index holding the field after the date wins over them: the
//! owners' by close date for a close quarter beside the currency).

use super::{Agg, Periods, col_of, column, constant_rows, period_bounds, table_of};
use crate::db::{Backend, Conn, col};
use crate::error::{Result, StoreError};
use voronka_core::builder::{Entity, FieldType, Plan, RefKind, Test};
use voronka_core::records::Id;

/// A covering index the grid may read, by its columns in order (without
/// the table alias). Created by migrations 8 to 10, 15 (the leads'), 16, 22
/// and 23 on SQLite, except the activities' `activities_owner_start` and
/// `activities_owner_due`, which their calendar and task lists already
/// had, and the activities' of migrations 13 and 15 (on either backend).
struct Covering {
    entity: Entity,
    name: &'static str,
    columns: &'static [&'static str],
}

const COVERING: &[Covering] = &[
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_created",
        columns: &[
            "created_at",
            "owner_id",
            "currency",
            "amount_minor",
            "probability",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_closed",
        columns: &[
            "closed_at",
            "owner_id",
            "currency",
            "amount_minor",
            "probability",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_expected",
        columns: &[
            "expected_close_date",
            "owner_id",
            "currency",
            "amount_minor",
            "probability",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_source_created",
        columns: &[
            "source_id",
            "created_at",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_owner_created",
        columns: &["owner_id", "created_at", "currency", "amount_minor"],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_owner_closed",
        columns: &["owner_id", "closed_at", "currency", "amount_minor"],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_owner_expected",
        columns: &[
            "owner_id",
            "expected_close_date",
            "currency",
            "amount_minor",
        ],
    },
    // Migration 16, SQLite (for version 9's led by the status and then
    // the date): the pipeline named in full ([`ENUMERATED`]) before the
    // date, and by pipeline the status too.
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_status_pipeline_closed",
        columns: &[
            "status",
            "pipeline_id",
            "closed_at",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_status_expected",
        columns: &[
            "status",
            "expected_close_date",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_loss_closed",
        columns: &[
            "loss_reason_id",
            "closed_at",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    // Migration 22, SQLite: the status, pipeline and stage named in full
    // before the creation or expected date ([`ENUMERATED`]); the stage,
    // the source and the loss reason before the dates no other holds them
    // with.
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_stages_created",
        columns: &[
            "status",
            "pipeline_id",
            "stage_id",
            "created_at",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_stages_expected",
        columns: &[
            "status",
            "pipeline_id",
            "stage_id",
            "expected_close_date",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_stage_closed",
        // The pipeline and the probability after (migration 23): a
        // grouping by pipeline × stage with no date streams from it.
        columns: &[
            "stage_id",
            "closed_at",
            "owner_id",
            "currency",
            "amount_minor",
            "pipeline_id",
            "probability",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_source_closed",
        columns: &[
            "source_id",
            "closed_at",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_source_expected",
        columns: &[
            "source_id",
            "expected_close_date",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_loss_created",
        columns: &[
            "loss_reason_id",
            "created_at",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_loss_expected",
        columns: &[
            "loss_reason_id",
            "expected_close_date",
            "owner_id",
            "currency",
            "amount_minor",
        ],
    },
    Covering {
        entity: Entity::Leads,
        name: "leads_grid_status_created",
        columns: &["status", "created_at", "owner_id"],
    },
    Covering {
        entity: Entity::Leads,
        name: "leads_grid_source_created",
        columns: &["source_id", "created_at", "owner_id"],
    },
    // Migration 15, SQLite.
    Covering {
        entity: Entity::Leads,
        name: "leads_grid_owner_created",
        columns: &["owner_id", "created_at", "status", "source_id"],
    },
    Covering {
        entity: Entity::Contacts,
        name: "contacts_grid_owner_created",
        columns: &["owner_id", "created_at"],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_owner_start",
        columns: &["owner_id", "start_at"],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_start",
        columns: &["start_at", "owner_id"],
    },
    // The task lists' index, on either backend since version 1.
    Covering {
        entity: Entity::Activities,
        name: "activities_owner_due",
        columns: &["owner_id", "due_at"],
    },
    // Migration 13, either backend.
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_due",
        columns: &["due_at", "owner_id"],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_completed",
        columns: &["completed_at", "owner_id"],
    },
    // Migration 15, either backend: the kind and the status named in full
    // ([`ENUMERATED`]) before each date.
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_kind_status_start",
        columns: &[
            "kind", "status", "start_at", "owner_id", "priority", "channel",
        ],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_status_kind_due",
        columns: &[
            "status", "kind", "due_at", "owner_id", "priority", "channel",
        ],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_kind_status_completed",
        columns: &[
            "kind",
            "status",
            "completed_at",
            "owner_id",
            "priority",
            "channel",
        ],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_kind_status_created",
        columns: &[
            "kind",
            "status",
            "created_at",
            "owner_id",
            "priority",
            "channel",
        ],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_owner_completed",
        columns: &["owner_id", "completed_at"],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_owner_created",
        columns: &["owner_id", "created_at"],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_created",
        columns: &["created_at", "owner_id"],
    },
    // Migration 19, SQLite: a manager's own activities by the start or
    // the done date, each cell counting the priorities or channels
    // ([`Unfolding::figures`]).
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_owner_start",
        columns: &["owner_id", "start_at", "priority", "channel"],
    },
    Covering {
        entity: Entity::Activities,
        name: "activities_grid_owner_completed",
        columns: &["owner_id", "completed_at", "priority", "channel"],
    },
];

/// The covering indexes PostgreSQL has (the activities' of migrations 1,
/// 13 and 15, the deals' of 21, and its own [`WIDE`] of 22); the grid
/// reads only those there.
const ON_POSTGRES: &[&str] = &[
    "deals_grid_created",
    "deals_grid_created_all",
    "deals_grid_closed_all",
    "deals_grid_expected_all",
    "deals_grid_status_pipeline_closed",
    "deals_grid_owner_created",
    "deals_grid_owner_closed",
    "activities_owner_start",
    "activities_owner_due",
    "activities_grid_start",
    "activities_grid_due",
    "activities_grid_completed",
    "activities_grid_kind_status_start",
    "activities_grid_status_kind_due",
    "activities_grid_kind_status_completed",
    "activities_grid_kind_status_created",
    "activities_owner_completed",
    "activities_owner_created",
    "activities_grid_created",
];

/// PostgreSQL's deal indexes led by one date and holding every column a
/// deal report reads but the title (migration 22): a date grouping beside
/// any listed field, each period one range grouped by the fields inside
/// its `LATERAL` ([`lateral`]). SQLite has `deals_grid_all` instead (by
/// creation date), which its plain `GROUP BY` reads ([`ALL`]).
const WIDE: &[Covering] = &[
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_created_all",
        columns: &[
            "created_at",
            "owner_id",
            "currency",
            "amount_minor",
            "stage_id",
            "status",
            "source_id",
            "pipeline_id",
            "loss_reason_id",
            "account_id",
            "probability",
            "closed_at",
            "expected_close_date",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_closed_all",
        columns: &[
            "closed_at",
            "owner_id",
            "currency",
            "amount_minor",
            "stage_id",
            "status",
            "source_id",
            "pipeline_id",
            "loss_reason_id",
            "account_id",
            "probability",
            "created_at",
            "expected_close_date",
        ],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_expected_all",
        columns: &[
            "expected_close_date",
            "owner_id",
            "currency",
            "amount_minor",
            "stage_id",
            "status",
            "source_id",
            "pipeline_id",
            "loss_reason_id",
            "account_id",
            "probability",
            "created_at",
            "closed_at",
        ],
    },
];

/// The indexes the grid may read on the backend.
fn grid_indexes(postgres: bool) -> impl Iterator<Item = &'static Covering> {
    let wide: &'static [Covering] = if postgres { WIDE } else { &[] };
    COVERING.iter().chain(wide)
}

/// Columns an index may have before its date although the report does not
/// group by them: required in the schema, each value either one of the
/// catalogue's fixed list or the id of a row of the table it refers to, so
/// naming every value (`IN`) leaves no row out, and a cell reads one index
/// range per value instead of the whole index.
const ENUMERATED: &[(Entity, &str)] = &[
    (Entity::Activities, "kind"),
    (Entity::Activities, "status"),
    (Entity::Deals, "status"),
    // A company has one pipeline or a handful, each a handful of stages.
    (Entity::Deals, "pipeline_id"),
    (Entity::Deals, "stage_id"),
];

/// A column an index holds before its date that the report does not group
/// by: each cell reads one index range per value of it, either the values a
/// filter of the report names (`=`, `IN`) or, for an [`ENUMERATED`] one,
/// all of them, or for the owner the owners a narrowed user may see
/// (`named`, SQL literals added as an `IN` of its own); or the pipeline
/// beside a listed stage: the stage's own (`of_stage`, the stage's place
/// among the groupings), one range.
struct Split<'a> {
    column: &'static str,
    ranges: i64,
    named: Option<&'a [String]>,
    /// Whether its ranges leave rows out (a filter's values, a narrowed
    /// user's owners) rather than name every value there is.
    narrows: bool,
    of_stage: Option<usize>,
}

/// How a grid reads one covering index: the listed field it holds after
/// the date that each cell aggregates per value (its place in `listed`;
/// SQLite, [`Unfolding`]), the listed fields
/// it holds after the date that each cell groups (their places among the
/// listed; PostgreSQL), the columns before the date split into ranges,
/// and the ranges a cell reads in all.
struct Fit<'a> {
    after: Option<usize>,
    inner: Vec<usize>,
    splits: Vec<Split<'a>>,
    ranges: i64,
}

/// Index ranges a grid reads at the most (cells times the combinations of
/// named values); past this the plain `GROUP BY` is cheaper.
const MAX_RANGES: i64 = 100_000;

/// The most choices (`NULL` among them) of a grouped field a grid cell on
/// SQLite aggregates all at once when its index holds the field after the
/// date: each choice costs every row of the range a count step (and one
/// for each other aggregate), which
/// beat a sort of every row up to about this many (a million activities
/// by priority: 205 ms against 409 ms the sort, measured in
/// `docs/benchmarks.md`). PostgreSQL hashes its groups instead.
const MAX_CHOICES: usize = 5;

/// Covering indexes a plain `GROUP BY` of one field reads in that field's
/// order, aggregating as it goes, besides the grid's own (each of those
/// leads with its field too).
const STREAMING: &[Covering] = &[
    // The lists' indexes, with the currency at the end (migration 10).
    Covering {
        entity: Entity::Deals,
        name: "deals_owner_stage_amount",
        columns: &["owner_id", "stage_id", "amount_minor", "id", "currency"],
    },
    Covering {
        entity: Entity::Deals,
        name: "deals_stage_amount",
        columns: &["stage_id", "amount_minor", "id", "currency"],
    },
    // Each customer's deals with every column (SQLite, migration 28).
    Covering {
        entity: Entity::Deals,
        name: "deals_by_account_all",
        columns: &[
            "account_id",
            "owner_id",
            "currency",
            "amount_minor",
            "stage_id",
            "status",
            "source_id",
            "pipeline_id",
            "loss_reason_id",
            "probability",
            "created_at",
            "closed_at",
            "expected_close_date",
        ],
    },
    // The lists' index (version 1): by owner alone, counted as it goes.
    Covering {
        entity: Entity::Accounts,
        name: "accounts_owner",
        columns: &["owner_id", "id"],
    },
    Covering {
        entity: Entity::Accounts,
        name: "accounts_by_industry",
        columns: &["industry", "kind", "owner_id"],
    },
    // Migration 28, either backend: each customer's contacts and owners.
    Covering {
        entity: Entity::Contacts,
        name: "contacts_by_account",
        columns: &["account_id", "owner_id"],
    },
    // Migration 27, either backend: a position's contacts by customer.
    Covering {
        entity: Entity::Contacts,
        name: "contacts_by_position",
        columns: &["position", "account_id", "owner_id"],
    },
    // Migration 28, either backend: a run of periods' contacts by customer.
    Covering {
        entity: Entity::Contacts,
        name: "contacts_by_created",
        columns: &["created_at", "account_id", "owner_id"],
    },
    Covering {
        entity: Entity::Contacts,
        name: "contacts_by_birthday",
        columns: &["birthday", "account_id", "owner_id"],
    },
];

/// Every column a report reads but names and numbers that identify: deals
/// (all but the title; migration 8, SQLite) and customers (all but the
/// name and the INN; migration 15, either backend).
const ALL: &[Covering] = &[
    Covering {
        entity: Entity::Deals,
        name: "deals_grid_all",
        columns: &[
            "created_at",
            "owner_id",
            "currency",
            "amount_minor",
            "stage_id",
            "status",
            "source_id",
            "pipeline_id",
            "loss_reason_id",
            "account_id",
            "closed_at",
            "expected_close_date",
            "probability",
        ],
    },
    Covering {
        entity: Entity::Accounts,
        name: "accounts_grid_all",
        columns: &[
            "created_at",
            "owner_id",
            "kind",
            "industry",
            "territory",
            "credit_limit_minor",
        ],
    },
];

/// The columns a plan reads: its groupings, filters, aggregates, the
/// currency of money and the owner when the actor is narrowed.
fn needed_columns(plan: &Plan, narrowed: bool) -> Result<Vec<&'static str>> {
    let e = plan.entity;
    let mut needed: Vec<&str> = Vec::new();
    for g in &plan.groups {
        needed.push(bare(col_of(e, g.field)?));
    }
    for f in &plan.filters {
        needed.push(bare(col_of(e, f.field)?));
    }
    for a in &plan.aggregates {
        if let Some(f) = a.field {
            needed.push(bare(col_of(e, f)?));
            if f.ty == FieldType::Money && e == Entity::Deals {
                needed.push("currency");
            }
        }
    }
    if narrowed {
        needed.push("owner_id");
    }
    Ok(needed)
}

/// Every value of the entity's [`ENUMERATED`] columns, as SQL literals:
/// the catalogue's choices, or the ids of the table referred to (from our
/// own database, not request text). A column with no value yet is left
/// out: `IN ()` is no SQL, and no index needs to skip it.
async fn enumerated(c: &mut impl Conn, e: Entity) -> Result<Vec<(&'static str, Vec<String>)>> {
    let mut out = Vec::new();
    for (entity, column) in ENUMERATED {
        if *entity != e {
            continue;
        }
        let Some(field) = voronka_core::builder::fields(e)
            .iter()
            .find(|f| super::column(e, f.name).map(bare) == Some(*column))
        else {
            continue;
        };
        let values: Vec<String> = match field.ty {
            FieldType::Choice(values) => values.iter().map(|v| format!("'{v}'")).collect(),
            FieldType::Ref(kind @ (RefKind::Pipeline | RefKind::Stage)) => {
                let table = match kind {
                    RefKind::Pipeline => "pipelines",
                    _ => "stages",
                };
                sqlx::query(&format!("SELECT id FROM {table} ORDER BY id"))
                    .fetch_all(c.conn())
                    .await?
                    .iter()
                    .map(|r| col::i(r, "id").map(|id| id.to_string()))
                    .collect::<Result<_>>()?
            }
            _ => continue,
        };
        if !values.is_empty() {
            out.push((*column, values));
        }
    }
    Ok(out)
}

fn covers(ix: &Covering, e: Entity, needed: &[&str]) -> bool {
    ix.entity == e && needed.iter().all(|c| ix.columns.contains(c))
}

/// The index a plain `GROUP BY` on SQLite should read: for groupings with
/// no date (or none at all), the narrowest covering index they lead (read
/// in order, aggregated as it goes, no sort); otherwise the one holding
/// every column a report of deals or customers reads ([`ALL`]), where the
/// planner left alone would read the whole table or look every row up in
/// it (a grouping no index leads, or a date grouping, which sorts anyway).
/// `None` keeps the planner's own choice: a plan that reads a name or
/// free text outside those, or of another entity.
pub(super) fn plain_index(plan: &Plan, narrowed: bool) -> Result<Option<&'static str>> {
    let needed = needed_columns(plan, narrowed)?;
    let e = plan.entity;
    if plan.groups.iter().all(|g| g.grain.is_none()) {
        // A pipeline beside its stages is grouped by the stage alone
        // (`implied_pipeline`): an index led by the stage serves.
        let implied = super::implied_pipeline(plan);
        let lead = plan
            .groups
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != implied)
            .map(|(_, g)| Ok(bare(col_of(e, g.field)?)))
            .collect::<Result<Vec<_>>>()?;
        // SQLite groups in any order of the keys an index leads with; with
        // no keys (the totals alone) any covering index will do.
        if let Some(ix) = STREAMING
            .iter()
            .chain(COVERING)
            .chain(ALL)
            .filter(|ix| {
                ix.columns.len() >= lead.len()
                    && lead.iter().all(|c| ix.columns[..lead.len()].contains(c))
                    && covers(ix, e, &needed)
            })
            .min_by_key(|ix| ix.columns.len())
        {
            return Ok(Some(ix.name));
        }
    }
    Ok(ALL
        .iter()
        .find(|ix| covers(ix, e, &needed))
        .map(|ix| ix.name))
}

/// The narrowest covering index led by `col` (SQLite): what reads a run
/// of that field's values alone, in order ([`super::leading`]). `None`
/// leaves the choice to the planner.
pub(super) fn leading_index(
    plan: &Plan,
    col: &str,
    narrowed: bool,
) -> Result<Option<&'static str>> {
    let needed = needed_columns(plan, narrowed)?;
    Ok(STREAMING
        .iter()
        .chain(COVERING)
        .chain(ALL)
        .filter(|ix| ix.columns.first() == Some(&bare(col)) && covers(ix, plan.entity, &needed))
        .min_by_key(|ix| ix.columns.len())
        .map(|ix| ix.name))
}

/// Whether PostgreSQL should read a narrowed user's plain `GROUP BY` with
/// the owner scope as written rather than behind the unary plus: when an
/// index led by the owner holds every column the plan reads, the owners'
/// ranges of it are all it reads (a manager's maximum by owner: 290–310
/// → 155–160 ms, minimum by currency: 340 → 215 ms, over 590,000 of a
/// million deals). Otherwise each of the owners' rows would be looked up
/// in the table, and the table read in parallel, the scope checked on
/// every row, is quicker (source × close month, maximum: 248 against 452 ms).
pub(super) fn owner_index_covers(plan: &Plan) -> Result<bool> {
    let needed = needed_columns(plan, true)?;
    Ok(grid_indexes(true).any(|ix| {
        ON_POSTGRES.contains(&ix.name)
            && ix.columns.first() == Some(&"owner_id")
            && covers(ix, plan.entity, &needed)
    }))
}

/// Periods a grid on PostgreSQL writes as parts of their own (each with
/// its bounds) when it lists no field outside the cells: PostgreSQL reads
/// such parts side by side in its parallel workers (`Parallel Append`),
/// where the rows of a constant list joined `LATERAL` to the cells run
/// one after another in one process (a million deals by source × creation
/// month, thirteen months: 141–174 ms against 250–320 ms). Each part is
/// planned on its own: past this many, planning would cost more than the
/// workers save.
const MAX_PERIOD_PARTS: usize = 100;

/// Cells a grid may have; past this the plain `GROUP BY` is cheaper.
const MAX_CELLS: i64 = 20_000;

fn bare(column: &str) -> &str {
    column.strip_prefix("t.").unwrap_or(column)
}

/// A listed field's possible values but `NULL`: the SQL listing them as
/// column `v`, how many there are counting `NULL`, and for a text field
/// the values themselves as SQL literals (a cell may count each apart).
struct Domain {
    values: String,
    n: i64,
    choices: Option<Vec<String>>,
    /// Whether a record may have no value (a deal always has a currency).
    nullable: bool,
}

impl Domain {
    /// Text values as a domain; `None` when there are none to list.
    fn of_texts(texts: &[String]) -> Option<Domain> {
        if texts.is_empty() {
            return None;
        }
        let choices: Vec<String> = texts
            .iter()
            .map(|v| format!("'{}'", v.replace('\'', "''")))
            .collect();
        let parts: Vec<String> = choices.iter().map(|v| format!("SELECT {v} AS v")).collect();
        Some(Domain {
            values: parts.join(" UNION ALL "),
            n: choices.len() as i64 + 1,
            choices: Some(choices),
            nullable: true,
        })
    }
}

/// The values of a grouped field, `None` for fields whose values cannot be
/// listed cheaply (accounts, free text). A deal's currency is a code the
/// user types, but the deals hold only a few: `deal_totals` keeps a row of
/// every currency a deal is in (the write transaction adds it), a handful
/// of rows per stage and owner — read in the report's own snapshot, so no
/// deal's currency is missing.
async fn domain(c: &mut impl Conn, e: Entity, col: &str, ty: FieldType) -> Result<Option<Domain>> {
    let table = match ty {
        FieldType::Ref(RefKind::User) => "users",
        FieldType::Ref(RefKind::Pipeline) => "pipelines",
        FieldType::Ref(RefKind::Stage) => "stages",
        FieldType::Ref(RefKind::Lookup) => "lookups",
        // Catalogue constants (lower-case words), never request text.
        FieldType::Choice(values) => {
            let texts: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
            return Ok(Domain::of_texts(&texts));
        }
        FieldType::Text if e == Entity::Deals && bare(col) == "currency" => {
            let texts = deal_currencies(c).await?;
            return Ok(Domain::of_texts(&texts).map(|d| Domain {
                nullable: false,
                ..d
            }));
        }
        _ => return Ok(None),
    };
    let row = sqlx::query(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"
    ))
    .fetch_one(c.conn())
    .await?;
    Ok(Some(Domain {
        values: format!("SELECT id AS v FROM {table}"),
        n: col::i(&row, "n")? + 1,
        choices: None,
        nullable: true,
    }))
}

/// The currencies the deals are in, in order.
pub(super) async fn deal_currencies(c: &mut impl Conn) -> Result<Vec<String>> {
    sqlx::query("SELECT DISTINCT currency FROM deal_totals WHERE deals <> 0 ORDER BY currency")
        .fetch_all(c.conn())
        .await?
        .iter()
        .map(|r| col::s(r, "currency"))
        .collect()
}

/// A listed grouping: its place among the groupings, its column, the SQL
/// of its values and the type a `NULL` of it is cast to on PostgreSQL.
struct Listed {
    at: usize,
    col: &'static str,
    values: String,
    /// The values of a text field, as SQL literals (without `NULL`).
    choices: Option<Vec<String>>,
    nullable: bool,
    null: &'static str,
}

/// The grid statement for the plan, or `None` when it does not fit (no
/// date grouping, a grouping whose values cannot be listed, no covering
/// index, too many cells). `conditions` are the permission scope and the
/// filters, already bound; `aggregates` the `(alias, expression)` pairs of
/// the plain statement.
pub(super) async fn statement(
    c: &mut impl Conn,
    plan: &Plan,
    periods: &[Option<Periods>],
    cal: &dyn super::Calendar,
    conditions: &super::Conditions,
    aggregates: &[Agg],
    owners: &Option<Vec<Id>>,
) -> Result<Option<String>> {
    let e = plan.entity;
    let postgres = c.backend() == Backend::Postgres;
    let conditions = match postgres {
        true => conditions.plain(),
        false => conditions.hidden(),
    };
    let conditions = conditions.as_slice();
    let Some(date) = plan.groups.iter().position(|g| g.grain.is_some()) else {
        return whole(c, plan, conditions, aggregates, owners).await;
    };
    // Not a question for the listed values' counts when no index can serve.
    if postgres
        && !ON_POSTGRES
            .iter()
            .any(|n| grid_indexes(postgres).any(|ix| ix.name == *n && ix.entity == e))
    {
        return Ok(None);
    }
    let Some(Some(p)) = periods.get(date) else {
        return Ok(None);
    };
    let date_col = col_of(e, plan.groups[date].field)?;

    // The listed groupings, in order, with their value lists.
    let mut listed = Vec::new();
    let mut cells = p.days.len().saturating_sub(1) as i64 + 1;
    for (i, g) in plan.groups.iter().enumerate() {
        if i == date {
            continue;
        }
        let col = col_of(e, g.field)?;
        let Some(Domain {
            values,
            n,
            choices,
            nullable,
        }) = (match owners {
            // A narrowed actor's own owners: a cell of another's would read
            // that owner's whole range only to filter every row out.
            Some(ids) if bare(col) == "owner_id" => {
                // Ids from our own database, not request text.
                let list: Vec<String> = ids.iter().map(Id::to_string).collect();
                let values = match list.is_empty() {
                    true => "SELECT id AS v FROM users WHERE 1 = 0".to_owned(),
                    false => format!(
                        "SELECT id AS v FROM users WHERE id IN ({})",
                        list.join(", ")
                    ),
                };
                Some(Domain {
                    values,
                    n: ids.len() as i64 + 1,
                    choices: None,
                    nullable: true,
                })
            }
            _ => domain(c, e, col, g.field.ty).await?,
        })
        else {
            return Ok(None);
        };
        cells = cells.saturating_mul(n);
        let null = match choices {
            Some(_) => "TEXT",
            None => "BIGINT",
        };
        listed.push(Listed {
            at: i,
            col,
            values,
            choices,
            nullable,
            null,
        });
    }
    if cells > MAX_CELLS {
        return Ok(None);
    }

    // Every column the cells read must be inside the index, and before the
    // date only listed fields and ones whose every value can be named; on
    // SQLite a text field of few values (a priority, a channel, a deal's
    // currency) may come after it ([`MAX_CHOICES`]), each cell aggregating
    // every value apart in one pass. PostgreSQL hashes the listed fields
    // an index holds after the date within each cell instead (`inner`; for
    // a user who sees some owners, not beside the owner).
    let needed = needed_columns(plan, owners.is_some())?;
    let lead: Vec<&str> = listed.iter().map(|l| bare(l.col)).collect();
    let every = enumerated(c, e).await?;
    // A narrowed actor's owners name every owner_id a cell may count, so an
    // index led by the owner is read one range per owner they may see.
    let scope: Option<Vec<String>> = owners
        .as_ref()
        .filter(|ids| !ids.is_empty())
        .map(|ids| ids.iter().map(Id::to_string).collect());
    // The listed field the index holds after the date, if one; per column
    // before the date but the listed, the index ranges it splits a cell
    // into and the values to name when no filter of the report (`=` or
    // `IN`) names them already; and the ranges a cell reads in all.
    let fits = |ix: &Covering| -> Option<Fit> {
        if ix.entity != e
            || (postgres && !ON_POSTGRES.contains(&ix.name))
            || !covers(ix, e, &needed)
        {
            return None;
        }
        let d = ix.columns.iter().position(|c| *c == bare(date_col))?;
        let mut after = None;
        let mut inner = Vec::new();
        for (n, l) in listed.iter().enumerate() {
            if !ix.columns[..d].contains(&bare(l.col)) {
                // PostgreSQL hashes it within each cell. For a user who
                // sees a few owners' deals each period tests every owner's
                // rows (or reads their ranges of an index led by the
                // owner), which beats the plain statement (its rows
                // gathered to one process) beside a field by any date once
                // the cells know the owners' share (`Conditions::plain`: a
                // manager's maximum by source × close month, 206 ms against
                // 248; close quarter × currency, 125 against 151), but not
                // beside the owner (by expected quarter: 359 ms against
                // 243, measured behind the plus).
                let scoped = owners.is_some() && bare(l.col) == "owner_id";
                if postgres && !scoped {
                    inner.push(n);
                    continue;
                }
                match &l.choices {
                    Some(values) if !postgres && after.is_none() && values.len() < MAX_CHOICES => {
                        after = Some(n);
                    }
                    _ => return None,
                }
            }
        }
        let splits = ix.columns[..d]
            .iter()
            .filter(|c| !lead.contains(c))
            .map(|c| {
                let filtered = plan.filters.iter().find_map(|f| {
                    if column(e, f.field.name).map(bare) != Some(*c) {
                        return None;
                    }
                    match &f.test {
                        Test::Eq(_) => Some(1),
                        Test::In(values) => Some(values.len() as i64),
                        _ => None,
                    }
                });
                let named = every
                    .iter()
                    .find(|(at, _)| at == c)
                    .map(|(_, values)| (values, false))
                    .or(scope
                        .as_ref()
                        .filter(|_| *c == "owner_id")
                        .map(|values| (values, true)));
                // A stage belongs to one pipeline: beside a listed stage
                // (SQLite's cells name its value) the pipeline is the
                // stage's own, not every pipeline, most of whose ranges
                // would be empty.
                let stage = listed
                    .iter()
                    .find(|l| bare(l.col) == "stage_id")
                    .filter(|_| !postgres && *c == "pipeline_id");
                match (filtered, stage) {
                    (Some(ranges), _) => Some(Split {
                        column: c,
                        ranges,
                        named: None,
                        narrows: true,
                        of_stage: None,
                    }),
                    (None, Some(l)) => Some(Split {
                        column: c,
                        ranges: 1,
                        named: None,
                        narrows: false,
                        of_stage: Some(l.at),
                    }),
                    (None, None) => named.map(|(values, narrows)| Split {
                        column: c,
                        ranges: values.len() as i64,
                        named: Some(values.as_slice()),
                        narrows,
                        of_stage: None,
                    }),
                }
            })
            .collect::<Option<Vec<_>>>()?;
        let ranges = splits.iter().fold(1i64, |n, s| n.saturating_mul(s.ranges));
        if cells.saturating_mul(ranges) > MAX_RANGES {
            return None;
        }
        Some(Fit {
            after,
            inner,
            splits,
            ranges,
        })
    };
    // A field after the date costs every row a count per choice, index
    // seeks next to nothing: the field before the date wins, however many
    // ranges it reads. For the same reason an index whose ranges leave rows
    // out (a filtered owner, a manager's own owners before the date) wins
    // over one that reads every row of the period and tests each: on
    // PostgreSQL a manager's minimum and maximum by creation month read the
    // whole date index, 180–258 ms, where their owners' ranges hold half.
    // A field hashed within the cells (PostgreSQL) is the last resort: an
    // index holding it before the date reads the same rows, already apart.
    let Some((index, fit)) = grid_indexes(postgres)
        .filter_map(|ix| fits(ix).map(|fit| (ix, fit)))
        .min_by_key(|(ix, fit)| {
            let narrows = fit.splits.iter().any(|s| s.narrows);
            // PostgreSQL reads a cell's ranges in one scan of the index:
            // the narrower index wins, however many (an administrator's
            // close quarter × currency over the owners' index, 165 ms, over
            // the one holding every column, 237 ms).
            let (first, second) = match postgres {
                true => (ix.columns.len() as i64, fit.ranges),
                false => (fit.ranges, ix.columns.len() as i64),
            };
            (
                fit.after.is_some(),
                !fit.inner.is_empty(),
                !narrows,
                first,
                second,
            )
        })
    else {
        return Ok(None);
    };
    let Fit {
        after,
        inner,
        splits,
        ..
    } = fit;
    let mut conditions = conditions.to_vec();
    for s in &splits {
        if let Some(values) = s.named {
            conditions.push(format!("t.{} IN ({})", s.column, values.join(", ")));
        }
        // The stage's values row `v{at}` is in every cell's FROM (SQLite).
        if let Some(at) = s.of_stage {
            conditions.push(format!(
                "t.{} = (SELECT st.pipeline_id FROM stages st WHERE st.id = v{at}.v)",
                s.column
            ));
        }
    }
    let conditions = conditions.as_slice();

    let bounds = period_bounds(
        plan.groups[date].field,
        p,
        cal,
        &format!("group_by[{date}].grain"),
    )?;
    if bounds.len() < 2 {
        return Ok(None);
    }
    if postgres {
        return Ok(Some(lateral(
            plan, date, date_col, &listed, &inner, &bounds, conditions, aggregates,
        )));
    }
    // The field after the date: its values, `NULL` last, in the order the
    // cells aggregate them.
    let unfolded = after.map(|n| Unfolding::new(plan, &listed[n]));
    let figures = match &unfolded {
        Some(u) => u.figures(aggregates),
        None => cell_figures(aggregates),
    };
    let part = |dated: bool| -> String {
        let mut keys = Vec::new();
        let mut from = Vec::new();
        let mut wheres = Vec::new();
        for i in 0..plan.groups.len() {
            if i == date {
                if dated {
                    keys.push(format!("p.i AS k{i}"));
                } else {
                    keys.push(format!("NULL AS k{i}"));
                }
            } else if unfolded.as_ref().is_some_and(|u| u.at == i) {
                // Unfolded from the counts below.
            } else if let Some(l) = listed.iter().find(|l| l.at == i) {
                keys.push(format!("v{i}.v AS k{i}"));
                from.push(format!("({} UNION ALL SELECT NULL) v{i}", l.values));
                wheres.push(format!("{} IS v{i}.v", l.col));
            }
        }
        if dated {
            from.push(periods_table(&bounds));
            wheres.push(format!("{date_col} >= p.lo AND {date_col} < p.hi"));
        } else {
            wheres.push(format!("{date_col} IS NULL"));
        }
        wheres.extend(conditions.iter().cloned());
        let from = if from.is_empty() {
            String::new()
        } else {
            format!(" FROM {}", from.join(", "))
        };
        format!(
            "SELECT {}, (SELECT {figures} FROM {} t INDEXED BY {} WHERE {}) AS j{from}",
            keys.join(", "),
            table_of(e),
            index.name,
            wheres.join(" AND ")
        )
    };
    // MATERIALIZED: flattened, SQLite would run a cell's subquery once for
    // every json_extract of it.
    let grid = format!(
        "WITH x AS MATERIALIZED ({} UNION ALL {})",
        part(true),
        part(false)
    );
    let Some(u) = unfolded else {
        let keys: Vec<String> = (0..plan.groups.len()).map(|i| format!("k{i}")).collect();
        return Ok(Some(format!(
            "{grid} SELECT {}, {} FROM x WHERE json_extract(x.j, '$[0]') > 0",
            keys.join(", "),
            cell_values(aggregates).join(", ")
        )));
    };
    Ok(Some(u.rows(&grid, plan.groups.len(), aggregates)))
}

/// A grouping by one text field of a few values alone, on SQLite, that no
/// index leads with (a deal's currency, a customer's kind, an activity's
/// priority or channel where no roll-up answers): one pass over the narrowest
/// covering index, every value aggregated apart ([`Unfolding`]), where the
/// `GROUP BY` would sort every row first (a million deals by currency,
/// their minimum: 106 ms against 305 ms).
async fn whole(
    c: &mut impl Conn,
    plan: &Plan,
    conditions: &[String],
    aggregates: &[Agg],
    owners: &Option<Vec<Id>>,
) -> Result<Option<String>> {
    let e = plan.entity;
    let [g] = plan.groups.as_slice() else {
        return Ok(None);
    };
    if c.backend() != Backend::Sqlite || g.grain.is_some() {
        return Ok(None);
    }
    let col = col_of(e, g.field)?;
    let indexes = || {
        STREAMING
            .iter()
            .chain(COVERING)
            .chain(ALL)
            .filter(|ix| ix.entity == e)
    };
    // An index led by the field streams the plain GROUP BY already.
    if indexes().any(|ix| ix.columns[0] == bare(col)) {
        return Ok(None);
    }
    let Some(Domain {
        values,
        choices: Some(choices),
        nullable,
        ..
    }) = domain(c, e, col, g.field.ty).await?
    else {
        return Ok(None);
    };
    if choices.len() >= MAX_CHOICES {
        return Ok(None);
    }
    // A narrowed user's owners are a range each of an index led by the
    // owner (the scope's own condition, `+owner_id`, chooses no range).
    let needed = needed_columns(plan, owners.is_some())?;
    let Some(index) = indexes()
        .filter(|ix| covers(ix, e, &needed))
        .min_by_key(|ix| {
            (
                owners.is_some() && ix.columns[0] != "owner_id",
                ix.columns.len(),
            )
        })
    else {
        return Ok(None);
    };
    let u = Unfolding::new(
        plan,
        &Listed {
            at: 0,
            col,
            values,
            choices: Some(choices),
            nullable,
            null: "TEXT",
        },
    );
    let mut conditions = conditions.to_vec();
    if let Some(ids) = owners.as_ref().filter(|ids| !ids.is_empty())
        && index.columns[0] == "owner_id"
    {
        // Ids from our own database, not request text.
        let ids: Vec<String> = ids.iter().map(Id::to_string).collect();
        conditions.push(format!("t.owner_id IN ({})", ids.join(", ")));
    }
    let grid = format!(
        "WITH x AS MATERIALIZED (SELECT (SELECT {} FROM {} t INDEXED BY {}{}) AS j)",
        u.figures(aggregates),
        table_of(e),
        index.name,
        super::where_of(&conditions)
    );
    Ok(Some(u.rows(&grid, 1, aggregates)))
}

/// A grouped text field of a few values that each cell aggregates apart
/// (SQLite): its place among the groupings, its column, its values as SQL
/// literals (`NULL` last, if a record may have none), and for a grouping
/// by the currency, the report currency's literal.
struct Unfolding {
    at: usize,
    col: &'static str,
    literals: Vec<String>,
    currency: Option<String>,
}

impl Unfolding {
    fn new(plan: &Plan, l: &Listed) -> Unfolding {
        let mut literals = l.choices.clone().unwrap_or_default();
        if l.nullable {
            literals.push("NULL".to_owned());
        }
        let currency = (super::currency_column(plan.entity) == Some(l.col))
            .then(|| format!("'{}'", plan.currency.replace('\'', "''")));
        Unfolding {
            at: l.at,
            col: l.col,
            literals,
            currency,
        }
    }

    /// One cell's figures for each value in turn as one JSON array: the
    /// value's row count, then each aggregate but a row count over the
    /// value's rows alone — every value aggregated in one pass over the
    /// cell's range. Beside the currency, an amount's aggregate is over
    /// the report currency's rows already: that value takes it as it is,
    /// the others have none. (Even with one value listed each is tested:
    /// were a currency missing from the list, its deals would be left out
    /// rather than counted under another's name.)
    fn figures(&self, aggregates: &[Agg]) -> String {
        let mut figures = Vec::new();
        for v in &self.literals {
            let of = format!("{} IS {v}", self.col);
            figures.push(format!("COUNT(CASE WHEN {of} THEN 1 END)"));
            figures.extend(aggregates.iter().filter(|a| !a.counts_rows()).map(|a| {
                match (&self.currency, a.in_currency) {
                    (Some(c), true) if c == v => a.sql(),
                    (Some(_), true) => a.of_none().to_owned(),
                    _ => a.when(&of),
                }
            }));
        }
        format!("json_array({})", figures.join(", "))
    }

    /// The rows of the cells of `grid` (a `WITH x` of keys `k{i}` and
    /// figures `j`), a row per value `c.v` whose figures start at place
    /// `c.n`: its count, then each aggregate but a row count (which is
    /// that count).
    fn rows(&self, grid: &str, groups: usize, aggregates: &[Agg]) -> String {
        let keys: Vec<String> = (0..groups)
            .map(|i| match i == self.at {
                true => format!("c.v AS k{i}"),
                false => format!("x.k{i} AS k{i}"),
            })
            .collect();
        let width = 1 + aggregates.iter().filter(|a| !a.counts_rows()).count();
        let choices: Vec<String> = self
            .literals
            .iter()
            .enumerate()
            .map(|(n, v)| format!("SELECT {v} AS v, {} AS n", n * width))
            .collect();
        let figure =
            |k: usize| format!("CAST(json_extract(x.j, '$[' || (c.n + {k}) || ']') AS BIGINT)");
        let count = figure(0);
        let mut k = 0;
        let values: Vec<String> = aggregates
            .iter()
            .map(|a| match a.counts_rows() {
                true => format!("{count} AS {}", a.alias),
                false => {
                    k += 1;
                    format!("{} AS {}", figure(k), a.alias)
                }
            })
            .collect();
        format!(
            "{grid} SELECT {}, {} FROM x, ({}) c WHERE {count} > 0",
            keys.join(", "),
            values.join(", "),
            choices.join(" UNION ALL ")
        )
    }
}

/// The report periods as a table `p` of their place `i` and bounds `lo`,
/// `hi` (our own formatted dates and instants).
fn periods_table(bounds: &[String]) -> String {
    let rows: Vec<String> = bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| format!("{i}, '{}', '{}'", w[0], w[1]))
        .collect();
    format!("{} p", constant_rows(&["i", "lo", "hi"], &rows))
}

/// The grid on PostgreSQL: each cell one aggregate `LATERAL` to its keys,
/// which the planner reads as an index-only range of the covering index
/// found (it has no `INDEXED BY`, but a range of that index is the
/// cheapest read there is). `=` finds an index range where `IS NOT
/// DISTINCT FROM` would not, so the `NULL` of each listed field, and the
/// records without the date, are parts of their own: one for every
/// combination of present and missing keys. The listed fields `inner`
/// (places in `listed`) are grouped within each cell instead, their `NULL`
/// a group like any value: the index holds them after the date. With no
/// field listed outside the cells, each period is a part of its own, its
/// bounds written out ([`MAX_PERIOD_PARTS`]).
#[allow(clippy::too_many_arguments)]
fn lateral(
    plan: &Plan,
    date: usize,
    date_col: &str,
    listed: &[Listed],
    inner: &[usize],
    bounds: &[String],
    conditions: &[String],
    aggregates: &[Agg],
) -> String {
    let figures: Vec<String> = aggregates
        .iter()
        .map(|a| format!("x.{}", a.alias))
        .collect();
    let of = |within: bool| -> Vec<&Listed> {
        listed
            .iter()
            .enumerate()
            .filter(|(n, _)| inner.contains(n) == within)
            .map(|(_, l)| l)
            .collect()
    };
    let (grouped, listed) = (of(true), of(false));
    // Each grouped field's value as the cell's `k{i}`, and its GROUP BY.
    let (cell_keys, group_by) = match grouped.is_empty() {
        true => (String::new(), String::new()),
        false => (
            grouped
                .iter()
                .map(|l| format!("{} AS k{}, ", l.col, l.at))
                .collect(),
            format!(
                " GROUP BY {}",
                grouped.iter().map(|l| l.col).collect::<Vec<_>>().join(", ")
            ),
        ),
    };
    // One cell's aggregate over the rows its own conditions pick.
    let cell = |mut wheres: Vec<String>| -> String {
        wheres.extend(conditions.iter().cloned());
        format!(
            "(SELECT {cell_keys}COUNT(*) AS cell_rows, {} FROM {} t WHERE {}{group_by}) x",
            super::select_list(aggregates),
            table_of(plan.entity),
            wheres.join(" AND ")
        )
    };
    let mut parts = Vec::new();
    if listed.is_empty() && bounds.len() <= MAX_PERIOD_PARTS + 1 {
        let keys = |period: &str| -> String {
            (0..plan.groups.len())
                .map(|i| match i == date {
                    true => format!("{period} AS k{i}"),
                    false => format!("x.k{i} AS k{i}"),
                })
                .chain(figures.iter().cloned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (i, w) in bounds.windows(2).enumerate() {
            parts.push(format!(
                "SELECT {} FROM {} WHERE x.cell_rows > 0",
                keys(&i.to_string()),
                cell(vec![format!(
                    "{date_col} >= '{}' AND {date_col} < '{}'",
                    w[0], w[1]
                )])
            ));
        }
        parts.push(format!(
            "SELECT {} FROM {} WHERE x.cell_rows > 0",
            keys("CAST(NULL AS INTEGER)"),
            cell(vec![format!("{date_col} IS NULL")])
        ));
        return parts.join(" UNION ALL ");
    }
    // Bit 0: the date is missing; bit 1 + n: the n-th listed field is.
    for missing in 0..(1u32 << (listed.len() + 1)) {
        let mut keys = Vec::new();
        let mut from = Vec::new();
        let mut wheres = Vec::new();
        for i in 0..plan.groups.len() {
            if grouped.iter().any(|l| l.at == i) {
                keys.push(format!("x.k{i} AS k{i}"));
            } else if i == date {
                if missing & 1 == 0 {
                    keys.push(format!("p.i AS k{i}"));
                    from.push(periods_table(bounds));
                    wheres.push(format!("{date_col} >= p.lo AND {date_col} < p.hi"));
                } else {
                    keys.push(format!("CAST(NULL AS INTEGER) AS k{i}"));
                    wheres.push(format!("{date_col} IS NULL"));
                }
            } else if let Some(n) = listed.iter().position(|l| l.at == i) {
                let l = &listed[n];
                if missing & (2 << n) == 0 {
                    keys.push(format!("v{i}.v AS k{i}"));
                    from.push(format!("({}) v{i}", l.values));
                    wheres.push(format!("{} = v{i}.v", l.col));
                } else {
                    keys.push(format!("CAST(NULL AS {}) AS k{i}", l.null));
                    wheres.push(format!("{} IS NULL", l.col));
                }
            }
        }
        let cell = cell(wheres);
        let from = match from.is_empty() {
            true => cell,
            false => format!("{} CROSS JOIN LATERAL {cell}", from.join(" CROSS JOIN ")),
        };
        parts.push(format!(
            "SELECT {}, {} FROM {from} WHERE x.cell_rows > 0",
            keys.join(", "),
            figures.join(", ")
        ));
    }
    parts.join(" UNION ALL ")
}

/// One cell's figures as a JSON array: its row count (an empty cell is
/// dropped), then the aggregates of the plain statement.
fn cell_figures(aggregates: &[Agg]) -> String {
    let figures: Vec<String> = aggregates.iter().map(Agg::sql).collect();
    format!("json_array(COUNT(*), {})", figures.join(", "))
}

/// The aggregates of a cell `x.j` under the plain statement's aliases.
fn cell_values(aggregates: &[Agg]) -> Vec<String> {
    aggregates
        .iter()
        .enumerate()
        .map(|(n, a)| {
            format!(
                "CAST(json_extract(x.j, '$[{}]') AS BIGINT) AS {}",
                n + 1,
                a.alias
            )
        })
        .collect()
}

/// Customers the walk reads at most before leaving a sparse scope (a
/// manager who sees few customers' deals) to the `GROUP BY`.
const WALK: usize = 10 * (super::MAX_GROUP_ROWS + 1);

/// A grouping by customer alone, when there are more customers than a
/// report shows. The `GROUP BY` is quick (one covering index led by the
/// customer, read in order), but shipping every group row into the server
/// to keep the first [`super::MAX_GROUP_ROWS`] by name is not: over a
/// million deals that is ~190,000 rows and a second. Instead the customers
/// are walked in name order (`accounts_name`, the order the report sorts
/// them in: SQLite compares text bytewise, as Rust does; PostgreSQL reads
/// `accounts_name_bytes`, `COLLATE "C"`) and each one's
/// range of that index is aggregated, until one row more than a report
/// shows is found — a few thousand index ranges. The caller counts the
/// totals apart and falls back to the `GROUP BY` when the walk ends short.
///
/// Same columns as the grid (`k0`, then the aggregates); `None` when the
/// plan is not such a grouping or there are few customers.
pub(super) async fn walk(
    c: &mut impl Conn,
    plan: &Plan,
    conditions: &[String],
    aggregates: &[Agg],
) -> Result<Option<String>> {
    let [g] = plan.groups.as_slice() else {
        return Ok(None);
    };
    let limit = super::MAX_GROUP_ROWS + 1;
    walk_by(c, plan.entity, g, conditions, aggregates, limit).await
}

/// A grouping by customer and then another field (a creation quarter, a
/// stage): the report's first rows are those of its first customers by
/// name, each customer a row at least. So the customers are walked as for
/// [`walk`] until one more than a report shows is found, and the `GROUP BY`
/// reads only their records (`{customer} IN (…)`, by the index it leads):
/// over a million deals ~10,000 records instead of every one (customer ×
/// creation quarter took 5–7 s on SQLite, 2–4 s on PostgreSQL, sorting a
/// million keys and shipping ~700,000 rows to keep 2,000).
///
/// The walk's statement binds the plan's conditions alone (its own
/// numbering: the `GROUP BY`'s binds its aggregates first). `None` when
/// the plan is not such a grouping, or there are few customers or few with
/// records in scope (the caller's `GROUP BY` answers then).
pub(super) async fn customers_first(
    c: &mut impl Conn,
    plan: &Plan,
    owners: &Option<Vec<Id>>,
    cal: &dyn super::Calendar,
) -> Result<Option<Walked>> {
    let [g, _] = plan.groups.as_slice() else {
        return Ok(None);
    };
    let Some(w) = walkable(c, plan.entity, g).await? else {
        return Ok(None);
    };
    let mut binds = super::Binds::default();
    let conditions = super::conditions(plan, owners, cal, &mut binds)?.hidden();
    let count = Agg {
        alias: "a0".to_owned(),
        func: "COUNT",
        arg: "*".to_owned(),
        in_currency: false,
    };
    let limit = super::MAX_GROUP_ROWS + 1;
    let sql = walk_sql(c.backend(), plan.entity, &w, &conditions, &[count], limit);
    let rows = binds.fetch(c, &sql).await?;
    if rows.len() <= super::MAX_GROUP_ROWS {
        return Ok(None);
    }
    let mut ids = Vec::with_capacity(rows.len());
    for r in &rows {
        match col::oi(r, "k0")? {
            Some(id) => ids.push(id.to_string()),
            None => return Err(StoreError::corrupt("a walked customer without id")),
        }
    }
    Ok(Some(Walked {
        condition: format!("{} IN ({})", w.col, ids.join(", ")),
        index: w.index,
    }))
}

/// The walk's statement for the grouping `g` (a customer), over the
/// records `conditions` keep: the first `limit` customers with any, in
/// name order — [`walk`]'s, and [`super::leading`]'s for the customer after
/// another field, one value of which `conditions` name. `None` when `g` is
/// no customer grouping the walk can read.
pub(super) async fn walk_by(
    c: &mut impl Conn,
    e: Entity,
    g: &voronka_core::builder::Grouping,
    conditions: &[String],
    aggregates: &[Agg],
    limit: usize,
) -> Result<Option<String>> {
    Ok(walkable(c, e, g)
        .await?
        .map(|w| walk_sql(c.backend(), e, &w, conditions, aggregates, limit)))
}

/// The customers [`customers_first`] walked, as the `GROUP BY`'s condition
/// and the index (SQLite) that reads their records.
pub(super) struct Walked {
    pub(super) condition: String,
    pub(super) index: Option<&'static str>,
}

/// A customer grouping the walk can read: its column and, on SQLite, the
/// covering index led by it.
struct Walkable {
    col: &'static str,
    index: Option<&'static str>,
}

/// `Some` when `g` groups by customer and there are more customers than a
/// report shows.
async fn walkable(
    c: &mut impl Conn,
    e: Entity,
    g: &voronka_core::builder::Grouping,
) -> Result<Option<Walkable>> {
    if g.field.ty != FieldType::Ref(RefKind::Account) || g.grain.is_some() {
        return Ok(None);
    }
    let col = col_of(e, g.field)?;
    let index = match c.backend() {
        Backend::Postgres => None,
        Backend::Sqlite => match STREAMING
            .iter()
            .chain(COVERING)
            .find(|ix| ix.entity == e && ix.columns[0] == bare(col))
        {
            Some(ix) => Some(ix.name),
            None => return Ok(None),
        },
    };
    Ok(many_customers(c).await?.then_some(Walkable { col, index }))
}

/// Whether there are more customers than a report shows rows.
pub(super) async fn many_customers(c: &mut impl Conn) -> Result<bool> {
    let many = sqlx::query(&format!(
        "SELECT 1 AS x FROM accounts LIMIT 1 OFFSET {}",
        super::MAX_GROUP_ROWS
    ))
    .fetch_optional(c.conn())
    .await?;
    Ok(many.is_some())
}

/// The walk's statement: customers in name order, each one's records
/// aggregated, the first `limit` with any.
fn walk_sql(
    backend: Backend,
    e: Entity,
    w: &Walkable,
    conditions: &[String],
    aggregates: &[Agg],
    limit: usize,
) -> String {
    // On SQLite, covering or not: only the walked customers' deals are
    // read, so a filter outside the index costs one row lookup for each.
    let mut wheres = vec![format!("{} = a.id", w.col)];
    wheres.extend(conditions.iter().cloned());
    match (backend, w.index) {
        (Backend::Sqlite, Some(index)) => {
            let figures = cell_figures(aggregates);
            let values = cell_values(aggregates);
            // A subquery with a LIMIT is not flattened: it runs as a
            // coroutine, each customer's cell computed once, and the outer
            // LIMIT stops the walk.
            format!(
                "SELECT x.k0, {} FROM (SELECT a.id AS k0, \
                 (SELECT {figures} FROM {} t INDEXED BY {index} WHERE {}) AS j \
                 FROM accounts a INDEXED BY accounts_name ORDER BY a.name, a.id LIMIT {WALK}) x \
                 WHERE json_extract(x.j, '$[0]') > 0 LIMIT {limit}",
                values.join(", "),
                table_of(e),
                wheres.join(" AND "),
            )
        }
        // Names in byte order, as Rust sorts them (`accounts_name_bytes`,
        // migration 10); each customer's deals by `deals_by_account_all`
        // (migration 26), index-only. The
        // nested loop keeps the walk's order, so the ORDER BY costs no sort
        // and the LIMIT stops the walk.
        _ => format!(
            "SELECT a.id AS k0, {} FROM (SELECT id, name FROM accounts \
             ORDER BY name COLLATE \"C\", id LIMIT {WALK}) a \
             CROSS JOIN LATERAL (SELECT COUNT(*) AS walked, {} FROM {} t WHERE {}) x \
             WHERE x.walked > 0 ORDER BY a.name COLLATE \"C\", a.id LIMIT {limit}",
            aggregates
                .iter()
                .map(|a| format!("x.{}", a.alias))
                .collect::<Vec<_>>()
                .join(", "),
            super::select_list(aggregates),
            table_of(e),
            wheres.join(" AND "),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_covering_index_lists_catalogue_columns() {
        for ix in COVERING.iter().chain(STREAMING).chain(ALL).chain(WIDE) {
            for c in ix.columns {
                let known = voronka_core::builder::fields(ix.entity)
                    .iter()
                    .filter_map(|f| super::super::column(ix.entity, f.name))
                    .any(|col| bare(col) == *c)
                    || *c == "currency"
                    || *c == "id";
                assert!(known, "{}: {c}", ix.name);
            }
        }
    }

    #[test]
    fn the_grid_on_postgres_names_only_indexes_it_lists() {
        let migrations = [
            include_str!("../../migrations/0001_foundation.sql"),
            include_str!("../../migrations/0013_activities_grid.sql"),
            include_str!("../../migrations/0013_activities_start.postgres.sql"),
            include_str!("../../migrations/0015_activities_by_kind_and_status.sql"),
            include_str!("../../migrations/0021_deals_grid.postgres.sql"),
            include_str!("../../migrations/0022_deals_by_each_date.postgres.sql"),
            include_str!("../../migrations/0023_probability_in_grid.sql"),
        ];
        for name in ON_POSTGRES {
            let ix = grid_indexes(true).find(|ix| ix.name == *name);
            assert!(ix.is_some(), "{name}");
            // Created on PostgreSQL by one of its migrations.
            let created = format!("CREATE INDEX {name} ");
            let created_nl = format!("CREATE INDEX {name}\n");
            assert!(
                migrations
                    .iter()
                    .any(|m| m.contains(&created) || m.contains(&created_nl)),
                "{name}"
            );
        }
    }

    fn plan(def: serde_json::Value) -> Plan {
        serde_json::from_value::<voronka_core::builder::Definition>(def)
            .ok()
            .and_then(|d| d.validate(&voronka_core::money::Currency::rub()).ok())
            .unwrap_or_else(|| panic!("not a valid definition"))
    }

    #[test]
    fn two_fields_one_index_leads_with_are_read_in_its_order() {
        let sum = serde_json::json!({"func": "sum", "field": "amount"});
        let def = |groups: serde_json::Value| {
            plan(serde_json::json!({"entity": "deals", "group_by": groups,
                                    "aggregates": [{"func": "count"}, sum]}))
        };
        let owner_stage = def(serde_json::json!([{"field": "owner"}, {"field": "stage"}]));
        let stage_owner = def(serde_json::json!([{"field": "stage"}, {"field": "owner"}]));
        for (p, narrowed) in [(&owner_stage, false), (&stage_owner, true)] {
            assert_eq!(
                plain_index(p, narrowed).ok().flatten(),
                Some("deals_owner_stage_amount")
            );
        }
        let stage = def(serde_json::json!([{"field": "stage"}]));
        assert_eq!(
            plain_index(&stage, false).ok().flatten(),
            Some("deals_stage_amount")
        );
        // A manager's report filters on the owner, which that index lacks.
        assert_eq!(
            plain_index(&stage, true).ok().flatten(),
            Some("deals_grid_stage_closed")
        );
        // Pipeline × stage: by the stage alone, which implies the pipeline.
        let probability = serde_json::json!({"func": "sum", "field": "probability"});
        let pipeline_stage = plan(serde_json::json!({"entity": "deals",
            "group_by": [{"field": "pipeline"}, {"field": "stage"}], "aggregates": [probability]}));
        assert_eq!(
            plain_index(&pipeline_stage, false).ok().flatten(),
            Some("deals_grid_stage_closed")
        );
        // A manager's maximum by owner, or by currency: PostgreSQL reads
        // the owners' ranges of an index led by the owner; by source ×
        // close month no such index holds the source.
        let max = serde_json::json!({"func": "max", "field": "amount"});
        let by_owner = plan(serde_json::json!({"entity": "deals",
            "group_by": [{"field": "owner"}], "aggregates": [max.clone()]}));
        let by_currency = plan(serde_json::json!({"entity": "deals",
            "group_by": [{"field": "currency"}], "aggregates": [max.clone()]}));
        let by_source = plan(serde_json::json!({"entity": "deals",
            "group_by": [{"field": "source"}, {"field": "closed_at", "grain": "month"}],
            "aggregates": [max]}));
        assert_eq!(owner_index_covers(&by_owner).ok(), Some(true));
        assert_eq!(owner_index_covers(&by_currency).ok(), Some(true));
        assert_eq!(owner_index_covers(&by_source).ok(), Some(false));
        // No index leads with the status and the source: every column.
        let status_source = def(serde_json::json!([{"field": "status"}, {"field": "source"}]));
        assert_eq!(
            plain_index(&status_source, false).ok().flatten(),
            Some("deals_grid_all")
        );
        // Activities by status, and customers by owner, stream from an
        // index they lead; customers by territory and quarter read every
        // column a customer report reads.
        let by = |entity: &str, groups: serde_json::Value| {
            plan(serde_json::json!({"entity": entity, "group_by": groups}))
        };
        let cases = [
            (
                by("activities", serde_json::json!([{"field": "status"}])),
                Some("activities_grid_status_kind_due"),
            ),
            (
                by(
                    "activities",
                    serde_json::json!([{"field": "kind"}, {"field": "status"}]),
                ),
                Some("activities_grid_kind_status_start"),
            ),
            (
                by("accounts", serde_json::json!([{"field": "owner"}])),
                Some("accounts_owner"),
            ),
            (
                by(
                    "accounts",
                    serde_json::json!([{"field": "territory"}, {"field": "created_at", "grain": "quarter"}]),
                ),
                Some("accounts_grid_all"),
            ),
        ];
        for (p, index) in cases {
            assert_eq!(plain_index(&p, false).ok().flatten(), index);
        }
    }
}
