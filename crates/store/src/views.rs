//! List views people save: a name and the list's query string, per user.

use crate::actor::Actor;
use crate::db::{Conn, Db, boxed, col};
use crate::error::{Result, StoreError};
use crate::table;
use serde::Serialize;
use voronka_core::Invalid;
use voronka_core::msg;
use voronka_core::records::Id;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SavedView {
    pub id: Id,
    pub entity: String,
    pub name: String,
    /// The list's query string, without the leading `?`.
    pub query: String,
}

pub async fn list(db: &Db, actor: &Actor, entity: &str) -> Result<Vec<SavedView>> {
    let Some(user) = actor.user_id else {
        return Ok(Vec::new());
    };
    let mut c = db.reader().await?;
    let rows = sqlx::query("SELECT id, entity, name, query FROM saved_views WHERE user_id = $1 AND entity = $2 ORDER BY name, id")
        .bind(user)
        .bind(entity)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SavedView {
                id: col::i(r, "id")?,
                entity: col::s(r, "entity")?,
                name: col::s(r, "name")?,
                query: col::s(r, "query")?,
            })
        })
        .collect()
}

pub async fn create(db: &Db, actor: &Actor, entity: &str, name: &str, query: &str) -> Result<Id> {
    let Some(user) = actor.user_id else {
        return Err(StoreError::Forbidden("only people save views".into()));
    };
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Invalid::field("name", msg::NAME_REQUIRED).into());
    }
    if query.len() > 2000 {
        return Err(Invalid::field("query", msg::TOO_LARGE_TEXT).into());
    }
    let (entity, query) = (entity.to_owned(), query.trim_start_matches('?').to_owned());
    db.write(move |tx| {
        boxed(async move {
            let now = tx.now().to_db();
            table::insert_row(
                tx,
                "saved_views",
                vec![
                    ("user_id", user.into()),
                    ("entity", entity.into()),
                    ("name", name.into()),
                    ("query", query.into()),
                    ("created_at", now.into()),
                ],
            )
            .await
        })
    })
    .await
}

/// Deletes one of the actor's own views; anyone else's is `NotFound`.
pub async fn delete(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    let user = actor.user_id.unwrap_or_default();
    db.write(move |tx| {
        boxed(async move {
            let n = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user)
                .execute(tx.conn())
                .await?
                .rows_affected();
            if n == 0 {
                Err(StoreError::NotFound)
            } else {
                Ok(())
            }
        })
    })
    .await
}
