-- Version 11: the closed deals' roll-up and the source cells of the
-- opportunity roll-up keep each deal's current stage, so the report
-- builder groups and filters deals by stage (alone, beside another key,
-- by creation or close period) from them instead of reading every deal.
-- Under the territory and industry keys the stage is 0: the opportunity
-- analysis does not read it. Emptied here and recounted from the deals by
-- the migration runner.
DROP TABLE report_closed;

CREATE TABLE report_closed (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    loss_reason_id BIGINT NOT NULL,
    source_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, status, loss_reason_id, source_id, stage_id, currency)
);

DROP TABLE report_opportunities;

CREATE TABLE report_opportunities (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    dim TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    dim_key TEXT NOT NULL,
    stage_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    cycle_seconds BIGINT NOT NULL,
    PRIMARY KEY (span, period, dim, pipeline_id, owner_id, dim_key, stage_id, status, currency)
);

INSERT INTO rollup_recount (pending) VALUES (1);
