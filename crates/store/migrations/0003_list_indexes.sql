-- Version 3: the deals list sorted by amount or by last change, without
-- sorting a million rows on every page.
CREATE INDEX deals_amount ON deals (amount_minor, id);
CREATE INDEX deals_updated ON deals (updated_at, id);
CREATE INDEX leads_created ON leads (created_at, id);
