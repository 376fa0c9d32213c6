-- Version 9 (SQLite only): a date grouping beside the owner, the stage or
-- the status reads its grid (voronka_store::builder::grid) from an index
-- that starts with that field and then the date, instead of sorting every
-- deal. The single-field indexes of migration 5 become such pairs — a pair
-- still leads with its field, so a grouping by the field alone streams as
-- before — and the account's index takes the owner, currency and amount, so
-- a grouping by customer reads no table rows. PostgreSQL aggregates by
-- hashing and needs none of them.

-- The owner alone: deals_grid_owner_created (migration 8) leads with it.
DROP INDEX deals_by_owner;
CREATE INDEX deals_grid_owner_closed ON deals (owner_id, closed_at, currency, amount_minor);
CREATE INDEX deals_grid_owner_expected ON deals (owner_id, expected_close_date, currency, amount_minor);

DROP INDEX deals_by_stage;
CREATE INDEX deals_grid_stage_created ON deals (stage_id, created_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_stage_expected ON deals (stage_id, expected_close_date, owner_id, currency, amount_minor);

DROP INDEX deals_by_status;
CREATE INDEX deals_grid_status_closed ON deals (status, closed_at, owner_id, currency, amount_minor);

DROP INDEX deals_account;
CREATE INDEX deals_by_account ON deals (account_id, owner_id, currency, amount_minor);

-- Lost deals by reason and close period.
CREATE INDEX deals_grid_loss_closed ON deals (loss_reason_id, closed_at, owner_id, currency, amount_minor);

-- Leads by status or source and creation period; contacts by owner and
-- creation period; accounts by industry and kind (a text field cannot be
-- listed for a grid, but an index led by it is read in order with no sort).
CREATE INDEX leads_grid_status_created ON leads (status, created_at, owner_id);
CREATE INDEX leads_grid_source_created ON leads (source_id, created_at, owner_id);
CREATE INDEX contacts_grid_owner_created ON contacts (owner_id, created_at);
CREATE INDEX accounts_by_industry ON accounts (industry, kind, owner_id);
