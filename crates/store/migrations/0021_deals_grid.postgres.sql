-- Version 21 (PostgreSQL): four of SQLite's grid indexes of deals, so that
-- the report builder's grid reads deals there too where no roll-up
-- answers (a minimum or a maximum of the amount, a filter on the amount):
-- each cell an index-only range instead of the whole table grouped
-- through a nested CASE. The creation date alone or after the owner, the
-- close date after the owner or after the status and the pipeline (led by
-- the owner: beside the owner, and a manager's own owners' rows only).
-- The first takes the place of deals_created, whose column it leads with.
CREATE INDEX deals_grid_created ON deals (created_at, owner_id, currency, amount_minor);
DROP INDEX deals_created;
CREATE INDEX deals_grid_owner_created ON deals (owner_id, created_at, currency, amount_minor);
CREATE INDEX deals_grid_owner_closed ON deals (owner_id, closed_at, currency, amount_minor);
CREATE INDEX deals_grid_status_pipeline_closed
    ON deals (status, pipeline_id, closed_at, owner_id, currency, amount_minor);
