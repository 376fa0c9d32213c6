//! Users, teams, sessions, API tokens and failed-login bookkeeping.

use crate::actor::{Actor, visible_owners};
use crate::audit;
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::pipelines::require_admin;
use crate::table::{self, merge, object, parse, to_json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use voronka_core::msg;
use voronka_core::records::{EntityKind, Id, RecordData, Role, Team, TeamData, User, UserData};
use voronka_core::{Invalid, Timestamp};

fn user_from_row(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: col::i(r, "id")?,
        data: UserData {
            login: col::s(r, "login")?,
            name: col::s(r, "name")?,
            email: col::os(r, "email")?,
            role: col::en(r, "role")?,
            team_id: col::oi(r, "team_id")?,
            locale: col::en(r, "locale")?,
            time_zone: col::s(r, "time_zone")?,
            active: col::b(r, "active")?,
        },
        created_at: col::ts(r, "created_at")?,
    })
}

const USER_COLUMNS: &str =
    "id, login, name, email, role, team_id, locale, time_zone, active, created_at";

pub(crate) async fn load_user(c: &mut impl Conn, id: Id) -> Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(c.conn())
        .await?;
    row.map(|r| user_from_row(&r)).transpose()
}

pub async fn get_user(db: &Db, id: Id) -> Result<User> {
    let mut c = db.reader().await?;
    load_user(&mut c, id).await?.ok_or(StoreError::NotFound)
}

pub async fn find_by_login(db: &Db, login: &str) -> Result<Option<(User, Option<String>)>> {
    let mut c = db.reader().await?;
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE login = $1"
    ))
    .bind(login.trim().to_lowercase())
    .fetch_optional(c.conn())
    .await?;
    match row {
        Some(r) => Ok(Some((user_from_row(&r)?, col::os(&r, "password_hash")?))),
        None => Ok(None),
    }
}

pub async fn list_users(db: &Db) -> Result<Vec<User>> {
    let mut c = db.reader().await?;
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY name, id"
    ))
    .fetch_all(c.conn())
    .await?;
    rows.iter().map(user_from_row).collect()
}

pub async fn count_users(db: &Db) -> Result<i64> {
    use sqlx::Row;
    let mut c = db.reader().await?;
    Ok(sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(c.conn())
        .await?
        .try_get(0)?)
}

/// The user behind a session or token, with what they may see; `None` when disabled.
pub async fn actor_for(db: &Db, user_id: Id) -> Result<Option<(User, Actor)>> {
    let mut c = db.reader().await?;
    actor_in(&mut c, user_id).await
}

pub(crate) async fn actor_in(c: &mut impl Conn, user_id: Id) -> Result<Option<(User, Actor)>> {
    let Some(user) = load_user(c, user_id).await? else {
        return Ok(None);
    };
    if !user.data.active {
        return Ok(None);
    }
    let (members, team_visibility) = match (user.data.role, user.data.team_id) {
        (Role::Manager, Some(team_id)) => {
            let team = sqlx::query("SELECT team_visibility FROM teams WHERE id = $1")
                .bind(team_id)
                .fetch_optional(c.conn())
                .await?;
            let vis = team
                .map(|t| col::b(&t, "team_visibility"))
                .transpose()?
                .unwrap_or(false);
            let rows = sqlx::query("SELECT id FROM users WHERE team_id = $1")
                .bind(team_id)
                .fetch_all(c.conn())
                .await?;
            let ids = rows
                .iter()
                .map(|r| col::i(r, "id"))
                .collect::<Result<Vec<_>>>()?;
            (Some(ids), vis)
        }
        _ => (None, false),
    };
    let actor = Actor {
        user_id: Some(user.id),
        role: user.data.role,
        visible_owners: visible_owners(
            user.data.role,
            user.id,
            members.as_deref(),
            team_visibility,
        ),
    };
    Ok(Some((user, actor)))
}

async fn check_team(tx: &mut Tx, team_id: Option<Id>) -> Result<()> {
    if let Some(t) = team_id {
        let found = sqlx::query("SELECT id FROM teams WHERE id = $1")
            .bind(t)
            .fetch_optional(tx.conn())
            .await?;
        if found.is_none() {
            return Err(Invalid::field("team_id", msg::TEAM_MISSING).into());
        }
    }
    Ok(())
}

fn login_taken(e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        Invalid::field("login", msg::LOGIN_TAKEN).into()
    } else {
        e
    }
}

