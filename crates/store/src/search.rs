//! Global search and duplicate keys.
//!
//! The one place with backend-specific SQL: SQLite uses an FTS5 table,
//! PostgreSQL a `tsvector` with Russian stemming. Both are kept up to date in
//! the same transaction as the record, and both filter by the same visibility
//! rule as every other read.

use crate::actor::Actor;
use crate::db::{Backend, Conn, Tx, col};
use crate::error::Result;
use crate::table::Table;
use serde::Serialize;
use std::collections::BTreeMap;
use voronka_core::records::{EntityKind, Id};
use voronka_core::{phone, text};

/// What a record contributes to search and duplicate detection.
pub struct Doc {
    pub title: String,
    /// Free text: names, e-mails, phones, INN…
    pub body: Vec<String>,
    /// Normalized duplicate keys: ("phone", "+7495…"), ("email", …), ("inn", …), ("company", …).
    pub keys: Vec<(&'static str, String)>,
}

impl Doc {
    pub fn new(title: String) -> Doc {
        Doc {
            title,
            body: Vec::new(),
            keys: Vec::new(),
        }
    }

    pub fn text(mut self, v: Option<&str>) -> Doc {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            self.body.push(v.to_owned());
        }
        self
    }

    pub fn phones(mut self, phones: &[String]) -> Doc {
        for p in phones {
            self.body.extend(phone_tokens(p));
            self.keys.push(("phone", p.clone()));
        }
        self
    }

    pub fn emails(mut self, emails: &[String]) -> Doc {
        for e in emails {
            self.body.push(e.clone());
            self.keys.push(("email", e.clone()));
        }
        self
    }

    pub fn inn(mut self, inn: Option<&str>) -> Doc {
        if let Some(inn) = inn {
            self.body.push(inn.to_owned());
            self.keys.push(("inn", inn.to_owned()));
        }
        self
    }

    pub fn company(mut self, name: Option<&str>) -> Doc {
        if let Some(name) = name {
            self.body.push(name.to_owned());
            if let Some(k) = text::company_key(name) {
                self.keys.push(("company", k));
            }
        }
        self
    }
}

/// Digits a phone is found by: full international, national (10 digits), and the last 7.
fn phone_tokens(e164: &str) -> Vec<String> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let mut out = vec![digits.clone()];
    if digits.len() == 11 && digits.starts_with('7') {
        out.push(digits[1..].to_owned());
    }
    if digits.len() > 7 {
        out.push(digits[digits.len() - 7..].to_owned());
    }
    out
}

fn kind_code(kind: EntityKind) -> i64 {
    match kind {
        EntityKind::Lead => 1,
        EntityKind::Account => 2,
        EntityKind::Contact => 3,
        EntityKind::Deal => 4,
        _ => 9,
    }
}

fn doc_key(kind: EntityKind, id: Id) -> i64 {
    kind_code(kind) * 1_000_000_000_000 + id
}

/// Replaces the record's search entry and duplicate keys.
pub(crate) async fn index<T: Table>(tx: &mut Tx, record: &T) -> Result<()> {
    let Some(doc) = record.search_doc() else {
        return Ok(());
    };
    remove(tx, T::KIND, record.id()).await?;
    put(tx, T::KIND, record.id(), record.owner_id(), &doc).await
}

/// Indexes a record that was just created, so has no entry to replace.
pub(crate) async fn put_new<T: Table>(tx: &mut Tx, record: &T) -> Result<()> {
    match record.search_doc() {
        Some(doc) => put(tx, T::KIND, record.id(), record.owner_id(), &doc).await,
        None => Ok(()),
    }
}

