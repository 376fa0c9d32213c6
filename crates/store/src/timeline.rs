//! A record's story, newest first: changes, stage moves, activities, notes, conversions.

use crate::activities::check_related;
use crate::actor::Actor;
use crate::audit::{self, AuditEntry};
use crate::db::{Conn, Db};
use crate::deals::{StageMove, history_in};
use crate::error::Result;
use crate::table::Table;
use serde::Serialize;
use voronka_core::Timestamp;
use voronka_core::records::{Activity, EntityKind, Id, Note};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineEntry {
    /// A change from the audit log.
    Change(AuditEntry),
    /// A move between deal stages.
    StageMove(StageMove),
    Activity(Dated<Activity>),
    Note(Dated<Note>),
}

/// A record placed on the timeline at the moment it was made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dated<T> {
    pub at: Timestamp,
    #[serde(flatten)]
    pub record: T,
}

impl TimelineEntry {
    pub fn at(&self) -> Timestamp {
        match self {
            TimelineEntry::Change(e) => e.at,
            TimelineEntry::StageMove(m) => m.at,
            TimelineEntry::Activity(a) => a.at,
            TimelineEntry::Note(n) => n.at,
        }
    }
}

pub async fn timeline(
    db: &Db,
    actor: &Actor,
    kind: EntityKind,
    id: Id,
) -> Result<Vec<TimelineEntry>> {
    let mut c = db.reader().await?;
    check_related(&mut c, actor, kind, id)
        .await
        .map_err(|e| match e {
            crate::StoreError::Invalid(_) => crate::StoreError::NotFound,
            e => e,
        })?;
    let mut out = Vec::new();
    for entry in audit::entries(&mut c, kind, id).await? {
        // Stage moves are told by the stage history, with both stage names.
        if matches!(entry.action.as_str(), "move" | "close" | "reopen") {
            continue;
        }
        out.push(TimelineEntry::Change(entry));
    }
    if kind == EntityKind::Deal {
        for m in history_in(&mut c, id).await? {
            out.push(TimelineEntry::StageMove(m));
        }
    }
    for a in activities_of(&mut c, kind, id).await? {
        out.push(TimelineEntry::Activity(Dated {
            at: a.meta.created_at,
            record: a,
        }));
    }
    for n in crate::notes::of_record(&mut c, kind, id).await? {
        out.push(TimelineEntry::Note(Dated {
            at: n.created_at,
            record: n,
        }));
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.at()));
    Ok(out)
}

async fn activities_of(c: &mut impl Conn, kind: EntityKind, id: Id) -> Result<Vec<Activity>> {
    let rows = sqlx::query("SELECT * FROM activities WHERE related_type = $1 AND related_id = $2 ORDER BY id DESC LIMIT 200")
        .bind(kind.as_str())
        .bind(id)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(Activity::from_row).collect()
}
