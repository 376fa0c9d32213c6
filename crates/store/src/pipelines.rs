//! Pipelines and their stages. Administrators shape them; everyone reads them.

use crate::actor::Actor;
use crate::audit::{self, creation};
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::table::{self, merge, object, parse, to_json};
use serde_json::Value;
use sqlx::any::AnyRow;
use voronka_core::msg;
use voronka_core::records::{
    EntityKind, Id, Pipeline, PipelineData, RecordData, Stage, StageData, StageKind, default_stages,
};
use voronka_core::{FieldErrors, Invalid};

pub(crate) fn require_admin(actor: &Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(msg::ADMIN_ONLY.into()))
    }
}

fn stage_from_row(r: &AnyRow) -> Result<Stage> {
    Ok(Stage {
        id: col::i(r, "id")?,
        pipeline_id: col::i(r, "pipeline_id")?,
        data: StageData {
            name: col::s(r, "name")?,
            probability: col::i(r, "probability")?,
            kind: col::en(r, "kind")?,
            position: col::i(r, "position")?,
        },
    })
}

fn pipeline_from_row(r: &AnyRow, stages: Vec<Stage>) -> Result<Pipeline> {
    Ok(Pipeline {
        id: col::i(r, "id")?,
        data: PipelineData {
            name: col::s(r, "name")?,
            position: col::i(r, "position")?,
            is_default: col::b(r, "is_default")?,
            won_requires_paid_and_shipped: col::b(r, "won_requires_paid_and_shipped")?,
            quote_won_stage_id: col::oi(r, "quote_won_stage_id")?,
        },
        stages,
    })
}

/// A pipeline with its stages in one statement: deal writes load one each,
/// inside SQLite's single writer, where every round trip counts.
const PIPELINE_WITH_STAGES: &str = "SELECT p.id AS p_id, p.name AS p_name, p.position AS p_position, \
     p.is_default AS p_is_default, \
     p.won_requires_paid_and_shipped AS p_won_requires, p.quote_won_stage_id AS p_quote_won_stage_id, s.id, s.pipeline_id, s.name, s.probability, s.kind, s.position \
     FROM pipelines p LEFT JOIN stages s ON s.pipeline_id = p.id AND s.archived = $2 \
     WHERE p.id = {which} AND p.archived = $2 ORDER BY s.position, s.id";

async fn load_joined(c: &mut impl Conn, which: &str, id: Id) -> Result<Option<Pipeline>> {
    let rows = sqlx::query(&PIPELINE_WITH_STAGES.replace("{which}", which))
        .bind(id)
        .bind(false)
        .fetch_all(c.conn())
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let stages = rows
        .iter()
        .filter(|r| col::oi(r, "id").ok().flatten().is_some())
        .map(stage_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Pipeline {
        id: col::i(first, "p_id")?,
        data: PipelineData {
            name: col::s(first, "p_name")?,
            position: col::i(first, "p_position")?,
            is_default: col::b(first, "p_is_default")?,
            won_requires_paid_and_shipped: col::b(first, "p_won_requires")?,
            quote_won_stage_id: col::oi(first, "p_quote_won_stage_id")?,
        },
        stages,
    }))
}

pub(crate) async fn load(c: &mut impl Conn, id: Id) -> Result<Option<Pipeline>> {
    load_joined(c, "$1", id).await
}

pub(crate) async fn default_pipeline(c: &mut impl Conn) -> Result<Option<Pipeline>> {
    // $1 is unused by this form; both forms bind the same parameters.
    load_joined(
        c,
        "(SELECT id FROM pipelines WHERE archived = $2 AND id <> $1 ORDER BY is_default DESC, position, id LIMIT 1)",
        0,
    )
    .await
}

pub async fn list(db: &Db) -> Result<Vec<Pipeline>> {
    let mut c = db.reader().await?;
    list_in(&mut c).await
}

pub(crate) async fn list_in(c: &mut impl Conn) -> Result<Vec<Pipeline>> {
    let rows = sqlx::query("SELECT * FROM pipelines WHERE archived = $1 ORDER BY position, id")
        .bind(false)
        .fetch_all(c.conn())
        .await?;
    let all_stages =
        sqlx::query("SELECT * FROM stages WHERE archived = $1 ORDER BY pipeline_id, position, id")
            .bind(false)
            .fetch_all(c.conn())
            .await?
            .iter()
            .map(stage_from_row)
            .collect::<Result<Vec<_>>>()?;
    rows.iter()
        .map(|r| {
            let id = col::i(r, "id")?;
            let stages = all_stages
                .iter()
                .filter(|s| s.pipeline_id == id)
                .cloned()
                .collect();
            pipeline_from_row(r, stages)
        })
        .collect()
}