/// Writes a search entry and duplicate keys for a record known to have none yet.
pub(crate) async fn put(
    tx: &mut Tx,
    kind: EntityKind,
    id: Id,
    owner: Option<Id>,
    doc: &Doc,
) -> Result<()> {
    let mut words: Vec<&str> = doc.body.iter().map(String::as_str).collect();
    if tx.backend() == Backend::Postgres {
        // PostgreSQL's parser keeps an e-mail or a host name as one word, while
        // a query is split into words (`query_terms`): index the parts too.
        words.extend(
            doc.body
                .iter()
                .filter(|b| b.contains(['@', '.', '/']))
                .flat_map(|b| b.split(|c: char| !c.is_alphanumeric()))
                .filter(|w| !w.is_empty()),
        );
    }
    let body = words.join(" ");
    let key = doc_key(kind, id);
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "INSERT INTO search_index (rowid, entity, entity_id, owner_id, title, body) VALUES ($1, $2, $3, $4, $5, $6)"
        }
        Backend::Postgres => {
            "INSERT INTO search_index (doc_key, entity, entity_id, owner_id, title, body) VALUES ($1, $2, $3, $4, $5, $6)"
        }
    };
    sqlx::query(sql)
        .bind(key)
        .bind(kind.as_str())
        .bind(id)
        .bind(owner)
        .bind(&doc.title)
        .bind(body)
        .execute(tx.conn())
        .await?;
    for (key_type, value) in &doc.keys {
        sqlx::query(
            "INSERT INTO dedup_keys (entity, entity_id, key_type, value) VALUES ($1, $2, $3, $4)",
        )
        .bind(kind.as_str())
        .bind(id)
        .bind(*key_type)
        .bind(value)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

pub(crate) async fn remove(tx: &mut Tx, kind: EntityKind, id: Id) -> Result<()> {
    if !kind.is_sales_record() {
        return Ok(());
    }
    let sql = match tx.backend() {
        Backend::Sqlite => "DELETE FROM search_index WHERE rowid = $1",
        Backend::Postgres => "DELETE FROM search_index WHERE doc_key = $1",
    };
    sqlx::query(sql)
        .bind(doc_key(kind, id))
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM dedup_keys WHERE entity = $1 AND entity_id = $2")
        .bind(kind.as_str())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub entity: EntityKind,
    pub id: Id,
    pub title: String,
}

/// Words of a query, made safe for both query languages: letters and digits only.
/// A query that looks like a phone number becomes its digits.
pub fn query_terms(q: &str) -> Vec<String> {
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_like = digits.len() >= 5
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c));
    if phone_like {
        let mut keys = phone::phone_search_keys(q);
        keys.retain(|k| !k.is_empty());
        // The national number is what the index always holds for Russian phones.
        let national = if digits.len() == 11 && (digits.starts_with('7') || digits.starts_with('8'))
        {
            digits[1..].to_owned()
        } else {
            digits
        };
        return vec![national];
    }
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('ё', "е"))
        .take(8)
        .collect()
}

/// How many matches are ranked at most (see [`search`]).
const RANKED: i64 = 2000;

pub async fn search(c: &mut impl Conn, actor: &Actor, q: &str, limit: i64) -> Result<Vec<Hit>> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, 100);
    let owners = actor.visible_owners.clone();
    let mut args: Vec<String> = Vec::new();
    let (match_sql, query) = match c.backend() {
        Backend::Sqlite => (
            "search_index MATCH $1",
            terms
                .iter()
                .map(|t| format!("\"{t}\"*"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Backend::Postgres => (
            "tsv @@ to_tsquery('russian', $1)",
            terms
                .iter()
                .map(|t| format!("{t}:*"))
                .collect::<Vec<_>>()
                .join(" & "),
        ),
    };
    args.push(query);
    let mut filter = String::new();
    if let Some(owners) = &owners {
        let list: Vec<String> = owners.iter().map(|o| o.to_string()).collect();
        // Ids are integers from our own database, not user input.
        filter = format!(
            " AND owner_id IN ({})",
            if list.is_empty() {
                "NULL".into()
            } else {
                list.join(",")
            }
        );
    }
    let mut sql = match c.backend() {
        // FTS5 ranks with its own index structures; a candidate subquery
        // there is far slower (measured: 5 s instead of 50 ms for a common surname).
        Backend::Sqlite => {
            format!("SELECT entity, entity_id, title FROM search_index WHERE {match_sql}{filter}")
        }
        // ts_rank reads every matching row: a common word ("ООО", a frequent
        // surname) matches tens of thousands, so the best hits are ranked
        // among the first RANKED matches instead.
        Backend::Postgres => format!(
            "SELECT entity, entity_id, title FROM search_index WHERE doc_key IN \
             (SELECT doc_key FROM search_index WHERE {match_sql}{filter} LIMIT {RANKED})"
        ),
    };
    sql.push_str(match c.backend() {
        Backend::Sqlite => " ORDER BY rank LIMIT $2",
        Backend::Postgres => {
            " ORDER BY ts_rank(tsv, to_tsquery('russian', $1)) DESC, entity_id DESC LIMIT $2"
        }
    });
    let rows = sqlx::query(&sql)
        .bind(&args[0])
        .bind(limit)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Hit {
                entity: col::en(r, "entity")?,
                id: col::i(r, "entity_id")?,
                title: col::s(r, "title")?,
            })
        })
        .collect()
}

