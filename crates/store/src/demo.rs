//! Demo data: `voronka demo` fills a database with a realistic Russian sales
//! department, big enough to feel a million deals.
//!
//! Two sales teams (Moscow and Saint Petersburg) with a head and managers each;
//! companies and entrepreneurs with requisites that pass every check of
//! [`voronka_core::legal`]; their contacts; leads in every status; deals spread
//! over the default pipeline with a year of stage history, most of them with
//! products from a small catalogue (`OFFERS`); and the tasks, meetings and
//! calls around them; an invoice for each won deal with products, issued
//! when it was won, and the payments against them (see [`invoices`]).
//!
//! Everything comes from one seeded generator, so a seed always gives the same
//! data. Rows are written in large multi-row INSERTs, one transaction per batch,
//! with ids allocated from `MAX(id) + 1`. The columns of each record, its search
//! entry and its duplicate keys come from the same [`Table::columns`] and
//! [`Table::search_doc`] the application uses, so demo records behave exactly
//! like typed-in ones: lists, `q=` and the global search find them.
//!
//! No audit rows are written for demo records: the audit log starts when
//! people start working. The catalogue's products are the exception: they
//! are created through the application's own checks, once, and reused by
//! later runs.

use crate::db::{Backend, Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::search::Doc;
use crate::table::{self, Columns, Table};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sea_query::{Alias, Expr, Query, Value as SqValue};
use std::collections::{BTreeMap, HashMap, HashSet};
use time::{Date, OffsetDateTime};
use voronka_core::activity::{ActivityKind, ActivityStatus, Channel, Direction, Priority};
use voronka_core::documents::NumberFormat;
use voronka_core::money::{self, Currency};
use voronka_core::pricing::{Discount, TaxMode};
use voronka_core::records::{
    Account, AccountData, AccountKind, Activity, ActivityData, Contact, ContactData, Deal,
    DealData, DocKind, EntityKind, Id, Lead, LeadData, LeadStatus, LookupKind, Meta, ProductData,
    ProductKind, Role, StageKind,
};
use voronka_core::vat::{self, TaxRegime, VatRate, VatRule};
use voronka_core::{Day, Invalid, Timestamp, legal};

mod invoices;

/// What to build.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// How many deals; accounts, contacts, leads and activities follow from it.
    pub deals: u64,
    /// Seed of the generator: the same seed gives the same data.
    pub seed: u64,
    /// Password hash every new demo user gets (argon2 lives in the web layer,
    /// so the caller hashes the shared password once).
    pub password_hash: String,
}

/// The steps of a demo run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Users,
    Accounts,
    Deals,
    Leads,
    Finishing,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Users => "users",
            Phase::Accounts => "accounts",
            Phase::Deals => "deals",
            Phase::Leads => "leads",
            Phase::Finishing => "finishing",
        }
    }
}

/// Reported after every committed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

/// A demo user, created by this run or found from an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub id: Id,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub team: String,
    /// False when a user with this login already existed: it is reused as is,
    /// password included.
    pub created: bool,
}

/// What a run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub users: Vec<DemoUser>,
    pub accounts: u64,
    pub contacts: u64,
    pub leads: u64,
    pub deals: u64,
    /// Rows of `deal_stage_history`.
    pub stage_moves: u64,
    pub activities: u64,
    /// Product lines on deals.
    pub deal_lines: u64,
    /// Invoices of won deals, with their lines (`invoice_lines`).
    pub invoices: u64,
    pub invoice_lines: u64,
    /// Payments against those invoices.
    pub payments: u64,
}

const SECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Bound parameters per statement: under SQLite's 32766 (and PostgreSQL's 65535).
const MAX_PARAMS: usize = 30_000;
const _: () = assert!(MAX_PARAMS < 32_766);
const ACCOUNT_BATCH: usize = 5_000;
const DEAL_BATCH: usize = 10_000;
const LEAD_BATCH: usize = 10_000;
/// Share of accounts that came from a (now converted) lead.
const CONVERTED_SHARE: f64 = 0.25;

/// Builds the demo data. Safe to run again: existing demo users are reused and
/// everything else is added next to what is there.
///
/// The rows are generated on a blocking thread while the previous batch is
/// being written, so both cores work.
pub async fn generate(
    db: &Db,
    options: &DemoOptions,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<DemoSummary> {
    let deals = usize::try_from(options.deals)
        .ok()
        .filter(|n| *n <= 100_000_000)
        .ok_or_else(|| Invalid::field("deals", "must be at most 100000000"))?;
    let (users, managers) = ensure_users(db, &options.password_hash).await?;
    let n_users = users.len() as u64;
    progress(Progress {
        phase: Phase::Users,
        done: n_users,
        total: n_users,
    });
    let products = ensure_products(db).await?;
    let ctx = load_context(db, managers, products).await?;
    let generator = Generator::new(options.seed, db.now(), ctx, deals)?;
    let mut summary = DemoSummary {
        users,
        ..DemoSummary::default()
    };

    // Two batches may wait while one is written: enough to keep the writer busy.
    let (sender, mut batches) = tokio::sync::mpsc::channel(2);
    let producer = tokio::task::spawn_blocking(move || generator.run(&sender));
    let mut search = SearchMode::Unchecked;
    let mut customers = None;
    let mut done = 0;
    let mut phase = Phase::Users;
    while let Some(step) = batches.recv().await {
        match step? {
            Step::Batch {
                phase: p,
                total,
                sink,
            } => {
                if p != phase {
                    (phase, done) = (p, 0);
                }
                done += sink.len(p);
                summary.add(&sink);
                search = write(db, *sink, search).await?;
                progress(Progress { phase, done, total });
            }
            Step::Finished(ids) => customers = Some(ids),
        }
    }
    producer
        .await
        .map_err(|e| StoreError::corrupt(format!("the demo generator stopped: {e}")))?;
    let customers =
        customers.ok_or_else(|| StoreError::corrupt("the demo generator stopped early"))?;
    finish(db, customers).await?;
    // The board's pre-aggregated counts and sums, which typed-in deals keep
    // up to date one by one.
    crate::deals::rebuild_totals(db).await?;
    // Likewise the report roll-ups.
    crate::rollup::rebuild(db).await?;
    // PostgreSQL plans from statistics that autovacuum gathers some time
    // after a bulk load, or never where it is off: without them the funnel
    // took 353 ms instead of 6 over a million deals. SQLite is left without
    // `ANALYZE`, as every installation's is.
    if db.backend() == Backend::Postgres {
        // Voronka's own tables only: the database may hold other schemas.
        let rows = sqlx::query(
            "SELECT CAST(tablename AS TEXT) AS t FROM pg_tables WHERE schemaname = current_schema()",
        )
        .fetch_all(db.write_pool())
        .await?;
        let tables = rows
            .iter()
            .map(|r| col::s(r, "t").map(|t| format!("\"{t}\"")))
            .collect::<Result<Vec<_>>>()?;
        if !tables.is_empty() {
            sqlx::query(&format!("ANALYZE {}", tables.join(", ")))
                .execute(db.write_pool())
                .await?;
        }
    }
    progress(Progress {
        phase: Phase::Finishing,
        done: 1,
        total: 1,
    });
    Ok(summary)
}

/// What the generator thread hands to the writer.
enum Step {
    Batch {
        phase: Phase,
        /// Records this phase will write in all.
        total: u64,
        sink: Box<Sink>,
    },
    /// All batches are sent; these accounts won a deal.
    Finished(Vec<Id>),
}

impl DemoSummary {
    fn add(&mut self, sink: &Sink) {
        self.accounts += sink.accounts.len as u64;
        self.contacts += sink.contacts.len as u64;
        self.leads += sink.leads.len as u64;
        self.deals += sink.deals.len as u64;
        self.stage_moves += sink.history.len as u64;
        self.activities += sink.activities.len as u64;
        self.deal_lines += sink.lines.len as u64 - sink.invoice_lines as u64;
        self.invoices += sink.invoices.len as u64;
        self.invoice_lines += sink.invoice_lines as u64;
        self.payments += sink.payments.len as u64;
    }
}

// ---------------------------------------------------------------------------
// Users and what the generator needs from the database

struct UserSpec {
    login: &'static str,
    name: &'static str,
    role: Role,
}

struct TeamSpec {
    name: &'static str,
    users: [UserSpec; 5],
}

const fn user(login: &'static str, name: &'static str, role: Role) -> UserSpec {
    UserSpec { login, name, role }
}

/// The two demo teams; index 0 serves Moscow and the south, index 1 Saint
/// Petersburg, the Urals and Siberia (see [`City::team`]).
const TEAMS: [TeamSpec; 2] = [
    TeamSpec {
        name: "Отдел продаж — Москва",
        users: [
            user("sokolov", "Андрей Соколов", Role::Head),
            user("ivanov", "Дмитрий Иванов", Role::Manager),
            user("petrova", "Анна Петрова", Role::Manager),
            user("kuznetsov", "Максим Кузнецов", Role::Manager),
            user("smirnova", "Екатерина Смирнова", Role::Manager),
        ],
    },
    TeamSpec {
        name: "Отдел продаж — Санкт-Петербург",
        users: [
            user("volkova", "Елена Волкова", Role::Head),
            user("morozov", "Алексей Морозов", Role::Manager),
            user("novikova", "Мария Новикова", Role::Manager),
            user("lebedev", "Игорь Лебедев", Role::Manager),
            user("fedorova", "Ольга Фёдорова", Role::Manager),
        ],
    },
];

/// Creates the demo teams and users, or finds them from an earlier run.
/// Returns the users and, per team, the ids of its managers.
async fn ensure_users(db: &Db, password_hash: &str) -> Result<(Vec<DemoUser>, Vec<Vec<Id>>)> {
    let hash = password_hash.to_owned();
    db.write(move |tx| {
        boxed(async move {
            let now = tx.now().to_db();
            let mut users = Vec::new();
            let mut managers = Vec::new();
            for team in &TEAMS {
                let found = sqlx::query("SELECT id FROM teams WHERE name = $1 ORDER BY id LIMIT 1")
                    .bind(team.name)
                    .fetch_optional(tx.conn())
                    .await?;
                let team_id = match found {
                    Some(r) => col::i(&r, "id")?,
                    None => {
                        table::insert_row(
                            tx,
                            "teams",
                            vec![
                                ("name", team.name.into()),
                                ("head_id", table::opt_id(None)),
                                ("team_visibility", true.into()),
                            ],
                        )
                        .await?
                    }
                };
                let mut head = None;
                let mut members = Vec::new();
                for u in &team.users {
                    let found = sqlx::query("SELECT id FROM users WHERE login = $1")
                        .bind(u.login)
                        .fetch_optional(tx.conn())
                        .await?;
                    let (id, created) = match found {
                        Some(r) => (col::i(&r, "id")?, false),
                        None => {
                            let id = table::insert_row(
                                tx,
                                "users",
                                vec![
                                    ("login", u.login.into()),
                                    ("name", u.name.into()),
                                    ("email", format!("{}@voronka-demo.ru", u.login).into()),
                                    ("role", u.role.as_str().into()),
                                    ("team_id", team_id.into()),
                                    ("locale", "ru".into()),
                                    ("time_zone", "Europe/Moscow".into()),
                                    ("active", true.into()),
                                    ("password_hash", hash.clone().into()),
                                    ("created_at", now.clone().into()),
                                ],
                            )
                            .await?;
                            (id, true)
                        }
                    };
                    if u.role == Role::Head {
                        head = Some(id);
                    } else {
                        members.push(id);
                    }
                    users.push(DemoUser {
                        id,
                        login: u.login.to_owned(),
                        name: u.name.to_owned(),
                        role: u.role,
                        team: team.name.to_owned(),
                        created,
                    });
                }
                if let Some(head) = head {
                    sqlx::query("UPDATE teams SET head_id = $1 WHERE id = $2 AND head_id IS NULL")
                        .bind(head)
                        .bind(team_id)
                        .execute(tx.conn())
                        .await?;
                }
                managers.push(members);
            }
            Ok((users, managers))
        })
    })
    .await
}

#[derive(Debug, Clone, Copy)]
struct StageInfo {
    id: Id,
    kind: StageKind,
    probability: i64,
}

#[derive(Debug, Clone, Copy)]
struct NextIds {
    account: Id,
    contact: Id,
    deal: Id,
    lead: Id,
    invoice: Id,
    payment: Id,
}

/// What the generator takes from the database before it starts.
struct Context {
    pipeline_id: Id,
    /// The default pipeline's stages, in order.
    stages: Vec<StageInfo>,
    sources: Vec<Id>,
    loss_reasons: Vec<Id>,
    next: NextIds,
    /// INNs already taken, so that new accounts never repeat one.
    inns: HashSet<String>,
    /// The managers of each team of [`TEAMS`].
    managers: Vec<Vec<Id>>,
    /// Each subject's products (see [`OFFERS`]).
    products: Vec<Vec<DemoProduct>>,
    /// Which VAT rates deal lines may carry on which day.
    vat: Vec<VatRule>,
    regime: TaxRegime,
    invoice_format: NumberFormat,
    /// Our company's details as an invoice issued now freezes them.
    seller: String,
    /// The last invoice number taken in each year.
    invoice_seq: HashMap<i32, i64>,
}

async fn load_context(
    db: &Db,
    managers: Vec<Vec<Id>>,
    products: Vec<Vec<DemoProduct>>,
) -> Result<Context> {
    let mut r = db.reader().await?;
    let taxes = crate::documents::context(&mut r).await?;
    let pipeline = crate::pipelines::default_pipeline(&mut r)
        .await?
        .ok_or_else(|| StoreError::Conflict("there is no pipeline for demo deals".into()))?;
    let stages = pipeline
        .stages
        .iter()
        .map(|s| StageInfo {
            id: s.id,
            kind: s.data.kind,
            probability: s.data.probability,
        })
        .collect();
    let rows = sqlx::query("SELECT id, kind FROM lookups WHERE active = $1 ORDER BY position, id")
        .bind(true)
        .fetch_all(r.conn())
        .await?;
    let (mut sources, mut loss_reasons) = (Vec::new(), Vec::new());
    for row in &rows {
        match LookupKind::parse(&col::s(row, "kind")?) {
            Some(LookupKind::LeadSource) => sources.push(col::i(row, "id")?),
            Some(LookupKind::LossReason) => loss_reasons.push(col::i(row, "id")?),
            None => {}
        }
    }
    let next = NextIds {
        account: max_id(&mut r, "accounts").await? + 1,
        contact: max_id(&mut r, "contacts").await? + 1,
        deal: max_id(&mut r, "deals").await? + 1,
        lead: max_id(&mut r, "leads").await? + 1,
        invoice: max_id(&mut r, "invoices").await? + 1,
        payment: max_id(&mut r, "payments").await? + 1,
    };
    // Each year's last number: the counter's, or a higher one an invoice
    // already carries (a run stopped between its batch and the counter).
    let mut invoice_seq: HashMap<i32, i64> = HashMap::new();
    for sql in [
        "SELECT year, last_seq AS n FROM doc_counters WHERE kind = 'invoice'",
        "SELECT year, MAX(seq) AS n FROM invoices WHERE year IS NOT NULL GROUP BY year",
    ] {
        for row in sqlx::query(sql).fetch_all(r.conn()).await? {
            let year = i32::try_from(col::i(&row, "year")?)
                .map_err(|_| StoreError::corrupt("invoices.year"))?;
            let n = col::i(&row, "n")?;
            let last = invoice_seq.entry(year).or_insert(n);
            *last = (*last).max(n);
        }
    }
    let seller = crate::documents::seller_details_in(&mut r)
        .await?
        .to_string();
    let inns = sqlx::query("SELECT inn FROM accounts WHERE inn IS NOT NULL")
        .fetch_all(r.conn())
        .await?
        .iter()
        .map(|row| col::s(row, "inn"))
        .collect::<Result<HashSet<_>>>()?;
    Ok(Context {
        pipeline_id: pipeline.id,
        stages,
        sources,
        loss_reasons,
        next,
        inns,
        managers,
        products,
        vat: taxes.rules,
        regime: taxes.regime,
        invoice_format: taxes.invoice_format,
        seller,
        invoice_seq,
    })
}

/// A catalogue product as stored: an administrator may have repriced it
/// since an earlier run, and new deals take today's figures.
#[derive(Debug, Clone)]
struct DemoProduct {
    id: Id,
    name: String,
    unit: String,
    price_minor: i64,
    cost_minor: i64,
    vat: VatRate,
}

/// Creates the demo catalogue through the application's own checks, or
/// finds it from an earlier run. Returns each subject's products that new
/// deals may carry: active ones priced in rubles.
async fn ensure_products(db: &Db) -> Result<Vec<Vec<DemoProduct>>> {
    let actor = crate::actor::Actor::system();
    let mut out = Vec::with_capacity(OFFERS.len());
    for (s, (category, items)) in OFFERS.iter().enumerate() {
        let mut products = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let sku = sku(s, i);
            let mut row = stored_product(db, &sku).await?;
            if row.is_none() {
                let data = ProductData {
                    kind: if item.service {
                        ProductKind::Service
                    } else {
                        ProductKind::Goods
                    },
                    name: item.name.to_owned(),
                    sku: Some(sku.clone()),
                    unit_code: item.unit.to_owned(),
                    price: Decimal::from(item.price),
                    cost: Decimal::from(item.cost),
                    currency: Currency::rub(),
                    vat_rate: item.vat.to_owned(),
                    category: Some((*category).to_owned()),
                    active: true,
                    description: None,
                };
                let body = serde_json::to_value(&data)
                    .map_err(|e| StoreError::corrupt(format!("demo product {sku}: {e}")))?;
                crate::catalog::create_product(db, &actor, body).await?;
                row = stored_product(db, &sku).await?;
            }
            let Some(r) = row else {
                return Err(StoreError::corrupt(format!(
                    "demo product {sku} was not saved"
                )));
            };
            if col::b(&r, "active")? && col::s(&r, "currency")? == Currency::rub().as_str() {
                let rate = col::s(&r, "vat_rate")?;
                products.push(DemoProduct {
                    id: col::i(&r, "id")?,
                    name: col::s(&r, "name")?,
                    unit: col::s(&r, "unit_code")?,
                    price_minor: col::i(&r, "price_minor")?,
                    cost_minor: col::i(&r, "cost_minor")?,
                    vat: VatRate::parse(&rate).map_err(|e| {
                        StoreError::corrupt(format!("products.vat_rate {rate}: {e}"))
                    })?,
                });
            }
        }
        out.push(products);
    }
    Ok(out)
}