/// Creates a user. `password_hash` is computed by the caller (argon2 lives in the web layer).
pub async fn create_user(
    db: &Db,
    actor: &Actor,
    body: Value,
    password_hash: Option<String>,
) -> Result<User> {
    require_admin(actor)?;
    let data = parse::<UserData>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            check_team(tx, data.team_id).await?;
            let id = table::insert_row(
                tx,
                "users",
                vec![
                    ("login", data.login.clone().into()),
                    ("name", data.name.clone().into()),
                    ("email", table::opt_string(&data.email)),
                    ("role", data.role.as_str().to_owned().into()),
                    ("team_id", table::opt_id(data.team_id)),
                    ("locale", data.locale.as_str().to_owned().into()),
                    ("time_zone", data.time_zone.clone().into()),
                    ("active", data.active.into()),
                    ("password_hash", table::opt_string(&password_hash)),
                    ("created_at", tx.now().to_db().into()),
                ],
            )
            .await
            .map_err(login_taken)?;
            let user = load_user(tx, id).await?.ok_or(StoreError::NotFound)?;
            audit::record(
                tx,
                EntityKind::User,
                id,
                "create",
                actor.user_id,
                &audit::creation(&to_json(&user)),
            )
            .await?;
            Ok(user)
        })
    })
    .await
}

/// Fields a user may change on their own profile.
const SELF_FIELDS: &[&str] = &["name", "email", "locale", "time_zone"];

pub async fn update_user(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<User> {
    let patch = object(body)?;
    let is_self = actor.user_id == Some(id);
    if !actor.is_admin() {
        if !is_self {
            return Err(StoreError::Forbidden(
                "only an administrator can change other users".into(),
            ));
        }
        if let Some(k) = patch.keys().find(|k| !SELF_FIELDS.contains(&k.as_str())) {
            return Err(Invalid::field(k, msg::ADMIN_ONLY).into());
        }
    }
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_user(tx, id).await?.ok_or(StoreError::NotFound)?;
            let data = merge(&old.data, patch)?.validate()?;
            if is_self && (!data.active || data.role != Role::Admin) && old.data.role == Role::Admin
            {
                return Err(Invalid::field("role", msg::NOT_YOURSELF).into());
            }
            check_team(tx, data.team_id).await?;
            table::update_row(
                tx,
                "users",
                id,
                vec![
                    ("login", data.login.clone().into()),
                    ("name", data.name.clone().into()),
                    ("email", table::opt_string(&data.email)),
                    ("role", data.role.as_str().to_owned().into()),
                    ("team_id", table::opt_id(data.team_id)),
                    ("locale", data.locale.as_str().to_owned().into()),
                    ("time_zone", data.time_zone.clone().into()),
                    ("active", data.active.into()),
                ],
            )
            .await
            .map_err(login_taken)?;
            if !data.active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(tx.conn())
                    .await?;
            }
            let new = load_user(tx, id).await?.ok_or(StoreError::NotFound)?;
            let changes = audit::diff(&to_json(&old), &to_json(&new));
            audit::record(tx, EntityKind::User, id, "update", actor.user_id, &changes).await?;
            Ok(new)
        })
    })
    .await
}

/// Stores a new password hash and ends the user's other sessions.
pub async fn set_password_hash(
    db: &Db,
    actor: &Actor,
    id: Id,
    hash: String,
    keep_session: Option<String>,
) -> Result<()> {
    if !actor.is_admin() && actor.user_id != Some(id) {
        return Err(StoreError::Forbidden(
            "only an administrator can change other users' passwords".into(),
        ));
    }
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            load_user(tx, id).await?.ok_or(StoreError::NotFound)?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(&hash)
                .bind(id)
                .execute(tx.conn())
                .await?;
            let keep = keep_session.map(|t| hash_token(&t)).unwrap_or_default();
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(id)
                .bind(keep)
                .execute(tx.conn())
                .await?;
            audit::record(tx, EntityKind::User, id, "password", actor.user_id, &[]).await?;
            Ok(())
        })
    })
    .await
}

fn team_from_row(r: &AnyRow) -> Result<Team> {
    Ok(Team {
        id: col::i(r, "id")?,
        data: TeamData {
            name: col::s(r, "name")?,
            head_id: col::oi(r, "head_id")?,
            team_visibility: col::b(r, "team_visibility")?,
        },
    })
}

pub async fn list_teams(db: &Db) -> Result<Vec<Team>> {
    let mut c = db.reader().await?;
    let rows = sqlx::query("SELECT * FROM teams ORDER BY name, id")
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(team_from_row).collect()
}

async fn load_team(c: &mut impl Conn, id: Id) -> Result<Team> {
    let row = sqlx::query("SELECT * FROM teams WHERE id = $1")
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    team_from_row(&row)
}

