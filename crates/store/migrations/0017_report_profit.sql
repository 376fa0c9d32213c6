-- Version 17: gross profit from the deals' products, kept per UTC month and
-- day of the win, pipeline, owner, product (0 for a line without one, which goes by
-- its own name) and currency, so the report reads a few thousand cells
-- instead of every won deal's lines. Filled from the deals by the migration
-- runner's recount.

-- Lines of deals deleted before this version stayed behind (deleting a
-- deal now deletes them): a deal given such an id again must not inherit them.
DELETE FROM doc_lines WHERE doc_kind = 'deal'
    AND NOT EXISTS (SELECT 1 FROM deals d WHERE d.id = doc_lines.doc_id);

CREATE TABLE report_profit (
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

INSERT INTO rollup_recount (pending) VALUES (1);