async fn stored_product(db: &Db, sku: &str) -> Result<Option<sqlx::any::AnyRow>> {
    let mut r = db.reader().await?;
    Ok(sqlx::query(
        "SELECT id, name, unit_code, price_minor, cost_minor, currency, vat_rate, active \
         FROM products WHERE sku = $1",
    )
    .bind(sku)
    .fetch_optional(r.conn())
    .await?)
}

async fn max_id(c: &mut impl Conn, table: &str) -> Result<Id> {
    let row = sqlx::query(&format!(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS m FROM {table}"
    ))
    .fetch_one(c.conn())
    .await?;
    col::i(&row, "m")
}

// ---------------------------------------------------------------------------
// Writing

/// A value of a row, owned by the batch and lent to the statement that writes it.
enum Val {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl Val {
    fn from_column(v: SqValue) -> Result<Val> {
        Ok(match v {
            SqValue::BigInt(v) => Val::Int(v),
            SqValue::Int(v) => Val::Int(v.map(i64::from)),
            SqValue::String(v) => Val::Text(v.map(|s| *s)),
            SqValue::Bool(v) => Val::Bool(v),
            other => {
                return Err(StoreError::corrupt(format!(
                    "demo rows cannot hold {other:?}"
                )));
            }
        })
    }
}

/// Rows of one table, all with the same columns, values flattened.
struct Rows {
    table: &'static str,
    columns: Vec<&'static str>,
    values: Vec<Val>,
    len: usize,
}

impl Rows {
    fn new(table: &'static str) -> Rows {
        Rows {
            table,
            columns: Vec::new(),
            values: Vec::new(),
            len: 0,
        }
    }

