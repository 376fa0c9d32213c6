//! The generic half of every entity: load, check visibility, insert, update
//! with audit, delete. Entity modules add their own rules around these.

use crate::actor::Actor;
use crate::audit::{self, Change};
use crate::db::{Conn, Tx, col, execute, fetch_optional};
use crate::error::{Result, StoreError};
use crate::list::{ListSpec, Page};
use crate::search;
use sea_query::{Alias, Asterisk, Expr, LockType, Query, SimpleExpr, Value as SqValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use voronka_core::msg;
use voronka_core::records::{EntityKind, Id, Meta, RecordData};
use voronka_core::{FieldErrors, Invalid, Message};

pub type Columns = Vec<(&'static str, SqValue)>;

pub trait Table: Sized + Serialize + Send + Sync + 'static {
    const KIND: EntityKind;
    const SPEC: ListSpec;
    type Data: RecordData;

    fn id(&self) -> Id;
    fn data(&self) -> &Self::Data;
    /// `None` for records without an owner (catalogs, settings).
    fn owner_id(&self) -> Option<Id>;
    fn from_row(row: &AnyRow) -> Result<Self>;
    /// The data fields as columns.
    fn columns(data: &Self::Data) -> Result<Columns>;
    /// Title and text for the global search, for entities that are searched.
    fn search_doc(&self) -> Option<search::Doc> {
        None
    }
}

pub(crate) fn table<T: Table>() -> Alias {
    Alias::new(T::SPEC.table)
}

/// Loads a record regardless of who asks. Callers that answer a user use [`get`].
pub(crate) async fn load<T: Table>(c: &mut impl Conn, id: Id) -> Result<Option<T>> {
    let mut q = Query::select();
    q.column(Asterisk)
        .from(table::<T>())
        .and_where(Expr::col(Alias::new("id")).eq(id));
    if c.locks_rows() {
        q.lock(LockType::Update);
    }
    fetch_optional(c, &q)
        .await?
        .map(|r| T::from_row(&r))
        .transpose()
}

/// The record if it exists and the actor may see it; `NotFound` otherwise, so
/// that nobody learns about records they cannot see.
pub async fn get<T: Table>(c: &mut impl Conn, actor: &Actor, id: Id) -> Result<T> {
    match load::<T>(c, id).await? {
        Some(r) if visible(actor, &r) => Ok(r),
        _ => Err(StoreError::NotFound),
    }
}

pub(crate) fn visible<T: Table>(actor: &Actor, r: &T) -> bool {
    r.owner_id().is_none_or(|o| actor.can_see_owner(o))
}

pub async fn list<T: Table>(
    c: &mut impl Conn,
    actor: &Actor,
    params: &[(String, String)],
) -> Result<Page<T>> {
    crate::list::list(c, actor, &T::SPEC, params, None, T::from_row).await
}

pub(crate) fn meta(row: &AnyRow) -> Result<Meta> {
    Ok(Meta {
        owner_id: col::i(row, "owner_id")?,
        created_at: col::ts(row, "created_at")?,
        created_by: col::oi(row, "created_by")?,
        updated_at: col::ts(row, "updated_at")?,
        updated_by: col::oi(row, "updated_by")?,
    })
}

/// Parses JSON into a type, naming the offending field on failure.
pub fn parse<D: DeserializeOwned>(value: Value) -> Result<D, Invalid> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde says "unknown field `x`, expected one of …": name x itself.
        if let Some(rest) = inner.strip_prefix("unknown field `")
            && let Some(name) = rest.split('`').next()
        {
            // The path already ends at the unknown field.
            let field = if path == "." { name.to_owned() } else { path };
            return Invalid::field(&field, msg::UNKNOWN_FIELD);
        }
        if let Some(rest) = inner.strip_prefix("missing field `")
            && let Some(name) = rest.split('`').next()
        {
            return Invalid::field(name, msg::REQUIRED);
        }
        let field = if path == "." { "body".to_owned() } else { path };
        let text = inner.split(" at line ").next().unwrap_or(&inner);
        // A type's own parse error (a day, a phone) is a registry message;
        // serde's words ("invalid type: …") are kept in English and shown
        // translated as a generic "invalid value".
        let message = Message::from_text(text);
        let message = match message.id() {
            Some(_) => message,
            // A required value sent as null (an emptied form field).
            None if text.starts_with("invalid type: null") => {
                Message::detailed(msg::REQUIRED, text)
            }
            None => Message::detailed(msg::INVALID_VALUE, text),
        };
        Invalid::field(&field, message)
    })
}