/// Records sharing a key with `keys`, grouped, visible to the actor only.
pub(crate) async fn duplicates(
    c: &mut impl Conn,
    actor: &Actor,
    keys: &[(&'static str, String)],
    exclude: Option<(EntityKind, Id)>,
) -> Result<Vec<crate::error::DuplicateCandidate>> {
    let mut found: BTreeMap<(String, Id), Vec<String>> = BTreeMap::new();
    for (key_type, value) in keys {
        let rows = sqlx::query(
            "SELECT entity, entity_id FROM dedup_keys WHERE key_type = $1 AND value = $2 LIMIT 20",
        )
        .bind(*key_type)
        .bind(value)
        .fetch_all(c.conn())
        .await?;
        for r in rows {
            let entity = col::s(&r, "entity")?;
            let id = col::i(&r, "entity_id")?;
            let entry = found.entry((entity, id)).or_default();
            if !entry.contains(&key_type.to_string()) {
                entry.push(key_type.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for ((entity, id), matched_on) in found {
        let Some(kind) = EntityKind::parse(&entity) else {
            continue;
        };
        if exclude == Some((kind, id)) {
            continue;
        }
        let row = sqlx::query(&format!(
            "SELECT owner_id, title FROM search_index WHERE {} = $1",
            match c.backend() {
                Backend::Sqlite => "rowid",
                Backend::Postgres => "doc_key",
            }
        ))
        .bind(doc_key(kind, id))
        .fetch_optional(c.conn())
        .await?;
        let Some(row) = row else { continue };
        let owner = col::oi(&row, "owner_id")?;
        if owner.is_some_and(|o| !actor.can_see_owner(o)) {
            continue;
        }
        out.push(crate::error::DuplicateCandidate {
            entity: kind,
            id,
            name: col::s(&row, "title")?,
            matched_on,
        });
    }
    Ok(out)
}

/// Display names of records of one kind, for those the actor may see
/// (lists and cards show an account's name beside a deal).
pub async fn titles(
    c: &mut impl Conn,
    actor: &Actor,
    kind: EntityKind,
    ids: &[Id],
) -> Result<std::collections::HashMap<Id, String>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() || !kind.is_sales_record() {
        return Ok(out);
    }
    let keys: Vec<String> = ids
        .iter()
        .map(|id| doc_key(kind, *id).to_string())
        .collect();
    let key_col = match c.backend() {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "doc_key",
    };
    // The keys are integers computed here, not user input.
    let sql = format!(
        "SELECT entity_id, owner_id, title FROM search_index WHERE {key_col} IN ({})",
        keys.join(",")
    );
    for r in sqlx::query(&sql).fetch_all(c.conn()).await? {
        let owner = col::oi(&r, "owner_id")?;
        if owner.is_none_or(|o| actor.can_see_owner(o)) {
            out.insert(col::i(&r, "entity_id")?, col::s(&r, "title")?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_queries_become_national_digits() {
        assert_eq!(query_terms("+7 (495) 123-45-67"), vec!["4951234567"]);
        assert_eq!(query_terms("8 495 123 45 67"), vec!["4951234567"]);
        assert_eq!(query_terms("123-45-67"), vec!["1234567"]);
    }

    #[test]
    fn words_are_sanitized() {
        assert_eq!(query_terms("Ромашка & \"ООО\":*"), vec!["ромашка", "ооо"]);
        assert!(query_terms("  ** ").is_empty());
    }

    #[test]
    fn phones_index_national_and_short_forms() {
        assert_eq!(
            phone_tokens("+74951234567"),
            vec!["74951234567", "4951234567", "1234567"]
        );
    }
}
