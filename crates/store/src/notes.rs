//! Notes on sales records. A note is as visible as the record it is on.

use crate::activities::check_related;
use crate::actor::Actor;
use crate::audit;
use crate::db::{Conn, Db, boxed, col};
use crate::error::{Result, StoreError};
use crate::list::{FieldType::*, ListSpec, Page, field};
use crate::table::{self, merge, object, parse, to_json};
use sea_query::{Alias, Cond, Expr};
use serde_json::Value;
use sqlx::any::AnyRow;
use voronka_core::Invalid;
use voronka_core::msg;
use voronka_core::records::{EntityKind, Id, Note, NoteData, RecordData};

const SPEC: ListSpec = ListSpec {
    table: "notes",
    fields: &[
        field("id", Id, false),
        field("related_type", Enum, false),
        field("related_id", Id, false),
        field("author_id", Id, true),
        field("created_at", Timestamp, false),
    ],
    searchable: false,
    owned: false,
};

fn from_row(r: &AnyRow) -> Result<Note> {
    Ok(Note {
        id: col::i(r, "id")?,
        data: NoteData {
            related_type: col::en(r, "related_type")?,
            related_id: col::i(r, "related_id")?,
            body: col::s(r, "body")?,
        },
        author_id: col::oi(r, "author_id")?,
        created_at: col::ts(r, "created_at")?,
    })
}

pub(crate) async fn load(c: &mut impl Conn, actor: &Actor, id: Id) -> Result<Note> {
    let row = sqlx::query("SELECT * FROM notes WHERE id = $1")
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let note = from_row(&row)?;
    match check_related(c, actor, note.data.related_type, note.data.related_id).await {
        Ok(()) => Ok(note),
        Err(StoreError::Invalid(_)) => Err(StoreError::NotFound),
        Err(e) => Err(e),
    }
}

pub async fn get(db: &Db, actor: &Actor, id: Id) -> Result<Note> {
    let mut c = db.reader().await?;
    load(&mut c, actor, id).await
}

/// Notes of one record (`related_type` and `related_id` are required).
pub async fn list(db: &Db, actor: &Actor, params: &[(String, String)]) -> Result<Page<Note>> {
    let find = |k: &str| params.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone());
    let kind = find("related_type").and_then(|k| EntityKind::parse(&k));
    let id = find("related_id").and_then(|v| v.parse::<Id>().ok());
    let (Some(kind), Some(id)) = (kind, id) else {
        return Err(Invalid::field("related_id", msg::NOTES_PER_RECORD).into());
    };
    let mut c = db.reader().await?;
    check_related(&mut c, actor, kind, id).await?;
    let rest: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "related_type" && k != "related_id")
        .cloned()
        .collect();
    let cond = Cond::all()
        .add(Expr::col(Alias::new("related_type")).eq(kind.as_str()))
        .add(Expr::col(Alias::new("related_id")).eq(id));
    crate::list::list(&mut c, actor, &SPEC, &rest, Some(cond), from_row).await
}

pub async fn create(db: &Db, actor: &Actor, body: Value) -> Result<Note> {
    let data = parse::<NoteData>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            check_related(tx, &actor, data.related_type, data.related_id).await?;
            let id = table::insert_row(
                tx,
                "notes",
                vec![
                    ("related_type", data.related_type.as_str().to_owned().into()),
                    ("related_id", data.related_id.into()),
                    ("body", data.body.clone().into()),
                    ("author_id", actor.user_id.into()),
                    ("created_at", tx.now().to_db().into()),
                ],
            )
            .await?;
            let note = load(tx, &actor, id).await?;
            audit::record(
                tx,
                EntityKind::Note,
                id,
                "create",
                actor.user_id,
                &audit::creation(&to_json(&note)),
            )
            .await?;
            Ok(note)
        })
    })
    .await
}

/// Only the author, a head of sales or an administrator may change or delete a note.
fn may_edit(actor: &Actor, note: &Note) -> Result<()> {
    if actor.role.sees_everything() || (actor.user_id.is_some() && actor.user_id == note.author_id)
    {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "only the author can change this note".into(),
        ))
    }
}

pub async fn update(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<Note> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load(tx, &actor, id).await?;
            may_edit(&actor, &old)?;
            let data = merge(&old.data, object(body)?)?.validate()?;
            if data.related_type != old.data.related_type || data.related_id != old.data.related_id
            {
                return Err(Invalid::field("related_id", msg::NOTE_CANNOT_MOVE).into());
            }
            table::update_row(tx, "notes", id, vec![("body", data.body.clone().into())]).await?;
            let new = load(tx, &actor, id).await?;
            let changes = audit::diff(&to_json(&old), &to_json(&new));
            audit::record(tx, EntityKind::Note, id, "update", actor.user_id, &changes).await?;
            Ok(new)
        })
    })
    .await
}

pub async fn delete(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load(tx, &actor, id).await?;
            may_edit(&actor, &old)?;
            sqlx::query("DELETE FROM notes WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            let changes = audit::diff(&to_json(&old), &Value::Null);
            audit::record(tx, EntityKind::Note, id, "delete", actor.user_id, &changes).await?;
            Ok(())
        })
    })
    .await
}

pub(crate) async fn of_record(c: &mut impl Conn, kind: EntityKind, id: Id) -> Result<Vec<Note>> {
    let rows = sqlx::query("SELECT * FROM notes WHERE related_type = $1 AND related_id = $2 ORDER BY id DESC LIMIT 200")
        .bind(kind.as_str())
        .bind(id)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(from_row).collect()
}
