//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL schema
//! when `VORONKA_TEST_DATABASE_URL` names a server (CI runs the suite both ways).

use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};
use rand::RngCore;

/// The URL tests run against, or `None` for SQLite.
pub fn test_database_url() -> Option<String> {
    std::env::var("VORONKA_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

fn unique_name() -> String {
    format!("t{:016x}", rand::rngs::OsRng.next_u64())
}

/// A migrated, seeded, empty database of its own, and its URL.
pub async fn fresh_db() -> Result<(Db, String)> {
    let url = match test_database_url() {
        Some(base) if Backend::from_url(&base) == Some(Backend::Postgres) => {
            let schema = unique_name();
            let admin = Db::connect(&base).await?;
            sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
                .execute(admin.write_pool())
                .await?;
            admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-csearch_path%3D{schema}")
        }
        Some(other) => {
            return Err(StoreError::Migration(format!(
                "VORONKA_TEST_DATABASE_URL must be a postgres:// URL, got {}",
                crate::db::redact(&other)
            )));
        }
        None => {
            let dir = std::env::temp_dir().join("voronka-tests");
            std::fs::create_dir_all(&dir).map_err(|e| StoreError::Migration(e.to_string()))?;
            format!(
                "sqlite://{}",
                dir.join(format!("{}.db", unique_name())).display()
            )
        }
    };
    let db = Db::connect(&url).await?;
    crate::migrate::migrate(&db).await?;
    crate::pipelines::seed(&db, "ru").await?;
    Ok((db, url))
}