    fn push(&mut self, row: Columns) -> Result<()> {
        if self.len == 0 {
            self.columns = row.iter().map(|(c, _)| *c).collect();
        } else if row.len() != self.columns.len()
            || row.iter().zip(&self.columns).any(|((c, _), k)| c != k)
        {
            return Err(StoreError::corrupt(format!(
                "demo rows for {} differ in their columns",
                self.table
            )));
        }
        for (_, v) in row {
            self.values.push(Val::from_column(v)?);
        }
        self.len += 1;
        Ok(())
    }
}

/// `INSERT INTO table (a, b) VALUES (?, ?), (?, ?)…` for `rows` rows.
/// SQLite gets plain `?`: it looks numbered `$n` up by name, one by one, which
/// makes preparing a statement of thousands of them quadratic.
fn insert_sql(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    let width = columns.len();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(r * width + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// Multi-row INSERTs of at most [`MAX_PARAMS`] parameters each.
async fn insert_rows(tx: &mut Tx, rows: Rows) -> Result<()> {
    let width = rows.columns.len();
    if rows.len == 0 || width == 0 {
        return Ok(());
    }
    let per_statement = (MAX_PARAMS / width).max(1);
    let full = insert_sql(
        tx.backend(),
        rows.table,
        &rows.columns,
        per_statement.min(rows.len),
    );
    for chunk in rows.values.chunks(per_statement * width) {
        let n = chunk.len() / width;
        let tail;
        let sql = if n == per_statement || n == rows.len {
            &full
        } else {
            tail = insert_sql(tx.backend(), rows.table, &rows.columns, n);
            &tail
        };
        // Full-size statements repeat batch after batch and stay prepared; the
        // odd-sized tail of a batch is not worth a slot in the statement cache.
        let mut q = sqlx::query(sql).persistent(n == per_statement);
        for v in chunk {
            q = match v {
                Val::Int(v) => q.bind(*v),
                Val::Text(v) => q.bind(v.as_deref()),
                Val::Bool(v) => q.bind(*v),
            };
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// A search entry to write: kind, id, owner and what it is found by.
type Entry = (EntityKind, Id, Id, Doc);

/// One batch: rows of every table it touches, written in one transaction.
struct Sink {
    accounts: Rows,
    contacts: Rows,
    deals: Rows,
    leads: Rows,
    history: Rows,
    activities: Rows,
    /// Deal product lines, and the invoices' (`invoice_lines` of them).
    lines: Rows,
    invoice_lines: usize,
    invoices: Rows,
    payments: Rows,
    allocations: Rows,
    /// The last invoice number of each year this batch takes: the year's
    /// counter moves past it in the batch's transaction.
    invoice_seq: BTreeMap<i32, i64>,
    /// Search entries and duplicate keys, written by [`crate::search::put`]
    /// exactly as for a record typed in.
    docs: Vec<Entry>,
}

impl Sink {
    fn new() -> Sink {
        Sink {
            accounts: Rows::new("accounts"),
            contacts: Rows::new("contacts"),
            deals: Rows::new("deals"),
            leads: Rows::new("leads"),
            history: Rows::new("deal_stage_history"),
            activities: Rows::new("activities"),
            lines: Rows::new("doc_lines"),
            invoice_lines: 0,
            invoices: Rows::new("invoices"),
            payments: Rows::new("payments"),
            allocations: Rows::new("payment_allocations"),
            invoice_seq: BTreeMap::new(),
            docs: Vec::new(),
        }
    }

    /// Tables in an order that satisfies the foreign keys, and the search entries.
    fn into_parts(self) -> (Vec<Rows>, Vec<Entry>, BTreeMap<i32, i64>) {
        (
            vec![
                self.accounts,
                self.contacts,
                self.deals,
                self.leads,
                self.history,
                self.activities,
                self.invoices,
                self.payments,
                self.allocations,
                self.lines,
            ],
            self.docs,
            self.invoice_seq,
        )
    }

    /// The records of the phase's own kind in this batch.
    fn len(&self, phase: Phase) -> u64 {
        let rows = match phase {
            Phase::Accounts => &self.accounts,
            Phase::Deals => &self.deals,
            _ => &self.leads,
        };
        rows.len as u64
    }

    fn index(&mut self, kind: EntityKind, id: Id, owner: Id, doc: Option<Doc>) -> Result<()> {
        if let Some(doc) = doc {
            self.docs.push((kind, id, owner, doc));
        }
        Ok(())
    }

    fn account(&mut self, a: &Account) -> Result<()> {
        let mut cols = Account::columns(&a.data)?;
        cols.push(("id", a.id.into()));
        meta_columns(&mut cols, &a.meta);
        self.accounts.push(cols)?;
        self.index(EntityKind::Account, a.id, a.meta.owner_id, a.search_doc())
    }

    fn contact(&mut self, c: &Contact) -> Result<()> {
        let mut cols = Contact::columns(&c.data)?;
        cols.push(("id", c.id.into()));
        meta_columns(&mut cols, &c.meta);
        self.contacts.push(cols)?;
        self.index(EntityKind::Contact, c.id, c.meta.owner_id, c.search_doc())
    }

    fn lead(&mut self, l: &Lead) -> Result<()> {
        let mut cols = Lead::columns(&l.data)?;
        cols.extend([
            ("id", l.id.into()),
            (
                "converted_account_id",
                table::opt_id(l.converted_account_id),
            ),
            (
                "converted_contact_id",
                table::opt_id(l.converted_contact_id),
            ),
            ("converted_deal_id", table::opt_id(l.converted_deal_id)),
            ("converted_at", table::opt_ts(&l.converted_at)),
        ]);
        meta_columns(&mut cols, &l.meta);
        self.leads.push(cols)?;
        self.index(EntityKind::Lead, l.id, l.meta.owner_id, l.search_doc())
    }

    fn deal(&mut self, d: &NewDeal) -> Result<()> {
        let deal = &d.deal;
        let mut cols = Deal::columns(&deal.data)?;
        cols.extend([
            ("id", deal.id.into()),
            ("status", deal.status.as_str().into()),
            ("effective_probability", deal.effective_probability.into()),
            ("closed_at", table::opt_ts(&deal.closed_at)),
            ("loss_reason_id", table::opt_id(deal.loss_reason_id)),
            ("loss_reason", table::opt_string(&deal.loss_reason)),
            ("amount_from_lines", d.lines.is_some().into()),
            (
                "lines_net_minor",
                d.lines.as_ref().map_or(0, |l| l.net_minor).into(),
            ),
            (
                "lines_cost_minor",
                d.lines.as_ref().map_or(0, |l| l.cost_minor).into(),
            ),
            (
                "lines_count",
                d.lines.as_ref().map_or(0, |l| l.rows.len() as i64).into(),
            ),
            ("lines_tax_mode", TaxMode::Individual.as_str().into()),
        ]);
        meta_columns(&mut cols, &deal.meta);
        self.deals.push(cols)?;
        for row in d.lines.iter().flat_map(|l| &l.rows) {
            self.lines.push(row.clone())?;
        }
        if let Some(inv) = &d.invoice {
            let last = self.invoice_seq.entry(inv.year).or_insert(inv.seq);
            *last = (*last).max(inv.seq);
            self.invoices.push(inv.invoice.clone())?;
            for row in &inv.lines {
                self.lines.push(row.clone())?;
            }
            self.invoice_lines += inv.lines.len();
            if let Some((payment, allocation)) = &inv.payment {
                self.payments.push(payment.clone())?;
                self.allocations.push(allocation.clone())?;
            }
        }
        for m in &d.moves {
            self.history.push(vec![
                ("deal_id", deal.id.into()),
                ("pipeline_id", table::opt_id(deal.data.pipeline_id)),
                ("from_stage_id", table::opt_id(m.from)),
                ("to_stage_id", m.to.into()),
                ("amount_minor", d.amount_minor.into()),
                ("currency", deal.data.currency.as_str().into()),
                ("at", ts(m.at).to_db().into()),
                ("user_id", deal.meta.owner_id.into()),
            ])?;
        }
        for a in &d.activities {
            let mut cols = Activity::columns(&a.data)?;
            cols.push(("completed_at", table::opt_ts(&a.completed_at)));
            meta_columns(&mut cols, &a.meta);
            self.activities.push(cols)?;
        }
        self.index(
            EntityKind::Deal,
            deal.id,
            deal.meta.owner_id,
            deal.search_doc(),
        )
    }
}

fn meta_columns(cols: &mut Columns, m: &Meta) {
    cols.extend([
        ("owner_id", m.owner_id.into()),
        ("created_at", m.created_at.to_db().into()),
        ("created_by", table::opt_id(m.created_by)),
        ("updated_at", m.updated_at.to_db().into()),
        ("updated_by", table::opt_id(m.updated_by)),
    ]);
}

/// How search entries are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchMode {
    /// Not known yet: the first entry is written by `search::put` and compared.
    Unchecked,
    /// [`search_rows`] writes what `search::put` would: multi-row INSERTs.
    Bulk,
    /// `search::put` has changed since [`search_rows`] was written: call it for
    /// every record (slower, still exact).
    PerRecord,
}

async fn write(db: &Db, sink: Sink, mode: SearchMode) -> Result<SearchMode> {
    let (tables, entries, invoice_seq) = sink.into_parts();
    db.write(move |tx| {
        boxed(async move {
            for rows in tables {
                insert_rows(tx, rows).await?;
            }
            for (year, last) in invoice_seq {
                // Never back: the application's invoices number after these.
                sqlx::query(
                    "INSERT INTO doc_counters (kind, year, last_seq) VALUES ('invoice', $1, $2) \
                     ON CONFLICT (kind, year) DO UPDATE SET last_seq = CASE \
                     WHEN doc_counters.last_seq < excluded.last_seq THEN excluded.last_seq \
                     ELSE doc_counters.last_seq END",
                )
                .bind(i64::from(year))
                .bind(last)
                .execute(tx.conn())
                .await?;
            }
            let mut mode = mode;
            let mut rest = entries.as_slice();
            if mode == SearchMode::Unchecked
                && let Some((first, others)) = rest.split_first()
            {
                mode = if mirrors_put(tx, first).await? {
                    SearchMode::Bulk
                } else {
                    tracing::warn!(
                        "search::put no longer writes what the demo's bulk copy does; \
                         indexing demo records one by one (update demo::search_rows)"
                    );
                    SearchMode::PerRecord
                };
                rest = others;
            }
            match mode {
                SearchMode::Bulk => {
                    let (search, dedup) = search_rows(tx.backend(), rest)?;
                    insert_rows(tx, search).await?;
                    insert_rows(tx, dedup).await?;
                }
                _ => {
                    for (kind, id, owner, doc) in rest {
                        crate::search::put(tx, *kind, *id, Some(*owner), doc).await?;
                    }
                }
            }
            Ok(mode)
        })
    })
    .await
}

/// The search entries and duplicate keys [`crate::search::put`] writes, as
/// rows for multi-row INSERTs. Checked against `put` by [`mirrors_put`].
fn search_rows(backend: Backend, entries: &[Entry]) -> Result<(Rows, Rows)> {
    let (mut search, mut dedup) = (Rows::new("search_index"), Rows::new("dedup_keys"));
    for (kind, id, owner, doc) in entries {
        search.push(vec![
            (key_column(backend), doc_key(*kind, *id).into()),
            ("entity", kind.as_str().into()),
            ("entity_id", (*id).into()),
            ("owner_id", (*owner).into()),
            ("title", doc.title.clone().into()),
            ("body", search_body(backend, doc).into()),
        ])?;
        for (key_type, value) in &doc.keys {
            dedup.push(vec![
                ("entity", kind.as_str().into()),
                ("entity_id", (*id).into()),
                ("key_type", (*key_type).into()),
                ("value", value.clone().into()),
            ])?;
        }
    }
    Ok((search, dedup))
}

fn key_column(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "doc_key",
    }
}

/// `search::put`'s key: the entity's code times 10^12 plus its id.
fn doc_key(kind: EntityKind, id: Id) -> i64 {
    let code = match kind {
        EntityKind::Lead => 1,
        EntityKind::Account => 2,
        EntityKind::Contact => 3,
        EntityKind::Deal => 4,
        _ => 9,
    };
    code * 1_000_000_000_000 + id
}

/// `search::put`'s body: the words, and on PostgreSQL also the parts of
/// e-mails and host names (its parser keeps those whole).
fn search_body(backend: Backend, doc: &Doc) -> String {
    let mut words: Vec<&str> = doc.body.iter().map(String::as_str).collect();
    if backend == Backend::Postgres {
        words.extend(
            doc.body
                .iter()
                .filter(|b| b.contains(['@', '.', '/']))
                .flat_map(|b| b.split(|c: char| !c.is_alphanumeric()))
                .filter(|w| !w.is_empty()),
        );
    }
    words.join(" ")
}

/// Writes the entry with `search::put` itself and tells whether
/// [`search_rows`] would have written exactly the same rows.
async fn mirrors_put(tx: &mut Tx, entry: &Entry) -> Result<bool> {
    let (kind, id, owner, doc) = entry;
    crate::search::put(tx, *kind, *id, Some(*owner), doc).await?;
    let backend = tx.backend();
    let row = sqlx::query(&format!(
        "SELECT entity, entity_id, owner_id, title, body FROM search_index WHERE {} = $1",
        key_column(backend)
    ))
    .bind(doc_key(*kind, *id))
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else { return Ok(false) };
    let same = col::s(&row, "entity")? == kind.as_str()
        && col::i(&row, "entity_id")? == *id
        && col::oi(&row, "owner_id")? == Some(*owner)
        && col::s(&row, "title")? == doc.title
        && col::s(&row, "body")? == search_body(backend, doc);
    let mut stored =
        sqlx::query("SELECT key_type, value FROM dedup_keys WHERE entity = $1 AND entity_id = $2")
            .bind(kind.as_str())
            .bind(*id)
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| Ok((col::s(r, "key_type")?, col::s(r, "value")?)))
            .collect::<Result<Vec<_>>>()?;
    let mut expected: Vec<(String, String)> = doc
        .keys
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    stored.sort();
    expected.sort();
    Ok(same && stored == expected)
}

/// Accounts with a won deal become customers (as the first win makes them in
/// the application); on PostgreSQL the identity sequences move past the ids
/// the demo chose itself.
async fn finish(db: &Db, customers: Vec<Id>) -> Result<()> {
    db.write(move |tx| {
        boxed(async move {
            for chunk in customers.chunks(10_000) {
                let mut q = Query::update();
                q.table(Alias::new("accounts"))
                    .value(Alias::new("kind"), AccountKind::Customer.as_str())
                    .and_where(Expr::col(Alias::new("id")).is_in(chunk.iter().copied()));
                crate::db::execute(tx, &q).await?;
            }
            if tx.backend() == Backend::Postgres {
                for t in ["accounts", "contacts", "deals", "leads", "invoices", "payments"] {
                    // setval(…, NULL) on an empty table is a no-op, not an error.
                    sqlx::query(&format!(
                        "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
                    ))
                    .execute(tx.conn())
                    .await?;
                }
            }
            Ok(())
        })
    })
    .await
}

// ---------------------------------------------------------------------------
// Time

fn ts(micros: i64) -> Timestamp {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Timestamp::from_utc(t)
}

fn micros(t: Timestamp) -> i64 {
    i64::try_from(t.inner().unix_timestamp_nanos() / 1000).unwrap_or(0)
}

/// 0 = Monday. 1970-01-01 was a Thursday.
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// Working hours, 09:00–18:00 Moscow time, in UTC.
const WORK_START: i64 = 6 * HOUR;
const WORK_LEN: i64 = 9 * HOUR;

/// The working hours of weekdays between two instants, laid end to end, so that
/// records created one after another get increasing office-hour times.
struct Timeline {
    starts: Vec<i64>,
    /// Working time before each segment.
    before: Vec<i64>,
    total: i64,
}

impl Timeline {
    fn business(from: i64, to: i64) -> Timeline {
        let (mut starts, mut before, mut total) = (Vec::new(), Vec::new(), 0);
        let mut day = from.div_euclid(DAY);
        while day * DAY <= to {
            if weekday(day) < 5 {
                let s = (day * DAY + WORK_START).max(from);
                let e = (day * DAY + WORK_START + WORK_LEN).min(to);
                if e > s {
                    starts.push(s);
                    before.push(total);
                    total += e - s;
                }
            }
            day += 1;
        }
        if total == 0 {
            // A span without office hours: use it whole.
            starts = vec![from];
            before = vec![0];
            total = (to - from).max(1);
        }
        Timeline {
            starts,
            before,
            total,
        }
    }

    fn at(&self, offset: i64) -> i64 {
        let offset = offset.clamp(0, self.total - 1);
        let i = self
            .before
            .partition_point(|&b| b <= offset)
            .saturating_sub(1);
        match (self.starts.get(i), self.before.get(i)) {
            (Some(s), Some(b)) => s + (offset - b),
            _ => offset,
        }
    }

    /// A random instant in the `slot`-th of `slots` equal parts of the timeline.
    fn slot(&self, rng: &mut StdRng, slot: usize, slots: usize) -> i64 {
        let part = |k: usize| (i128::from(self.total) * k as i128 / slots.max(1) as i128) as i64;
        let (lo, hi) = (part(slot), part(slot + 1));
        self.at(if hi > lo { rng.gen_range(lo..hi) } else { lo })
    }
}

/// A random instant in `[lo, hi]`, during office hours on a weekday when the
/// range allows it.
///
/// Always takes the same two draws from `rng`, so that where "now" falls in the
/// week does not shift the rest of a record's random choices.
fn business_instant(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    let raw = rng.gen_range(lo..=hi.max(lo));
    let in_day = WORK_START + rng.gen_range(0..WORK_LEN);
    let day = raw.div_euclid(DAY);
    [0, -1, 1, -2, 2]
        .into_iter()
        .map(|shift| day + shift)
        .filter(|&d| weekday(d) < 5)
        .map(|d| d * DAY + in_day)
        .find(|t| (lo..=hi).contains(t))
        .unwrap_or(raw)
}

/// The random stream of one record: a function of the seed, the kind of record
/// and its number only, so a seed gives the same companies, people and deals
/// whatever else differs between runs (the current time, say).
fn record_rng(seed: u64, stream: u64, index: usize) -> StdRng {
    // SplitMix64's finalizer spreads neighbouring indexes over the seed space.
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (index as u64).rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}

const ACCOUNT_STREAM: u64 = 1;
const DEAL_STREAM: u64 = 2;
const LEAD_STREAM: u64 = 3;
const INVOICE_STREAM: u64 = 4;

// ---------------------------------------------------------------------------
// Word lists

fn pick<T: Copy>(rng: &mut StdRng, list: &[T]) -> T {
    list[rng.gen_range(0..list.len())]
}

fn pick_opt(rng: &mut StdRng, list: &[Id]) -> Option<Id> {
    if list.is_empty() {
        None
    } else {
        Some(pick(rng, list))
    }
}

/// Male first names with the patronymics they give (male, female).
const MALE_NAMES: &[(&str, &str, &str)] = &[
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Анатолий", "Анатольевич", "Анатольевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Антон", "Антонович", "Антоновна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"),
    ("Валерий", "Валерьевич", "Валерьевна"),
    ("Василий", "Васильевич", "Васильевна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Владислав", "Владиславович", "Владиславовна"),
    ("Геннадий", "Геннадьевич", "Геннадьевна"),
    ("Георгий", "Георгиевич", "Георгиевна"),
    ("Григорий", "Григорьевич", "Григорьевна"),
    ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Егор", "Егорович", "Егоровна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Леонид", "Леонидович", "Леонидовна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Пётр", "Петрович", "Петровна"),
    ("Роман", "Романович", "Романовна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Станислав", "Станиславович", "Станиславовна"),
    ("Степан", "Степанович", "Степановна"),
    ("Тимур", "Тимурович", "Тимуровна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Ярослав", "Ярославович", "Ярославовна"),
];

const FEMALE_NAMES: &[&str] = &[
    "Алина",
    "Алёна",
    "Анастасия",
    "Анна",
    "Валентина",
    "Валерия",
    "Вера",
    "Виктория",
    "Галина",
    "Дарья",
    "Евгения",
    "Екатерина",
    "Елена",
    "Елизавета",
    "Жанна",
    "Ирина",
    "Карина",
    "Кристина",
    "Ксения",
    "Лариса",
    "Любовь",
    "Людмила",
    "Марина",
    "Мария",
    "Надежда",
    "Наталья",
    "Нина",
    "Оксана",
    "Ольга",
    "Полина",
    "Светлана",
    "Софья",
    "Татьяна",
    "Юлия",
    "Яна",
];

/// Surnames in their male form; [`feminine`] gives the female one.
const SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
    "Наумов",
    "Потапов",
    "Журавлёв",
    "Овчинников",
    "Трофимов",
    "Леонов",
    "Соболев",
    "Ермаков",
    "Колесников",
    "Гончаров",
    "Емельянов",
    "Никифоров",
    "Грачёв",
    "Котов",
    "Гришин",
    "Ефремов",
    "Архипов",
    "Громов",
    "Кириллов",
    "Малышев",
    "Панов",
    "Моисеев",
    "Румянцев",
    "Акимов",
    "Кондратьев",
    "Бирюков",
    "Горбунов",
    "Анисимов",
    "Ерёмин",
    "Тихомиров",
    "Галкин",
    "Лукьянов",
    "Михеев",
    "Скворцов",
    "Юдин",
    "Белоусов",
    "Нестеров",
    "Симонов",
    "Прокофьев",
    "Харитонов",
    "Князев",
    "Цветков",
    "Левин",
    "Митрофанов",
    "Воронов",
    "Аксёнов",
    "Мальцев",
    "Логинов",
    "Горшков",
    "Савин",
    "Краснов",
    "Майоров",
    "Демидов",
    "Елисеев",
    "Рыбаков",
    "Сафонов",
    "Плотников",
    "Дёмин",
    "Хохлов",
    "Жданов",
    "Мухин",
    "Покровский",
    "Вишневский",
    "Островский",
    "Добровольский",
    "Успенский",
    "Троицкий",
    "Высоцкий",
    "Донской",
    "Толстой",
    "Шевченко",
    "Бондаренко",
    "Коваленко",
    "Кравченко",
    "Черных",
    "Седых",
];

/// The female form of a surname given in its male form.
fn feminine(surname: &str) -> String {
    if let Some(stem) = surname.strip_suffix("ий") {
        format!("{stem}ая")
    } else if let Some(stem) = surname.strip_suffix("ой") {
        format!("{stem}ая")
    } else if ["ов", "ев", "ёв", "ин", "ын"]
        .iter()
        .any(|s| surname.ends_with(s))
    {
        format!("{surname}а")
    } else {
        // Шевченко, Черных: the same for everyone.
        surname.to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Person {
    female: bool,
    last: String,
    first: &'static str,
    middle: &'static str,
}

fn person(rng: &mut StdRng) -> Person {
    let female = rng.gen_bool(0.45);
    let surname = pick(rng, SURNAMES);
    let father = pick(rng, MALE_NAMES);
    if female {
        Person {
            female,
            last: feminine(surname),
            first: pick(rng, FEMALE_NAMES),
            middle: father.2,
        }
    } else {
        Person {
            female,
            last: surname.to_owned(),
            first: pick(rng, MALE_NAMES).0,
            middle: father.1,
        }
    }
}

fn initial(s: &str) -> String {
    s.chars().next().map(String::from).unwrap_or_default()
}

/// Cyrillic to Latin, lowercase, as people spell e-mail addresses and domains.
fn translit(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let latin = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        out.push_str(latin);
    }
    out
}

/// A domain-name label: Latin letters, digits and single inner dashes.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in translit(s).chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(40);
    out.trim_end_matches('-').to_owned()
}

const PREFIXES: &[&str] = &[
    "Сиб",
    "Урал",
    "Волга",
    "Нева",
    "Балт",
    "Дон",
    "Кама",
    "Сев",
    "Юг",
    "Центр",
    "Техно",
    "Агро",
    "Пром",
    "Энерго",
    "Строй",
    "Транс",
    "Мед",
    "Фарм",
    "Инвест",
    "Эко",
    "Авто",
    "Электро",
    "Металл",
    "Лес",
    "Хим",
    "Нефте",
    "Тех",
    "Мега",
    "Инфо",
    "Гео",
    "Аква",
    "Термо",
    "Спец",
    "Рос",
    "Евро",
    "Интер",
    "Гранд",
    "Проф",
];
const SUFFIXES: &[&str] = &[
    "Строй",
    "Снаб",
    "Торг",
    "Сервис",
    "Ресурс",
    "Комплект",
    "Маш",
    "Пром",
    "Тех",
    "Логистик",
    "Инвест",
    "Трейд",
    "Групп",
    "Холдинг",
    "Систем",
    "Монтаж",
    "Проект",
    "Энерго",
    "Транс",
    "Софт",
    "Лайн",
    "Экспорт",
    "Маркет",
    "Деталь",
    "Пласт",
    "Металл",
    "Агро",
    "Лаб",
    "Мед",
    "Опт",
];
const BRANDS: &[&str] = &[
    "Вектор",
    "Гранит",
    "Меридиан",
    "Горизонт",
    "Атлант",
    "Титан",
    "Феникс",
    "Сфера",
    "Альянс",
    "Квант",
    "Полюс",
    "Арсенал",
    "Эталон",
    "Регион",
    "Фортуна",
    "Магистраль",
    "Импульс",
    "Орбита",
    "Спектр",
    "Кристалл",
    "Лидер",
    "Старт",
    "Форвард",
    "Профиль",
    "Континент",
    "Вертикаль",
    "Перспектива",
    "Партнёр",
    "Прогресс",
    "Оптима",
    "Гарант",
    "Элемент",
    "Ориентир",
    "Парус",
    "Маяк",
    "Зенит",
    "Рубин",
    "Сапфир",
    "Аврора",
    "Олимп",
    "Монолит",
    "Омега",
    "Альфа",
    "Дельта",
    "Сигма",
    "Ника",
    "Берег",
    "Форум",
    "Базис",
    "Стимул",
    "Тандем",
    "Контур",
    "Терра",
    "Велес",
    "Ладога",
    "Акцент",
    "Росток",
    "Мастер",
    "Каскад",
    "Азимут",
];
const BRAND_TAILS: &[&str] = &[
    "",
    "",
    "",
    "",
    "-М",
    "-Центр",
    " Плюс",
    "-Сервис",
    " Групп",
    "-Юг",
    "-Север",
    "-Строй",
    "-Трейд",
    "-Инвест",
    "-Логистик",
    "-Проект",
    "-Техно",
    "-2000",
];
const FIRST_WORDS_F: &[&str] = &[
    "Первая",
    "Северная",
    "Южная",
    "Уральская",
    "Сибирская",
    "Балтийская",
    "Волжская",
    "Центральная",
    "Национальная",
    "Столичная",
    "Невская",
    "Региональная",
    "Объединённая",
    "Восточная",
];
const COMPANY_KINDS: &[&str] = &[
    "строительная компания",
    "логистическая компания",
    "торговая компания",
    "транспортная компания",
    "инжиниринговая компания",
    "сервисная компания",
    "энергетическая компания",
    "топливная компания",
    "медицинская компания",
    "упаковочная компания",
    "девелоперская компания",
    "лизинговая компания",
];
const FIRST_WORDS_M: &[&str] = &[
    "Уральский",
    "Северный",
    "Южный",
    "Волжский",
    "Невский",
    "Сибирский",
    "Подмосковный",
    "Балтийский",
    "Окский",
    "Камский",
];
const PLANTS: &[&str] = &[
    "завод металлоконструкций",
    "завод металлоизделий",
    "завод ЖБИ",
    "завод упаковки",
    "механический завод",
    "кабельный завод",
    "приборостроительный завод",
    "завод строительных материалов",
    "комбинат хлебопродуктов",
    "мебельный комбинат",
];

/// The distinctive part of a company name, without its legal form.
fn company_core(rng: &mut StdRng) -> String {
    match rng.gen_range(0..100) {
        0..=44 => {
            let a = pick(rng, PREFIXES);
            let mut b = pick(rng, SUFFIXES);
            while b == a {
                b = pick(rng, SUFFIXES);
            }
            let mut name = format!("{a}{b}");
            if rng.gen_bool(0.2) {
                let c = pick(rng, &["Комплект", "Сервис", "Монтаж", "Снаб", "Трейд"]);
                if c != b {
                    name.push_str(c);
                }
            }
            name
        }
        45..=89 => format!("{}{}", pick(rng, BRANDS), pick(rng, BRAND_TAILS)),
        90..=95 => format!("{} {}", pick(rng, FIRST_WORDS_F), pick(rng, COMPANY_KINDS)),
        _ => format!("{} {}", pick(rng, FIRST_WORDS_M), pick(rng, PLANTS)),
    }
}

const INDUSTRIES: &[&str] = &[
    "Оптовая торговля",
    "Розничная торговля",
    "Производство",
    "Строительство",
    "IT и телекоммуникации",
    "Транспорт и логистика",
    "Финансы и страхование",
    "Медицина и фармацевтика",
    "Образование",
    "Сельское хозяйство",
    "Энергетика",
    "Гостиницы и рестораны",
    "Недвижимость",
    "Профессиональные услуги",
    "Пищевая промышленность",
    "Металлургия",
];

const ACCOUNT_NOTES: &[&str] = &[
    "Работают по отсрочке платежа 30 дней.",
    "Ключевой клиент: договоры согласовывать с руководителем отдела.",
    "Закупки только через тендеры (223-ФЗ).",
    "Предпочитают связь по электронной почте.",
    "Документы — через ЭДО (Диадок).",
    "Сезонный спрос: основные закупки весной.",
    "Есть филиалы в регионах, решения принимает головной офис.",
    "Платят без задержек, интересуются расширенной гарантией.",
];

const POSITIONS: &[&str] = &[
    "Генеральный директор",
    "Коммерческий директор",
    "Финансовый директор",
    "Главный бухгалтер",
    "Технический директор",
    "ИТ-директор",
    "Директор по развитию",
    "Руководитель отдела закупок",
    "Менеджер по закупкам",
    "Начальник отдела снабжения",
    "Главный инженер",
    "Юрист",
    "Офис-менеджер",
    "Заместитель директора",
    "Руководитель проектов",
    "Специалист по тендерам",
    "Директор по персоналу",
    "Системный администратор",
];

const MOBILE_CODES: &[&str] = &[
    "903", "905", "906", "909", "910", "912", "915", "916", "917", "919", "921", "925", "926",
    "929", "931", "950", "952", "960", "962", "965", "977", "981", "985", "987", "999",
];

const MAIL_DOMAINS: &[&str] = &[
    "mail.ru",
    "yandex.ru",
    "gmail.com",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "ya.ru",
    "rambler.ru",
];

const MOSCOW_STREETS: &[&str] = &[
    "ул. Тверская",
    "Ленинградский пр-т",
    "ул. Большая Дмитровка",
    "Пресненская наб.",
    "ул. Новый Арбат",
    "Кутузовский пр-т",
    "ул. Вавилова",
    "Варшавское ш.",
    "ул. Профсоюзная",
    "ул. Щепкина",
    "ул. Бауманская",
    "ул. Шаболовка",
    "Дмитровское ш.",
    "ул. Складочная",
    "ул. Электрозаводская",
    "Научный пр-д",
];
const SPB_STREETS: &[&str] = &[
    "Невский пр-т",
    "ул. Марата",
    "Лиговский пр-т",
    "Московский пр-т",
    "ул. Савушкина",
    "Каменноостровский пр-т",
    "ул. Звенигородская",
    "наб. Обводного канала",
    "ул. Бассейная",
    "Кондратьевский пр-т",
    "ул. Профессора Попова",
    "Большой Сампсониевский пр-т",
    "ул. Кантемировская",
    "пр-т Обуховской Обороны",
];
const STREETS: &[&str] = &[
    "ул. Ленина",
    "ул. Советская",
    "пр-т Мира",
    "ул. Гагарина",
    "ул. Садовая",
    "ул. Пушкина",
    "ул. Кирова",
    "ул. Октябрьская",
    "ул. Первомайская",
    "ул. Заводская",
    "ул. Промышленная",
    "ул. Строителей",
    "ул. Молодёжная",
    "ул. Карла Маркса",
    "ул. Комсомольская",
    "ул. Победы",
    "ул. Чапаева",
    "ул. Горького",
    "ул. Свердлова",
    "ул. Фрунзе",
    "ул. Куйбышева",
    "ул. Маяковского",
    "ул. Лесная",
    "ул. Центральная",
];

/// A city with what its requisites look like: region code (first two digits of
/// INN and the OGRN region), tax offices (digits 3–4 of INN), phone codes and
/// postcodes.
struct City {
    name: &'static str,
    region: u32,
    offices: (u32, u32),
    phone_codes: &'static [&'static str],
    postcodes: (u32, u32),
    territory: &'static str,
    /// Index into [`TEAMS`] of the team that serves it.
    team: usize,
    weight: u32,
    streets: &'static [&'static str],
}

const fn city(
    name: &'static str,
    region: u32,
    offices: (u32, u32),
    phone_codes: &'static [&'static str],
    postcodes: (u32, u32),
    territory: &'static str,
    (team, weight): (usize, u32),
) -> City {
    City {
        name,
        region,
        offices,
        phone_codes,
        postcodes,
        territory,
        team,
        weight,
        streets: STREETS,
    }
}

