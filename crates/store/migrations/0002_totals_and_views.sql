-- Version 2: pre-aggregated deal counts and sums per stage and owner (the
-- board's column headers and funnels without scanning every deal), and the
-- list views people save.

CREATE TABLE deal_totals (
    stage_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (stage_id, owner_id, currency)
);

INSERT INTO deal_totals (stage_id, owner_id, currency, deals, amount_minor)
SELECT stage_id, owner_id, currency, COUNT(*), SUM(amount_minor)
FROM deals GROUP BY stage_id, owner_id, currency;

CREATE TABLE saved_views (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users (id),
    entity TEXT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX saved_views_user ON saved_views (user_id, entity);
