-- Version 5: reports people build and save (the report builder), and the
-- indexes its groupings over deals lean on.
--
-- A saved report belongs to its owner; `team_id`, when set, shares it with
-- that team (read and run; only the owner or an administrator changes it).
-- `definition` is the builder's JSON as written (`voronka_core::builder::
-- Definition`): checked again every time it runs, so a report naming a field
-- that no longer exists says so instead of silently changing meaning.

CREATE TABLE saved_reports (
    id {id},
    owner_id BIGINT NOT NULL REFERENCES users (id),
    team_id BIGINT REFERENCES teams (id),
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX saved_reports_owner ON saved_reports (owner_id, name);
CREATE INDEX saved_reports_team ON saved_reports (team_id, name);

-- The builder's common groupings of deals as covering indexes, each read in
-- the grouping's order (no sort) with the report currency, the amount and
-- the owner (the permission scope) inside it: by owner, by stage, by status,
-- by source and creation day. `deals_created` answers the first and last
-- creation instants, from which date groupings take their periods.
CREATE INDEX deals_by_owner ON deals (owner_id, currency, amount_minor);
CREATE INDEX deals_by_stage ON deals (stage_id, owner_id, currency, amount_minor);
CREATE INDEX deals_by_status ON deals (status, owner_id, currency, amount_minor);
CREATE INDEX deals_by_source_created ON deals (source_id, created_at, owner_id);
CREATE INDEX deals_created ON deals (created_at);
