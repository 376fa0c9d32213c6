//! The audit log (who, when, field, old → new) and the record timeline built on it.

use crate::db::{Conn, Tx, col};
use crate::error::Result;
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use voronka_core::Timestamp;
use voronka_core::records::{EntityKind, Id};

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub field: String,
    #[schema(value_type = Object)]
    pub old: Value,
    #[schema(value_type = Object)]
    pub new: Value,
}

/// Fields that change on every write and say nothing about the record.
const BOOKKEEPING: &[&str] = &["updated_at", "updated_by", "created_at", "created_by", "id"];

/// Field-by-field difference of two JSON renderings of a record.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let empty = serde_json::Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !BOOKKEEPING.contains(&k.as_str()))
        .filter_map(|k| {
            let o = old.get(k).unwrap_or(&Value::Null);
            let n = new.get(k).unwrap_or(&Value::Null);
            (o != n).then(|| Change {
                field: k.clone(),
                old: o.clone(),
                new: n.clone(),
            })
        })
        .collect()
}

/// Every field of a new record as a change from nothing.
pub fn creation(new: &Value) -> Vec<Change> {
    diff(&Value::Object(serde_json::Map::new()), new)
        .into_iter()
        .filter(|c| !c.new.is_null() && c.new != Value::Array(vec![]))
        .collect()
}

pub(crate) async fn record(
    tx: &mut Tx,
    entity: EntityKind,
    entity_id: Id,
    action: &str,
    user_id: Option<Id>,
    changes: &[Change],
) -> Result<()> {
    let now = tx.now().to_db();
    let changes = serde_json::to_string(changes).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO audit_log (entity, entity_id, action, user_id, at, changes) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entity.as_str())
    .bind(entity_id)
    .bind(action)
    .bind(user_id)
    .bind(now)
    .bind(changes)
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: Id,
    pub entity: EntityKind,
    pub entity_id: Id,
    /// create, update, delete, convert, move, close, reopen, converted_from_lead, deal_lost…
    pub action: String,
    pub user_id: Option<Id>,
    pub at: Timestamp,
    pub changes: Vec<Change>,
}

pub(crate) async fn entries(
    c: &mut impl Conn,
    entity: EntityKind,
    id: Id,
) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT id, entity, entity_id, action, user_id, at, changes FROM audit_log \
         WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 500",
    )
    .bind(entity.as_str())
    .bind(id)
    .fetch_all(c.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: col::i(r, "id")?,
                entity: col::en(r, "entity")?,
                entity_id: r.try_get("entity_id")?,
                action: col::s(r, "action")?,
                user_id: col::oi(r, "user_id")?,
                at: col::ts(r, "at")?,
                changes: serde_json::from_str(&col::s(r, "changes")?).unwrap_or_default(),
            })
        })
        .collect()
}

/// The latest changes to sales records owned by `owner`, newest first, with
/// the record's name (the dashboard's "recent changes on my records").
pub async fn recent_for_owner(
    db: &crate::db::Db,
    owner: Id,
    limit: usize,
) -> Result<Vec<(AuditEntry, String)>> {
    let mut c = db.reader().await?;
    let key_col = match c.backend() {
        crate::db::Backend::Sqlite => "rowid",
        crate::db::Backend::Postgres => "doc_key",
    };
    let rows = sqlx::query(
        "SELECT id, entity, entity_id, action, user_id, at, changes FROM audit_log \
         WHERE entity IN ('lead', 'account', 'contact', 'deal') ORDER BY id DESC LIMIT 400",
    )
    .fetch_all(c.conn())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let entity: EntityKind = col::en(r, "entity")?;
        let entity_id = col::i(r, "entity_id")?;
        let code = match entity {
            EntityKind::Lead => 1,
            EntityKind::Account => 2,
            EntityKind::Contact => 3,
            _ => 4,
        };
        let doc = sqlx::query(&format!(
            "SELECT owner_id, title FROM search_index WHERE {key_col} = $1"
        ))
        .bind(code * 1_000_000_000_000i64 + entity_id)
        .fetch_optional(c.conn())
        .await?;
        let Some(doc) = doc else { continue };
        if col::oi(&doc, "owner_id")? != Some(owner) {
            continue;
        }
        out.push((
            AuditEntry {
                id: col::i(r, "id")?,
                entity,
                entity_id,
                action: col::s(r, "action")?,
                user_id: col::oi(r, "user_id")?,
                at: col::ts(r, "at")?,
                changes: serde_json::from_str(&col::s(r, "changes")?).unwrap_or_default(),
            },
            col::s(&doc, "title")?,
        ));
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_changed_fields_only() {
        let old = json!({"name": "A", "inn": null, "updated_at": "x", "phones": ["1"]});
        let new = json!({"name": "B", "inn": null, "updated_at": "y", "phones": ["1", "2"]});
        let d = diff(&old, &new);
        let fields: Vec<_> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "phones"]);
        assert_eq!(d[0].old, json!("A"));
        assert_eq!(d[0].new, json!("B"));
    }

    #[test]
    fn creation_skips_empty_fields() {
        let c = creation(&json!({"name": "A", "inn": null, "phones": [], "id": 5}));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].field, "name");
    }
}