pub async fn get(db: &Db, id: Id) -> Result<Pipeline> {
    let mut c = db.reader().await?;
    load(&mut c, id).await?.ok_or(StoreError::NotFound)
}

async fn clear_other_defaults(tx: &mut Tx, keep: Id) -> Result<()> {
    sqlx::query("UPDATE pipelines SET is_default = $1 WHERE id <> $2")
        .bind(false)
        .bind(keep)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Creates a pipeline. With no `stages` in the body it gets the default set.
pub async fn create(db: &Db, actor: &Actor, body: Value, locale: &str) -> Result<Pipeline> {
    require_admin(actor)?;
    let mut body = object(body)?;
    let stages_json = body.remove("stages");
    let data = parse::<PipelineData>(Value::Object(body))?.validate()?;
    if data.quote_won_stage_id.is_some() {
        return Err(Invalid::field("quote_won_stage_id", msg::QUOTE_WON_STAGE_LATER).into());
    }
    let stages: Vec<StageData> = match stages_json {
        Some(v) => {
            let list: Vec<StageData> = parse(v).map_err(|e| prefix("stages", e))?;
            let mut errors = FieldErrors::new();
            let mut out = Vec::new();
            for (i, s) in list.into_iter().enumerate() {
                match s.validate() {
                    Ok(s) => out.push(s),
                    Err(Invalid(f)) => {
                        for (k, m) in f.into_messages() {
                            errors.add(format!("stages[{i}].{k}"), m);
                        }
                    }
                }
            }
            errors.finish()?;
            out
        }
        None => default_stages(locale).1,
    };
    check_stage_set(&stages)?;
    let actor = actor.clone();
    db.write(move |tx| boxed(async move { create_in(tx, &actor, data, stages).await }))
        .await
}

fn prefix(p: &str, e: Invalid) -> Invalid {
    let mut errors = FieldErrors::new();
    for (k, m) in e.0.into_messages() {
        errors.add(
            format!(
                "{p}{}",
                if k == "body" {
                    String::new()
                } else {
                    format!(".{k}")
                }
            ),
            m,
        );
    }
    Invalid(errors)
}

fn check_stage_set(stages: &[StageData]) -> Result<(), Invalid> {
    if !stages.iter().any(|s| s.kind == StageKind::Open) {
        return Err(Invalid::field("stages", msg::PIPELINE_NEEDS_OPEN_STAGE));
    }
    Ok(())
}

pub(crate) async fn create_in(
    tx: &mut Tx,
    actor: &Actor,
    data: PipelineData,
    stages: Vec<StageData>,
) -> Result<Pipeline> {
    let count: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) FROM pipelines WHERE archived = FALSE")
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?
    };
    let is_default = data.is_default || count == 0;
    let id = table::insert_row(
        tx,
        "pipelines",
        vec![
            ("name", data.name.clone().into()),
            ("position", data.position.into()),
            ("is_default", is_default.into()),
            (
                "won_requires_paid_and_shipped",
                data.won_requires_paid_and_shipped.into(),
            ),
        ],
    )
    .await?;
    if is_default {
        clear_other_defaults(tx, id).await?;
    }
    for (i, s) in stages.iter().enumerate() {
        let position = if s.position == 0 {
            i as i64
        } else {
            s.position
        };
        insert_stage(tx, id, s, position).await?;
    }
    let p = load(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::record(
        tx,
        EntityKind::Pipeline,
        id,
        "create",
        actor.user_id,
        &creation(&to_json(&p)),
    )
    .await?;
    Ok(p)
}

async fn insert_stage(tx: &mut Tx, pipeline_id: Id, s: &StageData, position: i64) -> Result<Id> {
    table::insert_row(
        tx,
        "stages",
        vec![
            ("pipeline_id", pipeline_id.into()),
            ("name", s.name.clone().into()),
            ("probability", s.probability.into()),
            ("kind", s.kind.as_str().to_owned().into()),
            ("position", position.into()),
        ],
    )
    .await
}

