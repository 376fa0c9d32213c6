-- Voronka schema, version 1: users, access and the core sales records.
--
-- Written once for SQLite and PostgreSQL. `{id}` becomes each backend's
-- auto-increment primary key, `{bool}` its boolean. Instants are fixed-width UTC text
-- (2026-11-23T15:04:05.123456Z), days are YYYY-MM-DD, money is BIGINT minor
-- units beside a currency code: the same comparisons, sorts and sums then
-- work exactly on both backends.

CREATE TABLE teams (
    id {id},
    name TEXT NOT NULL,
    head_id BIGINT,
    team_visibility {bool} NOT NULL
);

CREATE TABLE users (
    id {id},
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL,
    team_id BIGINT REFERENCES teams (id),
    locale TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    active {bool} NOT NULL,
    password_hash TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX users_team ON users (team_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    id {id},
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

CREATE TABLE lookups (
    id {id},
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    active {bool} NOT NULL
);
CREATE INDEX lookups_kind ON lookups (kind, position);

CREATE TABLE pipelines (
    id {id},
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    is_default {bool} NOT NULL,
    -- A deleted pipeline: kept so the stage history of deals that passed through it stays true.
    archived {bool} NOT NULL DEFAULT FALSE
);

CREATE TABLE stages (
    id {id},
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    name TEXT NOT NULL,
    probability BIGINT NOT NULL,
    kind TEXT NOT NULL,
    position BIGINT NOT NULL,
    -- A deleted stage that past stage moves still point at: kept for reports, hidden elsewhere.
    archived {bool} NOT NULL DEFAULT FALSE
);
CREATE INDEX stages_pipeline ON stages (pipeline_id, position);

CREATE TABLE accounts (
    id {id},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    inn TEXT,
    kpp TEXT,
    ogrn TEXT,
    legal_address TEXT,
    actual_address TEXT,
    bank_name TEXT,
    bic TEXT,
    settlement_account TEXT,
    correspondent_account TEXT,
    industry TEXT,
    territory TEXT,
    phones TEXT NOT NULL,
    emails TEXT NOT NULL,
    website TEXT,
    credit_limit_minor BIGINT,
    description TEXT,
    -- Lower-cased, ё-folded names for `q=` in lists (SQLite's LOWER is ASCII-only).
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE INDEX accounts_owner ON accounts (owner_id, id);
CREATE INDEX accounts_name ON accounts (name, id);
CREATE INDEX accounts_inn ON accounts (inn);

CREATE TABLE contacts (
    id {id},
    first_name TEXT,
    middle_name TEXT,
    last_name TEXT,
    account_id BIGINT REFERENCES accounts (id),
    position TEXT,
    phones TEXT NOT NULL,
    emails TEXT NOT NULL,
    birthday TEXT,
    description TEXT,
    -- Lower-cased, ё-folded names for `q=` in lists (SQLite's LOWER is ASCII-only).
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE INDEX contacts_owner ON contacts (owner_id, id);
CREATE INDEX contacts_account ON contacts (account_id);
CREATE INDEX contacts_last_name ON contacts (last_name, id);

CREATE TABLE deals (
    id {id},
    title TEXT NOT NULL,
    account_id BIGINT REFERENCES accounts (id),
    contact_id BIGINT REFERENCES contacts (id),
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id BIGINT NOT NULL REFERENCES stages (id),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    probability BIGINT,
    effective_probability BIGINT NOT NULL,
    expected_close_date TEXT,
    source_id BIGINT REFERENCES lookups (id),
    description TEXT,
    status TEXT NOT NULL,
    closed_at TEXT,
    loss_reason_id BIGINT REFERENCES lookups (id),
    loss_reason TEXT,
    -- Lower-cased, ё-folded names for `q=` in lists (SQLite's LOWER is ASCII-only).
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
-- The list page's hot path: one owner's deals in one stage, by amount.
CREATE INDEX deals_owner_stage_amount ON deals (owner_id, stage_id, amount_minor, id);
CREATE INDEX deals_stage_amount ON deals (stage_id, amount_minor, id);
CREATE INDEX deals_account ON deals (account_id);
CREATE INDEX deals_contact ON deals (contact_id);
CREATE INDEX deals_close_date ON deals (expected_close_date, id);

CREATE TABLE leads (
    id {id},
    first_name TEXT,
    middle_name TEXT,
    last_name TEXT,
    company TEXT,
    title TEXT,
    phones TEXT NOT NULL,
    emails TEXT NOT NULL,
    website TEXT,
    address TEXT,
    source_id BIGINT REFERENCES lookups (id),
    status TEXT NOT NULL,
    disqualify_reason TEXT,
    description TEXT,
    converted_account_id BIGINT REFERENCES accounts (id),
    converted_contact_id BIGINT REFERENCES contacts (id),
    converted_deal_id BIGINT REFERENCES deals (id),
    converted_at TEXT,
    -- Lower-cased, ё-folded names for `q=` in lists (SQLite's LOWER is ASCII-only).
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE INDEX leads_owner ON leads (owner_id, id);
CREATE INDEX leads_status ON leads (status, id);

CREATE TABLE deal_stage_history (
    id {id},
    deal_id BIGINT NOT NULL REFERENCES deals (id),
    pipeline_id BIGINT NOT NULL,
    from_stage_id BIGINT,
    to_stage_id BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    at TEXT NOT NULL,
    user_id BIGINT
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history (deal_id, at);
CREATE INDEX deal_stage_history_at ON deal_stage_history (pipeline_id, at);

CREATE TABLE deal_members (
    deal_id BIGINT NOT NULL REFERENCES deals (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (deal_id, user_id)
);

CREATE TABLE competitors (
    id {id},
    name TEXT NOT NULL,
    website TEXT,
    strengths TEXT,
    weaknesses TEXT
);

CREATE TABLE deal_competitors (
    deal_id BIGINT NOT NULL REFERENCES deals (id),
    competitor_id BIGINT NOT NULL REFERENCES competitors (id),
    status TEXT NOT NULL,
    PRIMARY KEY (deal_id, competitor_id)
);

CREATE TABLE activities (
    id {id},
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    related_type TEXT NOT NULL,
    related_id BIGINT NOT NULL,
    start_at TEXT,
    end_at TEXT,
    all_day {bool} NOT NULL,
    location TEXT,
    due_at TEXT,
    priority TEXT,
    channel TEXT,
    direction TEXT,
    outcome TEXT,
    reminder_at TEXT,
    completed_at TEXT,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE INDEX activities_related ON activities (related_type, related_id);
CREATE INDEX activities_owner_due ON activities (owner_id, due_at);
CREATE INDEX activities_owner_start ON activities (owner_id, start_at);

CREATE TABLE notes (
    id {id},
    related_type TEXT NOT NULL,
    related_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX notes_related ON notes (related_type, related_id);

-- Who changed what: one row per action, its field changes as a JSON array.
CREATE TABLE audit_log (
    id {id},
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    user_id BIGINT,
    at TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);

-- Normalized phones, e-mails, INNs and company names, for duplicate checks.
CREATE TABLE dedup_keys (
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    key_type TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX dedup_keys_value ON dedup_keys (key_type, value);
CREATE INDEX dedup_keys_entity ON dedup_keys (entity, entity_id);
