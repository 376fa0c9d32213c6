//! Admin-defined lists (lead sources, loss reasons) and the competitor catalog.

use crate::actor::Actor;
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::list::{FieldType, ListSpec, field};
use crate::pipelines::require_admin;
use crate::rules::Rules;
use crate::table::{self, Columns, Table, merge, object, parse};
use serde_json::Value;
use sqlx::any::AnyRow;
use voronka_core::FieldErrors;
use voronka_core::msg;
use voronka_core::records::{
    Competitor, CompetitorData, EntityKind, Id, Lookup, LookupData, LookupKind, RecordData,
};

fn from_row(r: &AnyRow) -> Result<Lookup> {
    let kind = col::s(r, "kind")?;
    Ok(Lookup {
        id: col::i(r, "id")?,
        kind: LookupKind::parse(&kind)
            .ok_or_else(|| StoreError::corrupt(format!("lookup kind {kind}")))?,
        data: LookupData {
            name: col::s(r, "name")?,
            position: col::i(r, "position")?,
            active: col::b(r, "active")?,
        },
    })
}

pub async fn list(db: &Db, kind: LookupKind) -> Result<Vec<Lookup>> {
    let mut c = db.reader().await?;
    let rows = sqlx::query("SELECT * FROM lookups WHERE kind = $1 ORDER BY position, id")
        .bind(kind.as_str())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

async fn load(c: &mut impl Conn, kind: LookupKind, id: Id) -> Result<Lookup> {
    let row = sqlx::query("SELECT * FROM lookups WHERE kind = $1 AND id = $2")
        .bind(kind.as_str())
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// A reference to a list entry must name an active entry of the right list.
pub(crate) async fn check(
    c: &mut impl Conn,
    kind: LookupKind,
    id: Option<Id>,
    field: &str,
    errors: &mut FieldErrors,
) -> Result<()> {
    if let Some(id) = id {
        match load(c, kind, id).await {
            Ok(l) if l.data.active => {}
            Ok(_) => errors.add(field, msg::LOOKUP_INACTIVE),
            Err(StoreError::NotFound) => errors.add(field, msg::LOOKUP_MISSING),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, kind: LookupKind, body: Value) -> Result<Lookup> {
    require_admin(actor)?;
    let data = parse::<LookupData>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let id = insert(tx, kind, &data).await?;
            let l = load(tx, kind, id).await?;
            crate::audit::record(
                tx,
                EntityKind::Lookup,
                id,
                "create",
                actor.user_id,
                &crate::audit::creation(&table::to_json(&l)),
            )
            .await?;
            Ok(l)
        })
    })
    .await
}

async fn insert(tx: &mut Tx, kind: LookupKind, data: &LookupData) -> Result<Id> {
    table::insert_row(
        tx,
        "lookups",
        vec![
            ("kind", kind.as_str().to_owned().into()),
            ("name", data.name.clone().into()),
            ("position", data.position.into()),
            ("active", data.active.into()),
        ],
    )
    .await
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    kind: LookupKind,
    id: Id,
    body: Value,
) -> Result<Lookup> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load(tx, kind, id).await?;
            let data = merge(&old.data, object(body)?)?.validate()?;
            table::update_row(
                tx,
                "lookups",
                id,
                vec![
                    ("name", data.name.clone().into()),
                    ("position", data.position.into()),
                    ("active", data.active.into()),
                ],
            )
            .await?;
            let new = load(tx, kind, id).await?;
            let changes = crate::audit::diff(&table::to_json(&old), &table::to_json(&new));
            crate::audit::record(
                tx,
                EntityKind::Lookup,
                id,
                "update",
                actor.user_id,
                &changes,
            )
            .await?;
            Ok(new)
        })
    })
    .await
}

/// Entries in use are deactivated rather than deleted, so old records keep their meaning.
pub async fn delete(db: &Db, actor: &Actor, kind: LookupKind, id: Id) -> Result<()> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load(tx, kind, id).await?;
            let column = match kind {
                LookupKind::LeadSource => "source_id",
                LookupKind::LossReason => "loss_reason_id",
            };
            let mut uses = 0i64;
            let tables: &[&str] = if kind == LookupKind::LeadSource {
                &["leads", "deals"]
            } else {
                &["deals"]
            };
            for t in tables {
                use sqlx::Row;
                let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {t} WHERE {column} = $1"))
                    .bind(id)
                    .fetch_one(tx.conn())
                    .await?
                    .try_get(0)?;
                uses += n;
            }
            if uses > 0 {
                return Err(StoreError::Conflict(
                    msg::LOOKUP_IN_USE.with("n", uses).into_english(),
                ));
            }
            sqlx::query("DELETE FROM lookups WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            let changes = crate::audit::diff(&table::to_json(&old), &Value::Null);
            crate::audit::record(
                tx,
                EntityKind::Lookup,
                id,
                "delete",
                actor.user_id,
                &changes,
            )
            .await?;
            Ok(())
        })
    })
    .await
}

pub(crate) async fn seed_in(tx: &mut Tx, locale: &str) -> Result<()> {
    for kind in [LookupKind::LeadSource, LookupKind::LossReason] {
        use sqlx::Row;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM lookups WHERE kind = $1")
            .bind(kind.as_str())
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        if n == 0 {
            for (i, name) in kind.defaults(locale).into_iter().enumerate() {
                let data = LookupData {
                    name: name.into(),
                    position: i as i64,
                    active: true,
                };
                insert(tx, kind, &data).await?;
            }
        }
    }
    Ok(())
}

impl Table for Competitor {
    const KIND: EntityKind = EntityKind::Competitor;
    const SPEC: ListSpec = ListSpec {
        table: "competitors",
        fields: &[
            field("id", FieldType::Id, false),
            field("name", FieldType::Text, false),
        ],
        searchable: false,
        owned: false,
    };
    type Data = CompetitorData;

    fn id(&self) -> Id {
        self.id
    }
    fn data(&self) -> &CompetitorData {
        &self.data
    }
    fn owner_id(&self) -> Option<Id> {
        None
    }
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Competitor {
            id: col::i(r, "id")?,
            data: CompetitorData {
                name: col::s(r, "name")?,
                website: col::os(r, "website")?,
                strengths: col::os(r, "strengths")?,
                weaknesses: col::os(r, "weaknesses")?,
            },
        })
    }
    fn columns(d: &CompetitorData) -> Result<Columns> {
        Ok(vec![
            ("name", d.name.clone().into()),
            ("website", table::opt_string(&d.website)),
            ("strengths", table::opt_string(&d.strengths)),
            ("weaknesses", table::opt_string(&d.weaknesses)),
        ])
    }
}

impl Rules for Competitor {
    const OWNED: bool = false;

    fn before_delete<'a>(
        tx: &'a mut Tx,
        _actor: &'a Actor,
        r: &'a Self,
    ) -> futures::future::BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            crate::rules::refuse_if_referenced(
                tx,
                "SELECT COUNT(*) FROM deal_competitors WHERE competitor_id = $1",
                r.id,
                msg::COMPETITOR_ON_DEALS.english(),
            )
            .await
        })
    }
}
