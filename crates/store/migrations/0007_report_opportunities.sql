-- Version 7: the opportunity analysis roll-up. Per creation period (UTC
-- month 'm' or day 'd'), pipeline, owner, one analysis key and status:
-- deals, amount and the seconds from creation to the win of the won ones.
-- dim is 'source' (dim_key: the source's id, '' for none), 'territory' or
-- 'industry' (dim_key: the customer's, '' for none); every deal counts once
-- under each dim, so grouping by owner or pipeline reads dim = 'source'.
-- What each deal adds is defined in voronka_core::rollup; the table is
-- filled by the recount that runs right after this migration.

CREATE TABLE report_opportunities (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    dim TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    dim_key TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    cycle_seconds BIGINT NOT NULL,
    PRIMARY KEY (span, period, dim, pipeline_id, owner_id, dim_key, status, currency)
);