pub async fn get_team(db: &Db, id: Id) -> Result<Team> {
    let mut c = db.reader().await?;
    load_team(&mut c, id).await
}

async fn check_head(tx: &mut Tx, head: Option<Id>) -> Result<()> {
    if let Some(h) = head
        && load_user(tx, h).await?.is_none()
    {
        return Err(Invalid::field("head_id", msg::USER_MISSING).into());
    }
    Ok(())
}

pub async fn create_team(db: &Db, actor: &Actor, body: Value) -> Result<Team> {
    require_admin(actor)?;
    let data = parse::<TeamData>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            check_head(tx, data.head_id).await?;
            let id = table::insert_row(
                tx,
                "teams",
                vec![
                    ("name", data.name.clone().into()),
                    ("head_id", table::opt_id(data.head_id)),
                    ("team_visibility", data.team_visibility.into()),
                ],
            )
            .await?;
            let team = load_team(tx, id).await?;
            audit::record(
                tx,
                EntityKind::Team,
                id,
                "create",
                actor.user_id,
                &audit::creation(&to_json(&team)),
            )
            .await?;
            Ok(team)
        })
    })
    .await
}

pub async fn update_team(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<Team> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_team(tx, id).await?;
            let data = merge(&old.data, object(body)?)?.validate()?;
            check_head(tx, data.head_id).await?;
            table::update_row(
                tx,
                "teams",
                id,
                vec![
                    ("name", data.name.clone().into()),
                    ("head_id", table::opt_id(data.head_id)),
                    ("team_visibility", data.team_visibility.into()),
                ],
            )
            .await?;
            let new = load_team(tx, id).await?;
            audit::record(
                tx,
                EntityKind::Team,
                id,
                "update",
                actor.user_id,
                &audit::diff(&to_json(&old), &to_json(&new)),
            )
            .await?;
            Ok(new)
        })
    })
    .await
}

pub async fn delete_team(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_team(tx, id).await?;
            crate::rules::refuse_if_referenced(
                tx,
                "SELECT COUNT(*) FROM users WHERE team_id = $1",
                id,
                msg::TEAM_HAS_MEMBERS.english(),
            )
            .await?;
            sqlx::query("DELETE FROM teams WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            audit::record(
                tx,
                EntityKind::Team,
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

/// Secrets are stored only as their SHA-256: a leaked table opens nothing.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Starts a session; returns the cookie value.
pub async fn create_session(db: &Db, user_id: Id, ttl_seconds: i64) -> Result<String> {
    let token = new_secret("");
    let hash = hash_token(&token);
    db.write(move |tx| {
        boxed(async move {
            let now = tx.now();
            // Expired sessions are swept as new ones start: no scheduler needed.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now.to_db()).execute(tx.conn()).await?;
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(hash)
                .bind(user_id)
                .bind(now.to_db())
                .bind(now.plus_seconds(ttl_seconds).to_db())
                .execute(tx.conn())
                .await?;
            Ok(())
        })
    })
    .await?;
    Ok(token)
}

pub async fn session_user(db: &Db, token: &str) -> Result<Option<Id>> {
    let mut c = db.reader().await?;
    let row = sqlx::query("SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(hash_token(token))
        .bind(db.now().to_db())
        .fetch_optional(c.conn())
        .await?;
    row.map(|r| col::i(&r, "user_id")).transpose()
}

pub async fn delete_session(db: &Db, token: &str) -> Result<()> {
    let hash = hash_token(token);
    db.write(move |tx| {
        boxed(async move {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(hash)
                .execute(tx.conn())
                .await?;
            Ok(())
        })
    })
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: Id,
    pub user_id: Id,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

fn token_from_row(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: col::i(r, "id")?,
        user_id: col::i(r, "user_id")?,
        name: col::s(r, "name")?,
        created_at: col::ts(r, "created_at")?,
        last_used_at: col::ots(r, "last_used_at")?,
        revoked_at: col::ots(r, "revoked_at")?,
    })
}

/// Creates an API token for `user_id`; the secret is returned once and never stored.
pub async fn create_token(
    db: &Db,
    actor: &Actor,
    user_id: Id,
    name: &str,
) -> Result<(ApiToken, String)> {
    if !actor.is_admin() && actor.user_id != Some(user_id) {
        return Err(StoreError::Forbidden(
            "only an administrator can create tokens for other users".into(),
        ));
    }
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Invalid::field("name", msg::NAME_REQUIRED).into());
    }
    let secret = new_secret("vrk_");
    let hash = hash_token(&secret);
    let actor = actor.clone();
    let token = db
        .write(move |tx| {
            boxed(async move {
                if load_user(tx, user_id).await?.is_none() {
                    return Err(Invalid::field("user_id", msg::USER_MISSING).into());
                }
                let id = table::insert_row(
                    tx,
                    "api_tokens",
                    vec![
                        ("user_id", user_id.into()),
                        ("name", name.into()),
                        ("token_hash", hash.into()),
                        ("created_at", tx.now().to_db().into()),
                    ],
                )
                .await?;
                let row = sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
                    .bind(id)
                    .fetch_one(tx.conn())
                    .await?;
                let token = token_from_row(&row)?;
                audit::record(
                    tx,
                    EntityKind::Token,
                    id,
                    "create",
                    actor.user_id,
                    &audit::creation(&to_json(&token)),
                )
                .await?;
                Ok(token)
            })
        })
        .await?;
    Ok((token, secret))
}

