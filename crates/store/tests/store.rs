#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Store-level guarantees that the API tests cannot see directly.

use sqlx::Row;
use voronka_store::db::{Conn, boxed};
use voronka_store::{StoreError, migrate, testing};

async fn count(db: &voronka_store::Db, sql: &str) -> i64 {
    let mut r = db.reader().await.unwrap();
    sqlx::query(sql)
        .fetch_one(r.conn())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// Concurrent actions are committed together, yet each is all-or-nothing:
/// a failing one leaves no trace and does not take the others down.
#[tokio::test]
async fn concurrent_writes_stay_atomic_one_by_one() {
    let (db, _) = testing::fresh_db().await.unwrap();
    let before = count(&db, "SELECT COUNT(*) FROM lookups").await;
    let mut handles = Vec::new();
    for i in 0..60i64 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            db.write(move |tx| {
                boxed(async move {
                    sqlx::query("INSERT INTO lookups (kind, name, position, active) VALUES ('lead_source', $1, $2, $3)")
                        .bind(format!("source {i}"))
                        .bind(i)
                        .bind(true)
                        .execute(tx.conn())
                        .await?;
                    if i % 7 == 0 {
                        return Err(StoreError::Conflict(format!("action {i} refuses")));
                    }
                    Ok(i)
                })
            })
            .await
        }));
    }
    let mut ok = Vec::new();
    for h in handles {
        match h.await.unwrap() {
            Ok(i) => ok.push(i),
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok.len(), 60 - 9);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lookups").await,
        before + ok.len() as i64
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lookups WHERE position = 14 AND kind = 'lead_source' AND name = 'source 14'").await,
        0,
        "a refused action left its row behind"
    );
}

#[tokio::test]
async fn a_database_newer_than_the_binary_is_refused() {
    let (db, _) = testing::fresh_db().await.unwrap();
    db.write(|tx| {
        boxed(async move {
            sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, 'x')")
                .bind(migrate::latest_version() + 1)
                .execute(tx.conn())
                .await?;
            Ok(())
        })
    })
    .await
    .unwrap();
    match migrate::migrate(&db).await {
        Err(StoreError::Migration(m)) => assert!(m.contains("newer"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let (db, _) = testing::fresh_db().await.unwrap();
    assert!(migrate::migrate(&db).await.unwrap().is_empty());
}
