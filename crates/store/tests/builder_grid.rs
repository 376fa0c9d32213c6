#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The report builder's fast ways — the roll-ups (creation and close
//! periods, plain fields, filters on their keys and dates), and the grid
//! (date groupings read cell by cell from covering indexes) — give
//! exactly what the plain `GROUP BY` gives, over deals, leads, contacts
//! and activities scattered across periods, owners, sources,
//! currencies and missing dates, for an administrator and for a manager, in Moscow
//! time and in UTC.

use serde_json::json;
use sqlx::Row;
use voronka_core::builder::Definition;
use voronka_core::records::{Deal, Role};
use voronka_core::{Day, Timestamp};
use voronka_store::builder::{self, Calendar, Utc, Way};
use voronka_store::db::{Backend, Conn};
use voronka_store::{Actor, deals, lookups, pipelines, rules, testing, users};

/// UTC+3 all year, as Moscow is.
struct Moscow;

impl Calendar for Moscow {
    fn midnight(&self, day: Day) -> Option<Timestamp> {
        Some(Timestamp::from_utc(day.inner().midnight().assume_utc()).plus_seconds(-3 * 3600))
    }
    fn day_of(&self, t: Timestamp) -> Day {
        t.plus_seconds(3 * 3600).day()
    }
}

/// A small deterministic generator (no dependency on a seed's crate).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::test]
async fn the_grid_matches_the_plain_group_by() {
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = Actor::system();
    let u1 = users::create_user(&db, &sys, json!({"login": "u1", "name": "U1"}), None)
        .await
        .unwrap()
        .id;
    let u2 = users::create_user(&db, &sys, json!({"login": "u2", "name": "U2"}), None)
        .await
        .unwrap()
        .id;
    let sources: Vec<i64> = lookups::list(&db, voronka_core::records::LookupKind::LeadSource)
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .take(3)
        .collect();
    let reasons: Vec<i64> = lookups::list(&db, voronka_core::records::LookupKind::LossReason)
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .take(2)
        .collect();
    let p = pipelines::list(&db).await.unwrap().remove(0);
    // A second pipeline: a filter on the pipeline must leave its deals out.
    let q = pipelines::create(&db, &sys, json!({"name": "Second"}), "en")
        .await
        .unwrap();
    let account: voronka_core::records::Account =
        rules::create(&db, &sys, json!({"name": "A", "owner_id": u1}))
            .await
            .unwrap();
    let other: voronka_core::records::Account =
        rules::create(&db, &sys, json!({"name": "B", "owner_id": u2}))
            .await
            .unwrap();
    let mut rng = Lcg(7);
    let mut r = db.reader().await.unwrap();
    let mut first_deal = None;
    for i in 0..120 {
        let owner = if rng.next(3) == 0 { u2 } else { u1 };
        let source = match rng.next(4) {
            3 => None,
            k => Some(sources[k as usize]),
        };
        let currency = ["USD", "EUR", "RUB", "RUB", "RUB"][rng.next(5) as usize];
        let pipeline = if i % 4 == 1 { &q } else { &p };
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": format!("D{i}"), "owner_id": owner, "source_id": source,
                   "account_id": if i % 3 == 0 { other.id } else { account.id },
                   "currency": currency, "amount": format!("{}.{:02}", rng.next(90_000), rng.next(100)),
                   "pipeline_id": pipeline.id, "stage_id": pipeline.stages[rng.next(3) as usize].id,
                   // Two deals in three with a probability of their own.
                   "probability": (i % 3 != 0).then_some(i * 7 % 101)}),
        )
        .await
        .unwrap();
        first_deal.get_or_insert(d.id);
        // Spread over ~14 months, with hours near midnights (the zone
        // decides their day), some deals closed, some with no expected day.
        let created = Timestamp::parse("2025-11-01T00:00:00Z")
            .unwrap()
            .plus_seconds(rng.next(420) as i64 * 86_400 + rng.next(24) as i64 * 3600);
        let closed = (rng.next(3) == 0).then(|| created.plus_seconds(rng.next(60) as i64 * 86_400));
        let expected = (rng.next(4) != 0).then(|| {
            created
                .plus_seconds(rng.next(200) as i64 * 86_400)
                .day()
                .to_db()
        });
        let status = match (closed, rng.next(2)) {
            (None, _) => "open",
            (Some(_), 0) => "won",
            (Some(_), _) => "lost",
        };
        // Lost deals mostly with a reason, won ones never.
        let reason = match (status, rng.next(3)) {
            ("lost", k) if k < 2 => Some(reasons[k as usize]),
            _ => None,
        };
        sqlx::query(
            "UPDATE deals SET created_at = $1, closed_at = $2, expected_close_date = $3, status = $4, \
             loss_reason_id = $5 WHERE id = $6",
        )
        .bind(created.to_db())
        .bind(closed.map(Timestamp::to_db))
        .bind(expected)
        .bind(status)
        .bind(reason)
        .bind(d.id)
        .execute(r.conn())
        .await
        .unwrap();
    }
    // Meetings, tasks and logged calls on the first deal: tasks have no
    // start, some no due day; some of each are done, on days of their own,
    // and each was created on a day before its start.
    for i in 0..60 {
        let owner = if rng.next(3) == 0 { u2 } else { u1 };
        let start = Timestamp::parse("2026-01-01T00:00:00Z")
            .unwrap()
            .plus_seconds(rng.next(200) as i64 * 86_400 + rng.next(24) as i64 * 3600);
        let kind = rng.next(3);
        let body = if kind == 2 {
            // Logged after the fact: done, no start.
            let channel = ["call", "email", "meeting"][rng.next(3) as usize];
            json!({"kind": "interaction", "subject": format!("I{i}"), "owner_id": owner,
                   "related_type": "deal", "related_id": first_deal.unwrap(), "channel": channel})
        } else if kind == 0 {
            let due = (rng.next(5) != 0).then(|| start.to_db());
            let status = ["not_started", "in_progress", "completed"][rng.next(3) as usize];
            let priority = [Some("low"), Some("high"), None][rng.next(3) as usize];
            json!({"kind": "task", "subject": format!("T{i}"), "owner_id": owner,
                   "related_type": "deal", "related_id": first_deal.unwrap(),
                   "due_at": due, "status": status, "priority": priority})
        } else {
            let status = ["planned", "held", "not_held"][rng.next(3) as usize];
            json!({"kind": "event", "subject": format!("M{i}"), "owner_id": owner,
                   "related_type": "deal", "related_id": first_deal.unwrap(), "status": status,
                   "start_at": start.to_db(), "end_at": start.plus_seconds(3600).to_db()})
        };
        let a: voronka_core::records::Activity = rules::create(&db, &sys, body).await.unwrap();
        if a.completed_at.is_some() {
            sqlx::query("UPDATE activities SET completed_at = $1 WHERE id = $2")
                .bind(start.plus_seconds(rng.next(30) as i64 * 86_400).to_db())
                .bind(a.id)
                .execute(r.conn())
                .await
                .unwrap();
        }
        sqlx::query("UPDATE activities SET created_at = $1 WHERE id = $2")
            .bind(start.plus_seconds(-(rng.next(40) as i64) * 86_400).to_db())
            .bind(a.id)
            .execute(r.conn())
            .await
            .unwrap();
    }
    // Leads, contacts and customers, created across the same months.
    for i in 0..60 {
        let owner = if rng.next(3) == 0 { u2 } else { u1 };
        let source = match rng.next(4) {
            3 => None,
            k => Some(sources[k as usize]),
        };
        let status = ["new", "working"][rng.next(2) as usize];
        let lead: voronka_core::records::Lead = rules::create(
            &db,
            &sys,
            json!({"last_name": format!("L{i}"), "company": format!("C{i}"), "owner_id": owner,
                   "source_id": source, "status": status}),
        )
        .await
        .unwrap();
        let contact: voronka_core::records::Contact = rules::create(
            &db,
            &sys,
            json!({"last_name": format!("K{i}"), "owner_id": owner, "account_id": account.id}),
        )
        .await
        .unwrap();
        let territory = ["Москва", "Урал", ""][rng.next(3) as usize];
        let kind = ["prospect", "customer"][rng.next(2) as usize];
        let customer: voronka_core::records::Account = rules::create(
            &db,
            &sys,
            json!({"name": format!("Клиент {i}"), "owner_id": owner, "kind": kind,
                   "territory": territory}),
        )
        .await
        .unwrap();
        let created = Timestamp::parse("2025-11-01T00:00:00Z")
            .unwrap()
            .plus_seconds(rng.next(420) as i64 * 86_400 + rng.next(24) as i64 * 3600);
        for (table, id) in [
            ("leads", lead.id),
            ("contacts", contact.id),
            ("accounts", customer.id),
        ] {
            sqlx::query(&format!("UPDATE {table} SET created_at = $1 WHERE id = $2"))
                .bind(created.to_db())
                .bind(id)
                .execute(r.conn())
                .await
                .unwrap();
        }
    }
    // One deal closed long before the rest: a close week in UTC then spans
    // over a thousand whole days (more terms than SQLite takes in one
    // compound SELECT, were each a SELECT of its own).
    sqlx::query(
        "UPDATE deals SET status = 'won', closed_at = $1, loss_reason_id = NULL WHERE id = $2",
    )
    .bind("2024-01-03T10:00:00.000000Z")
    .bind(first_deal.unwrap())
    .execute(r.conn())
    .await
    .unwrap();
    drop(r);
    // The stamps were rewritten behind the roll-ups' back.
    voronka_store::rollup::rebuild(&db).await.unwrap();

    let manager = Actor {
        user_id: Some(u2),
        role: Role::Manager,
        visible_owners: Some(vec![u2]),
    };
    let sum = json!({"func": "sum", "field": "amount"});
    let avg = json!({"func": "avg", "field": "amount"});
    let min = json!({"func": "min", "field": "amount"});
    let max = json!({"func": "max", "field": "amount"});
    let count = json!({"func": "count"});
    let date = |f: &str, g: &str| json!({"field": f, "grain": g});
    // Each with the way that should answer it: R the roll-up, U the roll-up
    // where days begin at UTC midnight or on PostgreSQL (else the grid), D
    // the roll-up but the grid on SQLite off UTC (too many period ends for
    // the roll-up's hours), G the grid,
    // B the grid on either backend, A the grid on SQLite and for the
    // administrator on PostgreSQL (a field grouped within each period of
    // its indexes by each date, migration 22, which for a manager's few
    // owners is left to the GROUP BY by close date or beside the owner;
    // a field beside the creation or expected date is B), W the grid on PostgreSQL (those indexes) but
    // one GROUP BY on SQLite (over its index of every column), Y the same
    // but for a manager on PostgreSQL as A, T the board's totals (no
    // date), P one GROUP BY. PostgreSQL has
    // the grid only over the indexes it has too: G is P there (leads,
    // contacts).
    let defs = [
        // Creation periods from the roll-up: alone, beside a listed field.
        (
            "R",
            json!({"entity": "deals", "group_by": [date("created_at", "month")],
               "aggregates": [count, sum, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "source"}, date("created_at", "month")],
               "aggregates": [count, sum]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [date("created_at", "quarter"), {"field": "status"}],
               "aggregates": [avg], "currency": "USD"}),
        ),
        (
            "U",
            json!({"entity": "deals", "group_by": [date("created_at", "week"), {"field": "owner"}],
               "aggregates": [count, sum]}),
        ),
        (
            "U",
            json!({"entity": "deals", "group_by": [date("created_at", "day")], "aggregates": [sum]}),
        ),
        // Minimum and maximum: each cell's least and greatest amount
        // (migration 25), the hours at the ends read whole.
        (
            "R",
            json!({"entity": "deals", "group_by": [date("created_at", "month")],
               "aggregates": [count, sum, avg, min, max]}),
        ),
        // Over a hundred periods: one list of them joined to the cells
        // on PostgreSQL rather than a part each (MAX_PERIOD_PARTS). A
        // filter on the amount: no roll-up answers it, the grid (on
        // PostgreSQL too since migration 21).
        (
            "B",
            json!({"entity": "deals", "group_by": [date("created_at", "day")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [count, max]}),
        ),
        (
            "U",
            json!({"entity": "deals", "group_by": [date("closed_at", "week")], "aggregates": [count, avg]}),
        ),
        (
            "R",
            // A maximum: the cells' greatest, and the deals without an
            // expected day read from the deals.
            json!({"entity": "deals", "group_by": [date("expected_close_date", "quarter")],
               "aggregates": [count, sum, max], "currency": "USD"}),
        ),
        (
            "U",
            json!({"entity": "deals", "group_by": [date("created_at", "week"), {"field": "owner"}],
               "aggregates": [count, max]}),
        ),
        // Filters inside the grid's index (the amount after the date, the
        // owner before it in the owner-led one, which it now prefers).
        (
            "B",
            json!({"entity": "deals", "group_by": [date("created_at", "month")],
               "filters": [{"field": "amount", "op": "gt", "values": ["20000"]},
                           {"field": "owner", "op": "eq", "values": [u1]}],
               "aggregates": [count, sum]}),
        ),
        // Filters on the roll-up's keys and on its date: still the roll-up.
        (
            "R",
            json!({"entity": "deals", "group_by": [date("created_at", "month")],
               "filters": [{"field": "created_at", "op": "between", "values": ["2026-01-01", "2026-03-31"]}]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, date("created_at", "month")],
               "filters": [{"field": "pipeline", "op": "eq", "values": [p.id]},
                           {"field": "status", "op": "in", "values": ["open", "won"]}],
               "aggregates": [count, sum, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "owner"}],
               "filters": [{"field": "created_at", "op": "gt", "values": ["2026-02-14"]},
                           {"field": "created_at", "op": "ne", "values": ["2026-05-09"]},
                           {"field": "source", "op": "ne", "values": [sources[0]]}],
               "aggregates": [count, sum]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "status"}, {"field": "pipeline"}],
               "filters": [{"field": "closed_at", "op": "lt", "values": ["2026-06-01"]},
                           {"field": "currency", "op": "contains", "values": ["ru"]}],
               "aggregates": [count, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, date("closed_at", "quarter")],
               "filters": [{"field": "closed_at", "op": "ne", "values": ["2026-01-10"]},
                           {"field": "source", "op": "empty"},
                           {"field": "owner", "op": "in", "values": [u1, u2]}],
               "aggregates": [count, sum]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [date("closed_at", "month"), {"field": "owner"}],
               "filters": [{"field": "closed_at", "op": "empty"}]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "source"}],
               "filters": [{"field": "loss_reason", "op": "in", "values": [reasons[0], reasons[1]]},
                           {"field": "closed_at", "op": "not_empty"}]}),
        ),
        // By or filtered on a loss reason without a date: the close
        // roll-up as one period, the open deals (no reason) beside it.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "source"}, {"field": "loss_reason"}],
               "aggregates": [count, sum, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "owner"}],
               "filters": [{"field": "loss_reason", "op": "empty"}], "aggregates": [count, sum]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "stage"}],
               "filters": [{"field": "loss_reason", "op": "in", "values": [reasons[0], reasons[1]]}]}),
        ),
        // A close-date filter alone: the open deals are the undated ones.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}],
               "filters": [{"field": "closed_at", "op": "ne", "values": ["2026-01-10"]}]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "owner"}],
               "filters": [{"field": "closed_at", "op": "empty"}], "aggregates": [count, sum]}),
        ),
        // Days beside the currency, with a filter on the owner: the
        // roll-up (off UTC on PostgreSQL, the hours at both ends of every
        // day one set of bound values for all); on SQLite off UTC the grid,
        // each day's cell aggregating every currency apart.
        (
            "U",
            json!({"entity": "deals", "group_by": [date("created_at", "day"), {"field": "currency"}],
               "filters": [{"field": "owner", "op": "in", "values": [u1, u2]},
                           {"field": "created_at", "op": "lt", "values": ["2026-03-01"]}],
               "aggregates": [count, sum]}),
        ),
        // Days off UTC over the whole data (~420 days): more period ends
        // than SQLite takes terms in one statement (MAX_RAW_PARTS), so the
        // grid answers there (each day's cell counting every currency
        // apart); PostgreSQL's roll-up reads them all.
        (
            "D",
            json!({"entity": "deals", "group_by": [date("created_at", "day"), {"field": "currency"}],
               "aggregates": [count]}),
        ),
        // The currency beside each date, its minimum and maximum: from
        // the roll-ups; with a filter on the amount on SQLite each cell
        // aggregates every currency the deals hold apart (the indexes hold
        // it after the date), on PostgreSQL grouped within each period of
        // the indexes by each date.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "currency"}, date("created_at", "month")],
               "aggregates": [min, max]}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "currency"}, date("created_at", "month")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [min, max]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [date("closed_at", "quarter"), {"field": "currency"}],
               "aggregates": [count, max, avg], "currency": "USD"}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "week"), {"field": "currency"}],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [min, count]}),
        ),
        // The pipeline beside the creation date, its maximum: one range
        // per status and stage of each pipeline on SQLite (migration 22);
        // grouped within each month's range of the index by creation date
        // on PostgreSQL.
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, date("created_at", "month")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [avg, max]}),
        ),
        // Each other field beside a date, filtered on the amount: on
        // SQLite an index holding it before the date (migration 22; the
        // stage after every status and pipeline named); without the
        // filter the roll-up's least and greatest.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "source"}, date("closed_at", "month")],
               "aggregates": [count, max]}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "source"}, date("closed_at", "month")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [count, max]}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, date("closed_at", "quarter")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [min]}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "month"), {"field": "pipeline"}],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [sum, min]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "source"}, date("expected_close_date", "quarter")],
               "aggregates": [max], "currency": "USD"}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, date("expected_close_date", "month")],
               "aggregates": [count, min]}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, date("created_at", "week")],
               "aggregates": [max]}),
        ),
        // Over a hundred periods beside a field grouped within them on
        // PostgreSQL: one list of periods joined to the cells.
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "source"}, date("created_at", "day")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [count, min]}),
        ),
        // The status beside the creation date: one range per pipeline
        // and stage of each status on SQLite (migration 22), the roll-up on
        // PostgreSQL.
        (
            "U",
            json!({"entity": "deals", "group_by": [date("created_at", "day"), {"field": "status"}],
               "filters": [{"field": "owner", "op": "in", "values": [u1, u2]},
                           {"field": "created_at", "op": "lt", "values": ["2026-03-01"]}],
               "aggregates": [count, sum]}),
        ),
        // Weeks off UTC with a filter outside the grid's indexes: the
        // roll-up with the hours at each week's ends, not a sort.
        (
            "R",
            json!({"entity": "deals", "group_by": [date("created_at", "week"), {"field": "owner"}],
               "filters": [{"field": "pipeline", "op": "ne", "values": [q.id]}],
               "aggregates": [count, sum]}),
        ),
        // A date the roll-up is not kept by, or two dates: PostgreSQL's
        // indexes by each date hold them all.
        (
            "W",
            json!({"entity": "deals", "group_by": [date("created_at", "month")],
               "filters": [{"field": "expected_close_date", "op": "lt", "values": ["2026-06-01"]}]}),
        ),
        (
            "Y",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, date("created_at", "month")],
               "filters": [{"field": "closed_at", "op": "not_empty"}]}),
        ),
        // The probability: in the grid's index by creation date on
        // either backend (migration 23).
        (
            "B",
            json!({"entity": "deals", "group_by": [date("created_at", "month")],
               "filters": [{"field": "probability", "op": "empty"}]}),
        ),
        // The stage is a key of both roll-ups.
        (
            "R",
            json!({"entity": "deals", "group_by": [date("closed_at", "month")],
               "filters": [{"field": "stage", "op": "in", "values": [p.stages[0].id, p.stages[1].id]},
                           {"field": "status", "op": "eq", "values": ["won"]}]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, date("created_at", "month")],
               "filters": [{"field": "created_at", "op": "gt", "values": ["2026-03-01"]}],
               "aggregates": [count, sum]}),
        ),
        (
            "U",
            json!({"entity": "deals", "group_by": [date("created_at", "week"), {"field": "stage"}],
               "aggregates": [count]}),
        ),
        // A field beside a date from the index that pairs them (the
        // roll-up without the filter).
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, date("created_at", "month")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [count, max]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, date("created_at", "month")],
               "aggregates": [count, max]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, date("closed_at", "month")],
               "aggregates": [count, sum]}),
        ),
        (
            "A",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "month"), {"field": "owner"}],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [sum, min]}),
        ),
        // Every deal by its expected close day (a day: whole cells in
        // any zone, and the deals without one as their own group).
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, date("expected_close_date", "quarter")],
               "aggregates": [count, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "source"}, date("expected_close_date", "month")]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "week"), {"field": "currency"}],
               "aggregates": [count, sum, avg], "currency": "USD"}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "day")],
               "filters": [{"field": "status", "op": "eq", "values": ["open"]},
                           {"field": "expected_close_date", "op": "lt", "values": ["2026-03-01"]}],
               "aggregates": [count, sum]}),
        ),
        // All but one day: day ranges and the deals without a day
        // together; a source filter read from both roll-ups the "no
        // date" group takes apart.
        (
            "R",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "year"), {"field": "stage"}],
               "filters": [{"field": "expected_close_date", "op": "ne", "values": ["2026-02-10"]},
                           {"field": "source", "op": "in", "values": [sources[0], sources[1]]}],
               "aggregates": [count, sum, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "owner"}],
               "filters": [{"field": "expected_close_date", "op": "ne", "values": ["2026-02-10"]}],
               "aggregates": [count, sum]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "status"}],
               "filters": [{"field": "expected_close_date", "op": "gt", "values": ["2026-03-15"]},
                           {"field": "source", "op": "eq", "values": [sources[2]]}]}),
        ),
        // An expected-date filter alone picks the roll-up: with the deals
        // that have no expected day, and without them.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "status"}],
               "filters": [{"field": "expected_close_date", "op": "empty"}]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}],
               "filters": [{"field": "expected_close_date", "op": "between", "values": ["2026-01-10", "2026-04-20"]}],
               "aggregates": [count, sum]}),
        ),
        (
            "U",
            json!({"entity": "deals", "group_by": [date("closed_at", "week"), {"field": "status"}],
               "aggregates": [count, sum, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, date("closed_at", "month")]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, date("closed_at", "month")],
               "aggregates": [min]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "status"}, date("expected_close_date", "month")],
               "aggregates": [sum, max]}),
        ),
        // The pipeline and the status beside the close date, where the
        // roll-up cannot answer (migration 16): one range per status and
        // pipeline, every status or every pipeline named.
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, date("closed_at", "month")],
               "filters": [{"field": "amount", "op": "gt", "values": ["20000"]}],
               "aggregates": [count, sum, max]}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [date("closed_at", "quarter"), {"field": "status"}],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [count, min]}),
        ),
        // The loss reason beside the expected day (migration 16): of the
        // deals without one, those not lost come from the roll-ups, the
        // lost ones (most with a reason) from the deals.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, date("expected_close_date", "month")],
               "aggregates": [count, sum, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "quarter"), {"field": "owner"}],
               "filters": [{"field": "loss_reason", "op": "eq", "values": [reasons[0]]}],
               "aggregates": [count, sum]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}],
               "filters": [{"field": "expected_close_date", "op": "gt", "values": ["2026-01-15"]}]}),
        ),
        (
            "G",
            json!({"entity": "leads", "group_by": [{"field": "status"}, date("created_at", "month")]}),
        ),
        (
            "G",
            json!({"entity": "leads", "group_by": [date("created_at", "quarter"), {"field": "source"}]}),
        ),
        (
            "G",
            json!({"entity": "contacts", "group_by": [{"field": "owner"}, date("created_at", "week")]}),
        ),
        (
            "G",
            json!({"entity": "leads", "group_by": [{"field": "owner"}, date("created_at", "month")],
               "filters": [{"field": "status", "op": "eq", "values": ["working"]}]}),
        ),
        // No grouping by the status, but a filter naming its values: one
        // range of the status index per value and period.
        (
            "G",
            json!({"entity": "leads", "group_by": [date("created_at", "week")],
               "filters": [{"field": "status", "op": "in", "values": ["new", "working"]}]}),
        ),
        // Customers: a free-text field beside the creation period, one
        // GROUP BY over the index of every column they report.
        (
            "P",
            json!({"entity": "accounts", "group_by": [{"field": "territory"}, date("created_at", "quarter")],
               "filters": [{"field": "kind", "op": "ne", "values": ["customer"]}]}),
        ),
        // Activities from their roll-up (migration 20) by any of their
        // dates, beside or filtered by the fields it keeps; a manager sees
        // their own; the tasks without a start (or due day, or completion)
        // are the undated group. Weeks and days off UTC on SQLite go to
        // the grid (U).
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, date("start_at", "month")]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [date("start_at", "week")]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [date("start_at", "day"), {"field": "owner"}],
               "filters": [{"field": "owner", "op": "eq", "values": [u2]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, date("start_at", "month")]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, date("completed_at", "week")],
               "filters": [{"field": "status", "op": "in", "values": ["held", "completed"]}]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [date("due_at", "week")]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, date("due_at", "month")]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [date("completed_at", "month")],
               "filters": [{"field": "owner", "op": "in", "values": [u1, u2]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "status"}, date("due_at", "month")],
               "filters": [{"field": "kind", "op": "eq", "values": ["task"]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, date("due_at", "month")]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [date("start_at", "week"), {"field": "status"}],
               "filters": [{"field": "priority", "op": "empty"}]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [{"field": "status"}, date("created_at", "day")]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, date("completed_at", "quarter")],
               "filters": [{"field": "status", "op": "in", "values": ["held", "completed"]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, date("completed_at", "month")]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [date("created_at", "week"), {"field": "owner"}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [date("created_at", "month")],
               "filters": [{"field": "channel", "op": "not_empty"}]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [date("created_at", "day")],
               "filters": [{"field": "kind", "op": "eq", "values": ["task"]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, date("start_at", "month")],
               "filters": [{"field": "kind", "op": "eq", "values": ["event"]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "priority"}, date("due_at", "month")]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "priority"}, date("completed_at", "month")]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "channel"}, date("start_at", "month")]}),
        ),
        (
            "U",
            json!({"entity": "activities", "group_by": [date("start_at", "week"), {"field": "channel"}],
               "filters": [{"field": "kind", "op": "in", "values": ["event", "interaction"]}]}),
        ),
        // No date: the creation cells; a filter on one date alone reads
        // that date's cells over the filter's days (and, where it lets
        // them in, the activities without it).
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, {"field": "status"}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "status"}],
               "filters": [{"field": "start_at", "op": "between", "values": ["2026-02-01", "2026-04-15"]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, {"field": "channel"}],
               "filters": [{"field": "completed_at", "op": "ne", "values": ["2026-03-03"]}]}),
        ),
        (
            "R",
            json!({"entity": "activities", "group_by": [{"field": "status"}, date("due_at", "month")],
               "filters": [{"field": "due_at", "op": "lt", "values": ["2026-05-20"]}]}),
        ),
        // Two dates: no roll-up or grid index keeps both.
        (
            "P",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, date("start_at", "month")],
               "filters": [{"field": "created_at", "op": "gt", "values": ["2026-01-10"]}]}),
        ),
        // Close periods from the closed deals' roll-up (the open deals are
        // the ones without a date), beside the fields it keeps.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, date("closed_at", "month")]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [date("closed_at", "quarter"), {"field": "currency"}],
               "aggregates": [count, sum, avg], "currency": "USD"}),
        ),
        // The currency alone, its minimum: the creation roll-up's month
        // cells; filtered on the amount, on SQLite one pass over an index
        // holding it, every currency the deals hold aggregated apart (none
        // leads with it).
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "currency"}], "aggregates": [min, count]}),
        ),
        (
            "G",
            json!({"entity": "deals", "group_by": [{"field": "currency"}],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [max, avg], "currency": "USD"}),
        ),
        // A report currency no deal is in: every amount empty, the counts
        // still there (from the roll-up; filtered on the amount, the grid).
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "currency"}, date("created_at", "quarter")],
               "aggregates": [count, min, avg], "currency": "CNY"}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [{"field": "currency"}, date("created_at", "quarter")],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [count, min, avg], "currency": "CNY"}),
        ),
        // Another field of a few values alone that no index leads with.
        (
            "G",
            json!({"entity": "accounts", "group_by": [{"field": "kind"}]}),
        ),
        // Fields without a date from the board's totals, or (the status,
        // the source) from the creation roll-up's month cells.
        (
            "T",
            json!({"entity": "deals", "group_by": [{"field": "currency"}], "aggregates": [avg]}),
        ),
        (
            "T",
            json!({"entity": "deals", "group_by": [{"field": "owner"}], "aggregates": [count, sum]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "status"}, {"field": "owner"}],
               "aggregates": [sum, avg]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "source"}]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "source"}, date("closed_at", "month")],
               "aggregates": [count, sum]}),
        ),
        // The stage by close period (the open deals' stages among the
        // undated) and beside another key.
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, date("closed_at", "month")]}),
        ),
        (
            "T",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "owner"}],
               "aggregates": [count, sum]}),
        ),
        // A filter on the amount is in no roll-up: two fields an index
        // leads with, and the customer's index, are read in order (one
        // GROUP BY each); without it, the month cells' least amounts.
        (
            "P",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "owner"}],
               "filters": [{"field": "amount", "op": "gt", "values": ["5000"]}],
               "aggregates": [count, sum, min]}),
        ),
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "owner"}],
               "aggregates": [count, sum, min]}),
        ),
        (
            "P",
            json!({"entity": "deals", "group_by": [{"field": "account"}], "aggregates": [count, sum]}),
        ),
        // The probability, which the grid's indexes by each date hold
        // (migration 23): each period's cell aggregates every currency apart.
        (
            "B",
            json!({"entity": "deals", "group_by": [date("expected_close_date", "month"), {"field": "currency"}],
               "aggregates": [{"func": "max", "field": "probability"}, {"func": "avg", "field": "probability"}]}),
        ),
        (
            "B",
            json!({"entity": "deals", "group_by": [date("closed_at", "quarter")],
               "aggregates": [{"func": "sum", "field": "probability"}, min]}),
        ),
        // Without a date, by the pipeline, stage, owner or currency and
        // filtered on them alone: the board's totals (deal_totals), the
        // probability's sum and average too (migration 29). The report
        // currency's deals alone are summed; every deal is counted.
        (
            "T",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "stage"}],
               "aggregates": [count, {"func": "sum", "field": "probability"}, {"func": "avg", "field": "probability"}]}),
        ),
        (
            "T",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "currency"}],
               "filters": [{"field": "pipeline", "op": "eq", "values": [p.id]},
                           {"field": "stage", "op": "ne", "values": [p.stages[0].id]}],
               "aggregates": [count, sum, avg], "currency": "EUR"}),
        ),
        (
            "T",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}],
               "filters": [{"field": "owner", "op": "in", "values": [u2]}],
               "aggregates": [{"func": "avg", "field": "probability"}, sum]}),
        ),
        (
            "T",
            json!({"entity": "deals", "group_by": [{"field": "stage"}],
               "filters": [{"field": "currency", "op": "in", "values": ["USD", "EUR"]}],
               "aggregates": [sum, count], "currency": "USD"}),
        ),
        // The status is the roll-ups' (the deal's own, not its stage's).
        (
            "R",
            json!({"entity": "deals", "group_by": [{"field": "status"}, {"field": "pipeline"}],
               "aggregates": [count, sum]}),
        ),
        // Pipeline × stage: grouped by the stage alone on SQLite (checked
        // against the deals' own pipelines below).
        (
            "P",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "stage"}],
               "aggregates": [count, {"func": "sum", "field": "probability"}, max]}),
        ),
    ];
    let sqlite = db.reader().await.unwrap().backend() == Backend::Sqlite;
    // Every case answered the wrong way, listed at once.
    let mut wrong = Vec::new();
    for (tag, def) in &defs {
        let plan: Definition = serde_json::from_value(def.clone()).unwrap();
        let plan = plan
            .validate(&voronka_core::money::Currency::rub())
            .unwrap();
        for actor in [&sys, &manager] {
            for (cal, utc) in [(&Moscow as &dyn Calendar, false), (&Utc, true)] {
                let (fast, way) = builder::run_with(&db, actor, &plan, cal, true)
                    .await
                    .unwrap();
                let (plain, plain_way) = builder::run_with(&db, actor, &plan, cal, false)
                    .await
                    .unwrap();
                assert_eq!(fast, plain, "{def}");
                assert_eq!(plain_way, Way::Plain);
                // Not a comparison of two empty answers.
                if actor == &sys {
                    assert!(fast.rows.len() > 1, "{def} {fast:?}");
                }
                let grid = if sqlite { Way::Grid } else { Way::Plain };
                // PostgreSQL's grid has fewer deal indexes (B, W): the
                // roll-up takes short periods there too.
                let expected = match (*tag, utc, sqlite) {
                    ("T", ..) => Way::Board,
                    ("D", false, true) => Way::Grid,
                    ("W" | "Y", _, true) => Way::Plain,
                    ("R" | "D", ..) | ("U", true, _) | ("U", _, false) => Way::Rollup,
                    ("U", false, true) | ("G", ..) => grid,
                    // Beside the owner, a manager's is the plain statement
                    // on PostgreSQL (each cell would test every owner's rows).
                    ("A" | "Y", _, false) if actor != &sys => Way::Plain,
                    ("B" | "A" | "W" | "Y", ..) => Way::Grid,
                    _ => Way::Plain,
                };
                if way != expected {
                    let who = if actor == &sys { "admin" } else { "manager" };
                    wrong.push(format!(
                        "{tag} {who} UTC {utc}: {way:?}, not {expected:?}: {def}"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Pipeline × stage by the deals' own pipelines, not the stage's: each
    // row's count and summed probability as a GROUP BY on both gives them.
    let plan: Definition = serde_json::from_value(json!({"entity": "deals",
        "group_by": [{"field": "pipeline"}, {"field": "stage"}],
        "aggregates": [{"func": "count"}, {"func": "sum", "field": "probability"}]}))
    .unwrap();
    let plan = plan
        .validate(&voronka_core::money::Currency::rub())
        .unwrap();
    let got = builder::run(&db, &sys, &plan, &Utc).await.unwrap();
    let mut r = db.reader().await.unwrap();
    let by_hand = sqlx::query(
        "SELECT pipeline_id, stage_id, COUNT(*) AS n, CAST(SUM(probability) AS BIGINT) AS p \
         FROM deals GROUP BY pipeline_id, stage_id",
    )
    .fetch_all(r.conn())
    .await
    .unwrap();
    drop(r);
    let mut expected: Vec<(String, String, String, Option<String>)> = by_hand
        .iter()
        .map(|row| {
            let id = |c: &str| row.try_get::<i64, _>(c).unwrap().to_string();
            let p: Option<i64> = row.try_get("p").unwrap();
            (
                id("pipeline_id"),
                id("stage_id"),
                id("n"),
                p.map(|p| p.to_string()),
            )
        })
        .collect();
    let mut rows: Vec<(String, String, String, Option<String>)> = got
        .rows
        .iter()
        .map(|row| {
            let key = |i: usize| row.keys[i].value.clone().unwrap_or_default();
            let value = |i: usize| row.values[i].map(|v| v.normalize().to_string());
            (key(0), key(1), value(0).unwrap_or_default(), value(1))
        })
        .collect();
    expected.sort();
    rows.sort();
    assert!(expected.len() > 4, "{expected:?}");
    assert_eq!(rows, expected);
}

/// A grouping by customer (alone or before another field) over more
/// customers than a report shows gives, walked in name order, the same
/// first rows, totals and cut as the `GROUP BY` — for an administrator,
/// for a manager whose team owns most deals, and for one who sees so few
/// that the walk gives way.
#[tokio::test]
async fn a_grouping_by_customer_walks_the_names_in_order() {
    let Customers {
        db,
        sys,
        team,
        sparse,
    } = many_customers().await;
    let aggregates = json!([{"func": "count"}, {"func": "sum", "field": "amount"},
                            {"func": "avg", "field": "amount"}, {"func": "max", "field": "amount"}]);
    let all =
        json!({"entity": "deals", "group_by": [{"field": "account"}], "aggregates": aggregates});
    // A filter outside the customer's index: the walk looks the rows up.
    let some = json!({"entity": "deals", "group_by": [{"field": "account"}], "aggregates": aggregates,
                      "filters": [{"field": "amount", "op": "gt", "values": ["100"]}]});
    // Count, sum and average alone: the totals beside the walked customers
    // come from the roll-ups.
    let rolled = json!({"entity": "deals", "group_by": [{"field": "account"}],
                        "aggregates": [{"func": "count"}, {"func": "sum", "field": "amount"},
                                       {"func": "avg", "field": "amount"}]});
    // A customer and then another field: the walked customers' deals alone
    // are grouped, a customer's rows side by side.
    let by_month = json!({"entity": "deals", "aggregates": aggregates,
                          "group_by": [{"field": "account"}, {"field": "created_at", "grain": "month"}]});
    let by_stage = json!({"entity": "deals", "aggregates": aggregates,
                          "group_by": [{"field": "account"}, {"field": "stage"}],
                          "filters": [{"field": "amount", "op": "gt", "values": ["100"]}]});
    let cases = [
        (&all, &sys, true),
        (&all, &team, true),
        (&all, &sparse, false),
        (&some, &sys, true),
        (&rolled, &sys, true),
        (&rolled, &team, true),
        (&by_month, &sys, true),
        (&by_month, &team, true),
        (&by_month, &sparse, false),
        (&by_stage, &sys, true),
    ];
    for (def, actor, walks) in cases {
        let (plan, (fast, way), (plain, _)) = both_ways(&db, actor, def).await;
        assert_eq!(fast, plain, "{def} {:?}", actor.user_id);
        let expected = if walks { Way::Walk } else { Way::Plain };
        assert_eq!(way, expected, "{def} {:?}", actor.user_id);
        assert_eq!(fast.truncated, walks, "{def} {:?}", actor.user_id);
        if walks {
            assert_eq!(fast.rows.len(), builder::MAX_GROUP_ROWS);
            let labels: Vec<&str> = fast.rows.iter().map(|r| r.keys[0].label.as_str()).collect();
            let mut sorted = labels.clone();
            sorted.sort();
            assert_eq!(labels, sorted);
            if plan.groups.len() == 2 {
                // Some customer shows more than one row.
                assert!(fast.rows.windows(2).any(|w| w[0].keys[0] == w[1].keys[0]));
            }
        } else {
            assert!(!fast.rows.is_empty());
        }
    }
}

/// A grouping by a field and then by customer, over more customers than a
/// report shows, read a run of the field's values at a time until the
/// report is full, gives the same rows, totals and cut as one `GROUP BY`:
/// by week (runs of empty weeks between the full ones), by stage, by
/// status, by currency (the first one's customers too few to fill it), by
/// pipeline, by source or loss reason or close month (no deal has one: the
/// last run reads them), by owner for a manager who sees few deals, and
/// with a filter outside the indexes; contacts by position (some without
/// one), by owner, by birthday year (some unknown) or creation quarter.
#[tokio::test]
async fn a_field_then_the_customer_reads_its_first_values_until_the_report_is_full() {
    let Customers {
        db,
        sys,
        team,
        sparse,
    } = many_customers().await;
    let by = |lead: serde_json::Value, filters: serde_json::Value| {
        json!({"entity": "deals", "group_by": [lead, {"field": "account"}], "filters": filters,
               "aggregates": [{"func": "count"}, {"func": "sum", "field": "amount"},
                              {"func": "avg", "field": "amount"}, {"func": "max", "field": "amount"}]})
    };
    let none = json!([]);
    let costly = json!([{"field": "amount", "op": "gt", "values": ["100"]}]);
    let week = json!({"field": "created_at", "grain": "week"});
    let month = json!({"field": "created_at", "grain": "month"});
    let cases = [
        // (definition, actor, the report cut short)
        (by(week.clone(), none.clone()), &sys, true),
        (by(week, none.clone()), &team, true),
        (by(month.clone(), none.clone()), &sparse, false),
        (by(month, costly.clone()), &sys, true),
        (by(json!({"field": "stage"}), none.clone()), &sys, true),
        (by(json!({"field": "stage"}), costly), &team, true),
        (by(json!({"field": "status"}), none.clone()), &sys, true),
        (by(json!({"field": "currency"}), none.clone()), &sys, true),
        (by(json!({"field": "source"}), none.clone()), &sys, true),
        (
            by(json!({"field": "loss_reason"}), none.clone()),
            &team,
            true,
        ),
        (
            by(
                json!({"field": "closed_at", "grain": "month"}),
                none.clone(),
            ),
            &sys,
            true,
        ),
        (by(json!({"field": "pipeline"}), none.clone()), &sys, true),
        (by(json!({"field": "owner"}), none.clone()), &sparse, false),
        (by(json!({"field": "owner"}), none), &team, true),
    ];
    // Contacts: by position (listed from their own index), owner, or
    // a period of the birthday or the creation (each a range of an index
    // led by the date, migration 28).
    let contacts = |lead: serde_json::Value| json!({"entity": "contacts", "group_by": [lead, {"field": "account"}]});
    let born = json!({"field": "birthday", "grain": "year"});
    let created = json!({"field": "created_at", "grain": "quarter"});
    let cases = cases.into_iter().chain([
        (contacts(json!({"field": "position"})), &sys, true),
        (contacts(json!({"field": "position"})), &team, true),
        (contacts(json!({"field": "owner"})), &sys, true),
        (contacts(json!({"field": "owner"})), &team, true),
        (contacts(born.clone()), &sys, true),
        (contacts(born), &team, true),
        // Every contact made at once: one quarter, fewer customers than
        // a report shows.
        (contacts(created.clone()), &sys, false),
        (contacts(created), &team, false),
    ]);
    for (def, actor, cut) in cases {
        let (_, (fast, way), (plain, plain_way)) = both_ways(&db, actor, &def).await;
        assert_eq!(plain_way, Way::Plain);
        assert_eq!(way, Way::Leading, "{def} {:?}", actor.user_id);
        assert_eq!(fast, plain, "{def} {:?}", actor.user_id);
        assert_eq!(fast.truncated, cut, "{def} {:?}", actor.user_id);
        assert!(!fast.rows.is_empty());
        // Some value of the field shows more than one customer.
        assert!(fast.rows.windows(2).any(|w| w[0].keys[0] == w[1].keys[0]));
    }
}

/// A definition checked, and run for the actor the fast way and the plain.
async fn both_ways(
    db: &voronka_store::Db,
    actor: &Actor,
    def: &serde_json::Value,
) -> (
    voronka_core::builder::Plan,
    (builder::Outcome, Way),
    (builder::Outcome, Way),
) {
    let plan: Definition = serde_json::from_value(def.clone()).unwrap();
    let plan = plan
        .validate(&voronka_core::money::Currency::rub())
        .unwrap();
    let fast = builder::run_with(db, actor, &plan, &Utc, true)
        .await
        .unwrap();
    let plain = builder::run_with(db, actor, &plan, &Utc, false)
        .await
        .unwrap();
    (plan, fast, plain)
}

/// More customers than a report shows and their deals, for the groupings
/// by customer: the administrator, a manager whose team owns most deals
/// and one who sees a few.
struct Customers {
    db: voronka_store::Db,
    sys: Actor,
    team: Actor,
    sparse: Actor,
}

async fn many_customers() -> Customers {
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = Actor::system();
    let mut ids = Vec::new();
    for login in ["u1", "u2", "u3"] {
        let u = users::create_user(&db, &sys, json!({"login": login, "name": login}), None)
            .await
            .unwrap();
        ids.push(u.id);
    }
    let (u1, u2, u3) = (ids[0], ids[1], ids[2]);
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let accounts = builder::MAX_GROUP_ROWS as i64 + 800;
    let now = Timestamp::parse("2026-03-01T10:00:00Z").unwrap().to_db();
    let mut r = db.reader().await.unwrap();
    let mut rng = Lcg(11);
    let mut rows = Vec::new();
    for i in 1..=accounts {
        // Names out of id order, some shared (ties go by id).
        let name = format!("Фирма {:05}", (i * 7919) % 2000);
        rows.push(format!(
            "({i}, '{name}', 'customer', '[]', '[]', '{name}', {}, '{now}', '{now}')",
            if i % 2 == 0 { u1 } else { u2 }
        ));
    }
    let mut deals = Vec::new();
    for i in 1..=accounts + 40 {
        // Every seventh customer has no deals; the last forty deals none.
        let account = if i > accounts {
            "NULL".to_owned()
        } else if i % 7 == 0 {
            continue;
        } else {
            i.to_string()
        };
        for k in 0..=rng.next(2) {
            let owner = match (i + k as i64) % 3 {
                0 => u1,
                1 => u2,
                _ if i % 97 == 0 => u3,
                _ => u1,
            };
            // Three creation months, two stages and two currencies, for
            // the groupings of a customer beside another field.
            let currency = if i % 5 == 0 { "EUR" } else { "RUB" };
            let created =
                Timestamp::parse(&format!("2026-0{}-01T10:00:00Z", 1 + (i + k as i64) % 3))
                    .unwrap()
                    .to_db();
            deals.push(format!(
                "('D{i}-{k}', {}, {}, {account}, {}, '{currency}', 0, 'open', 'd', {owner}, '{created}', '{now}')",
                p.id,
                p.stages[(i as usize + k as usize) % 2].id,
                rng.next(1_000_000)
            ));
        }
    }
    for chunk in rows.chunks(500) {
        sqlx::query(&format!(
            "INSERT INTO accounts (id, name, kind, phones, emails, search_key, owner_id, created_at, updated_at) VALUES {}",
            chunk.join(", ")
        ))
        .execute(r.conn())
        .await
        .unwrap();
    }
    for chunk in deals.chunks(500) {
        sqlx::query(&format!(
            "INSERT INTO deals (title, pipeline_id, stage_id, account_id, amount_minor, currency, \
             effective_probability, status, search_key, owner_id, created_at, updated_at) VALUES {}",
            chunk.join(", ")
        ))
        .execute(r.conn())
        .await
        .unwrap();
    }
    // A contact or two of most customers, in four positions (or none).
    let mut contacts = Vec::new();
    for i in 1..=accounts {
        for k in 0..(i % 3) {
            let position = match (i + k) % 5 {
                0 => "NULL".to_owned(),
                p => format!("'Должность {p}'"),
            };
            // Born over forty years, one in seven unknown.
            let birthday = match (i + k) % 7 {
                0 => "NULL".to_owned(),
                _ => format!("'{}-0{}-15'", 1960 + i % 40, k + 1),
            };
            contacts.push(format!(
                "('К{i}', {i}, {position}, '[]', '[]', 'к', {}, {birthday}, '{now}', '{now}')",
                if (i + k) % 3 == 0 { u1 } else { u2 }
            ));
        }
    }
    for chunk in contacts.chunks(500) {
        sqlx::query(&format!(
            "INSERT INTO contacts (last_name, account_id, position, phones, emails, search_key, \
             owner_id, birthday, created_at, updated_at) VALUES {}",
            chunk.join(", ")
        ))
        .execute(r.conn())
        .await
        .unwrap();
    }
    drop(r);
    // Written behind the roll-ups' back: count them, as an upgrade does.
    voronka_store::rollup::rebuild(&db).await.unwrap();
    deals::rebuild_totals(&db).await.unwrap();
    let sparse = Actor {
        user_id: Some(u3),
        role: Role::Manager,
        visible_owners: Some(vec![u3]),
    };
    let team = Actor {
        user_id: Some(u2),
        role: Role::Manager,
        visible_owners: Some(vec![u1, u2]),
    };
    Customers {
        db,
        sys,
        team,
        sparse,
    }
}

/// A fresh database, its default pipeline, one user and a customer of theirs.
async fn one_owner() -> (
    voronka_store::Db,
    Actor,
    voronka_core::records::Pipeline,
    i64,
    voronka_core::records::Account,
) {
    let (db, _) = testing::fresh_db().await.unwrap();
    let sys = Actor::system();
    let p = pipelines::list(&db).await.unwrap().remove(0);
    let u = users::create_user(&db, &sys, json!({"login": "u", "name": "U"}), None)
        .await
        .unwrap()
        .id;
    let account = rules::create(&db, &sys, json!({"name": "A", "owner_id": u}))
        .await
        .unwrap();
    (db, sys, p, u, account)
}

/// Moves a deal to an open stage, as the system.
async fn move_to(db: &voronka_store::Db, deal: i64, stage_id: i64) {
    let to = deals::MoveDeal {
        stage_id,
        reason_id: None,
        reason: None,
    };
    deals::move_deal(db, &Actor::system(), deal, to)
        .await
        .unwrap();
}

/// An expected close day typed centuries off makes an open-ended filter's
/// range tens of thousands of months long: the roll-up gives way to the
/// plain statement past its cap on cells, and still answers a range the
/// filter bounds.
#[tokio::test]
async fn a_far_expected_day_leaves_an_open_range_to_the_plain_statement() {
    let (db, sys, p, u, account) = one_owner().await;
    let mut ids = Vec::new();
    for (i, day) in ["1100-01-01", "2026-01-05", "2026-02-07"]
        .iter()
        .enumerate()
    {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": format!("D{i}"), "amount": "100", "pipeline_id": p.id,
                   "stage_id": p.stages[0].id, "account_id": account.id, "owner_id": u}),
        )
        .await
        .unwrap();
        ids.push((d.id, *day));
    }
    let mut r = db.reader().await.unwrap();
    for (id, day) in &ids {
        sqlx::query("UPDATE deals SET expected_close_date = $1 WHERE id = $2")
            .bind(*day)
            .bind(*id)
            .execute(r.conn())
            .await
            .unwrap();
    }
    drop(r);
    voronka_store::rollup::rebuild(&db).await.unwrap();
    let count = json!({"func": "count"});
    for (filter, expected_way, deals) in [
        (
            json!({"field": "expected_close_date", "op": "ne", "values": ["2026-02-07"]}),
            Way::Plain,
            2,
        ),
        (
            json!({"field": "expected_close_date", "op": "gt", "values": ["2026-01-01"]}),
            Way::Rollup,
            2,
        ),
    ] {
        let def = json!({"entity": "deals", "group_by": [{"field": "stage"}],
                         "filters": [filter], "aggregates": [count]});
        let plan: Definition = serde_json::from_value(def.clone()).unwrap();
        let plan = plan
            .validate(&voronka_core::money::Currency::rub())
            .unwrap();
        let (fast, way) = builder::run_with(&db, &sys, &plan, &Utc, true)
            .await
            .unwrap();
        let (plain, _) = builder::run_with(&db, &sys, &plan, &Utc, false)
            .await
            .unwrap();
        assert_eq!(fast, plain, "{def}");
        assert_eq!(way, expected_way, "{def}");
        assert_eq!(fast.rows.len(), 1, "{def}");
        assert_eq!(
            fast.rows[0].values[0],
            Some(rust_decimal::Decimal::from(deals)),
            "{def}"
        );
    }
}

/// A report's least and greatest amount by stage, as a head of sales
/// reads it after deals leave the stage, are deleted or change amount:
/// from the roll-up (migration 25), and the same as the plain statement.
#[tokio::test]
async fn the_least_and_greatest_amount_follow_deals_out_of_their_cells() {
    let (db, sys, p, u, account) = one_owner().await;
    let mut ids = Vec::new();
    for amount in ["100", "200", "300", "400"] {
        let d: Deal = rules::create(
            &db,
            &sys,
            json!({"title": format!("D{amount}"), "amount": amount, "pipeline_id": p.id,
                   "stage_id": p.stages[0].id, "account_id": account.id, "owner_id": u}),
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let def = json!({"entity": "deals", "group_by": [{"field": "stage"}],
                     "aggregates": [{"func": "min", "field": "amount"}, {"func": "max", "field": "amount"}]});
    let plan: Definition = serde_json::from_value(def).unwrap();
    let plan = plan
        .validate(&voronka_core::money::Currency::rub())
        .unwrap();
    // Each stage's (min, max), in the stages' order.
    let read = || async {
        let (fast, way) = builder::run_with(&db, &sys, &plan, &Moscow, true)
            .await
            .unwrap();
        let (plain, _) = builder::run_with(&db, &sys, &plan, &Moscow, false)
            .await
            .unwrap();
        assert_eq!(way, Way::Rollup);
        assert_eq!(fast, plain);
        fast.rows
            .iter()
            .map(|r| {
                let v = |i: usize| r.values[i].unwrap().trunc().to_string();
                (v(0).parse::<i64>().unwrap(), v(1).parse::<i64>().unwrap())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(read().await, [(100, 400)]);
    // The greatest leaves for the next stage.
    move_to(&db, ids[3], p.stages[1].id).await;
    assert_eq!(read().await, [(100, 300), (400, 400)]);
    // The least is deleted; the new least is repriced up, then the
    // greatest drops below every other.
    rules::delete::<Deal>(&db, &sys, ids[0]).await.unwrap();
    assert_eq!(read().await, [(200, 300), (400, 400)]);
    rules::update::<Deal>(&db, &sys, ids[1], json!({"amount": "250"}))
        .await
        .unwrap();
    assert_eq!(read().await, [(250, 300), (400, 400)]);
    rules::update::<Deal>(&db, &sys, ids[2], json!({"amount": "50"}))
        .await
        .unwrap();
    assert_eq!(read().await, [(50, 250), (400, 400)]);
    // The stage emptied: no row for it.
    move_to(&db, ids[3], p.stages[0].id).await;
    assert_eq!(read().await, [(50, 400)]);
}