/// Takes `key` out of a JSON object body.
pub(crate) fn take(body: &mut Map<String, Value>, key: &str) -> Option<Value> {
    body.remove(key)
}

pub(crate) fn take_id(body: &mut Map<String, Value>, key: &str) -> Result<Option<Id>, Invalid> {
    match take(body, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(_) => Err(Invalid::field(key, msg::NOT_ID)),
    }
}

pub(crate) fn take_bool(body: &mut Map<String, Value>, key: &str) -> Result<bool, Invalid> {
    match take(body, key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(Invalid::field(key, msg::NOT_BOOL)),
    }
}

pub(crate) fn object(body: Value) -> Result<Map<String, Value>, Invalid> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(Invalid::field("body", msg::NOT_OBJECT)),
    }
}

/// Old data with the sent fields laid over it: the whole is validated again.
pub(crate) fn merge<D: RecordData>(old: &D, patch: Map<String, Value>) -> Result<D, Invalid> {
    let mut base = match serde_json::to_value(old) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in patch {
        base.insert(k, v);
    }
    parse(Value::Object(base))
}

/// The owner a write asks for, checked: an active user the actor may hand records to.
pub(crate) async fn resolve_owner(
    tx: &mut Tx,
    actor: &Actor,
    requested: Option<Id>,
    current: Option<Id>,
) -> Result<Id> {
    let owner = match (requested, current, actor.default_owner()) {
        (Some(o), _, _) => o,
        (None, Some(c), _) => return Ok(c),
        (None, None, Some(me)) => me,
        (None, None, None) => return Err(Invalid::field("owner_id", msg::REQUIRED).into()),
    };
    // Unchanged, or the actor themselves (whom authentication found active).
    if Some(owner) == current || Some(owner) == actor.user_id {
        return Ok(owner);
    }
    let active: Option<bool> = {
        let row = sqlx::query("SELECT active FROM users WHERE id = $1")
            .bind(owner)
            .fetch_optional(tx.conn())
            .await?;
        row.map(|r| col::b(&r, "active")).transpose()?
    };
    match active {
        Some(true) if actor.can_see_owner(owner) => Ok(owner),
        Some(true) => Err(Invalid::field("owner_id", msg::OWNER_NOT_VISIBLE).into()),
        _ => Err(Invalid::field("owner_id", msg::USER_INACTIVE).into()),
    }
}

/// The reference a write must check: every one on create, only a changed one
/// on update. A record keeps the links it has although their target may have
/// gone out of the actor's sight (reassigned) or out of use (deactivated).
pub(crate) fn changed_ref(new: Option<Id>, old: Option<Option<Id>>) -> Option<Id> {
    match old {
        Some(o) if o == new => None,
        _ => new,
    }
}

