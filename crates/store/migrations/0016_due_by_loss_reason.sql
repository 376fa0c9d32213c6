-- Version 16: the expected-close roll-up keeps each lost deal's loss reason
-- too (0 for none and for every deal not lost), so the report builder
-- groups deals by loss reason and expected close period from it. Emptied
-- here and recounted from the deals by the migration runner.
DROP TABLE report_due;

CREATE TABLE report_due (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    loss_reason_id BIGINT NOT NULL,
    source_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, stage_id, status, loss_reason_id, source_id, currency)
);

INSERT INTO rollup_recount (pending) VALUES (1);
