//! Create, update and delete for every entity, each in one transaction, with
//! the entity's own rules plugged in through [`Rules`].

use crate::actor::Actor;
use crate::db::{Conn, Db, Tx, boxed};
use crate::error::{Result, StoreError};
use crate::table::{self, Columns, Table};
use futures::future::BoxFuture;
use serde_json::Value;
use voronka_core::records::{Id, RecordData, validate_written};

/// Flags a request may carry beside the record's fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    /// Go ahead although possible duplicates exist.
    pub force: bool,
}

pub trait Rules: Table {
    /// Records with an owner obey visibility and carry created/updated stamps.
    const OWNED: bool;

    /// Fills what a new record's body leaves out from the database (a
    /// deal's or a product's currency: the company's own), before it is read.
    fn defaults<'a>(
        _tx: &'a mut Tx,
        _body: &'a mut serde_json::Map<String, Value>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// Checks references and derives system columns, inside the write transaction.
    fn prepare<'a>(
        _tx: &'a mut Tx,
        _actor: &'a Actor,
        _data: &'a mut Self::Data,
        _old: Option<&'a Self>,
        _flags: Flags,
    ) -> BoxFuture<'a, Result<Columns>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Side effects once the row is written (history, related records).
    fn after<'a>(
        _tx: &'a mut Tx,
        _actor: &'a Actor,
        _record: &'a Self,
        _old: Option<&'a Self>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// Clears or refuses dependants before the row goes.
    fn before_delete<'a>(
        _tx: &'a mut Tx,
        _actor: &'a Actor,
        _record: &'a Self,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

pub async fn create<T: Rules>(db: &Db, actor: &Actor, body: Value) -> Result<T> {
    let actor = actor.clone();
    db.write(move |tx| boxed(async move { create_in::<T>(tx, &actor, body).await }))
        .await
}

/// Like [`create`], inside a transaction that does more (lead conversion).
pub(crate) async fn create_in<T: Rules>(tx: &mut Tx, actor: &Actor, body: Value) -> Result<T> {
    let mut body = table::object(body)?;
    let owner = if T::OWNED {
        table::take_id(&mut body, "owner_id")?
    } else {
        None
    };
    let flags = Flags {
        force: table::take_bool(&mut body, "force")?,
    };
    T::defaults(tx, &mut body).await?;
    let data = table::parse::<T::Data>(Value::Object(body))?;
    let mut data = validate_written(data, None)?;
    let owner = if T::OWNED {
        Some(table::resolve_owner(tx, actor, owner, None).await?)
    } else {
        None
    };
    let extra = T::prepare(tx, actor, &mut data, None, flags).await?;
    let record = table::insert::<T>(tx, actor, &data, owner, extra).await?;
    T::after(tx, actor, &record, None).await?;
    Ok(record)
}

pub async fn update<T: Rules>(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<T> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = table::get::<T>(tx, &actor, id).await?;
            let mut patch = table::object(body)?;
            let owner = if T::OWNED {
                table::take_id(&mut patch, "owner_id")?
            } else {
                None
            };
            let flags = Flags {
                force: table::take_bool(&mut patch, "force")?,
            };
            let data = table::merge(old.data(), patch)?;
            let mut data = validate_written(data, Some(old.data()))?;
            data.check_change(old.data())?;
            let owner = if T::OWNED {
                Some(table::resolve_owner(tx, &actor, owner, old.owner_id()).await?)
            } else {
                None
            };
            let extra = T::prepare(tx, &actor, &mut data, Some(&old), flags).await?;
            let (record, _) =
                table::update::<T>(tx, &actor, &old, &data, owner, extra, "update").await?;
            T::after(tx, &actor, &record, Some(&old)).await?;
            Ok(record)
        })
    })
    .await
}

pub async fn delete<T: Rules>(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let record = table::get::<T>(tx, &actor, id).await?;
            T::before_delete(tx, &actor, &record).await?;
            table::delete::<T>(tx, &actor, &record).await
        })
    })
    .await
}

pub async fn get<T: Table>(db: &Db, actor: &Actor, id: Id) -> Result<T> {
    let mut r = db.reader().await?;
    table::get::<T>(&mut r, actor, id).await
}

pub async fn list<T: Table>(
    db: &Db,
    actor: &Actor,
    params: &[(String, String)],
) -> Result<crate::list::Page<T>> {
    let mut r = db.reader().await?;
    table::list::<T>(&mut r, actor, params).await
}

/// Refuses when `sql` (counting rows that refer to the record) finds any.
pub(crate) async fn refuse_if_referenced(
    tx: &mut Tx,
    sql: &str,
    id: Id,
    message: &str,
) -> Result<()> {
    use sqlx::Row;
    let n: i64 = sqlx::query(sql)
        .bind(id)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
    if n > 0 {
        return Err(StoreError::Conflict(message.replace("{n}", &n.to_string())));
    }
    Ok(())
}
