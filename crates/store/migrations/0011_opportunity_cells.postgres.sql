-- The opportunity analysis reads one key's cells of a list of periods
-- (`dim = $1 AND span = … AND period IN (…)`), for a manager also of a few
-- owners. The primary key leads with the period and holds every key
-- column: PostgreSQL walked it for each period slowly enough (18 ms for a
-- year of cells, once the stage joined the keys) to prefer scanning the
-- whole table in parallel (28–38 ms); this narrower index answers it in
-- 3 ms.
CREATE INDEX report_opportunities_dim_period ON report_opportunities (dim, span, period, owner_id);
