//! Connections, transactions and the small amount of glue that lets one SQL
//! code path serve SQLite and PostgreSQL through sqlx's `Any` driver.

use crate::error::{Result, StoreError};
use futures::FutureExt;
use futures::future::BoxFuture;
use sea_query::{PostgresQueryBuilder, QueryBuilder, SqliteQueryBuilder};
use sea_query_binder::{SqlxBinder, SqlxValues};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Row, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use voronka_core::{Day, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub(crate) fn builder(self) -> &'static dyn QueryBuilder {
        match self {
            Backend::Sqlite => &SqliteQueryBuilder,
            Backend::Postgres => &PostgresQueryBuilder,
        }
    }
}

/// A clock that tests can stop. Production reads the system time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_utc(time::OffsetDateTime::now_utc())
    }
}

/// The database handle shared by every request.
///
/// SQLite allows one writer at a time, so writes go through a pool of a single
/// connection (no lock contention, no `SQLITE_BUSY` inside a transaction) while
/// reads use a separate pool that WAL lets run beside the writer. On
/// PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    clock: Arc<dyn Clock>,
    /// SQLite: the queue of the group-commit writer.
    queue: Option<mpsc::Sender<Job>>,
}

pub struct ConnectOptions {
    pub max_connections: u32,
    pub clock: Arc<dyn Clock>,
    /// SQLite: commit concurrent writes together (see [`writer_loop`]).
    pub group_commit: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            max_connections: 16,
            clock: Arc::new(SystemClock),
            group_commit: true,
        }
    }
}

type AnyOut = Box<dyn std::any::Any + Send>;
type RunJob = Box<dyn for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<AnyOut>> + Send>;

/// One action waiting for the group-commit writer.
struct Job {
    run: RunJob,
    reply: oneshot::Sender<Result<AnyOut>>,
}

/// The most actions committed together; bounds the work lost to one failed commit.
const MAX_BATCH: usize = 256;

/// Group commit for SQLite.
///
/// With `synchronous = FULL` every commit waits for the disk (an fsync), so
/// one commit per action caps throughput at the disk's fsync rate. Here the
/// single writer takes every action already waiting, runs each inside its own
/// savepoint of one transaction (a failing action rolls back to its savepoint
/// and leaves no trace), commits once, and only then answers each caller. An
/// acknowledged write is as durable as with a commit of its own; actions stay
/// atomic and isolated from each other's failures.
async fn writer_loop(
    pool: AnyPool,
    mut rx: mpsc::Receiver<Job>,
    backend: Backend,
    clock: Arc<dyn Clock>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let tx = match pool.begin().await {
            Ok(tx) => tx,
            Err(e) => {
                let msg = e.to_string();
                for job in batch {
                    let _ = job.reply.send(Err(StoreError::Commit(msg.clone())));
                }
                continue;
            }
        };
        let mut tx = Tx {
            tx,
            backend,
            now: clock.now(),
        };
        let mut done = Vec::with_capacity(batch.len());
        for job in batch {
            tx.now = clock.now();
            let out = run_in_savepoint(&mut tx, job.run).await;
            done.push((job.reply, out));
        }
        let committed = tx.tx.commit().await.map_err(|e| e.to_string());
        for (reply, out) in done {
            let out = match (&committed, out) {
                (Ok(()), out) => out,
                (Err(msg), Ok(_)) => Err(StoreError::Commit(msg.clone())),
                (Err(_), Err(e)) => Err(e),
            };
            let _ = reply.send(out);
        }
    }
}

