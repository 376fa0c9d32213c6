-- Version 22 (PostgreSQL): each date of a deal, then every column a deal
-- report reads but the title, so that the report builder's grid answers a
-- date grouping beside any field there (a minimum or a maximum, a filter on
-- the amount, which the roll-ups do not keep): each period one index-only
-- range grouped by the other fields, where no index holds them before the
-- date (source by creation month, stage by expected close month, loss
-- reason by close month…), instead of the whole table grouped through a
-- nested CASE. The close date's takes the place of deals_closed, whose
-- column it leads with; deals_close_date stays for the lists' order.
CREATE INDEX deals_grid_created_all ON deals (created_at) INCLUDE (owner_id, currency,
    amount_minor, stage_id, status, source_id, pipeline_id, loss_reason_id, account_id,
    probability, closed_at, expected_close_date);
CREATE INDEX deals_grid_closed_all ON deals (closed_at) INCLUDE (owner_id, currency,
    amount_minor, stage_id, status, source_id, pipeline_id, loss_reason_id, account_id,
    probability, created_at, expected_close_date);
DROP INDEX deals_closed;
CREATE INDEX deals_grid_expected_all ON deals (expected_close_date) INCLUDE (owner_id,
    currency, amount_minor, stage_id, status, source_id, pipeline_id, loss_reason_id,
    account_id, probability, created_at, closed_at);
