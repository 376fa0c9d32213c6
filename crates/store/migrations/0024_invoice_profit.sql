-- Version 24: gross profit from invoices kept as the deals' is. A year of a
-- million-deal CRM issues some 175,000 invoices with 300,000 lines; the
-- report joined every line of the year to its invoice and deal.
--
-- `report_invoice_profit`: the lines of issued invoices (sent, partly or
-- fully paid) per month and day of the invoice's date, its deal's pipeline
-- (0 without a deal), its owner, product (0 for a line without one, which
-- goes by its own name) and currency. Kept in the transaction that issues
-- or cancels an invoice and that moves its deal to another pipeline; filled
-- by the migration runner's recount.
CREATE TABLE report_invoice_profit (
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    net_minor BIGINT NOT NULL,
    cost_minor BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    PRIMARY KEY (span, period, pipeline_id, owner_id, product_id, name, currency)
);

-- Gross profit by deal ranks deals by their invoices' lines: the lines' net
-- beside the invoice (its own net holds the shipping too), and an index of
-- the issued invoices by date holding what the ranking reads.
ALTER TABLE invoices ADD COLUMN lines_net_minor BIGINT NOT NULL DEFAULT 0;

UPDATE invoices SET lines_net_minor = (
    SELECT COALESCE(SUM(l.net_minor), 0) FROM doc_lines l
    WHERE l.doc_kind = 'invoice' AND l.doc_id = invoices.id
);

CREATE INDEX invoices_revenue ON invoices (
    doc_date, currency, owner_id, deal_id, lines_net_minor, cost_minor
) WHERE status IN ('sent', 'partially_paid', 'paid');

INSERT INTO rollup_recount (pending) VALUES (1);