/// A reference to another record must exist and be visible to the actor.
pub(crate) async fn check_ref<T: Table>(
    c: &mut impl Conn,
    actor: &Actor,
    id: Option<Id>,
    field: &str,
    errors: &mut FieldErrors,
) -> Result<Option<T>> {
    let Some(id) = id else { return Ok(None) };
    match get::<T>(c, actor, id).await {
        Ok(r) => Ok(Some(r)),
        Err(StoreError::NotFound) => {
            errors.add(field, msg::RECORD_MISSING);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn meta_columns(tx: &Tx, actor: &Actor, owner: Id, new: bool) -> Columns {
    let now = tx.now().to_db();
    let mut cols: Columns = vec![
        ("owner_id", owner.into()),
        ("updated_at", now.clone().into()),
        ("updated_by", actor.user_id.into()),
    ];
    if new {
        cols.push(("created_at", now.into()));
        cols.push(("created_by", actor.user_id.into()));
    }
    cols
}

/// Inserts a record with its owner, system columns, audit entry and search entry.
pub(crate) async fn insert<T: Table>(
    tx: &mut Tx,
    actor: &Actor,
    data: &T::Data,
    owner: Option<Id>,
    extra: Columns,
) -> Result<T> {
    let mut cols = T::columns(data)?;
    cols.extend(extra);
    if let Some(owner) = owner {
        cols.extend(meta_columns(tx, actor, owner, true));
    }
    let (names, values): (Vec<_>, Vec<_>) = cols.into_iter().unzip();
    let mut q = Query::insert();
    q.into_table(table::<T>())
        .columns(names.into_iter().map(Alias::new))
        .values(values.into_iter().map(SimpleExpr::Value))
        .map_err(|e| StoreError::corrupt(e.to_string()))?
        .returning_all();
    let row = fetch_optional(tx, &q).await?.ok_or(StoreError::NotFound)?;
    let record = T::from_row(&row)?;
    let changes = audit::creation(&to_json(&record));
    audit::record(tx, T::KIND, record.id(), "create", actor.user_id, &changes).await?;
    search::put_new(tx, &record).await?;
    Ok(record)
}

pub(crate) async fn insert_row(tx: &mut Tx, table: &str, cols: Columns) -> Result<Id> {
    let (names, values): (Vec<_>, Vec<_>) = cols.into_iter().unzip();
    let mut q = Query::insert();
    q.into_table(Alias::new(table))
        .columns(names.into_iter().map(Alias::new))
        .values(values.into_iter().map(SimpleExpr::Value))
        .map_err(|e| StoreError::corrupt(e.to_string()))?
        .returning_col(Alias::new("id"));
    let row = fetch_optional(tx, &q).await?.ok_or(StoreError::NotFound)?;
    col::i(&row, "id")
}

/// Writes new data (and owner, and system columns) over `old`, auditing the difference.
pub(crate) async fn update<T: Table>(
    tx: &mut Tx,
    actor: &Actor,
    old: &T,
    data: &T::Data,
    owner: Option<Id>,
    extra: Columns,
    action: &str,
) -> Result<(T, Vec<Change>)> {
    let mut cols = T::columns(data)?;
    cols.extend(extra);
    if let Some(owner) = owner {
        cols.extend(meta_columns(tx, actor, owner, false));
    }
    let mut q = Query::update();
    q.table(table::<T>())
        .values(
            cols.into_iter()
                .map(|(c, v)| (Alias::new(c), SimpleExpr::Value(v))),
        )
        .and_where(Expr::col(Alias::new("id")).eq(old.id()))
        .returning_all();
    let row = fetch_optional(tx, &q).await?.ok_or(StoreError::NotFound)?;
    let record = T::from_row(&row)?;
    let changes = audit::diff(&to_json(old), &to_json(&record));
    if !changes.is_empty() {
        audit::record(tx, T::KIND, old.id(), action, actor.user_id, &changes).await?;
        search::index(tx, &record).await?;
    }
    Ok((record, changes))
}

pub(crate) async fn update_row(tx: &mut Tx, table: &str, id: Id, cols: Columns) -> Result<()> {
    let mut q = Query::update();
    q.table(Alias::new(table))
        .values(
            cols.into_iter()
                .map(|(c, v)| (Alias::new(c), SimpleExpr::Value(v))),
        )
        .and_where(Expr::col(Alias::new("id")).eq(id));
    let n = execute(tx, &q).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deletes the row, audited with what it held. Dependants are the caller's job.
pub(crate) async fn delete<T: Table>(tx: &mut Tx, actor: &Actor, record: &T) -> Result<()> {
    let mut q = Query::delete();
    q.from_table(table::<T>())
        .and_where(Expr::col(Alias::new("id")).eq(record.id()));
    execute(tx, &q).await.map_err(|e| match e {
        StoreError::Db(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
            StoreError::Conflict(msg::STILL_REFERENCED.into())
        }
        e => e,
    })?;
    let changes: Vec<Change> = audit::diff(&to_json(record), &Value::Object(Map::new()));
    audit::record(tx, T::KIND, record.id(), "delete", actor.user_id, &changes).await?;
    search::remove(tx, T::KIND, record.id()).await?;
    Ok(())
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// JSON list column value.
pub(crate) fn json_list(v: &[String]) -> SqValue {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "[]".into())
        .into()
}

pub(crate) fn enum_value<T: Serialize>(v: &T) -> SqValue {
    crate::db::enum_name(v).into()
}

pub(crate) fn opt_enum<T: Serialize>(v: &Option<T>) -> SqValue {
    SqValue::String(v.as_ref().map(|x| Box::new(crate::db::enum_name(x))))
}

pub(crate) fn opt_string(v: &Option<String>) -> SqValue {
    SqValue::String(v.clone().map(Box::new))
}

pub(crate) fn opt_ts(v: &Option<voronka_core::Timestamp>) -> SqValue {
    SqValue::String(v.map(|t| Box::new(t.to_db())))
}

pub(crate) fn opt_day(v: &Option<voronka_core::Day>) -> SqValue {
    SqValue::String(v.map(|t| Box::new(t.to_db())))
}

pub(crate) fn opt_id(v: Option<Id>) -> SqValue {
    SqValue::BigInt(v)
}
