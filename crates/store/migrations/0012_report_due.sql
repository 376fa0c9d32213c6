-- Version 12: every deal with an expected close day, open, won or lost, per
-- UTC month and day of that day, pipeline, owner, stage, status, source
-- (0 for none) and currency: the report builder's groupings by expected
-- close period read it instead of every deal (report_expected holds the
-- open deals only, weighted for the forecast). What each deal adds is
-- defined in voronka_core::rollup; filled by the recount that follows.
CREATE TABLE report_due (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, stage_id, status, source_id, currency)
);

INSERT INTO rollup_recount (pending) VALUES (1);
