-- The list indexes of deals by owner and stage (and by stage) carry the
-- currency at their end: the report builder's grouping by owner and stage
-- (or by stage) then sums amounts reading the index alone, in its order,
-- without sorting a million deals. The lists read them as before.
DROP INDEX deals_owner_stage_amount;
CREATE INDEX deals_owner_stage_amount ON deals (owner_id, stage_id, amount_minor, id, currency);
DROP INDEX deals_stage_amount;
CREATE INDEX deals_stage_amount ON deals (stage_id, amount_minor, id, currency);

-- Deals by status beside the expected close date, for the grid.
CREATE INDEX deals_grid_status_expected ON deals (status, expected_close_date, owner_id, currency, amount_minor);
