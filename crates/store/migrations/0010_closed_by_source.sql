-- The closed deals' roll-up keeps each deal's source too, so the report
-- builder groups deals by source and close period from it (0 for none).
-- Emptied here and recounted from the deals by the migration runner.
DROP TABLE report_closed;

CREATE TABLE report_closed (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    loss_reason_id BIGINT NOT NULL,
    source_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, status, loss_reason_id, source_id, currency)
);

-- Set by a migration that empties a roll-up, cleared when the recount that
-- follows it is done: a recount cut short is taken up at the next start.
CREATE TABLE rollup_recount (pending BIGINT NOT NULL);
INSERT INTO rollup_recount (pending) VALUES (1);
