//! `voronka demo`: fills the database with realistic Russian demo data
//! (see `voronka_store::demo`) and prints how to log in.

use anyhow::{Context, Result, anyhow};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use voronka_core::records::Role;
use voronka_store::Db;
use voronka_store::demo::{self, DemoOptions, Phase, Progress};

/// The password every demo user is created with.
pub const PASSWORD: &str = "voronka-demo";

/// Progress is printed each time this many more records are written.
const REPORT_EVERY: u64 = 100_000;

pub async fn run(db: &Db, deals: u64, seed: u64) -> Result<()> {
    let started = Instant::now();
    let password_hash = voronka_web::auth::hash_password(PASSWORD.to_owned())
        .await
        .map_err(|_| anyhow!("could not hash the demo password"))?;
    let options = DemoOptions {
        deals,
        seed,
        password_hash,
    };
    eprintln!("Building demo data: {deals} deals, seed {seed}…");
    let last = Mutex::new((Phase::Users, 0u64));
    let report = |p: Progress| {
        let Ok(mut last) = last.lock() else { return };
        if last.0 != p.phase {
            *last = (p.phase, 0);
        }
        let step = p.done / REPORT_EVERY;
        if step > last.1 || p.done == p.total {
            last.1 = step;
            eprintln!(
                "  {:<10} {:>9} / {:<9} {:>8}",
                p.phase.as_str(),
                p.done,
                p.total,
                elapsed(started.elapsed())
            );
        }
    };
    let summary = demo::generate(db, &options, &report)
        .await
        .context("building the demo data")?;
    // Closing checkpoints SQLite's write-ahead log: one self-contained file.
    db.close().await;
    let took = started.elapsed();

    println!("Demo data added in {}:", elapsed(took));
    println!("  accounts    {:>9}", summary.accounts);
    println!("  contacts    {:>9}", summary.contacts);
    println!("  leads       {:>9}", summary.leads);
    println!(
        "  deals       {:>9}  ({} stage moves, {} product lines)",
        summary.deals, summary.stage_moves, summary.deal_lines
    );
    println!("  activities  {:>9}", summary.activities);
    println!(
        "  invoices    {:>9}  ({} lines, {} payments)",
        summary.invoices, summary.invoice_lines, summary.payments
    );
    let mut team = "";
    for u in &summary.users {
        if u.team != team {
            team = &u.team;
            println!("{team}:");
        }
        let role = match u.role {
            Role::Head => "руководитель",
            _ => "менеджер",
        };
        let note = if u.created {
            ""
        } else {
            "  (already existed, password unchanged)"
        };
        println!("  {:<10} {:<22} {role}{note}", u.login, u.name);
    }
    println!("Log in with any of these logins and the password: {PASSWORD}");
    Ok(())
}

fn elapsed(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{}m {:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}
