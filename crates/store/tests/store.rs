#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Store-level guarantees that the API tests cannot see directly.

use sqlx::Row;
use voronka_store::db::{Conn, boxed};
use voronka_store::{StoreError, migrate, testing};

async fn count(db: &voronka_store::Db, sql: &str) -> i64 {
    read(&mut db.reader().await.unwrap(), sql).await
}

/// The first column of the first row, on any connection.
async fn read(c: &mut impl Conn, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(c.conn())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A new manager's id; the login doubles as the name.
async fn user(db: &voronka_store::Db, login: &str) -> i64 {
    let body = serde_json::json!({"login": login, "name": login});
    voronka_store::users::create_user(db, &voronka_store::Actor::system(), body, None)
        .await
        .unwrap()
        .id
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

/// A migration that empties a roll-up commits before the recount that
/// refills it; if the process stops in between, the next start recounts.
#[tokio::test]
async fn a_recount_cut_short_is_taken_up_at_the_next_start() {
    use serde_json::json;
    use voronka_core::records::{Account, Deal};
    use voronka_store::{Actor, pipelines, rules};
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = Actor::system();
    let owner = user(&db, "u1").await;
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let account: Account = rules::create(&db, &sys, json!({"name": "A", "owner_id": owner}))
        .await
        .unwrap();
    let _: Deal = rules::create(
        &db,
        &sys,
        json!({"title": "D", "owner_id": owner, "account_id": account.id,
               "stage_id": p.stages[0].id, "amount": "10"}),
    )
    .await
    .unwrap();
    let opportunities = "SELECT CAST(COUNT(*) AS BIGINT) FROM report_opportunities";
    let pending = "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_recount";
    assert!(count(&db, opportunities).await > 0);
    assert_eq!(count(&db, pending).await, 0);
    // What a stop right after migration 10 committed leaves behind.
    db.write(|tx| {
        boxed(async move {
            for sql in [
                "DELETE FROM report_opportunities",
                "INSERT INTO rollup_recount (pending) VALUES (1)",
            ] {
                sqlx::query(sql).execute(tx.conn()).await?;
            }
            Ok(())
        })
    })
    .await
    .unwrap();
    assert!(migrate::migrate(&db).await.unwrap().is_empty());
    assert!(count(&db, opportunities).await > 0);
    assert_eq!(count(&db, pending).await, 0);
}

/// PostgreSQL never compiles a statement before running it: the reports'
/// statements over the roll-ups are cheap but estimated dear, and the
/// compile took fifteen times their work.
#[tokio::test]
async fn postgresql_connections_run_without_jit() {
    let (db, _) = testing::fresh_db().await.unwrap();
    if db.backend() != voronka_store::db::Backend::Postgres {
        return;
    }
    for _ in 0..3 {
        let mut r = db.reader().await.unwrap();
        let jit: String = sqlx::query("SHOW jit")
            .fetch_one(r.conn())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(jit, "off");
    }
}

/// A report read in several statements reads one moment: a user added
/// after its first read is not in its later ones, yet is there for the
/// next report.
#[tokio::test]
async fn a_snapshot_keeps_seeing_the_moment_of_its_first_read() {
    let (db, _) = testing::fresh_db().await.unwrap();
    user(&db, "before").await;
    let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM users";
    let mut snap = db.snapshot().await.unwrap();
    let first = read(&mut snap, sql).await;
    user(&db, "after").await;
    assert_eq!(read(&mut snap, sql).await, first);
    drop(snap);
    assert_eq!(count(&db, sql).await, first + 1);
    let mut next = db.snapshot().await.unwrap();
    assert_eq!(read(&mut next, sql).await, first + 1);
}

/// The pre-aggregated board totals agree with the deals after creates, moves,
/// owner changes, amount edits and deletes.
#[tokio::test]
async fn deal_totals_follow_every_change() {
    use serde_json::json;
    use voronka_core::records::{Account, Deal};
    use voronka_store::{Actor, deals, pipelines, rules};
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = Actor::system();
    let u1 = user(&db, "u1").await;
    let u2 = user(&db, "u2").await;
    let acc: Account = rules::create(
        &db,
        &sys,
        json!({"name": "A", "owner_id": u1, "territory": "Урал", "industry": "Связь"}),
    )
    .await
    .unwrap();
    let acc2: Account = rules::create(
        &db,
        &sys,
        json!({"name": "B", "owner_id": u2, "territory": "Сибирь"}),
    )
    .await
    .unwrap();
    let source = voronka_store::lookups::create(
        &db,
        &sys,
        voronka_core::records::LookupKind::LeadSource,
        json!({"name": "Выставка"}),
    )
    .await
    .unwrap()
    .id;
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let mut ids = Vec::new();
    for i in 0..6 {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": format!("D{i}"), "account_id": acc.id, "amount": format!("{}.50", 100 * (i + 1)),
                   "owner_id": if i % 2 == 0 { u1 } else { u2 },
                   "probability": (i % 3 != 2).then_some(10 * i)}),
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    deals::move_deal(
        &db,
        &sys,
        ids[0],
        deals::MoveDeal {
            stage_id: p.stages[2].id,
            reason_id: None,
            reason: None,
        },
    )
    .await
    .unwrap();
    let _: Deal = rules::update(&db, &sys, ids[1], json!({"owner_id": u1, "amount": "1000"}))
        .await
        .unwrap();
    // A probability of its own changed, one cleared, one set.
    let _: Deal = rules::update(&db, &sys, ids[0], json!({"probability": 75}))
        .await
        .unwrap();
    let _: Deal = rules::update(&db, &sys, ids[4], json!({"probability": null}))
        .await
        .unwrap();
    let _: Deal = rules::update(&db, &sys, ids[5], json!({"probability": 5}))
        .await
        .unwrap();
    let _: Deal = rules::update(
        &db,
        &sys,
        ids[3],
        json!({"account_id": acc2.id, "source_id": source}),
    )
    .await
    .unwrap();
    rules::delete::<Deal>(&db, &sys, ids[2]).await.unwrap();
    deals::close(
        &db,
        &sys,
        ids[3],
        voronka_core::records::CloseDeal {
            outcome: voronka_core::records::Outcome::Lost,
            reason_id: None,
            reason: Some("дорого".into()),
        },
    )
    .await
    .unwrap();

    let expected = |owner: Option<i64>| {
        let db = db.clone();
        async move {
            let mut r = db.reader().await.unwrap();
            let sql = match owner {
                Some(o) => format!("SELECT stage_id, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS s FROM deals WHERE owner_id = {o} GROUP BY stage_id ORDER BY stage_id"),
                None => "SELECT stage_id, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS s FROM deals GROUP BY stage_id ORDER BY stage_id".into(),
            };
            sqlx::query(&sql)
                .fetch_all(r.conn())
                .await
                .unwrap()
                .iter()
                .map(|row| {
                    (
                        row.try_get::<i64, _>("stage_id").unwrap(),
                        row.try_get::<i64, _>("n").unwrap(),
                        row.try_get::<i64, _>("s").unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    for owner in [None, Some(u1), Some(u2)] {
        let totals = deals::stage_totals(&db, &sys, p.id, owner).await.unwrap();
        assert_eq!(totals.currency.as_str(), "RUB", "the company's own");
        let mut got: Vec<(i64, i64, i64)> = totals
            .stages
            .into_iter()
            .filter(|t| t.deals != 0)
            .map(|t| {
                (
                    t.stage_id,
                    t.deals,
                    voronka_core::money::to_minor(t.amount).unwrap(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, expected(owner).await, "owner {owner:?}");
    }
    // Every row as the deals give it, the sum and count of the deals' own
    // probabilities too (the report builder reads them, migration 29).
    let mut r = db.reader().await.unwrap();
    let mut both = Vec::new();
    for sql in [
        "SELECT stage_id AS s, owner_id AS o, deals AS n, amount_minor AS a, probability_sum AS ps, \
         probability_n AS pn FROM deal_totals WHERE deals <> 0 ORDER BY stage_id, owner_id",
        "SELECT stage_id AS s, owner_id AS o, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS a, \
         CAST(COALESCE(SUM(probability), 0) AS BIGINT) AS ps, COUNT(probability) AS pn \
         FROM deals GROUP BY stage_id, owner_id ORDER BY stage_id, owner_id",
    ] {
        let rows = sqlx::query(sql).fetch_all(r.conn()).await.unwrap();
        both.push(
            rows.iter()
                .map(|row| {
                    let i = |c: &str| row.try_get::<i64, _>(c).unwrap();
                    [i("s"), i("o"), i("n"), i("a"), i("ps"), i("pn")]
                })
                .collect::<Vec<_>>(),
        );
    }
    let (kept, counted) = (&both[0], &both[1]);
    assert_eq!(kept, counted);
    assert!(kept.iter().any(|k| k[4] > 0), "some probabilities counted");
}

/// Stages are reordered all at once; a list that misses a stage changes nothing.
#[tokio::test]
async fn stages_are_reordered_in_one_step() {
    use voronka_store::{Actor, pipelines};
    let (db, _) = testing::fresh_db().await.unwrap();
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let ids: Vec<i64> = p.stages.iter().map(|s| s.id).collect();
    let mut partial = ids.clone();
    partial.pop();
    assert!(matches!(
        pipelines::reorder_stages(&db, &Actor::system(), p.id, partial).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        pipelines::get(&db, p.id)
            .await
            .unwrap()
            .stages
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        ids
    );
    let mut reversed = ids.clone();
    reversed.reverse();
    let after = pipelines::reorder_stages(&db, &Actor::system(), p.id, reversed.clone())
        .await
        .unwrap();
    assert_eq!(
        after.stages.iter().map(|s| s.id).collect::<Vec<_>>(),
        reversed
    );
}

/// A clock that moves 1 day 7 hours on every reading, so that one short
/// script of writes spreads over several UTC days and months.
struct Stepper(std::sync::atomic::AtomicI64);

impl voronka_store::db::Clock for Stepper {
    fn now(&self) -> voronka_core::Timestamp {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        voronka_core::Timestamp::parse("2026-01-05T20:00:00Z")
            .unwrap()
            .plus_seconds(n * 31 * 3600)
    }
}

/// Every row of the report roll-ups with a non-zero number, in key order.
async fn rollups(db: &voronka_store::Db) -> Vec<String> {
    let tables: [(&str, &[&str], &[&str]); 10] = [
        (
            "report_created",
            &["pipeline_id", "owner_id", "reached", "status", "currency"],
            &["deals", "amount_minor"],
        ),
        (
            "report_stays",
            &["pipeline_id", "owner_id", "stage_id"],
            &["seconds", "stays"],
        ),
        (
            "report_closed",
            &[
                "pipeline_id",
                "owner_id",
                "status",
                "loss_reason_id",
                "source_id",
                "stage_id",
                "currency",
            ],
            &["deals", "amount_minor", "min_minor", "max_minor"],
        ),
        (
            "report_expected",
            &["pipeline_id", "owner_id", "stage_id", "currency"],
            &["deals", "amount_minor", "implicit_minor", "weighted"],
        ),
        (
            "report_moved",
            &["pipeline_id", "owner_id", "stage_id", "currency"],
            &["deals", "amount_minor"],
        ),
        (
            "report_opportunities",
            &[
                "dim",
                "pipeline_id",
                "owner_id",
                "dim_key",
                "stage_id",
                "status",
                "currency",
            ],
            &[
                "deals",
                "amount_minor",
                "cycle_seconds",
                "min_minor",
                "max_minor",
            ],
        ),
        (
            "report_due",
            &[
                "pipeline_id",
                "owner_id",
                "stage_id",
                "status",
                "loss_reason_id",
                "source_id",
                "currency",
            ],
            &["deals", "amount_minor", "min_minor", "max_minor"],
        ),
        (
            "report_profit",
            &["pipeline_id", "owner_id", "product_id", "name", "currency"],
            &["net_minor", "cost_minor", "lines"],
        ),
        (
            "report_activities",
            &["field", "owner_id", "kind", "status", "priority", "channel"],
            &["activities"],
        ),
        (
            "report_invoice_profit",
            &["pipeline_id", "owner_id", "product_id", "name", "currency"],
            &["net_minor", "cost_minor", "lines"],
        ),
    ];
    let text = [
        "span", "period", "reached", "status", "currency", "dim", "dim_key", "name", "field",
        "kind", "priority", "channel",
    ];
    let mut r = db.reader().await.unwrap();
    let mut out = Vec::new();
    for (table, keys, sums) in tables {
        let cols: Vec<&str> = ["span", "period"]
            .iter()
            .chain(keys.iter())
            .chain(sums.iter())
            .copied()
            .collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY {}",
            cols.join(", "),
            cols[..2 + keys.len()].join(", ")
        );
        for row in sqlx::query(&sql).fetch_all(r.conn()).await.unwrap() {
            let values: Vec<String> = cols
                .iter()
                .map(|c| {
                    if text.contains(c) {
                        row.try_get::<String, _>(*c).unwrap()
                    } else {
                        // The least and greatest amount: none in an empty cell.
                        row.try_get::<Option<i64>, _>(*c)
                            .unwrap()
                            .map_or("-".to_owned(), |v| v.to_string())
                    }
                })
                .collect();
            if values[2 + keys.len()..]
                .iter()
                .any(|v| v != "0" && v != "-")
            {
                out.push(format!("{table} {}", values.join(" ")));
            }
        }
    }
    out
}

/// The report roll-ups kept by each write agree with a recount from
/// scratch after creates, moves across days and months, amount and owner
/// changes, a move to another pipeline, losses with a reason, wins, a
/// reopening, a deletion, a new customer and source, a customer's new
/// territory and industry, and products saved on deals before and after
/// their win.
#[tokio::test]
async fn report_rollups_follow_every_change() {
    use serde_json::json;
    use voronka_core::records::{Account, Activity, CloseDeal, Deal, Outcome};
    use voronka_store::db::ConnectOptions;
    use voronka_store::{Actor, Db, deals, pipelines, rollup, rules};
    let (first, url) = testing::fresh_db().await.unwrap();
    first.close().await;
    let db = Db::connect_with(
        &url,
        ConnectOptions {
            clock: std::sync::Arc::new(Stepper(0.into())),
            ..ConnectOptions::default()
        },
    )
    .await
    .unwrap();
    let sys = Actor::system();
    let u1 = user(&db, "u1").await;
    let u2 = user(&db, "u2").await;
    let acc: Account = rules::create(
        &db,
        &sys,
        json!({"name": "A", "owner_id": u1, "territory": "Урал", "industry": "Связь"}),
    )
    .await
    .unwrap();
    let acc2: Account = rules::create(
        &db,
        &sys,
        json!({"name": "B", "owner_id": u2, "territory": "Сибирь"}),
    )
    .await
    .unwrap();
    let source = voronka_store::lookups::create(
        &db,
        &sys,
        voronka_core::records::LookupKind::LeadSource,
        json!({"name": "Выставка"}),
    )
    .await
    .unwrap()
    .id;
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let other = pipelines::create(&db, &sys, json!({"name": "Второй"}), "ru")
        .await
        .unwrap();
    let reason = voronka_store::lookups::create(
        &db,
        &sys,
        voronka_core::records::LookupKind::LossReason,
        json!({"name": "Дорого"}),
    )
    .await
    .unwrap()
    .id;
    let mut ids = Vec::new();
    for i in 0..6i64 {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({
                "title": format!("D{i}"), "account_id": acc.id,
                "amount": format!("{}.50", 100 * (i + 1)),
                "owner_id": if i % 2 == 0 { u1 } else { u2 },
                "expected_close_date": format!("2026-0{}-1{}", 2 + i % 3, i),
                "probability": if i == 4 { json!(35) } else { json!(null) },
            }),
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let mv = |id: i64, stage: i64| {
        let db = db.clone();
        let sys = sys.clone();
        async move {
            deals::move_deal(
                &db,
                &sys,
                id,
                deals::MoveDeal {
                    stage_id: stage,
                    reason_id: None,
                    reason: None,
                },
            )
            .await
            .unwrap();
        }
    };
    mv(ids[0], p.stages[2].id).await;
    mv(ids[0], p.stages[1].id).await;
    mv(ids[0], p.stages[3].id).await;
    mv(ids[5], p.stages[2].id).await;
    let _: Deal = rules::update(&db, &sys, ids[1], json!({"owner_id": u1, "amount": "1000"}))
        .await
        .unwrap();
    let _: Deal = rules::update(
        &db,
        &sys,
        ids[3],
        json!({"account_id": acc2.id, "source_id": source}),
    )
    .await
    .unwrap();
    let _: Deal = rules::update(
        &db,
        &sys,
        ids[5],
        json!({"pipeline_id": other.id, "stage_id": other.stages[1].id}),
    )
    .await
    .unwrap();
    // Products on deals: gross profit counts them once the deal is won.
    let product = voronka_store::catalog::create_product(
        &db,
        &sys,
        json!({"name": "Сервер", "price": "1000.00", "cost": "600.00"}),
    )
    .await
    .unwrap()
    .id;
    let products = |id: i64, lines: serde_json::Value| {
        let db = db.clone();
        let sys = sys.clone();
        async move {
            voronka_store::documents::set_deal_products(
                &db,
                &sys,
                id,
                serde_json::from_value(json!({ "lines": lines })).unwrap(),
            )
            .await
            .unwrap();
        }
    };
    let won = |id: i64| {
        let db = db.clone();
        let sys = sys.clone();
        async move {
            deals::close(
                &db,
                &sys,
                id,
                CloseDeal {
                    outcome: Outcome::Won,
                    reason_id: None,
                    reason: None,
                },
            )
            .await
            .unwrap();
        }
    };
    products(
        ids[4],
        json!([
            {"product_id": product, "quantity": "1"},
            {"name": "Доставка", "quantity": "1", "unit_price": "300", "unit_cost": "200"},
        ]),
    )
    .await;
    products(ids[0], json!([{"product_id": product, "quantity": "5"}])).await;
    // Won with products, then deleted: its profit leaves with it, and
    // its activities with their cells.
    products(ids[2], json!([{"product_id": product, "quantity": "2"}])).await;
    won(ids[2]).await;
    for body in [
        json!({"kind": "task", "subject": "Счёт", "due_at": "2026-02-10T09:00:00Z",
               "priority": "high", "related_type": "deal", "related_id": ids[2], "owner_id": u2}),
        json!({"kind": "event", "subject": "Встреча", "start_at": "2026-02-11T09:00:00Z",
               "end_at": "2026-02-11T10:00:00Z", "related_type": "deal", "related_id": ids[2],
               "owner_id": u2}),
    ] {
        let _: Activity = rules::create(&db, &sys, body).await.unwrap();
    }
    rules::delete::<Deal>(&db, &sys, ids[2]).await.unwrap();
    // Activities on a deal that stays: created, done, reopened, given to
    // another owner, moved to another month, deleted.
    let act = |body: serde_json::Value| {
        let db = db.clone();
        let sys = sys.clone();
        async move {
            let a: Activity = rules::create(&db, &sys, body).await.unwrap();
            a.id
        }
    };
    let call = act(
        json!({"kind": "interaction", "subject": "Звонок", "channel": "call",
                          "start_at": "2026-01-31T23:30:00Z", "related_type": "deal",
                          "related_id": ids[1], "owner_id": u1}),
    )
    .await;
    let task = act(
        json!({"kind": "task", "subject": "КП", "due_at": "2026-02-27T12:00:00Z",
                          "priority": "normal", "related_type": "deal", "related_id": ids[1],
                          "owner_id": u1}),
    )
    .await;
    let gone = act(
        json!({"kind": "task", "subject": "Лишняя", "related_type": "deal",
                          "related_id": ids[1], "owner_id": u2}),
    )
    .await;
    let meeting = act(
        json!({"kind": "event", "subject": "Демо", "start_at": "2026-02-12T07:00:00Z",
                             "end_at": "2026-02-12T08:00:00Z", "related_type": "deal",
                             "related_id": ids[1], "owner_id": u2}),
    )
    .await;
    for (id, patch) in [
        (task, json!({"status": "completed"})),
        (task, json!({"status": "in_progress", "owner_id": u2})),
        (
            task,
            json!({"status": "completed", "due_at": "2026-03-02T10:00:00Z"}),
        ),
        (meeting, json!({"status": "held"})),
        (call, json!({"priority": "low", "channel": "email"})),
    ] {
        let _: Activity = rules::update(&db, &sys, id, patch).await.unwrap();
    }
    rules::delete::<Activity>(&db, &sys, gone).await.unwrap();
    deals::close(
        &db,
        &sys,
        ids[3],
        CloseDeal {
            outcome: Outcome::Lost,
            reason_id: Some(reason),
            reason: None,
        },
    )
    .await
    .unwrap();
    won(ids[4]).await;
    won(ids[0]).await;
    deals::reopen(&db, &sys, ids[0], deals::ReopenDeal { stage_id: None })
        .await
        .unwrap();
    // A won deal's products changed, then its owner.
    products(ids[4], json!([{"product_id": product, "quantity": "3"}])).await;
    let _: Deal = rules::update(&db, &sys, ids[4], json!({"owner_id": u2}))
        .await
        .unwrap();
    let _: Account = rules::update(
        &db,
        &sys,
        acc.id,
        json!({"territory": "Москва", "industry": null}),
    )
    .await
    .unwrap();

    // A won deal's expected day moved to another month, an open deal's
    // cleared: both leave their due cells.
    let _: Deal = rules::update(
        &db,
        &sys,
        ids[4],
        json!({"expected_close_date": "2026-01-20"}),
    )
    .await
    .unwrap();
    let _: Deal = rules::update(&db, &sys, ids[1], json!({"expected_close_date": null}))
        .await
        .unwrap();
    let kept = rollups(&db).await;
    // The script reached several periods and every table.
    for table in [
        "report_created",
        "report_stays",
        "report_closed",
        "report_expected",
        "report_moved",
        "report_opportunities",
        "report_due",
        "report_profit",
        "report_activities",
    ] {
        assert!(
            kept.iter().any(|r| r.starts_with(table)),
            "{table}: {kept:#?}"
        );
    }
    assert!(
        kept.iter().any(|r| r.contains(" m 2026-02-01 ")),
        "{kept:#?}"
    );
    assert!(
        kept.iter().any(|r| r.contains(" m 2026-01-01 ")),
        "{kept:#?}"
    );
    // Every deal counted under its customer's place as it is now.
    for place in ["Москва", "Сибирь"] {
        assert!(
            kept.iter()
                .any(|r| r.contains(" territory ") && r.contains(place)),
            "{place}: {kept:#?}"
        );
    }
    assert!(
        !kept
            .iter()
            .any(|r| r.contains("Урал") || r.contains("Связь")),
        "{kept:#?}"
    );
    assert!(
        kept.iter()
            .any(|r| r.contains(&format!(" source {} {u2} {source} ", p.id))),
        "{kept:#?}"
    );
    // Due in January: only the won deal whose day moved there.
    let january: Vec<&String> = kept
        .iter()
        .filter(|r| r.starts_with("report_due m 2026-01-01 "))
        .collect();
    assert_eq!(january.len(), 1, "{kept:#?}");
    assert!(january[0].contains(" won "), "{january:?}");
    // Gross profit: the one deal still won, its products as they are now,
    // under its new owner (net 3 × 1000, cost 3 × 600).
    let profit: Vec<&String> = kept
        .iter()
        .filter(|r| r.starts_with("report_profit m "))
        .collect();
    assert_eq!(profit.len(), 1, "{kept:#?}");
    assert!(
        profit[0].ends_with(&format!(" {u2} {product}  RUB 300000 180000 1")),
        "{profit:?}"
    );
    // Activities: the call, the task, the meeting under each date they
    // have, as they are now; nothing of the deleted deal's or the deleted
    // task.
    let activities = |field: &str, span: &str| -> Vec<String> {
        kept.iter()
            .filter(|r| r.starts_with(&format!("report_activities {span} ")))
            .filter(|r| r.contains(&format!(" {field} ")))
            .filter_map(|r| r.splitn(3, ' ').nth(2).map(str::to_owned))
            .collect()
    };
    assert_eq!(
        activities("start_at", "m"),
        [
            format!("2026-01-01 start_at {u1} interaction completed low email 1"),
            format!("2026-02-01 start_at {u2} event held   1"),
        ],
        "{kept:#?}"
    );
    assert_eq!(
        activities("due_at", "d"),
        [format!("2026-03-02 due_at {u2} task completed normal  1")],
        "{kept:#?}"
    );
    assert_eq!(activities("created_at", "m").len(), 3, "{kept:#?}");
    assert_eq!(activities("completed_at", "m").len(), 3, "{kept:#?}");
    rollup::rebuild(&db).await.unwrap();
    assert_eq!(kept, rollups(&db).await);
}

/// The roll-ups as kept equal a recount from scratch (which then replaces them).
async fn as_recounted(db: &voronka_store::Db) {
    let kept = rollups(db).await;
    voronka_store::rollup::rebuild(db).await.unwrap();
    assert_eq!(kept, rollups(db).await);
}

/// A manager's deal in the default pipeline `p`, and a second pipeline
/// `other` to move it to: what the invoice roll-up tests start from.
struct Invoicing {
    db: voronka_store::Db,
    sys: voronka_store::Actor,
    u1: i64,
    deal: voronka_core::records::Deal,
    p: voronka_core::records::Pipeline,
    other: voronka_core::records::Pipeline,
}

async fn invoicing() -> Invoicing {
    use serde_json::json;
    use voronka_core::records::{Account, Deal};
    use voronka_store::{Actor, pipelines, rules};
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = Actor::system();
    let u1 = user(&db, "u1").await;
    let acc: Account = rules::create(&db, &sys, json!({"name": "A", "owner_id": u1}))
        .await
        .unwrap();
    let deal: Deal = rules::create(
        &db,
        &sys,
        json!({"title": "D", "account_id": acc.id, "amount": "100", "owner_id": u1}),
    )
    .await
    .unwrap();
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let other = pipelines::create(&db, &sys, json!({"name": "Второй"}), "ru")
        .await
        .unwrap();
    Invoicing {
        db,
        sys,
        u1,
        deal,
        p,
        other,
    }
}

/// Gross profit from invoices counts an invoice's lines from the day it is
/// issued until it is canceled, under its deal's pipeline wherever the deal
/// moves, by the invoice's date; what each action keeps equals a recount.
#[tokio::test]
async fn the_invoices_profit_follows_issue_cancel_and_the_deals_pipeline() {
    use serde_json::json;
    use voronka_core::documents::InvoiceAction;
    use voronka_core::records::{Deal, DocKind};
    use voronka_store::{documents, rules};
    let Invoicing {
        db,
        sys,
        u1,
        deal,
        p,
        other,
    } = invoicing().await;
    let product = voronka_store::catalog::create_product(
        &db,
        &sys,
        json!({"name": "Сервер", "price": "1000.00", "cost": "600.00"}),
    )
    .await
    .unwrap()
    .id;
    // Without VAT (a general regime's 22 % is added on top): net 2 × 1000
    // and 500, cost 2 × 600 and nothing; shipping is no line.
    let invoice = |day: &str| {
        let (db, sys) = (db.clone(), sys.clone());
        let body = json!({
            "deal_id": deal.id, "doc_date": day, "owner_id": u1, "shipping": "300",
            "lines": [
                {"product_id": product, "quantity": "2"},
                {"name": "Монтаж", "quantity": "1", "unit_price": "500", "vat_rate": "22"},
            ],
        });
        async move {
            documents::create(&db, &sys, DocKind::Invoice, body)
                .await
                .unwrap()
                .id
        }
    };
    let act = |id: i64, action: InvoiceAction| {
        let (db, sys) = (db.clone(), sys.clone());
        async move {
            documents::invoice_action(&db, &sys, id, action)
                .await
                .unwrap();
        }
    };
    let profit = |db: voronka_store::Db| async move {
        rollups(&db)
            .await
            .into_iter()
            .filter(|r| r.starts_with("report_invoice_profit "))
            .collect::<Vec<_>>()
    };
    let march = invoice("2026-03-10").await;
    let april = invoice("2026-04-30").await;
    assert!(
        profit(db.clone()).await.is_empty(),
        "drafts count for nothing"
    );
    act(march, InvoiceAction::Send).await;
    as_recounted(&db).await;
    act(april, InvoiceAction::Send).await;
    as_recounted(&db).await;
    let issued = profit(db.clone()).await;
    let pid = p.id;
    for row in [
        format!("report_invoice_profit d 2026-03-10 {pid} {u1} 0 Монтаж RUB 50000 0 1"),
        format!("report_invoice_profit d 2026-03-10 {pid} {u1} {product}  RUB 200000 120000 1"),
        format!("report_invoice_profit m 2026-03-01 {pid} {u1} {product}  RUB 200000 120000 1"),
        format!("report_invoice_profit m 2026-04-01 {pid} {u1} 0 Монтаж RUB 50000 0 1"),
    ] {
        assert!(issued.contains(&row), "{row} in {issued:#?}");
    }
    assert_eq!(issued.len(), 8, "{issued:#?}");
    // The deal moves to another pipeline: its invoices' lines go along.
    let _: Deal = rules::update(
        &db,
        &sys,
        deal.id,
        json!({"pipeline_id": other.id, "stage_id": other.stages[1].id}),
    )
    .await
    .unwrap();
    as_recounted(&db).await;
    let moved = profit(db.clone()).await;
    assert_eq!(moved.len(), 8, "{moved:#?}");
    assert!(
        moved
            .iter()
            .all(|r| r.contains(&format!(" {} {u1} ", other.id))),
        "{moved:#?}"
    );
    // Canceled, April's invoice leaves; March's stays.
    act(april, InvoiceAction::Cancel).await;
    as_recounted(&db).await;
    let left = profit(db.clone()).await;
    assert_eq!(left.len(), 4, "{left:#?}");
    assert!(left.iter().all(|r| r.contains(" 2026-03-")), "{left:#?}");
    // The ranking by deal reads the lines' net beside the invoice, without
    // the shipping.
    assert_eq!(
        count(
            &db,
            &format!("SELECT lines_net_minor FROM invoices WHERE id = {march}")
        )
        .await,
        250_000
    );
}

/// Invoices issued and canceled while their deal moves between pipelines,
/// all at once: on PostgreSQL each waits for the other's deal, so the
/// invoices' profit ends under the pipeline the deal ends in, as a
/// recount has it.
#[tokio::test]
async fn invoices_issued_while_their_deal_moves_stay_exact() {
    use serde_json::json;
    use voronka_core::documents::InvoiceAction;
    use voronka_core::records::{Deal, DocKind};
    use voronka_store::{documents, rules};
    let Invoicing {
        db,
        sys,
        u1,
        deal,
        p,
        other,
    } = invoicing().await;
    let mut invoices = Vec::new();
    for i in 0..8 {
        let body = json!({
            "deal_id": deal.id, "doc_date": format!("2026-03-1{i}"), "owner_id": u1,
            "lines": [{"name": "Монтаж", "quantity": "1", "unit_price": "500", "vat_rate": "22"}],
        });
        invoices.push(
            documents::create(&db, &sys, DocKind::Invoice, body)
                .await
                .unwrap()
                .id,
        );
    }
    let mut handles = Vec::new();
    for i in 0..16usize {
        let (db, sys, p, other) = (db.clone(), sys.clone(), p.clone(), other.clone());
        let invoice = invoices[i / 2];
        handles.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let to = if i % 4 == 0 { &other } else { &p };
                rules::update::<Deal>(
                    &db,
                    &sys,
                    deal.id,
                    json!({"pipeline_id": to.id, "stage_id": to.stages[0].id}),
                )
                .await
                .map(|_| ())
            } else {
                documents::invoice_action(&db, &sys, invoice, InvoiceAction::Send).await?;
                if i % 4 == 1 {
                    documents::invoice_action(&db, &sys, invoice, InvoiceAction::Cancel).await?;
                }
                Ok(())
            }
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let kept = rollups(&db).await;
    assert!(
        kept.iter().any(|r| r.starts_with("report_invoice_profit")),
        "{kept:#?}"
    );
    as_recounted(&db).await;
}

/// Changes of the same deals and of their customer arriving at once still
/// leave the roll-ups equal to a recount. On PostgreSQL the transactions run
/// side by side, and each must start from the deal and the customer as the
/// previous one left them, not as both found them.
#[tokio::test]
async fn concurrent_changes_of_one_deal_keep_the_rollups_exact() {
    use serde_json::json;
    use voronka_core::records::{Account, Deal};
    use voronka_store::{Actor, deals, pipelines, rollup, rules};
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = Actor::system();
    let u1 = user(&db, "u1").await;
    let acc: Account = rules::create(
        &db,
        &sys,
        json!({"name": "A", "owner_id": u1, "territory": "Урал"}),
    )
    .await
    .unwrap();
    let acc2: Account = rules::create(&db, &sys, json!({"name": "B", "owner_id": u1}))
        .await
        .unwrap();
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let mut ids = Vec::new();
    for i in 0..2 {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": format!("D{i}"), "account_id": acc.id, "amount": "100", "owner_id": u1}),
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let mut handles = Vec::new();
    for i in 0..48i64 {
        let (db, sys, p) = (db.clone(), sys.clone(), p.clone());
        let (deal, acc_id, acc2_id) = (ids[(i % 2) as usize], acc.id, acc2.id);
        handles.push(tokio::spawn(async move {
            match i % 4 {
                0 => deals::move_deal(
                    &db,
                    &sys,
                    deal,
                    deals::MoveDeal {
                        stage_id: p.stages[(i as usize / 4) % 3].id,
                        reason_id: None,
                        reason: None,
                    },
                )
                .await
                .map(|_| ()),
                1 => rules::update::<Deal>(
                    &db,
                    &sys,
                    deal,
                    json!({"amount": format!("{}", 100 + i)}),
                )
                .await
                .map(|_| ()),
                2 => rules::update::<Account>(
                    &db,
                    &sys,
                    acc_id,
                    json!({"territory": if i % 8 == 2 { "Сибирь" } else { "Урал" }}),
                )
                .await
                .map(|_| ()),
                _ => rules::update::<Deal>(
                    &db,
                    &sys,
                    deal,
                    json!({"account_id": if i % 8 == 3 { acc2_id } else { acc_id }}),
                )
                .await
                .map(|_| ()),
            }
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let kept = rollups(&db).await;
    assert!(
        kept.iter().any(|r| r.starts_with("report_opportunities")),
        "{kept:#?}"
    );
    rollup::rebuild(&db).await.unwrap();
    assert_eq!(kept, rollups(&db).await);
}

/// A fresh database, one user with a customer of theirs, the default pipeline.
async fn owner_with_customer() -> (
    voronka_store::Db,
    voronka_store::Actor,
    i64,
    voronka_core::records::Account,
    voronka_core::records::Pipeline,
) {
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = voronka_store::Actor::system();
    let u1 = user(&db, "u1").await;
    let body = serde_json::json!({"name": "A", "owner_id": u1});
    let acc = voronka_store::rules::create(&db, &sys, body).await.unwrap();
    let p = voronka_store::pipelines::list(&db).await.unwrap().remove(0);
    (db, sys, u1, acc, p)
}

/// Deals sharing their cells, moved, repriced and deleted side by side:
/// each cell's least and greatest amount still equal a recount. On
/// PostgreSQL a transaction that narrows a cell must see the deals other
/// transactions moved into it before (the cell's row lock orders them).
#[tokio::test]
async fn concurrent_moves_of_deals_sharing_cells_keep_their_extremes_exact() {
    use serde_json::json;
    use voronka_core::records::Deal;
    use voronka_store::{deals, rules};
    let (db, sys, u1, acc, p) = owner_with_customer().await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": format!("D{i}"), "account_id": acc.id, "owner_id": u1,
                   "amount": format!("{}", 100 * (i + 1)), "expected_close_date": "2026-06-15"}),
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let mut handles = Vec::new();
    for i in 0..64usize {
        let (db, sys, p) = (db.clone(), sys.clone(), p.clone());
        let deal = ids[i % 8];
        handles.push(tokio::spawn(async move {
            match (i % 3, i) {
                // Two deals are deleted while the others change (and
                // nothing else touches them).
                (_, 33 | 38) => rules::delete::<Deal>(&db, &sys, deal).await,
                _ if i % 8 == 1 || i % 8 == 6 => Ok(()),
                (0, _) => deals::move_deal(
                    &db,
                    &sys,
                    deal,
                    deals::MoveDeal {
                        stage_id: p.stages[(i / 3) % 2].id,
                        reason_id: None,
                        reason: None,
                    },
                )
                .await
                .map(|_| ()),
                (1, _) => rules::update::<Deal>(
                    &db,
                    &sys,
                    deal,
                    json!({"amount": format!("{}", 50 + (i * 37) % 900)}),
                )
                .await
                .map(|_| ()),
                _ => rules::update::<Deal>(
                    &db,
                    &sys,
                    deal,
                    json!({"expected_close_date": if i % 2 == 0 { "2026-06-15" } else { "2026-07-01" }}),
                )
                .await
                .map(|_| ()),
            }
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let kept = rollups(&db).await;
    assert!(
        kept.iter()
            .any(|r| r.starts_with("report_due") && !r.ends_with(" - -")),
        "{kept:#?}"
    );
    as_recounted(&db).await;
}

/// Deals of one owner moved between two stages in both directions at once
/// all succeed (on PostgreSQL the stage totals' two rows are locked in one
/// order whichever way a deal moves: opposite orders deadlocked), and the
/// board's totals are the deals'.
#[tokio::test]
async fn opposite_moves_at_once_do_not_deadlock() {
    use serde_json::json;
    use voronka_core::records::Deal;
    use voronka_store::{deals, rules};
    let (db, sys, u1, acc, p) = owner_with_customer().await;
    let (a, b) = (p.stages[0].id, p.stages[1].id);
    let mut ids = Vec::new();
    for i in 0..16 {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": format!("D{i}"), "account_id": acc.id, "owner_id": u1,
                   "amount": "100", "pipeline_id": p.id, "stage_id": if i % 2 == 0 { a } else { b }}),
        )
        .await
        .unwrap();
        ids.push((d.id, i % 2 == 0));
    }
    for round in 0..4 {
        let mut handles = Vec::new();
        for &(id, starts_in_a) in &ids {
            let db = db.clone();
            let sys = sys.clone();
            let to = if starts_in_a == (round % 2 == 0) {
                b
            } else {
                a
            };
            handles.push(tokio::spawn(async move {
                deals::move_deal(
                    &db,
                    &sys,
                    id,
                    deals::MoveDeal {
                        stage_id: to,
                        reason_id: None,
                        reason: None,
                    },
                )
                .await
            }));
        }
        for h in handles {
            h.await.unwrap().unwrap();
        }
    }
    let mut r = db.reader().await.unwrap();
    let totals: Vec<(i64, i64)> = sqlx::query(
        "SELECT stage_id, deals FROM deal_totals WHERE owner_id = $1 AND deals <> 0 ORDER BY stage_id",
    )
    .bind(u1)
    .fetch_all(r.conn())
    .await
    .unwrap()
    .iter()
    .map(|row| (row.try_get("stage_id").unwrap(), row.try_get("deals").unwrap()))
    .collect();
    assert_eq!(totals, [(a.min(b), 8), (a.max(b), 8)]);
}

/// Deals due on the last day there is (9999-12-31), as a database from
/// before the expected close day was bounded may hold them, can still be
/// repriced (the stored day kept), moved and deleted, and their cells'
/// least and greatest amounts follow; a new day out of range is refused.
#[tokio::test]
async fn deals_due_on_the_last_day_there_is_still_change() {
    use serde_json::json;
    use voronka_core::records::Deal;
    use voronka_store::{deals, rules};
    let (db, sys, u1, acc, p) = owner_with_customer().await;
    let mut ids = Vec::new();
    for amount in ["100", "200", "300"] {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": amount, "account_id": acc.id, "owner_id": u1, "amount": amount,
                   "pipeline_id": p.id, "stage_id": p.stages[0].id,
                   "expected_close_date": "2026-05-20"}),
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let mut r = db.reader().await.unwrap();
    sqlx::query("UPDATE deals SET expected_close_date = '9999-12-31'")
        .execute(r.conn())
        .await
        .unwrap();
    drop(r);
    // Written behind the roll-ups' back: counted again, as an upgrade does.
    voronka_store::rollup::rebuild(&db).await.unwrap();
    let refused = rules::update::<Deal>(
        &db,
        &sys,
        ids[2],
        json!({"amount": "50", "expected_close_date": "9999-12-30"}),
    )
    .await;
    let Err(voronka_store::StoreError::Invalid(e)) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(
        e.0.into_map().keys().collect::<Vec<_>>(),
        ["expected_close_date"]
    );
    let repriced = rules::update::<Deal>(&db, &sys, ids[2], json!({"amount": "50"}))
        .await
        .unwrap();
    assert_eq!(
        repriced.data.expected_close_date.map(|d| d.to_string()),
        Some("9999-12-31".to_owned())
    );
    let to = deals::MoveDeal {
        stage_id: p.stages[1].id,
        reason_id: None,
        reason: None,
    };
    deals::move_deal(&db, &sys, ids[1], to).await.unwrap();
    rules::delete::<Deal>(&db, &sys, ids[2]).await.unwrap();
    let kept = rollups(&db).await;
    assert!(
        kept.iter()
            .any(|r| r.starts_with("report_due d 9999-12-31") && r.ends_with(" 10000 10000")),
        "{kept:#?}"
    );
    as_recounted(&db).await;
}