pub async fn list_tokens(db: &Db, actor: &Actor, user_id: Option<Id>) -> Result<Vec<ApiToken>> {
    let user_id = match (actor.is_admin(), user_id, actor.user_id) {
        (true, u, _) => u,
        (false, _, Some(me)) => Some(me),
        (false, _, None) => return Ok(Vec::new()),
    };
    let mut c = db.reader().await?;
    let rows = match user_id {
        Some(u) => {
            sqlx::query("SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")
                .bind(u)
                .fetch_all(c.conn())
                .await?
        }
        None => {
            sqlx::query("SELECT * FROM api_tokens ORDER BY id DESC")
                .fetch_all(c.conn())
                .await?
        }
    };
    rows.iter().map(token_from_row).collect()
}

pub async fn revoke_token(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let row = sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?
                .ok_or(StoreError::NotFound)?;
            let token = token_from_row(&row)?;
            if !actor.is_admin() && actor.user_id != Some(token.user_id) {
                return Err(StoreError::NotFound);
            }
            if token.revoked_at.is_some() {
                return Ok(());
            }
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
                .bind(tx.now().to_db())
                .bind(id)
                .execute(tx.conn())
                .await?;
            audit::record(tx, EntityKind::Token, id, "revoke", actor.user_id, &[]).await?;
            Ok(())
        })
    })
    .await
}

/// The user an API token belongs to, if the token is live. Marks it used at most once a minute.
pub async fn token_user(db: &Db, secret: &str) -> Result<Option<Id>> {
    let hash = hash_token(secret);
    let row = {
        let mut c = db.reader().await?;
        sqlx::query("SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(&hash)
            .fetch_optional(c.conn())
            .await?
    };
    let Some(row) = row else { return Ok(None) };
    let (id, user) = (col::i(&row, "id")?, col::i(&row, "user_id")?);
    let now = db.now();
    let stale = col::ots(&row, "last_used_at")?.is_none_or(|t| t.plus_seconds(60) < now);
    if stale {
        db.write(move |tx| {
            boxed(async move {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(tx.now().to_db())
                    .bind(id)
                    .execute(tx.conn())
                    .await?;
                Ok(())
            })
        })
        .await?;
    }
    Ok(Some(user))
}

/// Failed logins under `key` (a login or an IP) since `since`.
pub async fn recent_failures(
    db: &Db,
    key: &str,
    since: Timestamp,
) -> Result<(i64, Option<Timestamp>)> {
    let mut c = db.reader().await?;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_failures WHERE key = $1 AND at > $2",
    )
    .bind(key)
    .bind(since.to_db())
    .fetch_one(c.conn())
    .await?;
    Ok((col::i(&row, "n")?, col::ots(&row, "first")?))
}

pub async fn record_failure(db: &Db, keys: Vec<String>) -> Result<()> {
    db.write(move |tx| {
        boxed(async move {
            let now = tx.now();
            sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(now.plus_seconds(-86_400).to_db())
                .execute(tx.conn())
                .await?;
            for k in &keys {
                sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                    .bind(k)
                    .bind(now.to_db())
                    .execute(tx.conn())
                    .await?;
            }
            Ok(())
        })
    })
    .await
}

pub async fn clear_failures(db: &Db, key: String) -> Result<()> {
    db.write(move |tx| {
        boxed(async move {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(key)
                .execute(tx.conn())
                .await?;
            Ok(())
        })
    })
    .await
}

/// Checks a user-given password rule; here so the CLI and the API say the same.
pub fn check_password(p: &str) -> Result<(), Invalid> {
    voronka_core::records::check_password(p)
}

/// The data part of a user, without the password, for callers that build one.
pub fn parse_user(body: Value) -> Result<UserData, Invalid> {
    parse::<UserData>(body)?.validate()
}
