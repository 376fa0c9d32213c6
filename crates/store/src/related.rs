//! What hangs off a sales record: its activities and notes, and the links
//! converted leads keep to what they became.

use crate::db::{Conn, Tx};
use crate::error::Result;
use voronka_core::records::{EntityKind, Id};

/// Removes a record's activities, notes and lead links before the record goes.
pub(crate) async fn forget(tx: &mut Tx, kind: EntityKind, id: Id) -> Result<()> {
    crate::rollup::forget_activities(tx, kind.as_str(), id).await?;
    for sql in [
        "DELETE FROM activities WHERE related_type = $1 AND related_id = $2",
        "DELETE FROM notes WHERE related_type = $1 AND related_id = $2",
    ] {
        sqlx::query(sql)
            .bind(kind.as_str())
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    let link = match kind {
        EntityKind::Account => Some("converted_account_id"),
        EntityKind::Contact => Some("converted_contact_id"),
        EntityKind::Deal => Some("converted_deal_id"),
        _ => None,
    };
    if let Some(column) = link {
        sqlx::query(&format!(
            "UPDATE leads SET {column} = NULL WHERE {column} = $1"
        ))
        .bind(id)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}
