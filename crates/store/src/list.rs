//! One list engine for every entity: filters on fields (equality, sets,
//! ranges, text contains), sort on any listed column, and keyset pagination
//! that stays correct while rows are inserted.
//!
//! Query grammar (shared by the API and the UI):
//! `field=v` equals; `field=a,b` one of; `field__gte=v`, `field__lte=v`
//! ranges; `field__contains=t` text; `field__null=true|false`;
//! `q=t` text in the entity's name fields; `sort=field` or `sort=-field`;
//! `limit` (1–500, default 50); `cursor` from the previous page; `total=true`
//! (or `total=capped`: exact up to 10 000, else 10 001 meaning "more").

use crate::actor::Actor;
use crate::db::{Backend, Conn, fetch_all, fetch_optional};
use crate::error::{Result, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rust_decimal::Decimal;
use sea_query::{
    Alias, Asterisk, BinOper, Cond, Expr, LikeExpr, Order, Query, SelectStatement, SimpleExpr,
    Value as SqValue,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;
use voronka_core::msg;
use voronka_core::records::Id;
use voronka_core::{Day, FieldErrors, Invalid, Timestamp, money};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    Int,
    Text,
    /// A snake_case enum name; compared exactly.
    Enum,
    /// Decimal in the API, minor units in the column.
    Money,
    Day,
    Timestamp,
    Bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub column: &'static str,
    pub ty: FieldType,
    pub nullable: bool,
}

pub const fn field(name: &'static str, ty: FieldType, nullable: bool) -> Field {
    Field {
        name,
        column: name,
        ty,
        nullable,
    }
}

pub const fn money_field(name: &'static str, column: &'static str, nullable: bool) -> Field {
    Field {
        name,
        column,
        ty: FieldType::Money,
        nullable,
    }
}

/// `total=capped` counts up to this many and one more; a total above it means "more than".
pub const TOTAL_CAP: u64 = 10_000;

/// What an entity offers to the list engine.
pub struct ListSpec {
    pub table: &'static str,
    pub fields: &'static [Field],
    /// Whether the table has a `search_key` column for `q=`.
    pub searchable: bool,
    /// Whether visibility by owner applies.
    pub owned: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Present when `total=true` was asked.
    pub total: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    v: serde_json::Value,
    id: Id,
    /// The sort it was issued for (`-id`, `amount`…): it means nothing in another.
    s: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Asc,
    Desc,
}

fn sort_key(f: &Field, dir: Dir) -> String {
    match dir {
        Dir::Asc => f.name.to_owned(),
        Dir::Desc => format!("-{}", f.name),
    }
}

/// Runs a list query and maps the rows.
pub async fn list<T>(
    c: &mut impl Conn,
    actor: &Actor,
    spec: &ListSpec,
    params: &[(String, String)],
    extra: Option<Cond>,
    map: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Page<T>> {
    let mut errors = FieldErrors::new();
    let mut cond = Cond::all();
    let mut sort: (Field, Dir) = (field("id", FieldType::Id, false), Dir::Desc);
    let mut limit: u64 = 50;
    let mut cursor: Option<Cursor> = None;
    let mut want_total: Option<Option<u64>> = None;

    for (key, value) in params {
        match key.as_str() {
            "sort" => {
                let (name, dir) = match value.strip_prefix('-') {
                    Some(n) => (n, Dir::Desc),
                    None => (value.as_str(), Dir::Asc),
                };
                match spec.fields.iter().find(|f| f.name == name) {
                    Some(f) => sort = (*f, dir),
                    None => errors.add("sort", msg::LIST_SORT.with("name", name)),
                }
            }
            "limit" => match value.parse::<u64>() {
                Ok(n) if (1..=500).contains(&n) => limit = n,
                _ => errors.add("limit", msg::LIST_LIMIT),
            },
            "cursor" => {
                match URL_SAFE_NO_PAD
                    .decode(value)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Cursor>(&b).ok())
                {
                    Some(c) => cursor = Some(c),
                    None => errors.add("cursor", msg::LIST_CURSOR),
                }
            }
            "total" => match value.as_str() {
                "true" | "1" => want_total = Some(None),
                // Counting a million rows costs more than the page itself: people
                // see "10 000+" instead, at a bounded cost.
                "capped" => want_total = Some(Some(TOTAL_CAP)),
                "false" | "0" => want_total = None,
                _ => errors.add("total", msg::LIST_TOTAL),
            },
            "q" => {
                let q = value.trim();
                if !q.is_empty() {
                    if spec.searchable {
                        cond = cond.add(
                            Expr::col(Alias::new("search_key"))
                                .like(LikeExpr::new(like_pattern(q)).escape('\\')),
                        );
                    } else {
                        errors.add("q", msg::LIST_Q);
                    }
                }
            }
            _ => {
                let (name, op) = key.split_once("__").unwrap_or((key.as_str(), "eq"));
                let Some(f) = spec.fields.iter().find(|f| f.name == name) else {
                    errors.add(key.as_str(), msg::LIST_FILTER_FIELD);
                    continue;
                };
                match filter(f, op, value, c.backend()) {
                    Ok(c) => cond = cond.add(c),
                    Err(msg) => errors.add(key.as_str(), msg),
                }
            }
        }
    }
    let key = sort_key(&sort.0, sort.1);
    if cursor.as_ref().is_some_and(|c| c.s != key) {
        errors.add("cursor", msg::LIST_CURSOR_SORT);
    }
    errors.finish()?;

    if spec.owned
        && let Some(owners) = &actor.visible_owners
    {
        cond = cond.add(Expr::col(Alias::new("owner_id")).is_in(owners.iter().copied()));
    }
    if let Some(extra) = extra {
        cond = cond.add(extra);
    }

    let total = if let Some(cap) = want_total {
        let mut q = Query::select();
        match cap {
            None => {
                q.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                    .from(Alias::new(spec.table))
                    .cond_where(cond.clone());
            }
            Some(cap) => {
                let mut inner = Query::select();
                inner
                    .expr(Expr::val(1))
                    .from(Alias::new(spec.table))
                    .cond_where(cond.clone())
                    .limit(cap + 1);
                q.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                    .from_subquery(inner, Alias::new("capped"));
            }
        }
        let row = fetch_optional(c, &q).await?;
        Some(match row {
            Some(r) => r.try_get::<i64, _>("n")?,
            None => 0,
        })
    } else {
        None
    };

    let (sort_field, dir) = sort;
    let mut page_cond = cond;
    if let Some(cur) = &cursor {
        let v = json_to_value(sort_field, &cur.v)
            .map_err(|_| Invalid::field("cursor", msg::LIST_CURSOR_MISMATCH))?;
        page_cond = page_cond.add(after(sort_field, dir, v, cur.id));
    }

    let mut q: SelectStatement = Query::select();
    q.column(Asterisk)
        .from(Alias::new(spec.table))
        .cond_where(page_cond)
        .limit(limit + 1);
    let order = match dir {
        Dir::Asc => Order::Asc,
        Dir::Desc => Order::Desc,
    };
    if sort_field.name != "id" {
        if sort_field.nullable {
            q.order_by_expr(
                Expr::col(Alias::new(sort_field.column)).is_null(),
                Order::Asc,
            );
        }
        q.order_by(Alias::new(sort_field.column), order.clone());
    }
    q.order_by(Alias::new("id"), order);

    let mut rows = fetch_all(c, &q).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => Some(encode_cursor(sort_field, key, last)?),
        _ => None,
    };
    let items = rows.iter().map(map).collect::<Result<Vec<_>>>()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// "Contains", folded like [`fold`] on both sides: any case, ё = е.
/// PostgreSQL lowers every letter. SQLite's LOWER and LIKE fold ASCII only, so
/// there each letter of the text becomes a GLOB class of its forms instead.
/// (Built from sea-query parts: a `?` inside a custom expression is not bound
/// by the PostgreSQL builder.)
fn contains(backend: Backend, column: &str, text: &str) -> SimpleExpr {
    match backend {
        Backend::Postgres => Expr::expr(Expr::cust(format!(
            "REPLACE(LOWER({}), 'ё', 'е')",
            quote_ident(column)
        )))
        .like(LikeExpr::new(like_pattern(text)).escape('\\')),
        Backend::Sqlite => {
            Expr::col(Alias::new(column)).binary(BinOper::Custom("GLOB"), glob_pattern(text))
        }
    }
}

/// `*[рР][оО][мМ]*` for "Ром": a case- and ё-blind GLOB, wildcards taken literally.
fn glob_pattern(text: &str) -> String {
    let mut out = String::from("*");
    for ch in fold(text).chars() {
        let mut forms = vec![ch];
        if ch == 'е' {
            forms.push('ё');
        }
        for f in forms.clone() {
            let mut upper = f.to_uppercase();
            if let (Some(u), None) = (upper.next(), upper.next())
                && u != f
            {
                forms.push(u);
            }
        }
        match forms.as_slice() {
            ['*' | '?' | '['] => out.push_str(&format!("[{ch}]")),
            [one] => out.push(*one),
            many => {
                out.push('[');
                out.extend(many);
                out.push(']');
            }
        }
    }
    out.push('*');
    out
}

pub(crate) fn like_pattern(text: &str) -> String {
    format!(
        "%{}%",
        fold(text)
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// The folding used for `search_key` columns and `q=`: Unicode lowercase, ё → е.
pub fn fold(text: &str) -> String {
    text.trim().to_lowercase().replace('ё', "е")
}

fn quote_ident(column: &str) -> String {
    format!("\"{}\"", column.replace('"', ""))
}

fn parse_value(f: &Field, raw: &str) -> Result<SqValue, String> {
    let raw = raw.trim();
    Ok(match f.ty {
        FieldType::Id | FieldType::Int => SqValue::BigInt(Some(
            raw.parse::<i64>().map_err(|_| "must be a whole number")?,
        )),
        FieldType::Money => {
            let d = Decimal::from_str(raw).map_err(|_| "must be an amount such as 1500.00")?;
            SqValue::BigInt(Some(money::to_minor(d).map_err(|e| e.to_string())?))
        }
        FieldType::Day => SqValue::String(Some(Box::new(
            Day::parse(raw).map_err(|e| e.to_string())?.to_db(),
        ))),
        FieldType::Timestamp => {
            let t = match Day::parse(raw) {
                // A bare day means its start, UTC.
                Ok(d) => Timestamp::from_utc(d.inner().midnight().assume_utc()),
                Err(_) => Timestamp::parse(raw).map_err(|e| e.to_string())?,
            };
            SqValue::String(Some(Box::new(t.to_db())))
        }
        FieldType::Bool => SqValue::Bool(Some(match raw {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(msg::NOT_BOOL.into()),
        })),
        FieldType::Text | FieldType::Enum => SqValue::String(Some(Box::new(raw.to_owned()))),
    })
}

fn filter(f: &Field, op: &str, raw: &str, backend: Backend) -> Result<SimpleExpr, String> {
    let col = || Expr::col(Alias::new(f.column));
    match op {
        "eq" => {
            let parts: Vec<&str> = if matches!(f.ty, FieldType::Text) {
                vec![raw]
            } else {
                raw.split(',').filter(|s| !s.trim().is_empty()).collect()
            };
            let values = parts
                .iter()
                .map(|p| parse_value(f, p))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(match values.len() {
                0 => return Err(msg::LIST_NEEDS_VALUE.into()),
                1 => col().eq(values.into_iter().next().unwrap_or(SqValue::Bool(None))),
                _ => col().is_in(values),
            })
        }
        "gte" | "lte" if !matches!(f.ty, FieldType::Text | FieldType::Enum | FieldType::Bool) => {
            let v = parse_value(f, raw)?;
            Ok(if op == "gte" {
                col().gte(v)
            } else {
                col().lte(v)
            })
        }
        "contains" if f.ty == FieldType::Text => Ok(contains(backend, f.column, raw.trim())),
        "null" => match raw {
            "true" => Ok(col().is_null()),
            "false" => Ok(col().is_not_null()),
            _ => Err(msg::NOT_BOOL.into()),
        },
        _ => Err(msg::LIST_OPERATOR.with("op", op).into_english()),
    }
}

fn after(f: Field, dir: Dir, v: Option<SqValue>, id: Id) -> Cond {
    let col = || Expr::col(Alias::new(f.column));
    let idc = || Expr::col(Alias::new("id"));
    let beyond = |e: Expr, v: SqValue| match dir {
        Dir::Asc => e.gt(v),
        Dir::Desc => e.lt(v),
    };
    if f.name == "id" {
        return Cond::all().add(beyond(idc(), SqValue::BigInt(Some(id))));
    }
    match v {
        Some(v) => {
            let tail = Cond::any().add(beyond(col(), v.clone())).add(
                Cond::all()
                    .add(col().eq(v))
                    .add(beyond(idc(), SqValue::BigInt(Some(id)))),
            );
            if f.nullable {
                Cond::any()
                    .add(Cond::all().add(col().is_not_null()).add(tail))
                    .add(col().is_null())
            } else {
                tail
            }
        }
        None => Cond::all()
            .add(col().is_null())
            .add(beyond(idc(), SqValue::BigInt(Some(id)))),
    }
}

fn encode_cursor(f: Field, s: String, row: &AnyRow) -> Result<String> {
    let id: i64 = row.try_get("id")?;
    let v = match f.ty {
        FieldType::Id | FieldType::Int | FieldType::Money => row
            .try_get::<Option<i64>, _>(f.column)?
            .map_or(serde_json::Value::Null, serde_json::Value::from),
        FieldType::Bool => serde_json::Value::from(crate::db::col::b(row, f.column)?),
        _ => row
            .try_get::<Option<String>, _>(f.column)?
            .map_or(serde_json::Value::Null, serde_json::Value::from),
    };
    let json = serde_json::to_vec(&Cursor { v, id, s }).map_err(StoreError::corrupt)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// The cursor's value as the column's type, or `Err` when it cannot be one
/// (a cursor is the client's to keep, so it may have been tampered with).
fn json_to_value(f: Field, v: &serde_json::Value) -> Result<Option<SqValue>, ()> {
    use serde_json::Value as J;
    Ok(match (v, f.ty) {
        (J::Null, _) if f.nullable => None,
        (J::Number(n), FieldType::Id | FieldType::Int | FieldType::Money) => {
            Some(SqValue::BigInt(Some(n.as_i64().ok_or(())?)))
        }
        (J::Bool(b), FieldType::Bool) => Some(SqValue::Bool(Some(*b))),
        (
            J::String(s),
            FieldType::Text | FieldType::Enum | FieldType::Day | FieldType::Timestamp,
        ) => Some(SqValue::String(Some(Box::new(s.clone())))),
        _ => return Err(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_the_problem() {
        let b = Backend::Sqlite;
        let f = money_field("amount", "amount_minor", false);
        assert!(filter(&f, "gte", "abc", b).is_err());
        assert!(filter(&f, "gte", "1.001", b).is_err());
        assert!(filter(&f, "gte", "1.5", b).is_ok());
        assert!(filter(&f, "contains", "x", b).is_err());
        let t = field("name", FieldType::Text, false);
        assert!(filter(&t, "gte", "x", b).is_err());
        assert!(filter(&t, "contains", "x", Backend::Postgres).is_ok());
    }

    #[test]
    fn cursor_values_must_fit_the_column() {
        let amount = money_field("amount", "amount_minor", false);
        let title = field("title", FieldType::Text, false);
        let day = field("expected_close_date", FieldType::Day, true);
        assert!(json_to_value(amount, &serde_json::json!(100)).is_ok());
        assert!(json_to_value(amount, &serde_json::json!("100")).is_err());
        assert!(json_to_value(amount, &serde_json::Value::Null).is_err());
        assert!(json_to_value(title, &serde_json::json!(1)).is_err());
        assert_eq!(json_to_value(day, &serde_json::Value::Null), Ok(None));
    }

    #[test]
    fn glob_patterns_fold_case_and_yo_and_quote_wildcards() {
        assert_eq!(glob_pattern("Ёж-1"), "*[еёЕЁ][жЖ]-1*");
        assert_eq!(glob_pattern(" a*?[ "), "*[aA][*][?][[]*");
    }
}