pub async fn update(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<Pipeline> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load(tx, id).await?.ok_or(StoreError::NotFound)?;
            let data = merge(&old.data, object(body)?)?.validate()?;
            if old.data.is_default && !data.is_default {
                return Err(Invalid::field("is_default", msg::PIPELINE_DEFAULT_ELSEWHERE).into());
            }
            if let Some(stage) = data.quote_won_stage_id
                && old.stage(stage).is_none()
            {
                return Err(
                    Invalid::field("quote_won_stage_id", msg::NOT_STAGE_OF_THIS_PIPELINE).into(),
                );
            }
            sqlx::query(
                "UPDATE pipelines SET name = $1, position = $2, is_default = $3, \
                 won_requires_paid_and_shipped = $4, quote_won_stage_id = $5 WHERE id = $6",
            )
            .bind(&data.name)
            .bind(data.position)
            .bind(data.is_default)
            .bind(data.won_requires_paid_and_shipped)
            .bind(data.quote_won_stage_id)
            .bind(id)
            .execute(tx.conn())
            .await?;
            if data.is_default {
                clear_other_defaults(tx, id).await?;
            }
            let new = load(tx, id).await?.ok_or(StoreError::NotFound)?;
            let changes = audit::diff(&to_json(&old.data), &to_json(&new.data));
            audit::record(
                tx,
                EntityKind::Pipeline,
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

pub async fn delete(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load(tx, id).await?.ok_or(StoreError::NotFound)?;
            crate::rules::refuse_if_referenced(
                tx,
                "SELECT COUNT(*) FROM deals WHERE pipeline_id = $1",
                id,
                msg::PIPELINE_HAS_DEALS.english(),
            )
            .await?;
            if old.data.is_default {
                return Err(StoreError::Conflict(msg::PIPELINE_DEFAULT_DELETE.into()));
            }
            // Deals that moved on to other pipelines keep their history here:
            // the pipeline and its stages are archived, not erased.
            sqlx::query("UPDATE stages SET archived = $1 WHERE pipeline_id = $2")
                .bind(true)
                .bind(id)
                .execute(tx.conn())
                .await?;
            sqlx::query("UPDATE pipelines SET archived = $1, is_default = $2 WHERE id = $3")
                .bind(true)
                .bind(false)
                .bind(id)
                .execute(tx.conn())
                .await?;
            audit::record(
                tx,
                EntityKind::Pipeline,
                id,
                "delete",
                actor.user_id,
                &audit::diff(&to_json(&old), &Value::Null),
            )
            .await?;
            Ok(())
        })
    })
    .await
}

pub async fn create_stage(db: &Db, actor: &Actor, pipeline_id: Id, body: Value) -> Result<Stage> {
    require_admin(actor)?;
    let data = parse::<StageData>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let p = load(tx, pipeline_id).await?.ok_or(StoreError::NotFound)?;
            let position = if data.position == 0 {
                p.stages
                    .iter()
                    .map(|s| s.data.position)
                    .max()
                    .map_or(0, |m| m + 1)
            } else {
                data.position
            };
            let id = insert_stage(tx, pipeline_id, &data, position).await?;
            let stage = load_stage(tx, id).await?;
            audit::record(
                tx,
                EntityKind::Stage,
                id,
                "create",
                actor.user_id,
                &creation(&to_json(&stage)),
            )
            .await?;
            Ok(stage)
        })
    })
    .await
}

/// A live stage; a deleted one is archived and answers `NotFound`.
async fn load_stage(c: &mut impl Conn, id: Id) -> Result<Stage> {
    let row = sqlx::query("SELECT * FROM stages WHERE id = $1 AND archived = $2")
        .bind(id)
        .bind(false)
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    stage_from_row(&row)
}

