-- Version 28 (SQLite): each customer's deals with every column a deal
-- report reads but the title, as PostgreSQL has since migration 26, in
-- place of deals_by_account (customer, owner, currency, amount): the walk
-- of the customers in name order (a stage's, a loss reason's first
-- customers) read each of their deals in the table for its stage or
-- reason (a loss reason then the customer: 120-210 ms over a million
-- deals).
CREATE INDEX deals_by_account_all ON deals (account_id, owner_id, currency, amount_minor,
    stage_id, status, source_id, pipeline_id, loss_reason_id, probability,
    created_at, closed_at, expected_close_date);
DROP INDEX deals_by_account;
