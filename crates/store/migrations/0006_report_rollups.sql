-- Version 6: report roll-ups. Counts and sums per UTC month and per UTC day,
-- kept in step with every deal write in the same transaction, so that the
-- funnel, the forecast, dynamics, loss reasons and the pipeline as of a day
-- read a few thousand rows instead of a million deals. What each deal adds
-- is defined in voronka_core::rollup; the tables are filled by a recount
-- right after this migration (voronka_store::rollup::rebuild).
-- span: 'm' (period = first day of the month) or 'd' (period = the day).

CREATE TABLE report_created (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    reached TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, reached, status, currency)
);

CREATE TABLE report_stays (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    seconds BIGINT NOT NULL,
    stays BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, stage_id)
);

CREATE TABLE report_closed (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    loss_reason_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, status, loss_reason_id, currency)
);

CREATE TABLE report_expected (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    implicit_minor BIGINT NOT NULL,
    weighted BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, stage_id, currency)
);

CREATE TABLE report_moved (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, stage_id, currency)
);

-- The hours at the ends of a period in the user's time zone are counted from
-- the rows themselves (deals_created comes with version 5).
CREATE INDEX deals_closed ON deals (closed_at);
CREATE INDEX deal_stage_history_when ON deal_stage_history (at);