pub async fn update_stage(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<Stage> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_stage(tx, id).await?;
            let data = merge(&old.data, object(body)?)?.validate()?;
            if data.kind != old.data.kind {
                crate::rules::refuse_if_referenced(
                    tx,
                    "SELECT COUNT(*) FROM deals WHERE stage_id = $1",
                    id,
                    msg::STAGE_KIND_HAS_DEALS.english(),
                )
                .await?;
            }
            let p = load(tx, old.pipeline_id).await?.ok_or(StoreError::NotFound)?;
            let remaining: Vec<StageData> = p
                .stages
                .iter()
                .map(|s| if s.id == id { data.clone() } else { s.data.clone() })
                .collect();
            check_stage_set(&remaining)?;
            sqlx::query("UPDATE stages SET name = $1, probability = $2, kind = $3, position = $4 WHERE id = $5")
                .bind(&data.name)
                .bind(data.probability)
                .bind(data.kind.as_str())
                .bind(data.position)
                .bind(id)
                .execute(tx.conn())
                .await?;
            if data.probability != old.data.probability {
                // Deals without their own probability follow the stage.
                sqlx::query("UPDATE deals SET effective_probability = $1 WHERE stage_id = $2 AND probability IS NULL")
                    .bind(data.probability)
                    .bind(id)
                    .execute(tx.conn())
                    .await?;
            }
            let new = load_stage(tx, id).await?;
            audit::record(tx, EntityKind::Stage, id, "update", actor.user_id, &audit::diff(&to_json(&old), &to_json(&new))).await?;
            Ok(new)
        })
    })
    .await
}

pub async fn delete_stage(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_stage(tx, id).await?;
            crate::rules::refuse_if_referenced(
                tx,
                "SELECT COUNT(*) FROM deals WHERE stage_id = $1",
                id,
                msg::STAGE_HAS_DEALS.english(),
            )
            .await?;
            let p = load(tx, old.pipeline_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            let remaining: Vec<StageData> = p
                .stages
                .iter()
                .filter(|s| s.id != id)
                .map(|s| s.data.clone())
                .collect();
            check_stage_set(&remaining)
                .map_err(|_| StoreError::Conflict(msg::LAST_OPEN_STAGE.into()))?;
            // Past moves keep pointing at it, so reports stay true: it is archived, not erased.
            sqlx::query("UPDATE stages SET archived = $1 WHERE id = $2")
                .bind(true)
                .bind(id)
                .execute(tx.conn())
                .await?;
            audit::record(
                tx,
                EntityKind::Stage,
                id,
                "delete",
                actor.user_id,
                &audit::diff(&to_json(&old), &Value::Null),
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// Puts the default pipeline and lists in place on a new database.
pub async fn seed(db: &Db, locale: &str) -> Result<()> {
    let locale = locale.to_owned();
    db.write(move |tx| {
        boxed(async move {
            if default_pipeline(tx).await?.is_none() {
                let (name, stages) = default_stages(&locale);
                let data = PipelineData {
                    name,
                    position: 0,
                    is_default: true,
                    won_requires_paid_and_shipped: false,
                    quote_won_stage_id: None,
                };
                create_in(tx, &Actor::system(), data, stages).await?;
            }
            crate::lookups::seed_in(tx, &locale).await
        })
    })
    .await
}

/// Puts a pipeline's stages in the given order, all in one transaction.
/// `order` must name every live stage of the pipeline exactly once.
pub async fn reorder_stages(
    db: &Db,
    actor: &Actor,
    pipeline_id: Id,
    order: Vec<Id>,
) -> Result<Pipeline> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load(tx, pipeline_id).await?.ok_or(StoreError::NotFound)?;
            let mut have: Vec<Id> = old.stages.iter().map(|s| s.id).collect();
            let mut want = order.clone();
            have.sort_unstable();
            want.sort_unstable();
            if have != want {
                return Err(Invalid::field("stages", msg::PIPELINE_STAGES_ONCE).into());
            }
            for (position, id) in order.iter().enumerate() {
                sqlx::query("UPDATE stages SET position = $1 WHERE id = $2")
                    .bind(position as i64)
                    .bind(*id)
                    .execute(tx.conn())
                    .await?;
            }
            let new = load(tx, pipeline_id).await?.ok_or(StoreError::NotFound)?;
            let ids =
                |p: &Pipeline| serde_json::json!(p.stages.iter().map(|s| s.id).collect::<Vec<_>>());
            let change = audit::Change {
                field: "stage_order".into(),
                old: ids(&old),
                new: ids(&new),
            };
            if change.old != change.new {
                audit::record(
                    tx,
                    EntityKind::Pipeline,
                    pipeline_id,
                    "reorder",
                    actor.user_id,
                    &[change],
                )
                .await?;
            }
            Ok(new)
        })
    })
    .await
}