async fn run_in_savepoint(tx: &mut Tx, run: RunJob) -> Result<AnyOut> {
    sqlx::query("SAVEPOINT action").execute(tx.conn()).await?;
    let out = match std::panic::AssertUnwindSafe(run(tx)).catch_unwind().await {
        Ok(out) => out,
        Err(_) => Err(StoreError::corrupt(
            "an action panicked; it was rolled back",
        )),
    };
    if out.is_err() {
        sqlx::query("ROLLBACK TO SAVEPOINT action")
            .execute(tx.conn())
            .await?;
    }
    sqlx::query("RELEASE SAVEPOINT action")
        .execute(tx.conn())
        .await?;
    out
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db> {
        Self::connect_with(url, ConnectOptions::default()).await
    }

    pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Migration(format!(
                "unsupported database URL (expected sqlite:… or postgres://…): {}",
                redact(url)
            ))
        })?;
        let (read, write, grouped) = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                // The writer is created first so that it sets WAL mode before readers open.
                let write = sqlite_pool(&url, 1).connect(&url).await?;
                let read = sqlite_pool(&url, options.max_connections)
                    .connect(&url)
                    .await?;
                (read, write, options.group_commit)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // A report over the roll-ups reads a few thousand rows
                            // but is estimated far dearer, so PostgreSQL compiled
                            // it first: 200 ms of JIT for 13 ms of work
                            // (docs/benchmarks.md). Nothing here runs long enough
                            // to win the compile time back. Servers before 11
                            // have no JIT and no such setting (42704).
                            match sqlx::query("SET jit = off").execute(&mut *conn).await {
                                Err(sqlx::Error::Database(e))
                                    if e.code().as_deref() == Some("42704") =>
                                {
                                    Ok(())
                                }
                                other => other.map(|_| ()),
                            }
                        })
                    })
                    .connect(url)
                    .await?;
                (pool.clone(), pool, false)
            }
        };
        let queue = grouped.then(|| {
            let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
            tokio::spawn(writer_loop(
                write.clone(),
                receiver,
                backend,
                options.clock.clone(),
            ));
            sender
        });
        Ok(Db {
            inner: Arc::new(Inner {
                read,
                write,
                backend,
                clock: options.clock,
                queue,
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    pub async fn close(&self) {
        self.inner.read.close().await;
        self.inner.write.close().await;
    }

    /// Is the database answering? Used by `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.inner.read).await?;
        Ok(())
    }

    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back
    /// otherwise, so a failed action leaves nothing half-written.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>> + Send + 'static,
    {
        if let Some(queue) = &self.inner.queue {
            let run: RunJob = Box::new(move |tx: &mut Tx| -> BoxFuture<'_, Result<AnyOut>> {
                Box::pin(async move { f(tx).await.map(|v| Box::new(v) as AnyOut) })
            });
            let (reply, answer) = oneshot::channel();
            queue
                .send(Job { run, reply })
                .await
                .map_err(|_| StoreError::Commit("the database writer has stopped".into()))?;
            let out = answer
                .await
                .map_err(|_| StoreError::Commit("the database writer has stopped".into()))??;
            return out
                .downcast::<T>()
                .map(|b| *b)
                .map_err(|_| StoreError::corrupt("writer returned an unexpected type"));
        }
        let tx = self.inner.write.begin().await?;
        let mut tx = Tx {
            tx,
            backend: self.inner.backend,
            now: self.now(),
        };
        let out = f(&mut tx).await;
        match out {
            Ok(v) => {
                tx.tx.commit().await?;
                Ok(v)
            }
            Err(e) => {
                if let Err(rollback) = tx.tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed");
                }
                Err(e)
            }
        }
    }

    /// A connection for reading, outside any transaction.
    pub async fn reader(&self) -> Result<Reader> {
        Ok(Reader {
            conn: self.inner.read.acquire().await?,
            backend: self.inner.backend,
        })
    }

    /// A read transaction: every statement in it sees the database as of
    /// its first read, so an answer read in several statements (the range
    /// of a field, then its groups, then its totals) adds up even while
    /// writes commit in between. Rolled back when dropped; it writes nothing.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut tx = self.inner.read.begin().await?;
        if self.inner.backend == Backend::Postgres {
            // READ COMMITTED would take a new snapshot for each statement.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(Snapshot {
            tx,
            backend: self.inner.backend,
        })
    }

    pub(crate) fn write_pool(&self) -> &AnyPool {
        &self.inner.write
    }
}

/// `sqlite://file.db` and `sqlite:file.db` both work; a missing file is created.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

const SQLITE_PRAGMAS: [&str; 6] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA cache_size = -65536",
    "PRAGMA temp_store = MEMORY",
];

