//! Schema migrations, written once for both backends.
//!
//! Each version is applied in its own transaction and recorded in
//! `schema_version`. A database newer than this binary is refused rather than
//! half-understood.

use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};
use sqlx::Row;

struct Migration {
    version: i64,
    common: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        common: include_str!("../migrations/0001_foundation.sql"),
        sqlite: include_str!("../migrations/0001_search.sqlite.sql"),
        postgres: include_str!("../migrations/0001_search.postgres.sql"),
    },
    Migration {
        version: 2,
        common: include_str!("../migrations/0002_totals_and_views.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        common: include_str!("../migrations/0003_list_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        common: include_str!("../migrations/0004_commerce.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        common: include_str!("../migrations/0005_saved_reports.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        common: include_str!("../migrations/0006_report_rollups.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        common: include_str!("../migrations/0007_report_opportunities.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        common: "",
        sqlite: include_str!("../migrations/0008_builder_grid.sqlite.sql"),
        postgres: "",
    },
    Migration {
        version: 9,
        common: "",
        sqlite: include_str!("../migrations/0009_builder_pairs.sqlite.sql"),
        postgres: include_str!("../migrations/0009_stage_moves.postgres.sql"),
    },
    Migration {
        version: 10,
        common: include_str!("../migrations/0010_closed_by_source.sql"),
        sqlite: include_str!("../migrations/0010_builder_streams.sqlite.sql"),
        postgres: include_str!("../migrations/0010_account_names.postgres.sql"),
    },
    Migration {
        version: 11,
        common: include_str!("../migrations/0011_rollups_by_stage.sql"),
        sqlite: "",
        postgres: include_str!("../migrations/0011_opportunity_cells.postgres.sql"),
    },
    Migration {
        version: 12,
        common: include_str!("../migrations/0012_report_due.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        common: include_str!("../migrations/0013_activities_grid.sql"),
        sqlite: "",
        postgres: include_str!("../migrations/0013_activities_start.postgres.sql"),
    },
    Migration {
        version: 14,
        common: include_str!("../migrations/0014_activity_report.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 15,
        common: include_str!("../migrations/0015_activities_by_kind_and_status.sql"),
        sqlite: include_str!("../migrations/0015_leads_by_owner.sqlite.sql"),
        postgres: "",
    },
    Migration {
        version: 16,
        common: include_str!("../migrations/0016_due_by_loss_reason.sql"),
        sqlite: include_str!("../migrations/0016_closed_by_pipeline.sqlite.sql"),
        postgres: "",
    },
    Migration {
        version: 17,
        common: include_str!("../migrations/0017_report_profit.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 18,
        common: include_str!("../migrations/0018_deal_lines_count.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 19,
        common: "",
        sqlite: include_str!("../migrations/0019_activities_owner_choices.sqlite.sql"),
        postgres: "",
    },
    Migration {
        version: 20,
        common: include_str!("../migrations/0020_report_activities.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 21,
        common: "",
        sqlite: "",
        postgres: include_str!("../migrations/0021_deals_grid.postgres.sql"),
    },
    Migration {
        version: 22,
        common: "",
        sqlite: include_str!("../migrations/0022_deals_grid_pairs.sqlite.sql"),
        postgres: include_str!("../migrations/0022_deals_by_each_date.postgres.sql"),
    },
    Migration {
        version: 23,
        common: include_str!("../migrations/0023_probability_in_grid.sql"),
        sqlite: include_str!("../migrations/0023_probability_in_grid.sqlite.sql"),
        postgres: "",
    },
    Migration {
        version: 24,
        common: include_str!("../migrations/0024_invoice_profit.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 25,
        common: include_str!("../migrations/0025_rollup_extremes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 26,
        common: "",
        sqlite: "",
        postgres: include_str!("../migrations/0026_deals_by_account.postgres.sql"),
    },
    Migration {
        version: 27,
        common: include_str!("../migrations/0027_contacts_by_position.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 28,
        common: include_str!("../migrations/0028_contacts_by_dates.sql"),
        sqlite: include_str!("../migrations/0028_deals_by_account.sqlite.sql"),
        postgres: "",
    },
    Migration {
        version: 29,
        common: include_str!("../migrations/0029_deal_totals_probability.sql"),
        sqlite: "",
        postgres: "",
    },
];

/// The versions that create or empty report roll-ups, which need a recount
/// of the deals already there (done in Rust, not in SQL; one recount fills
/// all).
const ROLLUPS: [i64; 10] = [6, 7, 10, 11, 12, 16, 17, 20, 24, 25];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn render(sql: &str, backend: Backend) -> String {
    let id = match backend {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    };
    // sqlx's Any driver cannot decode SQLite's BOOLEAN affinity: SQLite keeps
    // 0/1 integers, PostgreSQL a real boolean; both bind a Rust bool.
    let boolean = match backend {
        Backend::Sqlite => "INTEGER",
        Backend::Postgres => "BOOLEAN",
    };
    sql.replace("{id}", id).replace("{bool}", boolean)
}

/// Brings the schema up to date; returns the versions applied.
pub async fn migrate(db: &Db) -> Result<Vec<i64>> {
    let pool = db.write_pool();
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let current: i64 =
        sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM schema_version")
            .fetch_one(pool)
            .await?
            .try_get("v")?;
    if current > latest_version() {
        return Err(StoreError::Migration(format!(
            "the database is at schema version {current}, newer than this Voronka ({}); upgrade Voronka",
            latest_version()
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let mut tx = pool.begin().await?;
        let specific = match db.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        for sql in [m.common, specific] {
            sqlx::raw_sql(&render(sql, db.backend()))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Migration(format!("version {}: {e}", m.version)))?;
        }
        sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
            .bind(m.version)
            .bind(db.now().to_db())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, "applied migration");
        applied.push(m.version);
    }
    // A recount cut short (the process stopped after the migration that
    // emptied a roll-up committed) is marked pending and taken up again.
    let pending = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM rollup_recount")
        .fetch_one(pool)
        .await?
        .try_get::<i64, _>("n")?
        > 0;
    if pending || applied.iter().any(|v| ROLLUPS.contains(v)) {
        crate::rollup::rebuild(db).await?;
        sqlx::query("DELETE FROM rollup_recount")
            .execute(pool)
            .await?;
    }
    Ok(applied)
}
