-- Version 16, SQLite: the report builder's grid reads deals by pipeline
-- beside the close date (and its plans the roll-ups cannot answer: a
-- filter on the amount, the minimum or maximum) from one range per status
-- and pipeline; it names every pipeline, and every status, before the
-- date. Replaces version 9's index led by the status and then the date,
-- which the status beside the close date now reads one range per
-- pipeline of: no more indexes to keep up on every deal write.
DROP INDEX deals_grid_status_closed;
CREATE INDEX deals_grid_status_pipeline_closed
    ON deals (status, pipeline_id, closed_at, owner_id, currency, amount_minor);