fn sqlite_pool(_url: &str, max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // FULL: an acknowledged commit survives a power failure.
                for pragma in SQLITE_PRAGMAS {
                    sqlx::query(pragma).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
}

/// Hides the password in a database URL before it is printed or logged.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A write transaction, with the instant every change in it is stamped with.
pub struct Tx {
    tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    pub(crate) now: Timestamp,
}

/// A read connection.
pub struct Reader {
    conn: sqlx::pool::PoolConnection<Any>,
    pub(crate) backend: Backend,
}

/// Anything queries can run on: a transaction or a plain read connection.
pub trait Conn: Send {
    fn conn(&mut self) -> &mut AnyConnection;
    fn backend(&self) -> Backend;
    /// Whether a record read here should lock its row until commit. A write
    /// computes what it adds to the totals and roll-ups from the row it read,
    /// so two PostgreSQL transactions (READ COMMITTED, concurrent) changing
    /// the same deal must not both start from the same old row. SQLite's
    /// single writer serializes them already, and readers never write.
    fn locks_rows(&self) -> bool {
        false
    }
}

impl Conn for Tx {
    fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
    fn backend(&self) -> Backend {
        self.backend
    }
    fn locks_rows(&self) -> bool {
        self.backend == Backend::Postgres
    }
}

impl Conn for Reader {
    fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
    fn backend(&self) -> Backend {
        self.backend
    }
}

/// A read transaction ([`Db::snapshot`]); SQLite in WAL mode keeps one
/// snapshot from the first read on, as PostgreSQL's REPEATABLE READ does.
pub struct Snapshot {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl Conn for Snapshot {
    fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
    fn backend(&self) -> Backend {
        self.backend
    }
}

impl Tx {
    pub fn now(&self) -> Timestamp {
        self.now
    }
}

/// Builds a sea-query statement for the connection's dialect.
pub(crate) fn build<S: SqlxBinder>(c: &impl Conn, stmt: &S) -> (String, SqlxValues) {
    stmt.build_any_sqlx(c.backend().builder())
}

pub(crate) async fn fetch_all<S: SqlxBinder>(c: &mut impl Conn, stmt: &S) -> Result<Vec<AnyRow>> {
    let (sql, values) = build(c, stmt);
    Ok(sqlx::query_with(&sql, values).fetch_all(c.conn()).await?)
}

pub(crate) async fn fetch_optional<S: SqlxBinder>(
    c: &mut impl Conn,
    stmt: &S,
) -> Result<Option<AnyRow>> {
    let (sql, values) = build(c, stmt);
    Ok(sqlx::query_with(&sql, values)
        .fetch_optional(c.conn())
        .await?)
}

pub(crate) async fn execute<S: SqlxBinder>(c: &mut impl Conn, stmt: &S) -> Result<u64> {
    let (sql, values) = build(c, stmt);
    Ok(sqlx::query_with(&sql, values)
        .execute(c.conn())
        .await?
        .rows_affected())
}

/// Column readers that turn decoding surprises into [`StoreError::Corrupt`].
pub(crate) mod col {
    use super::*;
    use serde::de::DeserializeOwned;

    pub fn s(row: &AnyRow, c: &str) -> Result<String> {
        row.try_get::<String, _>(c).map_err(StoreError::from)
    }
    pub fn os(row: &AnyRow, c: &str) -> Result<Option<String>> {
        row.try_get::<Option<String>, _>(c)
            .map_err(StoreError::from)
    }
    pub fn i(row: &AnyRow, c: &str) -> Result<i64> {
        row.try_get::<i64, _>(c).map_err(StoreError::from)
    }
    pub fn oi(row: &AnyRow, c: &str) -> Result<Option<i64>> {
        row.try_get::<Option<i64>, _>(c).map_err(StoreError::from)
    }
    pub fn b(row: &AnyRow, c: &str) -> Result<bool> {
        match row.try_get::<bool, _>(c) {
            Ok(v) => Ok(v),
            Err(_) => Ok(i(row, c)? != 0),
        }
    }
    pub fn ts(row: &AnyRow, c: &str) -> Result<Timestamp> {
        Timestamp::parse(&s(row, c)?).map_err(|e| StoreError::corrupt(format!("{c}: {e}")))
    }
    pub fn ots(row: &AnyRow, c: &str) -> Result<Option<Timestamp>> {
        os(row, c)?
            .map(|v| Timestamp::parse(&v).map_err(|e| StoreError::corrupt(format!("{c}: {e}"))))
            .transpose()
    }
    pub fn oday(row: &AnyRow, c: &str) -> Result<Option<Day>> {
        os(row, c)?
            .map(|v| Day::parse(&v).map_err(|e| StoreError::corrupt(format!("{c}: {e}"))))
            .transpose()
    }
    /// A JSON array of strings (phones, e-mails).
    pub fn list(row: &AnyRow, c: &str) -> Result<Vec<String>> {
        serde_json::from_str(&s(row, c)?).map_err(|e| StoreError::corrupt(format!("{c}: {e}")))
    }
    /// A snake_case enum stored as its name.
    pub fn en<T: DeserializeOwned>(row: &AnyRow, c: &str) -> Result<T> {
        let v = s(row, c)?;
        serde_json::from_value(serde_json::Value::String(v))
            .map_err(|e| StoreError::corrupt(format!("{c}: {e}")))
    }
    pub fn oen<T: DeserializeOwned>(row: &AnyRow, c: &str) -> Result<Option<T>> {
        match os(row, c)? {
            None => Ok(None),
            Some(v) => serde_json::from_value(serde_json::Value::String(v))
                .map(Some)
                .map_err(|e| StoreError::corrupt(format!("{c}: {e}"))),
        }
    }
}

/// The name a snake_case serde enum is stored under.
pub(crate) fn enum_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Boxes an async block for [`Db::write`]. Saves a little noise at every call site.
pub fn boxed<'t, T>(
    f: impl std::future::Future<Output = Result<T>> + Send + 't,
) -> BoxFuture<'t, Result<T>> {
    Box::pin(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_printed() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/crm"),
            "postgres://app:***@db:5432/crm"
        );
        assert_eq!(redact("sqlite://voronka.db"), "sqlite://voronka.db");
    }

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite:x.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://x"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://x"), None);
    }
}
