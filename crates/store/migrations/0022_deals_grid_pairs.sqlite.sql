-- Version 22, SQLite: the report builder's grid pairs each field a deal
-- report groups by (but the currency) with each date, for what the
-- roll-ups cannot answer (a minimum or maximum, a filter on the amount).
-- Without an index holding the field before the date such a grouping read
-- every column of every deal and sorted them: a million deals by pipeline
-- × creation month, average and maximum, 486 ms; the source or stage by
-- close month, the pipeline, source or loss reason by expected month
-- 0.9–1.6 s. The status, pipeline and stage lead one index per date but
-- the close date's (version 16's by status and pipeline stays for
-- PostgreSQL's sake, which has it too): each named in full before the
-- date, they take the place of the stage's own by creation and expected
-- date. The source and the loss reason, which a deal may lack, lead
-- their own.
DROP INDEX deals_grid_stage_created;
DROP INDEX deals_grid_stage_expected;
CREATE INDEX deals_grid_stages_created
    ON deals (status, pipeline_id, stage_id, created_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_stages_expected
    ON deals (status, pipeline_id, stage_id, expected_close_date, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_stage_closed
    ON deals (stage_id, closed_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_source_closed
    ON deals (source_id, closed_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_source_expected
    ON deals (source_id, expected_close_date, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_loss_created
    ON deals (loss_reason_id, created_at, owner_id, currency, amount_minor);
CREATE INDEX deals_grid_loss_expected
    ON deals (loss_reason_id, expected_close_date, owner_id, currency, amount_minor);
