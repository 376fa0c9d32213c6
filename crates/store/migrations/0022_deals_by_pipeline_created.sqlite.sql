-- Version 22, SQLite: the report builder's grid reads deals by pipeline or
-- status beside the creation date (and its plans the roll-ups cannot
-- answer: a minimum or maximum, a filter on the amount) from one range per
-- status and pipeline, as version 16's index does by the close date; every
-- status and every pipeline is named before the date. Without it such a
-- grouping read every column of every deal and sorted them (a million
-- deals by pipeline × creation month, average and maximum: 486 ms).
CREATE INDEX deals_grid_status_pipeline_created
    ON deals (status, pipeline_id, created_at, owner_id, currency, amount_minor);