const CITIES: &[City] = &[
    City {
        streets: MOSCOW_STREETS,
        ..city(
            "Москва",
            77,
            (1, 51),
            &["495", "499"],
            (101000, 129999),
            "Москва",
            (0, 38),
        )
    },
    City {
        streets: SPB_STREETS,
        ..city(
            "Санкт-Петербург",
            78,
            (1, 42),
            &["812"],
            (190000, 199999),
            "Санкт-Петербург",
            (1, 24),
        )
    },
    city(
        "Екатеринбург",
        66,
        (58, 86),
        &["343"],
        (620000, 620999),
        "Урал",
        (1, 5),
    ),
    city(
        "Новосибирск",
        54,
        (1, 10),
        &["383"],
        (630000, 630999),
        "Сибирь",
        (1, 4),
    ),
    city(
        "Казань",
        16,
        (55, 61),
        &["843"],
        (420000, 420999),
        "Поволжье",
        (0, 4),
    ),
    city(
        "Нижний Новгород",
        52,
        (56, 63),
        &["831"],
        (603000, 603999),
        "Поволжье",
        (0, 4),
    ),
    city(
        "Самара",
        63,
        (11, 19),
        &["846"],
        (443000, 443999),
        "Поволжье",
        (0, 3),
    ),
    city(
        "Краснодар",
        23,
        (8, 12),
        &["861"],
        (350000, 350999),
        "Юг",
        (0, 4),
    ),
    city(
        "Ростов-на-Дону",
        61,
        (61, 68),
        &["863"],
        (344000, 344999),
        "Юг",
        (0, 3),
    ),
    city(
        "Воронеж",
        36,
        (61, 66),
        &["473"],
        (394000, 394999),
        "Центр",
        (0, 3),
    ),
    city(
        "Пермь",
        59,
        (2, 8),
        &["342"],
        (614000, 614999),
        "Урал",
        (1, 2),
    ),
    city(
        "Уфа",
        2,
        (72, 78),
        &["347"],
        (450000, 450999),
        "Урал",
        (1, 2),
    ),
    city(
        "Челябинск",
        74,
        (47, 53),
        &["351"],
        (454000, 454999),
        "Урал",
        (1, 2),
    ),
    city(
        "Тюмень",
        72,
        (2, 6),
        &["3452"],
        (625000, 625999),
        "Сибирь",
        (1, 2),
    ),
];

fn pick_city(rng: &mut StdRng) -> &'static City {
    let total: u32 = CITIES.iter().map(|c| c.weight).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for c in CITIES {
        if roll < c.weight {
            return c;
        }
        roll -= c.weight;
    }
    &CITIES[0]
}

/// Real banks; the correspondent account is derived from the BIC.
#[derive(Debug, Clone, Copy)]
struct Bank {
    name: &'static str,
    bic: &'static str,
    /// Digits 10–13 of the settlement accounts it opens.
    branch: &'static str,
}

const MOSCOW_BANKS: &[Bank] = &[
    Bank {
        name: "ПАО Сбербанк",
        bic: "044525225",
        branch: "3800",
    },
    Bank {
        name: "АО «Альфа-Банк»",
        bic: "044525593",
        branch: "0130",
    },
    Bank {
        name: "Банк ВТБ (ПАО)",
        bic: "044525187",
        branch: "0000",
    },
    Bank {
        name: "ПАО «Промсвязьбанк»",
        bic: "044525555",
        branch: "0000",
    },
    Bank {
        name: "АО «Райффайзенбанк»",
        bic: "044525700",
        branch: "0000",
    },
];
const SPB_BANKS: &[Bank] = &[
    Bank {
        name: "Северо-Западный банк ПАО Сбербанк",
        bic: "044030653",
        branch: "5500",
    },
    Bank {
        name: "ПАО «Банк «Санкт-Петербург»",
        bic: "044030790",
        branch: "0000",
    },
];

fn correspondent_account(bic: &str) -> Option<String> {
    let tail = bic.get(6..9)?;
    legal::complete_correspondent_account(bic, &format!("30101810000000000{tail}"))
}

fn bad_requisite(what: &str) -> StoreError {
    StoreError::corrupt(format!("demo generator built an invalid {what}"))
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

fn mobile(rng: &mut StdRng) -> String {
    format!("+7{}{}", pick(rng, MOBILE_CODES), digits(rng, 7))
}

fn city_phone(rng: &mut StdRng, city: &City) -> String {
    let code = pick(rng, city.phone_codes);
    let first = char::from(b'0' + rng.gen_range(2..10u8));
    format!("+7{code}{first}{}", digits(rng, 9 - code.len()))
}

fn address(rng: &mut StdRng, city: &City) -> String {
    let postcode = rng.gen_range(city.postcodes.0..=city.postcodes.1);
    let street = if rng.gen_bool(0.7) {
        pick(rng, city.streets)
    } else {
        pick(rng, STREETS)
    };
    let mut s = format!(
        "{postcode:06}, г. {}, {street}, д. {}",
        city.name,
        rng.gen_range(1..=150)
    );
    match rng.gen_range(0..10) {
        0..=2 => s.push_str(&format!(", стр. {}", rng.gen_range(1..=5))),
        3 => s.push_str(&format!(", к. {}", rng.gen_range(1..=4))),
        _ => {}
    }
    if rng.gen_bool(0.6) {
        s.push_str(&format!(", офис {}", rng.gen_range(1..=950)));
    }
    s
}

fn personal_email(rng: &mut StdRng, p: &Person) -> String {
    let last = translit(&p.last);
    let first = translit(p.first);
    let local = match rng.gen_range(0..3) {
        0 => format!("{last}.{first}"),
        1 => format!("{first}.{last}{}", rng.gen_range(70..=99)),
        _ => format!("{last}{}", rng.gen_range(1..=999)),
    };
    format!("{local}@{}", pick(rng, MAIL_DOMAINS))
}

fn work_email(p: &Person, domain: &str) -> String {
    let first = translit(p.first);
    format!(
        "{}.{}@{domain}",
        first.chars().next().unwrap_or('x'),
        translit(&p.last)
    )
}

fn domain_of(rng: &mut StdRng, core: &str) -> String {
    let label = slug(core);
    let label = if label.is_empty() {
        "company".to_owned()
    } else {
        label
    };
    let tld = if rng.gen_bool(0.85) { "ru" } else { "com" };
    format!("{label}.{tld}")
}

const DEAL_SUBJECTS: &[&str] = &[
    "Поставка серверного оборудования",
    "Внедрение CRM-системы",
    "Годовое сервисное обслуживание",
    "Поставка офисной мебели",
    "Аренда спецтехники",
    "Комплексная уборка помещений",
    "Поставка металлопроката",
    "Разработка корпоративного сайта",
    "Продление лицензий 1С",
    "Поставка спецодежды",
    "Монтаж системы видеонаблюдения",
    "Грузоперевозки по России",
    "Аудит информационной безопасности",
    "Поставка расходных материалов",
    "Обучение персонала",
    "Модернизация локальной сети",
    "Поставка кабельной продукции",
    "Юридическое сопровождение",
    "Поставка продуктов питания",
    "Ремонт офиса",
    "Поставка ноутбуков",
    "Техническое обслуживание лифтов",
    "Поставка упаковки",
    "Поставка строительных материалов",
    "Автоматизация склада",
    "Поставка медицинского оборудования",
    "Лизинг автомобилей",
    "Обслуживание кондиционеров",
    "Поставка оргтехники",
];

/// A product or service of the demo company's catalogue. Prices are in
/// rubles without VAT (deal lines are priced without it, as most B2B
/// price lists are).
struct Item {
    name: &'static str,
    /// OKEI code of the unit (see `units`).
    unit: &'static str,
    price: i64,
    cost: i64,
    service: bool,
    /// The product's VAT rate: the general one (22 %, offered as the rate
    /// of the day on deals from before 2026) or the reduced 10 % of food
    /// and medical goods.
    vat: &'static str,
}

const fn goods(name: &'static str, unit: &'static str, price: i64, cost: i64) -> Item {
    Item {
        name,
        unit,
        price,
        cost,
        service: false,
        vat: "22",
    }
}

const fn service(name: &'static str, unit: &'static str, price: i64, cost: i64) -> Item {
    Item {
        service: true,
        ..goods(name, unit, price, cost)
    }
}

const fn reduced(name: &'static str, unit: &'static str, price: i64, cost: i64) -> Item {
    Item {
        vat: "10",
        ..goods(name, unit, price, cost)
    }
}

/// What the deals of each of [`DEAL_SUBJECTS`] sell (same order): the
/// category and its items. Their SKUs are `DEMO-ssii`, subject and item.
const OFFERS: &[(&str, &[Item])] = &[
    (
        "Серверы",
        &[
            goods("Сервер Dell PowerEdge R760", "796", 1_450_000, 1_120_000),
            goods("Система хранения данных 24 ТБ", "796", 980_000, 760_000),
            service("Монтаж и настройка сервера", "356", 3_500, 1_400),
        ],
    ),
    (
        "Программное обеспечение",
        &[
            goods("Лицензия CRM, рабочее место на год", "796", 12_000, 2_000),
            service("Настройка и внедрение CRM", "356", 4_500, 1_800),
            service("Обучение пользователей CRM", "356", 3_000, 1_200),
        ],
    ),
    (
        "ИТ-обслуживание",
        &[
            service(
                "Абонентское обслуживание ИТ-инфраструктуры",
                "362",
                85_000,
                48_000,
            ),
            service("Выезд инженера", "876", 6_500, 3_000),
        ],
    ),
    (
        "Мебель",
        &[
            goods("Стол письменный 1400×700", "796", 18_500, 11_200),
            goods("Кресло офисное эргономичное", "796", 24_900, 15_300),
            goods("Шкаф для документов", "796", 21_700, 13_000),
        ],
    ),
    (
        "Аренда техники",
        &[
            service("Аренда экскаватора-погрузчика", "359", 38_000, 24_000),
            service("Аренда автокрана 25 т", "359", 52_000, 35_000),
        ],
    ),
    (
        "Клининг",
        &[
            service("Ежемесячная уборка помещений", "055", 120, 70),
            service("Генеральная уборка", "055", 180, 95),
        ],
    ),
    (
        "Металлопрокат",
        &[
            goods("Арматура А500С 12 мм", "166", 75, 58),
            goods("Лист стальной горячекатаный 4 мм", "166", 92, 74),
            goods("Труба профильная 60×40×3", "006", 410, 330),
        ],
    ),
    (
        "Веб-разработка",
        &[
            service("Дизайн-макет сайта", "839", 180_000, 90_000),
            service("Программирование сайта", "356", 3_200, 1_600),
        ],
    ),
    (
        "Лицензии 1С",
        &[
            goods(
                "1С:Предприятие 8, клиентская лицензия на 10 рабочих мест",
                "796",
                56_000,
                39_200,
            ),
            goods("Подписка ИТС ПРОФ на 12 месяцев", "796", 48_000, 33_600),
        ],
    ),
    (
        "Спецодежда",
        &[
            goods("Костюм рабочий летний", "796", 3_400, 2_100),
            goods(
                "Ботинки рабочие с металлическим подноском",
                "796",
                4_200,
                2_700,
            ),
            goods("Перчатки с ПВХ-покрытием, пара", "796", 65, 38),
        ],
    ),
    (
        "Видеонаблюдение",
        &[
            goods("IP-камера уличная 4 Мп", "796", 9_800, 6_300),
            goods("Видеорегистратор на 16 каналов", "796", 32_000, 21_500),
            service("Монтаж точки видеонаблюдения", "876", 4_500, 2_000),
        ],
    ),
    (
        "Грузоперевозки",
        &[
            service("Перевозка груза до 20 т, рейс", "876", 95_000, 78_000),
            service("Погрузочно-разгрузочные работы", "356", 1_200, 700),
        ],
    ),
    (
        "Информационная безопасность",
        &[
            service("Аудит информационной безопасности", "839", 450_000, 210_000),
            service("Тест на проникновение", "839", 380_000, 170_000),
        ],
    ),
    (
        "Расходные материалы",
        &[
            goods("Бумага офисная А4, 500 листов", "796", 420, 310),
            goods("Картридж для лазерного принтера", "796", 5_600, 3_900),
        ],
    ),
    (
        "Обучение",
        &[
            service("Корпоративный тренинг, день", "359", 95_000, 45_000),
            service("Онлайн-курс, слушатель", "796", 14_000, 5_000),
        ],
    ),
    (
        "Сетевое оборудование",
        &[
            goods(
                "Коммутатор управляемый на 48 портов",
                "796",
                118_000,
                86_000,
            ),
            service("Прокладка кабеля СКС", "006", 95, 45),
            service("Настройка сетевого оборудования", "356", 3_800, 1_600),
        ],
    ),
    (
        "Кабель",
        &[
            goods("Кабель ВВГнг-LS 3×2,5", "006", 98, 74),
            goods("Кабель витая пара U/UTP кат. 6", "006", 42, 29),
        ],
    ),
    (
        "Юридические услуги",
        &[
            service(
                "Абонентское юридическое обслуживание",
                "362",
                120_000,
                60_000,
            ),
            service("Подготовка договора", "876", 15_000, 6_000),
        ],
    ),
    (
        "Продукты питания",
        &[
            reduced("Молоко 3,2 %, 1 л", "796", 89, 64),
            reduced("Сахар-песок, 1 кг", "796", 85, 61),
            goods("Кофе в зёрнах, 1 кг", "796", 1_650, 1_150),
        ],
    ),
    (
        "Ремонт",
        &[
            service("Ремонт помещений под ключ", "055", 9_500, 6_400),
            service("Демонтажные работы", "055", 650, 380),
        ],
    ),
    (
        "Ноутбуки",
        &[
            goods(
                "Ноутбук 15,6\" Core i5, 16 ГБ, SSD 512 ГБ",
                "796",
                78_900,
                63_500,
            ),
            goods("Сумка для ноутбука", "796", 2_900, 1_700),
        ],
    ),
    (
        "Лифты",
        &[
            service(
                "Техническое обслуживание лифта, месяц",
                "362",
                18_000,
                9_500,
            ),
            service("Аварийный ремонт лифта", "876", 35_000, 19_000),
        ],
    ),
    (
        "Упаковка",
        &[
            goods("Коробка из гофрокартона 600×400×400", "796", 68, 44),
            goods("Стрейч-плёнка 500 мм", "796", 640, 450),
        ],
    ),
    (
        "Стройматериалы",
        &[
            goods("Цемент М500, мешок 50 кг", "796", 560, 420),
            goods("Блок газобетонный D500", "796", 240, 175),
        ],
    ),
    (
        "Складская автоматизация",
        &[
            goods("Терминал сбора данных", "796", 68_000, 49_000),
            service("Внедрение WMS", "356", 4_200, 1_900),
        ],
    ),
    (
        "Медицинское оборудование",
        &[
            reduced(
                "Аппарат УЗИ экспертного класса",
                "796",
                4_800_000,
                3_900_000,
            ),
            reduced("Монитор пациента", "796", 240_000, 176_000),
        ],
    ),
    (
        "Лизинг",
        &[
            service(
                "Лизинговый платёж за легковой автомобиль",
                "362",
                68_000,
                54_000,
            ),
            service("Регистрация автомобиля", "876", 8_000, 3_500),
        ],
    ),
    (
        "Климатическое оборудование",
        &[
            goods("Сплит-система 7 кВт", "796", 86_000, 62_000),
            service("Сервисное обслуживание кондиционера", "876", 4_800, 2_100),
        ],
    ),
    (
        "Оргтехника",
        &[
            goods("МФУ лазерное А4", "796", 38_500, 29_000),
            goods("Принтер лазерный А4", "796", 21_900, 16_200),
        ],
    ),
];
const _: () = assert!(OFFERS.len() == DEAL_SUBJECTS.len());

/// The SKU of the `item`-th product of the `subject`-th offer.
fn sku(subject: usize, item: usize) -> String {
    format!("DEMO-{:02}{:02}", subject + 1, item + 1)
}

const DEAL_NOTES: &[&str] = &[
    "Клиент просит рассрочку на три месяца.",
    "Решение принимает собственник, нужна встреча.",
    "Конкурент предложил цену на 7% ниже.",
    "Нужна доставка до объекта и монтаж.",
    "Бюджет утверждён на текущий квартал.",
    "Требуется пилотный проект на одном филиале.",
    "Оплата по факту поставки.",
];

const LOSS_TEXTS: &[&str] = &[
    "Клиент выбрал поставщика с отсрочкой платежа",
    "Проект заморожен до следующего года",
    "Не прошли по сроку поставки",
    "Закупку отменили",
    "Выбрали местного подрядчика",
    "Не устроили условия гарантии",
];

const DISQUALIFY_REASONS: &[&str] = &[
    "Нет бюджета",
    "Не целевой клиент",
    "Дубликат обращения",
    "Не выходит на связь",
    "Физическое лицо, не работаем",
    "Нужен товар, которого нет в ассортименте",
    "Регион вне зоны обслуживания",
    "Спам",
];

const LEAD_NOTES: &[&str] = &[
    "Запрос с сайта: интересует коммерческое предложение.",
    "Оставили заявку на выставке, просили перезвонить после 15:00.",
    "Нужна консультация по срокам поставки.",
    "Хотят сравнить наши условия с текущим поставщиком.",
    "Интересует демонстрация продукта для команды.",
    "Просили прислать прайс-лист на почту.",
];

const TASKS: &[&str] = &[
    "Подготовить коммерческое предложение",
    "Перезвонить клиенту",
    "Отправить договор на согласование",
    "Выставить счёт",
    "Уточнить реквизиты",
    "Согласовать спецификацию",
    "Отправить презентацию",
    "Проверить оплату",
    "Подготовить акт сверки",
    "Запросить обратную связь по КП",
];
const EVENTS: &[&str] = &[
    "Встреча с клиентом",
    "Презентация продукта",
    "Демонстрация решения",
    "Переговоры по условиям договора",
    "Выезд на объект",
    "Онлайн-встреча",
    "Совещание с отделом закупок клиента",
];
const LOCATIONS: &[&str] = &[
    "Офис клиента",
    "Переговорная «Нева»",
    "Переговорная «Москва»",
    "Онлайн (Яндекс Телемост)",
    "Онлайн (Zoom)",
    "Объект клиента",
    "Наш офис",
];
const CALLS: &[&str] = &[
    "Звонок клиенту",
    "Звонок по коммерческому предложению",
    "Уточнение деталей заказа",
    "Напоминание об оплате",
];
const EMAILS: &[&str] = &[
    "Письмо с коммерческим предложением",
    "Ответ на запрос клиента",
    "Отправлены закрывающие документы",
    "Письмо с уточнением сроков",
];
const MESSAGES: &[&str] = &[
    "Переписка в Telegram",
    "Сообщение в WhatsApp",
    "Переписка в мессенджере",
];
const MEETINGS: &[&str] = &[
    "Встреча в офисе клиента",
    "Встреча на выставке",
    "Деловой обед",
];
const OUTCOMES: &[&str] = &[
    "Договорились о встрече",
    "Клиент просит перезвонить через неделю",
    "Отправили КП, ждём ответа",
    "Клиент согласовал спецификацию",
    "Обсудили скидку, нужен ответ руководителя",
    "Клиент запросил счёт",
    "Уточнили сроки поставки",
];
const ACTIVITY_NOTES: &[&str] = &[
    "Взять с собой образцы.",
    "Уточнить, кто подписывает договор.",
    "Подготовить расчёт в двух вариантах.",
    "Клиент просил напомнить за день.",
];

fn meta(owner: Id, created: i64, updated: i64) -> Meta {
    Meta {
        owner_id: owner,
        created_at: ts(created),
        created_by: Some(owner),
        updated_at: ts(updated),
        updated_by: Some(owner),
    }
}

// ---------------------------------------------------------------------------
// The generator

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Ooo,
    Ao,
    Pao,
    Ip,
}

