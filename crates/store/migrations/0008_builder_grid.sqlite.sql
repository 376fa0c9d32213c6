-- Version 8 (SQLite only): covering indexes for the report builder's date
-- groupings, read cell by cell (voronka_store::builder::grid) because
-- SQLite would otherwise sort every row for a GROUP BY on a period. Each
-- starts with the listed grouping (if any), then the date, then what the
-- cells read: the owner (the permission scope), the currency and the amount.
-- PostgreSQL aggregates by hashing and needs none of them.

CREATE INDEX deals_grid_created ON deals (created_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_closed ON deals (closed_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_expected ON deals (expected_close_date, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_source_created ON deals (source_id, created_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_owner_created ON deals (owner_id, created_at, currency, amount_minor);
-- Activities by start (a calendar's own question), and the first and last
-- start a grouping's periods are taken from.
CREATE INDEX activities_grid_start ON activities (start_at, owner_id);

-- Every field a deal report can group, filter or sum by, but the title: a
-- grouping no index above serves reads this (and sorts) instead of the
-- table, a few times smaller. Narrower indexes stay for the grid: reading
-- fewer bytes a row, it is about twice as fast over the same range.
CREATE INDEX deals_grid_all ON deals (created_at, owner_id, currency, amount_minor,
    stage_id, status, source_id, pipeline_id, loss_reason_id, account_id,
    closed_at, expected_close_date, probability);

-- Each is the first columns of one above: the wider one serves its queries.
DROP INDEX deals_created;
DROP INDEX deals_closed;
DROP INDEX deals_by_source_created;