/// What deals need to know about an account of this run.
struct AccountRef {
    id: Id,
    owner: Id,
    team: usize,
    first_contact: Id,
    contacts: i64,
    /// The name without its legal form, for deal titles.
    short: String,
    created: i64,
    won: bool,
    /// What its invoices keep of it (see [`crate::documents::payer_of`]).
    payer: String,
}

struct NewAccount {
    account: Account,
    contacts: Vec<Contact>,
    lead: Option<Lead>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Move {
    from: Option<Id>,
    to: Id,
    at: i64,
}

struct NewDeal {
    deal: Deal,
    amount_minor: i64,
    moves: Vec<Move>,
    activities: Vec<Activity>,
    /// The products, when the amount follows them.
    lines: Option<DealLines>,
    /// A won deal's invoice, when it has products.
    invoice: Option<invoices::NewInvoice>,
}

/// A deal's product lines, priced as the application prices them.
struct DealLines {
    /// As priced, for the invoice to copy.
    lines: Vec<crate::documents::Resolved>,
    /// `doc_lines` rows.
    rows: Vec<Columns>,
    net_minor: i64,
    cost_minor: i64,
    /// With VAT: the deal's amount.
    total_minor: i64,
}

/// Share of deals with products; the others have an amount typed by hand.
const PRODUCT_SHARE: f64 = 0.6;

/// Lines of one to three of the subject's products whose quantities make
/// about `target_minor` (without VAT), priced on `day` with its VAT rates:
/// a product's own rate where the law allows it that day, else the default
/// (22 % from 2026, 20 % before). One deal in five has a percent off its
/// first line.
fn deal_lines(
    rng: &mut StdRng,
    ctx: &Context,
    subject: usize,
    deal_id: Id,
    target_minor: i64,
    day: Day,
) -> Result<Option<DealLines>> {
    use crate::documents::{Resolved, cost_of, figures, line_columns, minor, price_resolved};
    let Some(products) = ctx.products.get(subject).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let n = rng.gen_range(1..=products.len().min(3));
    let picked: Vec<&DemoProduct> = products.choose_multiple(rng, n).collect();
    let weights: Vec<i64> = (0..n).map(|_| rng.gen_range(1..=4)).collect();
    let whole: i64 = weights.iter().sum();
    let discount = rng
        .gen_bool(0.2)
        .then(|| Discount::Percent(Decimal::from(pick(rng, &[3, 5, 10, 15]))));
    let default = vat::default_rate(&ctx.vat, ctx.regime, day).unwrap_or(VatRate::None);
    let lines: Vec<Resolved> = picked
        .iter()
        .zip(&weights)
        .enumerate()
        .map(|(i, (p, w))| {
            let share = target_minor / whole * w;
            let price = p.price_minor.max(1);
            let quantity = ((share + price / 2) / price).clamp(1, 100_000);
            Resolved {
                product_id: Some(p.id),
                source_line_id: None,
                name: p.name.clone(),
                unit_code: p.unit.clone(),
                quantity: Decimal::from(quantity),
                unit_price: money::from_minor(p.price_minor),
                discount: if i == 0 { discount } else { None },
                vat_rate: if vat::check_rate(&ctx.vat, ctx.regime, day, p.vat).is_ok() {
                    p.vat
                } else {
                    default
                },
                unit_cost: money::from_minor(p.cost_minor),
            }
        })
        .collect();
    let totals = price_resolved(
        &lines,
        TaxMode::Individual,
        default,
        None,
        Decimal::ZERO,
        default,
    )?;
    let rows = lines
        .iter()
        .zip(&totals.lines)
        .enumerate()
        .map(|(i, (l, t))| line_columns(DocKind::Deal, deal_id, i, l, &figures(l, t)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(DealLines {
        rows,
        net_minor: minor(totals.net, "net")?,
        cost_minor: minor(cost_of(&lines), "cost")?,
        total_minor: minor(totals.total, "total")?,
        lines,
    }))
}

struct Requisites {
    inn: String,
    kpp: Option<String>,
    ogrn: String,
}

struct Generator {
    seed: u64,
    /// The current record's stream (see [`record_rng`]).
    rng: StdRng,
    now: i64,
    ctx: Context,
    /// Indexes into `ctx.stages` by kind, in pipeline order.
    open: Vec<usize>,
    won: Vec<usize>,
    lost: Vec<usize>,
    accounts: Vec<AccountRef>,
    total_accounts: usize,
    total_deals: usize,
    lead_target: usize,
    deals_done: usize,
    converted: usize,
    open_leads_done: usize,
    account_time: Timeline,
    deal_time: Timeline,
}

impl Generator {
    fn new(seed: u64, now: Timestamp, ctx: Context, deals: usize) -> Result<Generator> {
        if ctx.managers.len() < TEAMS.len() || ctx.managers.iter().any(Vec::is_empty) {
            return Err(StoreError::Conflict(
                "every demo team needs a manager".into(),
            ));
        }
        let by_kind = |kind: StageKind| -> Vec<usize> {
            (0..ctx.stages.len())
                .filter(|&i| ctx.stages[i].kind == kind)
                .collect()
        };
        let (open, won, lost) = (
            by_kind(StageKind::Open),
            by_kind(StageKind::Won),
            by_kind(StageKind::Lost),
        );
        if open.is_empty() {
            return Err(StoreError::Conflict(
                "the default pipeline has no open stage".into(),
            ));
        }
        let now = micros(now);
        Ok(Generator {
            seed,
            rng: StdRng::seed_from_u64(seed),
            now,
            ctx,
            open,
            won,
            lost,
            accounts: Vec::new(),
            total_accounts: (deals / 5).max(20),
            total_deals: deals,
            lead_target: deals / 4,
            deals_done: 0,
            converted: 0,
            open_leads_done: 0,
            // Accounts over the two years before the last month; deals over
            // the last year, so every deal finds accounts older than itself.
            account_time: Timeline::business(now - 730 * DAY, now - 30 * DAY),
            deal_time: Timeline::business(now - 365 * DAY, now - HOUR),
        })
    }

    /// Generates every batch and hands it to the writer; stops early when the
    /// writer has gone (it failed and returned its error).
    fn run(mut self, out: &tokio::sync::mpsc::Sender<Result<Step>>) {
        if let Err(e) = self.produce(out) {
            let _ = out.blocking_send(Err(e));
        }
    }

    fn produce(&mut self, out: &tokio::sync::mpsc::Sender<Result<Step>>) -> Result<()> {
        let send = |phase, total: usize, sink| {
            out.blocking_send(Ok(Step::Batch {
                phase,
                total: total as u64,
                sink: Box::new(sink),
            }))
            .is_ok()
        };
        while let Some(sink) = self.account_batch()? {
            if !send(Phase::Accounts, self.total_accounts, sink) {
                return Ok(());
            }
        }
        while let Some(sink) = self.deal_batch()? {
            if !send(Phase::Deals, self.total_deals, sink) {
                return Ok(());
            }
        }
        while let Some(sink) = self.lead_batch()? {
            if !send(Phase::Leads, self.open_leads(), sink) {
                return Ok(());
            }
        }
        let _ = out.blocking_send(Ok(Step::Finished(self.customers())));
        Ok(())
    }

    fn manager(&mut self, team: usize) -> Id {
        match self.ctx.managers.get(team) {
            Some(list) if !list.is_empty() => list[self.rng.gen_range(0..list.len())],
            _ => self
                .ctx
                .managers
                .iter()
                .flatten()
                .next()
                .copied()
                .unwrap_or(0),
        }
    }

    /// Leads that are not converted: what is left of a quarter of the deals.
    fn open_leads(&self) -> usize {
        self.lead_target.saturating_sub(self.converted)
    }

    fn customers(&self) -> Vec<Id> {
        self.accounts
            .iter()
            .filter(|a| a.won)
            .map(|a| a.id)
            .collect()
    }

    fn account_batch(&mut self) -> Result<Option<Sink>> {
        let left = self.total_accounts - self.accounts.len();
        if left == 0 {
            return Ok(None);
        }
        let mut sink = Sink::new();
        for _ in 0..left.min(ACCOUNT_BATCH) {
            let new = self.make_account()?;
            sink.account(&new.account)?;
            for c in &new.contacts {
                sink.contact(c)?;
            }
            if let Some(l) = &new.lead {
                sink.lead(l)?;
            }
        }
        Ok(Some(sink))
    }

    fn deal_batch(&mut self) -> Result<Option<Sink>> {
        let left = self.total_deals - self.deals_done;
        if left == 0 {
            return Ok(None);
        }
        let mut sink = Sink::new();
        for _ in 0..left.min(DEAL_BATCH) {
            let new = self.make_deal()?;
            sink.deal(&new)?;
        }
        Ok(Some(sink))
    }

    fn lead_batch(&mut self) -> Result<Option<Sink>> {
        let left = self.open_leads() - self.open_leads_done;
        if left == 0 {
            return Ok(None);
        }
        let mut sink = Sink::new();
        for _ in 0..left.min(LEAD_BATCH) {
            let lead = self.make_lead();
            sink.lead(&lead)?;
        }
        Ok(Some(sink))
    }

    /// INN, KPP and OGRN (OGRNIP for an entrepreneur) of a new account; the INN
    /// is one nobody in the database has yet.
    fn requisites(&mut self, city: &City, form: Form) -> Result<Requisites> {
        let rng = &mut self.rng;
        for _ in 0..1000 {
            let office = rng.gen_range(city.offices.0..=city.offices.1);
            let tax_office = format!("{:02}{:02}", city.region, office);
            let year = rng.gen_range(2..=24);
            let (inn, kpp, ogrn) = if form == Form::Ip {
                (
                    legal::complete_inn12(&format!("{tax_office}{}", digits(rng, 6))),
                    None,
                    legal::complete_ogrnip(&format!(
                        "3{year:02}{:02}{}",
                        city.region,
                        digits(rng, 9)
                    )),
                )
            } else {
                (
                    legal::complete_inn10(&format!("{tax_office}{}", digits(rng, 5))),
                    Some(format!("{tax_office}01001")),
                    legal::complete_ogrn(&format!(
                        "1{year:02}{:02}{}",
                        city.region,
                        digits(rng, 7)
                    )),
                )
            };
            let inn = inn.ok_or_else(|| bad_requisite("INN"))?;
            let ogrn = ogrn.ok_or_else(|| bad_requisite("OGRN"))?;
            if self.ctx.inns.insert(inn.clone()) {
                return Ok(Requisites { inn, kpp, ogrn });
            }
        }
        Err(StoreError::Conflict(
            "could not find an unused INN for a demo account".into(),
        ))
    }

    fn make_account(&mut self) -> Result<NewAccount> {
        let index = self.accounts.len();
        self.rng = record_rng(self.seed, ACCOUNT_STREAM, index);
        let id = self.ctx.next.account;
        self.ctx.next.account += 1;
        let created = self
            .account_time
            .slot(&mut self.rng, index, self.total_accounts);
        let city = pick_city(&mut self.rng);
        let owner = self.manager(city.team);
        let form = match self.rng.gen_range(0..100) {
            0..=69 => Form::Ooo,
            70..=79 => Form::Ao,
            80 => Form::Pao,
            _ => Form::Ip,
        };
        let rng = &mut self.rng;
        let (name, short, boss, domain) = match form {
            Form::Ip => {
                let p = person(rng);
                let name = format!("ИП {} {}. {}.", p.last, initial(p.first), initial(p.middle));
                let short = format!("ИП {}", p.last);
                (name, short, Some(p), None)
            }
            _ => {
                let core = company_core(rng);
                let prefix = match form {
                    Form::Ao => "АО",
                    Form::Pao => "ПАО",
                    _ => "ООО",
                };
                let domain = domain_of(rng, &core);
                (format!("{prefix} «{core}»"), core, None, Some(domain))
            }
        };
        let req = self.requisites(city, form)?;
        let rng = &mut self.rng;
        let bank = if city.team == 1 && rng.gen_bool(0.6) {
            pick(rng, SPB_BANKS)
        } else {
            pick(rng, MOSCOW_BANKS)
        };
        let balance = if form == Form::Ip {
            "40802810"
        } else {
            "40702810"
        };
        let settlement = legal::complete_settlement_account(
            bank.bic,
            &format!("{balance}0{}{}", bank.branch, digits(rng, 7)),
        )
        .ok_or_else(|| bad_requisite("settlement account"))?;
        let correspondent = correspondent_account(bank.bic)
            .ok_or_else(|| bad_requisite("correspondent account"))?;
        let mut phones = vec![city_phone(rng, city)];
        if rng.gen_bool(0.3) {
            phones.push(city_phone(rng, city));
        }
        let emails = match (&domain, &boss) {
            (Some(d), _) => {
                let mut e = vec![format!("info@{d}")];
                if rng.gen_bool(0.4) {
                    e.push(format!("{}@{d}", pick(rng, &["sales", "zakaz", "office"])));
                }
                e
            }
            (None, Some(p)) => vec![personal_email(rng, p)],
            (None, None) => Vec::new(),
        };
        let legal_address = address(rng, city);
        let actual_address = if rng.gen_bool(0.65) {
            legal_address.clone()
        } else {
            address(rng, city)
        };
        let data = AccountData {
            name,
            kind: AccountKind::Prospect,
            inn: Some(req.inn),
            kpp: req.kpp,
            ogrn: Some(req.ogrn),
            legal_address: Some(legal_address),
            actual_address: Some(actual_address),
            bank_name: Some(bank.name.to_owned()),
            bic: Some(bank.bic.to_owned()),
            settlement_account: Some(settlement),
            correspondent_account: Some(correspondent),
            industry: Some(pick(rng, INDUSTRIES).to_owned()),
            territory: Some(city.territory.to_owned()),
            phones,
            emails,
            website: domain.clone(),
            credit_limit: rng
                .gen_bool(0.25)
                .then(|| Decimal::from(rng.gen_range(1..=50i64) * 100_000)),
            description: rng
                .gen_bool(0.15)
                .then(|| pick(rng, ACCOUNT_NOTES).to_owned()),
        };
        let account = Account {
            id,
            data,
            meta: meta(owner, created, created),
        };

        let n_contacts = if self.rng.gen_bool(0.5) { 2 } else { 1 };
        let first_contact = self.ctx.next.contact;
        let mut contacts = Vec::with_capacity(n_contacts);
        for k in 0..n_contacts {
            let cid = self.ctx.next.contact;
            self.ctx.next.contact += 1;
            let rng = &mut self.rng;
            let p = match (&boss, k) {
                (Some(b), 0) => b.clone(),
                _ => person(rng),
            };
            let position = match (form, k) {
                (Form::Ip, 0) => "Индивидуальный предприниматель",
                (_, 0) if rng.gen_bool(0.4) => "Генеральный директор",
                _ => pick(rng, POSITIONS),
            };
            let mut phones = vec![mobile(rng)];
            if rng.gen_bool(0.3)
                && let Some(office) = account.data.phones.first()
            {
                phones.push(office.clone());
            }
            let emails = match &domain {
                Some(d) => vec![work_email(&p, d)],
                None if k == 0 => account.data.emails.clone(),
                None => vec![personal_email(rng, &p)],
            };
            let birthday = if rng.gen_bool(0.35) {
                Date::from_ordinal_date(rng.gen_range(1962..=2001), rng.gen_range(1..=365))
                    .ok()
                    .map(Day)
            } else {
                None
            };
            let at = (created + rng.gen_range(0..2 * HOUR)).min(self.now);
            contacts.push(Contact {
                id: cid,
                data: ContactData {
                    first_name: Some(p.first.to_owned()),
                    middle_name: Some(p.middle.to_owned()),
                    last_name: Some(p.last),
                    account_id: Some(id),
                    position: Some(position.to_owned()),
                    phones,
                    emails,
                    birthday,
                    description: None,
                },
                meta: meta(owner, at, at),
            });
        }
        let lead = match contacts.first() {
            Some(c) if self.rng.gen_bool(CONVERTED_SHARE) => {
                Some(self.converted_lead(&account, c, created))
            }
            _ => None,
        };
        self.accounts.push(AccountRef {
            id,
            owner,
            team: city.team,
            first_contact,
            contacts: n_contacts as i64,
            short,
            created,
            won: false,
            payer: crate::documents::payer_of(&account).to_string(),
        });
        Ok(NewAccount {
            account,
            contacts,
            lead,
        })
    }

    /// The lead an account and its first contact were converted from.
    fn converted_lead(&mut self, account: &Account, contact: &Contact, at: i64) -> Lead {
        let id = self.ctx.next.lead;
        self.ctx.next.lead += 1;
        self.converted += 1;
        let rng = &mut self.rng;
        let created = business_instant(rng, at - 30 * DAY, at - HOUR);
        let c = &contact.data;
        Lead {
            id,
            data: LeadData {
                first_name: c.first_name.clone(),
                middle_name: c.middle_name.clone(),
                last_name: c.last_name.clone(),
                company: Some(account.data.name.clone()),
                title: c.position.clone(),
                phones: c.phones.clone(),
                emails: c.emails.clone(),
                website: account.data.website.clone(),
                address: account.data.actual_address.clone(),
                source_id: pick_opt(rng, &self.ctx.sources),
                status: LeadStatus::Converted,
                disqualify_reason: None,
                description: rng.gen_bool(0.4).then(|| pick(rng, LEAD_NOTES).to_owned()),
            },
            converted_account_id: Some(account.id),
            converted_contact_id: Some(contact.id),
            converted_deal_id: None,
            converted_at: Some(ts(at)),
            meta: meta(account.meta.owner_id, created, at),
        }
    }

    /// A lead still being worked on, or turned down.
    fn make_lead(&mut self) -> Lead {
        self.rng = record_rng(self.seed, LEAD_STREAM, self.open_leads_done);
        self.open_leads_done += 1;
        let id = self.ctx.next.lead;
        self.ctx.next.lead += 1;
        let now = self.now;
        let city = pick_city(&mut self.rng);
        let owner = self.manager(city.team);
        let rng = &mut self.rng;
        let status = match rng.gen_range(0..100) {
            0..=29 => LeadStatus::New,
            30..=64 => LeadStatus::Working,
            _ => LeadStatus::Disqualified,
        };
        let (lo, hi) = match status {
            LeadStatus::New => (now - 14 * DAY, now - HOUR),
            LeadStatus::Working => (now - 60 * DAY, now - HOUR),
            _ => (now - 365 * DAY, now - 2 * DAY),
        };
        let created = business_instant(rng, lo, hi);
        let updated = match status {
            LeadStatus::New => created,
            _ => business_instant(rng, created, now),
        };
        let p = person(rng);
        let (company, domain) = if rng.gen_bool(0.7) {
            let core = company_core(rng);
            let domain = domain_of(rng, &core);
            let name = match rng.gen_range(0..10) {
                0..=6 => format!("ООО «{core}»"),
                7 => format!("АО «{core}»"),
                _ => core,
            };
            (Some(name), Some(domain))
        } else {
            (None, None)
        };
        let mut phones = vec![mobile(rng)];
        if rng.gen_bool(0.3) {
            phones.push(city_phone(rng, city));
        }
        let emails = match &domain {
            _ if rng.gen_bool(0.2) => Vec::new(),
            Some(d) if rng.gen_bool(0.6) => vec![work_email(&p, d)],
            _ => vec![personal_email(rng, &p)],
        };
        let title =
            (company.is_some() && rng.gen_bool(0.7)).then(|| pick(rng, POSITIONS).to_owned());
        let website = domain.filter(|_| rng.gen_bool(0.4));
        let address = rng.gen_bool(0.25).then(|| address(rng, city));
        Lead {
            id,
            data: LeadData {
                first_name: Some(p.first.to_owned()),
                middle_name: rng.gen_bool(0.6).then(|| p.middle.to_owned()),
                last_name: Some(p.last),
                company,
                title,
                phones,
                emails,
                website,
                address,
                source_id: if rng.gen_bool(0.9) {
                    pick_opt(rng, &self.ctx.sources)
                } else {
                    None
                },
                status,
                disqualify_reason: (status == LeadStatus::Disqualified)
                    .then(|| pick(rng, DISQUALIFY_REASONS).to_owned()),
                description: rng.gen_bool(0.4).then(|| pick(rng, LEAD_NOTES).to_owned()),
            },
            converted_account_id: None,
            converted_contact_id: None,
            converted_deal_id: None,
            converted_at: None,
            meta: meta(owner, created, updated),
        }
    }

    /// Where a deal created at `created` stands now: older deals are more often closed.
    fn pick_stage(&mut self, created: i64) -> usize {
        let age_days = (self.now - created) as f64 / DAY as f64;
        let closed_share = (age_days / 120.0).clamp(0.05, 0.85);
        let closable = !self.won.is_empty() || !self.lost.is_empty();
        if closable && self.rng.gen_bool(closed_share) {
            let won = match (self.won.is_empty(), self.lost.is_empty()) {
                (true, _) => false,
                (false, true) => true,
                (false, false) => self.rng.gen_bool(0.4),
            };
            let list = if won { &self.won } else { &self.lost };
            return list[self.rng.gen_range(0..list.len())];
        }
        // Earlier stages hold more deals.
        let m = self.open.len();
        let mut roll = self.rng.gen_range(0..m * (m + 1) / 2);
        for (j, &s) in self.open.iter().enumerate() {
            let weight = m - j;
            if roll < weight {
                return s;
            }
            roll -= weight;
        }
        self.open[0]
    }

    /// The stages a deal went through, from the first open one to `target`:
    /// forward, sometimes skipping a stage, sometimes stepping back once.
    fn path(&mut self, target: usize) -> Vec<usize> {
        let m = self.open.len();
        let kind = self.ctx.stages[target].kind;
        let last = match kind {
            StageKind::Open => self.open.iter().position(|&s| s == target).unwrap_or(0),
            StageKind::Won if m > 1 && self.rng.gen_bool(0.15) => self.rng.gen_range(0..m),
            StageKind::Won => m - 1,
            StageKind::Lost => self.rng.gen_range(0..m),
        };
        let back = if last >= 1 && self.rng.gen_bool(0.1) {
            Some(self.rng.gen_range(1..=last))
        } else {
            None
        };
        let mut path = vec![self.open[0]];
        for (p, &stage) in self.open.iter().enumerate().take(last + 1).skip(1) {
            if p < last && Some(p) != back && self.rng.gen_bool(0.12) {
                continue;
            }
            path.push(stage);
            if Some(p) == back {
                path.push(self.open[p - 1]);
                path.push(stage);
            }
        }
        if kind != StageKind::Open {
            path.push(target);
        }
        path
    }

    fn make_deal(&mut self) -> Result<NewDeal> {
        let i = self.deals_done;
        self.rng = record_rng(self.seed, DEAL_STREAM, i);
        self.deals_done += 1;
        let id = self.ctx.next.deal;
        self.ctx.next.deal += 1;
        let now = self.now;
        let created = self.deal_time.slot(&mut self.rng, i, self.total_deals);
        if self.accounts.is_empty() {
            return Err(StoreError::Conflict("demo deals need accounts".into()));
        }
        // Only accounts that existed when the deal was opened.
        let eligible = self
            .accounts
            .partition_point(|a| a.created <= created)
            .clamp(1, self.accounts.len());
        let ai = self.rng.gen_range(0..eligible);
        let (account_id, account_owner, team, first_contact, n_contacts, short) = {
            let a = &self.accounts[ai];
            (
                a.id,
                a.owner,
                a.team,
                a.first_contact,
                a.contacts,
                a.short.clone(),
            )
        };
        let owner = if self.rng.gen_bool(0.85) {
            account_owner
        } else {
            self.manager(team)
        };
        let contact_id = if n_contacts > 0 && self.rng.gen_bool(0.6) {
            Some(first_contact + self.rng.gen_range(0..n_contacts))
        } else {
            None
        };
        // The first deals go one to each stage, so every stage holds some.
        let target = if i < self.ctx.stages.len() {
            i
        } else {
            self.pick_stage(created)
        };
        let path = self.path(target);
        let stage = self.ctx.stages[target];

        let rng = &mut self.rng;
        let age = now - created;
        let moves = path.len() as i64 - 1;
        let mut times = vec![created];
        if moves > 0 {
            let span = match stage.kind {
                StageKind::Open => (age as f64 * rng.gen_range(0.1..1.0)) as i64,
                _ => {
                    let wanted = rng.gen_range(3 * DAY..150 * DAY);
                    if wanted < age {
                        wanted
                    } else {
                        (age as f64 * rng.gen_range(0.3..1.0)) as i64
                    }
                }
            }
            .max(moves * MINUTE)
            .min(age);
            for j in 0..moves {
                let lo = created + span * j / moves + 1;
                let hi = created + span * (j + 1) / moves;
                times.push(business_instant(rng, lo, hi));
            }
        }
        let last = times.last().copied().unwrap_or(created);
        let move_rows: Vec<Move> = path
            .iter()
            .zip(&times)
            .enumerate()
            .map(|(j, (&s, &at))| Move {
                from: j
                    .checked_sub(1)
                    .and_then(|p| path.get(p))
                    .map(|&p| self.ctx.stages[p].id),
                to: self.ctx.stages[s].id,
                at,
            })
            .collect();

        let mut rubles = (rng.gen_range(10_000f64.ln()..5_000_000f64.ln())).exp() as i64;
        if rng.gen_bool(0.6) {
            rubles = rubles / 100 * 100;
        }
        let mut amount_minor = rubles.clamp(10_000, 4_999_999) * 100 + rng.gen_range(0..100);
        let subject = rng.gen_range(0..DEAL_SUBJECTS.len());
        let mut title = format!("{} — {short}", DEAL_SUBJECTS[subject]);
        if rng.gen_bool(0.08) {
            title.push_str(&format!(" (этап {})", rng.gen_range(2..=4)));
        }
        let (loss_reason_id, loss_reason) = if stage.kind == StageKind::Lost {
            let id = pick_opt(rng, &self.ctx.loss_reasons);
            let text =
                (id.is_none() || rng.gen_bool(0.3)).then(|| pick(rng, LOSS_TEXTS).to_owned());
            (id, text)
        } else {
            (None, None)
        };
        let lines = if rng.gen_bool(PRODUCT_SHARE) {
            deal_lines(rng, &self.ctx, subject, id, amount_minor, ts(created).day())?
        } else {
            None
        };
        if let Some(l) = &lines {
            amount_minor = l.total_minor;
        }
        // One open deal in ten carries its manager's own estimate, a step
        // off the stage's; from the id, not the generator, so the rest of
        // the data stays what the seed made it before.
        let probability = (stage.kind == StageKind::Open && id % 10 == 3).then(|| {
            let step = if id % 20 == 3 { 10 } else { -10 };
            (stage.probability + step).clamp(5, 95)
        });
        let deal = Deal {
            id,
            data: DealData {
                title,
                account_id: Some(account_id),
                contact_id,
                pipeline_id: Some(self.ctx.pipeline_id),
                stage_id: Some(stage.id),
                amount: money::from_minor(amount_minor),
                currency: Currency::rub(),
                probability,
                expected_close_date: Some(ts(created + rng.gen_range(14 * DAY..120 * DAY)).day()),
                source_id: if rng.gen_bool(0.75) {
                    pick_opt(rng, &self.ctx.sources)
                } else {
                    None
                },
                description: rng.gen_bool(0.1).then(|| pick(rng, DEAL_NOTES).to_owned()),
            },
            status: stage.kind,
            effective_probability: probability.unwrap_or(stage.probability),
            closed_at: (stage.kind != StageKind::Open).then(|| ts(last)),
            loss_reason_id,
            loss_reason,
            meta: meta(owner, created, last),
        };
        if stage.kind == StageKind::Won
            && let Some(a) = self.accounts.get_mut(ai)
        {
            a.won = true;
        }
        let invoice = match &lines {
            Some(l) if stage.kind == StageKind::Won => self.invoice(i, &deal, l, ai)?,
            _ => None,
        };
        let open = stage.kind == StageKind::Open;
        let end = if open { now } else { last };
        let n_activities = match self.rng.gen_range(0..10) {
            0..=1 => 0,
            2..=7 => 1,
            _ => 2,
        };
        let activities = (0..n_activities)
            .map(|_| self.make_activity(id, owner, created, end, open))
            .collect();
        Ok(NewDeal {
            deal,
            amount_minor,
            moves: move_rows,
            activities,
            lines,
            invoice,
        })
    }

    /// A task, an event or a logged interaction about a deal that lives from
    /// `start` to `end` (now, for a deal still open).
    fn make_activity(&mut self, deal: Id, owner: Id, start: i64, end: i64, open: bool) -> Activity {
        let now = self.now;
        let rng = &mut self.rng;
        let mut data = ActivityData {
            kind: ActivityKind::Task,
            subject: String::new(),
            description: rng
                .gen_bool(0.15)
                .then(|| pick(rng, ACTIVITY_NOTES).to_owned()),
            status: None,
            related_type: EntityKind::Deal,
            related_id: deal,
            start_at: None,
            end_at: None,
            all_day: false,
            location: None,
            due_at: None,
            priority: None,
            channel: None,
            direction: None,
            outcome: None,
            reminder_at: None,
        };
        let (status, created, completed) = match rng.gen_range(0..100) {
            0..=39 => {
                data.kind = ActivityKind::Task;
                data.subject = pick(rng, TASKS).to_owned();
                data.priority = Some(match rng.gen_range(0..10) {
                    0..=1 => Priority::Low,
                    2..=7 => Priority::Normal,
                    _ => Priority::High,
                });
                let (due, created, status) = if open {
                    // Around today: some overdue, some coming up.
                    let due =
                        business_instant(rng, (now - 10 * DAY).max(start + HOUR), now + 14 * DAY);
                    let created = business_instant(rng, start, due.min(now));
                    let status = if due < now {
                        if rng.gen_bool(0.55) {
                            ActivityStatus::Completed
                        } else {
                            pick(
                                rng,
                                &[
                                    ActivityStatus::Planned,
                                    ActivityStatus::InProgress,
                                    ActivityStatus::Waiting,
                                    ActivityStatus::NotStarted,
                                ],
                            )
                        }
                    } else {
                        pick(
                            rng,
                            &[
                                ActivityStatus::Planned,
                                ActivityStatus::Planned,
                                ActivityStatus::Planned,
                                ActivityStatus::NotStarted,
                                ActivityStatus::InProgress,
                                ActivityStatus::InProgress,
                                ActivityStatus::Waiting,
                                ActivityStatus::Deferred,
                            ],
                        )
                    };
                    (due, created, status)
                } else {
                    let due = business_instant(rng, start, end);
                    let created = business_instant(rng, start, due);
                    (due, created, ActivityStatus::Completed)
                };
                data.due_at = Some(ts(due));
                let completed = (status == ActivityStatus::Completed).then(|| {
                    let hi = if open { now.min(due + 2 * DAY) } else { end };
                    business_instant(rng, created.max(due - DAY).min(hi), hi)
                });
                if !status.is_closed() && rng.gen_bool(0.3) {
                    data.reminder_at = Some(ts(due - HOUR));
                }
                (status, created, completed)
            }
            40..=64 => {
                data.kind = ActivityKind::Event;
                data.subject = pick(rng, EVENTS).to_owned();
                data.location = Some(pick(rng, LOCATIONS).to_owned());
                let begins = if open {
                    business_instant(rng, (now - 20 * DAY).max(start + HOUR), now + 14 * DAY)
                } else {
                    business_instant(rng, start, end)
                };
                let ends = begins + pick(rng, &[30, 45, 60, 90, 120]) * MINUTE;
                let ends = if open { ends } else { ends.min(now) };
                data.start_at = Some(ts(begins));
                data.end_at = Some(ts(ends));
                let created =
                    business_instant(rng, (begins - 14 * DAY).max(start), begins.min(now));
                let status = if ends > now {
                    ActivityStatus::Planned
                } else if rng.gen_bool(0.85) {
                    ActivityStatus::Held
                } else {
                    ActivityStatus::NotHeld
                };
                let completed = status
                    .is_closed()
                    .then(|| (ends + rng.gen_range(0..3 * HOUR)).min(now));
                if status == ActivityStatus::Planned && rng.gen_bool(0.4) {
                    data.reminder_at = Some(ts(begins - 30 * MINUTE));
                }
                (status, created, completed)
            }
            _ => {
                data.kind = ActivityKind::Interaction;
                let channel = match rng.gen_range(0..100) {
                    0..=54 => Channel::Call,
                    55..=74 => Channel::Email,
                    75..=84 => Channel::Message,
                    _ => Channel::Meeting,
                };
                let incoming = rng.gen_bool(0.35);
                data.subject = match channel {
                    Channel::Call if incoming => "Входящий звонок".to_owned(),
                    Channel::Call => pick(rng, CALLS).to_owned(),
                    Channel::Email if incoming => "Письмо от клиента".to_owned(),
                    Channel::Email => pick(rng, EMAILS).to_owned(),
                    Channel::Message => pick(rng, MESSAGES).to_owned(),
                    Channel::Meeting => pick(rng, MEETINGS).to_owned(),
                };
                data.channel = Some(channel);
                data.direction = match channel {
                    Channel::Meeting => None,
                    _ if incoming => Some(Direction::Incoming),
                    _ => Some(Direction::Outgoing),
                };
                let outcome = match channel {
                    Channel::Call if !incoming && rng.gen_bool(0.15) => "Не дозвонились",
                    _ => pick(rng, OUTCOMES),
                };
                data.outcome = Some(outcome.to_owned());
                let at = business_instant(rng, start, end.min(now));
                let ends = match channel {
                    Channel::Call => Some(at + rng.gen_range(1..25) * MINUTE),
                    Channel::Meeting => Some(at + rng.gen_range(30..120) * MINUTE),
                    _ => None,
                }
                .map(|e| e.min(now));
                data.start_at = Some(ts(at));
                data.end_at = ends.map(ts);
                let logged = (ends.unwrap_or(at) + rng.gen_range(0..30) * MINUTE).min(now);
                (ActivityStatus::Completed, logged, Some(logged))
            }
        };
        data.status = Some(status);
        Activity {
            id: 0,
            data,
            completed_at: completed.map(ts),
            meta: meta(owner, created, completed.unwrap_or(created).max(created)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::actor::Actor;
    use sqlx::Row;
    use voronka_core::records::RecordData;

    fn context() -> Context {
        let kinds = [
            (10, StageKind::Open),
            (20, StageKind::Open),
            (50, StageKind::Open),
            (80, StageKind::Open),
            (100, StageKind::Won),
            (0, StageKind::Lost),
        ];
        Context {
            pipeline_id: 1,
            stages: kinds
                .iter()
                .enumerate()
                .map(|(i, &(probability, kind))| StageInfo {
                    id: 11 + i as i64,
                    kind,
                    probability,
                })
                .collect(),
            sources: (1..=7).collect(),
            loss_reasons: (8..=12).collect(),
            next: NextIds {
                account: 1,
                contact: 1,
                deal: 1,
                lead: 1,
                invoice: 1,
                payment: 1,
            },
            inns: HashSet::new(),
            managers: vec![vec![2, 3, 4, 5], vec![7, 8, 9, 10]],
            products: OFFERS
                .iter()
                .enumerate()
                .map(|(s, (_, items))| {
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| DemoProduct {
                            id: (100 * s + i) as Id + 1,
                            name: item.name.to_owned(),
                            unit: item.unit.to_owned(),
                            price_minor: item.price * 100,
                            cost_minor: item.cost * 100,
                            vat: VatRate::parse(item.vat).unwrap(),
                        })
                        .collect()
                })
                .collect(),
            vat: vec![
                rule(20, None, Some("2025-12-31"), true),
                rule(22, Some("2026-01-01"), None, true),
                rule(10, None, None, false),
            ],
            regime: TaxRegime::General,
            invoice_format: NumberFormat::parse("{year}-{seq:05}").unwrap(),
            seller: "null".into(),
            invoice_seq: HashMap::from([(2025, 41)]),
        }
    }

    /// A general-regime VAT rule, as the seeded `vat_rates` hold them.
    fn rule(percent: u8, from: Option<&str>, to: Option<&str>, is_default: bool) -> VatRule {
        let day = |d: &str| Day::parse(d).unwrap();
        VatRule {
            rate: VatRate::Percent(percent),
            regime: TaxRegime::General,
            valid_from: from.map(day),
            valid_to: to.map(day),
            is_default,
        }
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-23T12:00:00Z").unwrap()
    }

    fn int(row: &Columns, column: &str) -> i64 {
        match row.iter().find(|(c, _)| *c == column) {
            Some((_, SqValue::BigInt(Some(v)))) => *v,
            other => panic!("{column}: {other:?}"),
        }
    }

    fn text(row: &Columns, column: &str) -> String {
        match row.iter().find(|(c, _)| *c == column) {
            Some((_, SqValue::String(Some(v)))) => v.to_string(),
            other => panic!("{column}: {other:?}"),
        }
    }

    fn generator(seed: u64, deals: usize) -> Generator {
        Generator::new(seed, now(), context(), deals).unwrap()
    }

    fn accounts(g: &mut Generator, n: usize) -> Vec<NewAccount> {
        (0..n).map(|_| g.make_account().unwrap()).collect()
    }

    #[test]
    fn requisites_pass_every_check() {
        let mut g = generator(1, 10_000);
        for a in accounts(&mut g, 2000) {
            let d = &a.account.data;
            let inn = d.inn.as_deref().unwrap();
            let ogrn = d.ogrn.as_deref().unwrap();
            let bic = d.bic.as_deref().unwrap();
            legal::validate_inn(inn).unwrap();
            legal::validate_bic(bic).unwrap();
            legal::validate_settlement_account(d.settlement_account.as_deref().unwrap(), bic)
                .unwrap();
            legal::validate_correspondent_account(d.correspondent_account.as_deref().unwrap(), bic)
                .unwrap();
            if d.name.starts_with("ИП ") {
                assert_eq!(inn.len(), 12, "{}", d.name);
                legal::validate_ogrnip(ogrn).unwrap();
                assert!(d.kpp.is_none());
                assert!(
                    d.settlement_account
                        .as_deref()
                        .unwrap()
                        .starts_with("40802810")
                );
            } else {
                assert_eq!(inn.len(), 10, "{}", d.name);
                legal::validate_ogrn(ogrn).unwrap();
                let kpp = d.kpp.as_deref().unwrap();
                legal::validate_kpp(kpp).unwrap();
                assert_eq!(&kpp[..4], &inn[..4], "KPP and INN share the tax office");
                assert!(d.name.contains('«') && d.name.ends_with('»'), "{}", d.name);
            }
            // Already in the form the application would store.
            assert_eq!(d.clone().validate().unwrap(), *d);
        }
    }

    #[test]
    fn inns_are_unique_and_avoid_existing_ones() {
        let mut ctx = context();
        let mut g = Generator::new(5, now(), context(), 10).unwrap();
        let first = g.make_account().unwrap().account.data.inn.unwrap();
        ctx.inns.insert(first.clone());
        let mut again = Generator::new(5, now(), ctx, 10).unwrap();
        assert_ne!(
            again.make_account().unwrap().account.data.inn.unwrap(),
            first
        );
        let mut seen = HashSet::new();
        for a in accounts(&mut g, 3000) {
            assert!(seen.insert(a.account.data.inn.unwrap()));
        }
    }

    #[test]
    fn bank_details_are_the_real_ones() {
        let known = [
            ("044525225", "30101810400000000225"),
            ("044525593", "30101810200000000593"),
            ("044525187", "30101810700000000187"),
            ("044525555", "30101810400000000555"),
            ("044525700", "30101810200000000700"),
            ("044030653", "30101810500000000653"),
            ("044030790", "30101810900000000790"),
        ];
        for (bic, account) in known {
            assert_eq!(
                correspondent_account(bic).as_deref(),
                Some(account),
                "{bic}"
            );
        }
        for bank in MOSCOW_BANKS.iter().chain(SPB_BANKS) {
            assert!(
                known.iter().any(|(bic, _)| *bic == bank.bic),
                "{}",
                bank.bic
            );
        }
    }

    #[test]
    fn names_agree_in_gender() {
        let mut rng = StdRng::seed_from_u64(3);
        let (mut men, mut women) = (0, 0);
        for _ in 0..5000 {
            let p = person(&mut rng);
            let surname = SURNAMES
                .iter()
                .find(|s| **s == p.last || feminine(s) == p.last)
                .unwrap();
            if p.female {
                women += 1;
                assert!(FEMALE_NAMES.contains(&p.first), "{p:?}");
                assert!(p.middle.ends_with("на"), "{p:?}");
                assert_eq!(p.last, feminine(surname), "{p:?}");
                assert!(
                    p.last.ends_with('а')
                        || p.last.ends_with("ая")
                        || p.last.ends_with("ко")
                        || p.last.ends_with("ых"),
                    "{p:?}"
                );
            } else {
                men += 1;
                assert!(MALE_NAMES.iter().any(|m| m.0 == p.first), "{p:?}");
                assert!(p.middle.ends_with("ич"), "{p:?}");
                assert_eq!(p.last, *surname, "{p:?}");
            }
        }
        assert!(men > 2000 && women > 1500);
        assert_eq!(feminine("Иванов"), "Иванова");
        assert_eq!(feminine("Ильин"), "Ильина");
        assert_eq!(feminine("Троицкий"), "Троицкая");
        assert_eq!(feminine("Покровский"), "Покровская");
        assert_eq!(feminine("Толстой"), "Толстая");
        assert_eq!(feminine("Шевченко"), "Шевченко");
    }

    #[test]
    fn entrepreneurs_are_their_own_first_contact() {
        let mut g = generator(9, 10_000);
        let mut seen = 0;
        for a in accounts(&mut g, 500) {
            let d = &a.account.data;
            if let Some(rest) = d.name.strip_prefix("ИП ") {
                let c = &a.contacts[0].data;
                let expected = format!(
                    "{} {}. {}.",
                    c.last_name.as_deref().unwrap(),
                    initial(c.first_name.as_deref().unwrap()),
                    initial(c.middle_name.as_deref().unwrap())
                );
                assert_eq!(rest, expected);
                seen += 1;
            }
        }
        assert!(seen > 50);
    }

    #[test]
    fn contacts_and_leads_are_valid_as_stored() {
        let mut g = generator(2, 4000);
        let mut converted = 0;
        for a in accounts(&mut g, 800) {
            assert!(!a.contacts.is_empty() && a.contacts.len() <= 2);
            for c in &a.contacts {
                assert_eq!(c.data.clone().validate().unwrap(), c.data);
                assert_eq!(c.data.account_id, Some(a.account.id));
                assert_eq!(c.meta.owner_id, a.account.meta.owner_id);
            }
            if let Some(l) = a.lead {
                converted += 1;
                assert_eq!(l.data.clone().validate().unwrap(), l.data);
                assert_eq!(l.data.status, LeadStatus::Converted);
                assert_eq!(l.converted_account_id, Some(a.account.id));
                assert_eq!(l.converted_contact_id, Some(a.contacts[0].id));
                assert!(l.meta.created_at < l.converted_at.unwrap());
            }
        }
        assert!(converted > 100);
        let mut statuses = HashSet::new();
        for _ in 0..1000 {
            let l = g.make_lead();
            assert_eq!(l.data.clone().validate().unwrap(), l.data);
            l.data.check_new().unwrap();
            assert!(l.meta.created_at <= l.meta.updated_at && l.meta.updated_at <= now());
            assert_eq!(
                l.data.disqualify_reason.is_some(),
                l.data.status == LeadStatus::Disqualified
            );
            statuses.insert(l.data.status);
        }
        assert_eq!(statuses.len(), 3);
    }

    #[test]
    fn deals_have_a_consistent_history_and_activities() {
        let deals = 3000;
        let mut g = generator(4, deals);
        let n = g.total_accounts;
        accounts(&mut g, n);
        let now = micros(now());
        let mut stages_seen = HashSet::new();
        let mut own_estimates = 0;
        let mut backwards = 0;
        let mut activities = 0;
        let (mut with_lines, mut rates) = (0, HashSet::new());
        let (mut invoices, mut paid, mut partly, mut numbers) = (0, 0, 0, HashSet::new());
        for _ in 0..deals {
            let d = g.make_deal().unwrap();
            let deal = &d.deal;
            match (&d.invoice, &d.lines) {
                (Some(inv), Some(lines)) => {
                    invoices += 1;
                    let i = &inv.invoice;
                    assert_eq!(deal.status, StageKind::Won);
                    assert_eq!(int(i, "deal_id"), deal.id);
                    assert_eq!(Some(int(i, "account_id")), deal.data.account_id);
                    assert_eq!(text(i, "title"), deal.data.title);
                    assert_eq!(int(i, "owner_id"), deal.meta.owner_id);
                    // Issued once the deal was won, numbered in its year.
                    let issued = Timestamp::parse(&text(i, "issued_at")).unwrap();
                    let closed = deal.closed_at.unwrap();
                    assert!(
                        issued > closed && issued <= ts(now),
                        "{issued:?} {closed:?}"
                    );
                    let day = text(i, "doc_date");
                    assert_eq!(day, issued.day().to_db());
                    assert!(text(i, "due_date") > day);
                    let (year, seq) = (int(i, "year"), int(i, "seq"));
                    assert_eq!(day[..4].parse::<i64>().unwrap(), year);
                    assert_eq!(text(i, "number"), format!("{year}-{seq:05}"));
                    assert!(numbers.insert((year, seq)));
                    // The earlier run's numbers of 2025 are not taken again.
                    assert!(year != 2025 || seq > 41);
                    // The deal's products, with the VAT of the invoice's day.
                    assert_eq!(inv.lines.len(), lines.rows.len());
                    let general = if day.as_str() < "2026-01-01" {
                        "20"
                    } else {
                        "22"
                    };
                    for (k, (l, r)) in inv.lines.iter().zip(&lines.rows).enumerate() {
                        assert_eq!(text(l, "doc_kind"), "invoice");
                        assert_eq!(int(l, "doc_id"), int(i, "id"));
                        assert_eq!(int(l, "position"), k as i64);
                        for c in [
                            "product_id",
                            "quantity_milli",
                            "unit_price_minor",
                            "cost_minor",
                        ] {
                            assert_eq!(int(l, c), int(r, c), "{c}");
                        }
                        let rate = text(l, "vat_rate");
                        assert!(rate == general || rate == "10", "{rate} on {day}");
                    }
                    let sum = |c: &str| inv.lines.iter().map(|l| int(l, c)).sum::<i64>();
                    for c in ["net_minor", "vat_minor", "total_minor", "cost_minor"] {
                        assert_eq!(int(i, c), sum(c), "{c}");
                    }
                    assert_eq!(int(i, "cost_minor"), lines.cost_minor);
                    // Paid by one transfer allocated to it, in full or in part.
                    let (total, got) = (int(i, "total_minor"), int(i, "paid_minor"));
                    let status = text(i, "status");
                    match &inv.payment {
                        None => assert_eq!((got, status.as_str()), (0, "sent")),
                        Some((p, a)) => {
                            assert_eq!(int(p, "amount_minor"), got);
                            assert_eq!(int(p, "allocated_minor"), got);
                            assert_eq!(int(a, "amount_minor"), got);
                            assert_eq!(int(a, "invoice_id"), int(i, "id"));
                            assert_eq!(int(a, "payment_id"), int(p, "id"));
                            assert!(
                                text(p, "paid_on") > day
                                    && text(p, "paid_on") <= ts(now).day().to_db()
                            );
                            assert!(text(p, "description").contains(&text(i, "number")));
                            if got == total {
                                paid += 1;
                                assert_eq!(status, "paid");
                            } else {
                                partly += 1;
                                assert!(got > 0 && got < total);
                                assert_eq!(status, "partially_paid");
                            }
                        }
                    }
                }
                (None, Some(_)) => assert_ne!(deal.status, StageKind::Won),
                (None, None) => {}
                (Some(_), None) => panic!("an invoice without the deal's products"),
            }
            let created = micros(deal.meta.created_at);
            assert!(created >= now - 365 * DAY && created <= now - HOUR);
            assert_eq!(
                deal.data.clone().validate().unwrap().amount,
                deal.data.amount
            );
            assert_eq!(money::to_minor(deal.data.amount).unwrap(), d.amount_minor);
            match &d.lines {
                None => assert!((1_000_000..=500_000_000).contains(&d.amount_minor)),
                Some(l) => {
                    // The amount follows the products: their total with VAT.
                    with_lines += 1;
                    assert_eq!(l.total_minor, d.amount_minor);
                    assert!(!l.rows.is_empty() && l.rows.len() <= 3);
                    let sum = |c: &str| l.rows.iter().map(|r| int(r, c)).sum::<i64>();
                    assert_eq!(sum("total_minor"), l.total_minor);
                    assert_eq!(sum("net_minor"), l.net_minor);
                    assert_eq!(sum("cost_minor"), l.cost_minor);
                    assert!(l.net_minor < l.total_minor && l.cost_minor < l.net_minor);
                    let before_2026 =
                        deal.meta.created_at.day() < Day::parse("2026-01-01").unwrap();
                    let subject = DEAL_SUBJECTS
                        .iter()
                        .position(|s| deal.data.title.starts_with(s))
                        .unwrap();
                    for (i, r) in l.rows.iter().enumerate() {
                        assert_eq!(int(r, "doc_id"), deal.id);
                        assert_eq!(int(r, "position"), i as i64);
                        assert_eq!(text(r, "doc_kind"), "deal");
                        let product = int(r, "product_id");
                        assert!(g.ctx.products[subject].iter().any(|p| p.id == product));
                        // The general rate of the day the products were put
                        // on the deal, or the product's reduced one.
                        let rate = text(r, "vat_rate");
                        let general = if before_2026 { "20" } else { "22" };
                        assert!(rate == general || rate == "10", "{rate} on {deal:?}");
                        rates.insert(rate);
                    }
                }
            }
            let stage = g
                .ctx
                .stages
                .iter()
                .find(|s| Some(s.id) == deal.data.stage_id)
                .unwrap();
            stages_seen.insert(stage.id);
            assert_eq!(deal.status, stage.kind);
            assert_eq!(
                deal.effective_probability,
                deal.data.probability.unwrap_or(stage.probability)
            );
            if let Some(p) = deal.data.probability {
                own_estimates += 1;
                assert_eq!(deal.status, StageKind::Open);
                assert!(
                    (5..=95).contains(&p) && (p - stage.probability).abs() <= 10,
                    "{p} {}",
                    stage.probability
                );
            }
            // The history: from nowhere into the first open stage at creation,
            // then forward in time, ending in the current stage.
            let first = &d.moves[0];
            assert_eq!(first.from, None);
            assert_eq!(first.to, g.ctx.stages[g.open[0]].id);
            assert_eq!(first.at, created);
            for w in d.moves.windows(2) {
                assert!(w[1].at > w[0].at);
                assert_eq!(w[1].from, Some(w[0].to));
                assert_ne!(w[1].to, w[0].to);
            }
            let last = d.moves.last().unwrap();
            assert_eq!(Some(last.to), deal.data.stage_id);
            assert!(last.at <= now);
            assert_eq!(deal.meta.updated_at, ts(last.at));
            let positions: Vec<usize> = d
                .moves
                .iter()
                .map(|m| g.ctx.stages.iter().position(|s| s.id == m.to).unwrap())
                .collect();
            if positions.windows(2).any(|w| w[1] < w[0]) {
                backwards += 1;
            }
            match deal.status {
                StageKind::Open => assert!(deal.closed_at.is_none()),
                _ => assert_eq!(deal.closed_at, Some(ts(last.at))),
            }
            if deal.status == StageKind::Lost {
                assert!(deal.loss_reason_id.is_some() || deal.loss_reason.is_some());
            } else {
                assert!(deal.loss_reason_id.is_none() && deal.loss_reason.is_none());
            }
            for a in &d.activities {
                activities += 1;
                let status = a.data.status();
                assert!(a.data.kind.allows(status));
                a.data.clone().validate().unwrap();
                assert_eq!(a.data.related_id, deal.id);
                assert_eq!(a.completed_at.is_some(), status.is_closed(), "{a:?}");
                assert!(a.meta.created_at >= deal.meta.created_at, "{a:?}");
                assert!(a.meta.created_at <= ts(now), "{a:?}");
                if let Some(c) = a.completed_at {
                    assert!(c >= a.meta.created_at && c <= ts(now), "{a:?}");
                }
                if deal.status != StageKind::Open {
                    assert!(status.is_closed(), "{a:?}");
                }
            }
        }
        assert_eq!(stages_seen.len(), g.ctx.stages.len());
        // One open deal in ten has an estimate of its own.
        assert!((1..=deals / 10).contains(&own_estimates), "{own_estimates}");
        assert!((1500..2100).contains(&with_lines), "{with_lines}");
        assert_eq!(rates.len(), 3, "{rates:?}");
        assert!(backwards > 30, "{backwards}");
        assert!((2000..4000).contains(&activities), "{activities}");
        // A won deal in six or so, three in five of them with products.
        assert!((150..600).contains(&invoices), "{invoices}");
        assert!(
            paid > invoices * 3 / 4 && partly > 0,
            "{paid} {partly} of {invoices}"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let run = |seed| {
            let mut g = generator(seed, 100);
            let a = g.make_account().unwrap().account;
            let d = g.make_deal().unwrap().deal;
            (a, d)
        };
        assert_eq!(run(11), run(11));
        assert_ne!(run(11), run(12));
    }

    #[test]
    fn a_seed_gives_the_same_companies_and_people_on_any_day() {
        let names = |now: &str| {
            let at = Timestamp::parse(now).unwrap();
            let mut g = Generator::new(21, at, context(), 1000).unwrap();
            let n = g.total_accounts;
            (0..n)
                .map(|_| {
                    let a = g.make_account().unwrap();
                    let c = &a.contacts[0].data;
                    (a.account.data.name, a.account.data.inn, c.last_name.clone())
                })
                .collect::<Vec<_>>()
        };
        let monday = names("2026-11-23T12:00:00Z");
        assert_eq!(monday, names("2026-11-28T03:17:00Z"));
        assert_eq!(monday, names("2027-02-01T12:00:00Z"));
        assert_ne!(monday[0], monday[1]);
    }

    #[test]
    fn timelines_stay_in_office_hours() {
        let now = micros(now());
        let t = Timeline::business(now - 365 * DAY, now - HOUR);
        let mut rng = StdRng::seed_from_u64(1);
        let mut prev = 0;
        for i in 0..10_000 {
            let at = t.slot(&mut rng, i, 10_000);
            assert!(at > prev && at >= now - 365 * DAY && at <= now - HOUR);
            assert!(weekday(at.div_euclid(DAY)) < 5);
            let in_day = at.rem_euclid(DAY);
            assert!((WORK_START..WORK_START + WORK_LEN).contains(&in_day));
            prev = at;
        }
    }

    #[test]
    fn inserts_number_their_placeholders() {
        assert_eq!(
            insert_sql(Backend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_sql(Backend::Sqlite, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn translit_makes_domains() {
        assert_eq!(slug("СибСтройКомплект"), "sibstroykomplekt");
        assert_eq!(slug("Вектор-М"), "vektor-m");
        assert_eq!(
            slug("Первая строительная компания"),
            "pervaya-stroitelnaya-kompaniya"
        );
        assert_eq!(slug("Партнёр Плюс"), "partner-plyus");
    }

    async fn count(db: &Db, sql: &str) -> i64 {
        let mut r = db.reader().await.unwrap();
        sqlx::query(sql)
            .fetch_one(r.conn())
            .await
            .unwrap()
            .try_get::<i64, _>(0)
            .unwrap()
    }

    #[tokio::test]
    async fn demo_fills_a_fresh_database() {
        let (db, _url) = crate::testing::fresh_db().await.unwrap();
        let catalogue = OFFERS.iter().map(|(_, items)| items.len() as i64).sum();
        let options = DemoOptions {
            deals: 300,
            seed: 7,
            password_hash: "$argon2id$demo".into(),
        };
        let reports = std::sync::Mutex::new(Vec::new());
        let s = generate(&db, &options, &|p| reports.lock().unwrap().push(p))
            .await
            .unwrap();
        assert_eq!((s.deals, s.accounts, s.leads), (300, 60, 75));
        assert_eq!(s.users.len(), 10);
        assert!(s.users.iter().all(|u| u.created));
        assert!((60..=120).contains(&s.contacts));
        let last = reports.lock().unwrap().last().copied().unwrap();
        assert_eq!(last.phase, Phase::Finishing);
        // PostgreSQL's planner has the statistics of what was just loaded.
        if db.backend() == Backend::Postgres {
            assert_eq!(
                count(
                    &db,
                    "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE oid = CAST('deals' AS regclass)"
                )
                .await,
                300
            );
        }

        for (sql, expected) in [
            ("SELECT COUNT(*) FROM deals", 300),
            ("SELECT COUNT(*) FROM accounts", 60),
            ("SELECT COUNT(*) FROM leads", 75),
            ("SELECT COUNT(*) FROM contacts", s.contacts as i64),
            ("SELECT COUNT(*) FROM activities", s.activities as i64),
            (
                "SELECT COUNT(*) FROM deal_stage_history",
                s.stage_moves as i64,
            ),
            ("SELECT COUNT(*) FROM users", 10),
            ("SELECT COUNT(*) FROM teams WHERE head_id IS NOT NULL", 2),
            (
                "SELECT COUNT(*) FROM audit_log WHERE entity IN ('account', 'contact', 'lead', 'deal', 'user', 'team')",
                0,
            ),
            (
                "SELECT COUNT(*) FROM search_index",
                (300 + 60 + 75 + s.contacts) as i64,
            ),
            // Every stage of the default pipeline holds deals.
            (
                "SELECT COUNT(*) FROM stages s WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.stage_id = s.id)",
                0,
            ),
            // Each deal's last move is into its current stage…
            (
                "SELECT COUNT(*) FROM deals d WHERE d.stage_id <> (SELECT h.to_stage_id FROM deal_stage_history h \
                 WHERE h.deal_id = d.id ORDER BY h.at DESC, h.id DESC LIMIT 1)",
                0,
            ),
            (
                "SELECT COUNT(*) FROM deals d WHERE NOT EXISTS (SELECT 1 FROM deal_stage_history h WHERE h.deal_id = d.id)",
                0,
            ),
            // …and no move is before the deal was opened.
            (
                "SELECT COUNT(*) FROM deal_stage_history h JOIN deals d ON d.id = h.deal_id WHERE h.at < d.created_at",
                0,
            ),
            (
                "SELECT COUNT(*) FROM deals d JOIN stages s ON s.id = d.stage_id \
                 WHERE d.status <> s.kind OR d.effective_probability <> COALESCE(d.probability, s.probability)",
                0,
            ),
            (
                "SELECT COUNT(*) FROM deals WHERE (status = 'open') = (closed_at IS NOT NULL)",
                0,
            ),
            (
                "SELECT COUNT(*) FROM accounts a WHERE kind = 'customer' AND NOT EXISTS \
                 (SELECT 1 FROM deals d WHERE d.account_id = a.id AND d.status = 'won')",
                0,
            ),
            (
                "SELECT COUNT(*) FROM accounts a WHERE kind = 'prospect' AND EXISTS \
                 (SELECT 1 FROM deals d WHERE d.account_id = a.id AND d.status = 'won')",
                0,
            ),
            ("SELECT COUNT(*) FROM products", catalogue),
            (
                "SELECT COUNT(*) FROM doc_lines WHERE doc_kind = 'deal'",
                s.deal_lines as i64,
            ),
            // A deal with products has the amount, net and cost of its lines;
            // one without has none, and its amount was typed.
            (
                "SELECT COUNT(*) FROM deals d LEFT JOIN (SELECT doc_id, SUM(total_minor) AS t, \
                 SUM(net_minor) AS n, SUM(cost_minor) AS c, COUNT(*) AS k FROM doc_lines \
                 WHERE doc_kind = 'deal' GROUP BY doc_id) l ON l.doc_id = d.id \
                 WHERE CASE WHEN d.amount_from_lines THEN l.t IS NULL OR l.t <> d.amount_minor \
                 OR l.n <> d.lines_net_minor OR l.c <> d.lines_cost_minor OR l.k <> d.lines_count \
                 ELSE l.t IS NOT NULL OR d.lines_count <> 0 END",
                0,
            ),
            // The history carries the amount the deal has.
            (
                "SELECT COUNT(*) FROM deal_stage_history h JOIN deals d ON d.id = h.deal_id \
                 WHERE h.amount_minor <> d.amount_minor",
                0,
            ),
            // Every won deal with products was invoiced, once; no other deal.
            ("SELECT COUNT(*) FROM invoices", s.invoices as i64),
            (
                "SELECT COUNT(*) FROM deals d WHERE d.status = 'won' AND d.amount_from_lines",
                s.invoices as i64,
            ),
            (
                "SELECT COUNT(DISTINCT i.deal_id) FROM invoices i JOIN deals d ON d.id = i.deal_id \
                 WHERE d.status = 'won' AND d.amount_from_lines AND i.account_id = d.account_id",
                s.invoices as i64,
            ),
            (
                "SELECT COUNT(*) FROM doc_lines WHERE doc_kind = 'invoice'",
                s.invoice_lines as i64,
            ),
            // An invoice's figures are its lines'…
            (
                "SELECT COUNT(*) FROM invoices i LEFT JOIN (SELECT doc_id, SUM(total_minor) AS t, \
                 SUM(net_minor) AS n, SUM(vat_minor) AS v, SUM(cost_minor) AS c FROM doc_lines \
                 WHERE doc_kind = 'invoice' GROUP BY doc_id) l ON l.doc_id = i.id \
                 WHERE l.t IS NULL OR l.t <> i.total_minor OR l.n <> i.net_minor \
                 OR l.v <> i.vat_minor OR l.c <> i.cost_minor",
                0,
            ),
            // …what it was paid is what the payments allocated to it, and its
            // status follows.
            ("SELECT COUNT(*) FROM payments", s.payments as i64),
            (
                "SELECT COUNT(*) FROM invoices i WHERE i.paid_minor <> (SELECT \
                 COALESCE(SUM(a.amount_minor), 0) FROM payment_allocations a WHERE a.invoice_id = i.id) \
                 OR i.status <> CASE WHEN i.paid_minor = 0 THEN 'sent' \
                 WHEN i.paid_minor < i.total_minor THEN 'partially_paid' ELSE 'paid' END",
                0,
            ),
            (
                "SELECT COUNT(*) FROM payments p WHERE p.allocated_minor <> (SELECT \
                 COALESCE(SUM(a.amount_minor), 0) FROM payment_allocations a WHERE a.payment_id = p.id)",
                0,
            ),
            // The next number the application gives follows the demo's.
            (
                "SELECT COUNT(*) FROM (SELECT year, MAX(seq) AS m FROM invoices GROUP BY year) x \
                 LEFT JOIN doc_counters c ON c.kind = 'invoice' AND c.year = x.year \
                 WHERE c.last_seq IS NULL OR c.last_seq <> x.m",
                0,
            ),
        ] {
            assert_eq!(count(&db, sql).await, expected, "{sql}");
        }
        // The board's totals agree with the deals.
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM (SELECT stage_id, owner_id, COUNT(*) AS n, SUM(amount_minor) AS a, \
                 COALESCE(SUM(probability), 0) AS ps, COUNT(probability) AS pn \
                 FROM deals GROUP BY stage_id, owner_id) d LEFT JOIN deal_totals t \
                 ON t.stage_id = d.stage_id AND t.owner_id = d.owner_id \
                 WHERE t.deals IS NULL OR t.deals <> d.n OR t.amount_minor <> d.a \
                 OR t.probability_sum <> d.ps OR t.probability_n <> d.pn"
            )
            .await,
            0
        );
        assert_eq!(
            count(&db, "SELECT CAST(SUM(deals) AS BIGINT) FROM deal_totals").await,
            300
        );
        let won = count(&db, "SELECT COUNT(*) FROM deals WHERE status = 'won'").await;
        assert!(won > 0);
        let with_lines = count(&db, "SELECT COUNT(*) FROM deals WHERE amount_from_lines").await;
        assert!((120..240).contains(&with_lines), "{with_lines}");

        // The application reads a demo deal's products as it reads its own.
        let id = count(&db, "SELECT MIN(id) FROM deals WHERE amount_from_lines").await;
        let products = crate::documents::deal_products(&db, &Actor::system(), id)
            .await
            .unwrap();
        let deal = table::load::<Deal>(&mut db.reader().await.unwrap(), id)
            .await
            .unwrap()
            .unwrap();
        assert!(products.amount_from_lines);
        assert_eq!(products.total, deal.data.amount);
        assert_eq!(products.gross_profit, products.net - products.cost);
        assert!(products.gross_profit > Decimal::ZERO);
        assert!(products.lines.iter().all(|l| l.product_id.is_some()));

        // The application reads a demo invoice as one it issued, and the
        // rest of a partly paid one can be paid there.
        assert!(s.invoices > 0 && s.payments > 0);
        let partly = count(
            &db,
            "SELECT COALESCE(MIN(id), 0) FROM invoices WHERE status = 'partially_paid'",
        )
        .await;
        let id = if partly > 0 {
            partly
        } else {
            count(&db, "SELECT MIN(id) FROM invoices").await
        };
        let system = Actor::system();
        let inv = crate::documents::get(&db, &system, DocKind::Invoice, id)
            .await
            .unwrap();
        let account =
            table::load::<Account>(&mut db.reader().await.unwrap(), inv.account_id.unwrap())
                .await
                .unwrap()
                .unwrap();
        let payer = inv.payer.clone().unwrap();
        assert_eq!(payer["name"], account.data.name.as_str());
        assert_eq!(payer["inn"], account.data.inn.clone().unwrap().as_str());
        assert!(inv.number.is_some() && inv.issued_at.is_some());
        assert_eq!(
            inv.lines.iter().map(|l| l.total).sum::<Decimal>(),
            inv.total
        );
        let rest = inv.total - inv.paid.unwrap();
        if rest > Decimal::ZERO {
            crate::payments::create(
                &db,
                &system,
                serde_json::json!({
                    "direction": "incoming", "account_id": account.id, "amount": rest.to_string(),
                    "method": "bank_transfer", "allocations": [{"invoice_id": id}],
                    "owner_id": inv.meta.owner_id,
                }),
            )
            .await
            .unwrap();
            let after = crate::documents::get(&db, &system, DocKind::Invoice, id)
                .await
                .unwrap();
            assert_eq!(after.paid, Some(inv.total));
            assert_eq!(after.status.as_str(), "paid");
        }

        // Records read back exactly, and search finds them as the application indexes them.
        let mut r = db.reader().await.unwrap();
        let id: i64 = sqlx::query("SELECT MIN(id) FROM accounts")
            .fetch_one(r.conn())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        let account = table::load::<Account>(&mut r, id).await.unwrap().unwrap();
        let inn = account.data.inn.clone().unwrap();
        let hits = crate::search::search(&mut r, &Actor::system(), &inn, 10)
            .await
            .unwrap();
        assert!(
            hits.iter()
                .any(|h| h.entity == EntityKind::Account && h.id == account.id),
            "{hits:?}"
        );
        let deal = table::load::<Deal>(&mut r, 1).await.unwrap().unwrap();
        let word = deal
            .data
            .title
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        let hits = crate::search::search(&mut r, &Actor::system(), &word, 100)
            .await
            .unwrap();
        assert!(
            hits.iter().any(|h| h.entity == EntityKind::Deal),
            "{hits:?}"
        );
        let dups = count(
            &db,
            &format!("SELECT COUNT(*) FROM dedup_keys WHERE key_type = 'inn' AND value = '{inn}'"),
        )
        .await;
        assert_eq!(dups, 1);
        drop(r);

        // The demo's bulk search rows are exactly what `search::put` writes
        // (were they not, the demo would fall back to `put`, slowly).
        let mut r = db.reader().await.unwrap();
        let contact = table::load::<Contact>(&mut r, 1).await.unwrap().unwrap();
        drop(r);
        for (n, entry) in [
            (EntityKind::Account, account.search_doc().unwrap()),
            (EntityKind::Contact, contact.search_doc().unwrap()),
        ]
        .into_iter()
        .enumerate()
        {
            let (kind, doc) = entry;
            let id = 900_000 + n as i64;
            let mirrored = db
                .write(move |tx| boxed(async move { mirrors_put(tx, &(kind, id, 2, doc)).await }))
                .await
                .unwrap();
            assert!(
                mirrored,
                "{kind:?}: update demo::search_rows to match search::put"
            );
        }

        // A second run adds more and reuses the users; its invoices number
        // after the first run's even where a run stopped before moving the
        // counters on (as if this one had).
        sqlx::query("UPDATE doc_counters SET last_seq = 1 WHERE kind = 'invoice'")
            .execute(db.write_pool())
            .await
            .unwrap();
        let again = DemoOptions {
            seed: 8,
            ..options.clone()
        };
        let s2 = generate(&db, &again, &|_| {}).await.unwrap();
        assert_eq!(s2.deals, 300);
        assert!(s2.users.iter().all(|u| !u.created));
        assert_eq!(
            s2.users,
            s.users
                .iter()
                .map(|u| DemoUser {
                    created: false,
                    ..u.clone()
                })
                .collect::<Vec<_>>()
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM deals").await, 600);
        assert_eq!(
            count(&db, "SELECT CAST(SUM(deals) AS BIGINT) FROM deal_totals").await,
            600
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM accounts").await, 120);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 10);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM products").await, catalogue);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM invoices").await,
            (s.invoices + s2.invoices) as i64
        );
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM (SELECT year, MAX(seq) AS m FROM invoices GROUP BY year) x \
                 JOIN doc_counters c ON c.kind = 'invoice' AND c.year = x.year WHERE c.last_seq = x.m"
            )
            .await,
            count(&db, "SELECT COUNT(DISTINCT year) FROM invoices").await
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM teams").await, 2);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM (SELECT inn FROM accounts GROUP BY inn HAVING COUNT(*) > 1) x"
            )
            .await,
            0
        );

        // The application's own inserts carry on after the demo's ids.
        let owner = s.users[1].id;
        let created: Account = crate::rules::create(
            &db,
            &Actor::system(),
            serde_json::json!({"name": "ООО «Проверка»", "owner_id": owner}),
        )
        .await
        .unwrap();
        assert_eq!(created.id, 121);
        let deal: Deal = crate::rules::create(
            &db,
            &Actor::system(),
            serde_json::json!({"title": "Проверка", "account_id": created.id, "owner_id": owner, "amount": "1000"}),
        )
        .await
        .unwrap();
        assert_eq!(deal.id, 601);
        // So do its invoices, numbered after the demo's.
        let invoice = crate::documents::create(
            &db,
            &Actor::system(),
            DocKind::Invoice,
            serde_json::json!({"deal_id": deal.id, "owner_id": owner,
                "lines": [{"name": "Проверка", "quantity": "1", "unit_price": "1000"}]}),
        )
        .await
        .unwrap();
        let max = count(
            &db,
            "SELECT MAX(id) FROM invoices WHERE id < (SELECT MAX(id) FROM invoices)",
        )
        .await;
        assert_eq!(invoice.id, max + 1);
        let year = invoice.doc_date.inner().year();
        let last = count(
            &db,
            &format!("SELECT COALESCE(MAX(seq), 0) FROM invoices WHERE year = {year}"),
        )
        .await;
        let sent = crate::documents::invoice_action(
            &db,
            &Actor::system(),
            invoice.id,
            voronka_core::documents::InvoiceAction::Send,
        )
        .await
        .unwrap();
        assert_eq!(sent.number, Some(format!("{year}-{:05}", last + 1)));
        db.close().await;
    }
}
