-- Version 4: the money side of the sales cycle. Catalog (units, products,
-- price books, currencies and their rates, VAT rates with effective dates),
-- our company's legal details, and the documents: deal products, quotes,
-- sales orders, invoices, acts, shipments, payments with their allocations.
--
-- Money is BIGINT minor units (kopecks); quantities are BIGINT thousandths
-- (3 decimals: kilograms, hours) so both backends sum them exactly; percents
-- are BIGINT hundredths of a percent.

-- Our company: one row (id = 1), created on first use.
CREATE TABLE company (
    id BIGINT PRIMARY KEY,
    legal_name TEXT NOT NULL,
    short_name TEXT,
    inn TEXT,
    kpp TEXT,
    ogrn TEXT,
    legal_address TEXT,
    postal_address TEXT,
    phone TEXT,
    email TEXT,
    bank_name TEXT,
    bic TEXT,
    settlement_account TEXT,
    correspondent_account TEXT,
    director TEXT,
    chief_accountant TEXT,
    tax_regime TEXT NOT NULL,
    base_currency TEXT NOT NULL,
    invoice_number_format TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);

-- VAT rates are data: which rates a regime may use, from when to when.
CREATE TABLE vat_rates (
    id {id},
    regime TEXT NOT NULL,
    rate TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    is_default {bool} NOT NULL
);

-- Units of measure with their OKEI codes (шт 796, ч 356, кг 166 …).
CREATE TABLE units (
    code TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL
);

CREATE TABLE currencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    active {bool} NOT NULL
);

-- Units of the base currency for one unit of `currency` on `day`, as entered
-- by the administrator (decimal text, up to 6 places).
CREATE TABLE exchange_rates (
    currency TEXT NOT NULL REFERENCES currencies (code),
    day TEXT NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (currency, day)
);

CREATE TABLE products (
    id {id},
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    sku TEXT,
    unit_code TEXT NOT NULL REFERENCES units (code),
    price_minor BIGINT NOT NULL,
    cost_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    vat_rate TEXT NOT NULL,
    category TEXT,
    active {bool} NOT NULL,
    description TEXT,
    search_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE UNIQUE INDEX products_sku ON products (sku);
CREATE INDEX products_name ON products (name, id);

CREATE TABLE price_books (
    id {id},
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    is_default {bool} NOT NULL,
    active {bool} NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE price_book_entries (
    price_book_id BIGINT NOT NULL REFERENCES price_books (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    price_minor BIGINT NOT NULL,
    PRIMARY KEY (price_book_id, product_id)
);

-- Commerce options of a pipeline.
ALTER TABLE pipelines ADD COLUMN won_requires_paid_and_shipped {bool} NOT NULL DEFAULT FALSE;
ALTER TABLE pipelines ADD COLUMN quote_won_stage_id BIGINT;

-- Deal products: what the deal's lines say it is worth.
ALTER TABLE deals ADD COLUMN amount_from_lines {bool} NOT NULL DEFAULT FALSE;
ALTER TABLE deals ADD COLUMN lines_net_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deals ADD COLUMN lines_cost_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deals ADD COLUMN lines_tax_mode TEXT NOT NULL DEFAULT 'individual';

-- Every priced document (deal products, quote, order, invoice, act) has the
-- same header fields for its pricing and the same kind of lines.
CREATE TABLE quotes (
    id {id},
    number TEXT NOT NULL,
    revision BIGINT NOT NULL,
    previous_id BIGINT REFERENCES quotes (id),
    status TEXT NOT NULL,
    deal_id BIGINT REFERENCES deals (id),
    account_id BIGINT REFERENCES accounts (id),
    contact_id BIGINT REFERENCES contacts (id),
    title TEXT NOT NULL,
    doc_date TEXT NOT NULL,
    valid_until TEXT,
    currency TEXT NOT NULL,
    price_book_id BIGINT REFERENCES price_books (id),
    tax_mode TEXT NOT NULL,
    group_vat TEXT NOT NULL,
    discount_kind TEXT,
    discount_value BIGINT,
    shipping_minor BIGINT NOT NULL,
    shipping_vat TEXT NOT NULL,
    terms TEXT,
    net_minor BIGINT NOT NULL,
    vat_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    cost_minor BIGINT NOT NULL,
    order_id BIGINT,
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE INDEX quotes_deal ON quotes (deal_id);
CREATE INDEX quotes_owner ON quotes (owner_id, id);

CREATE TABLE sales_orders (
    id {id},
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    quote_id BIGINT REFERENCES quotes (id),
    deal_id BIGINT REFERENCES deals (id),
    account_id BIGINT REFERENCES accounts (id),
    contact_id BIGINT REFERENCES contacts (id),
    title TEXT NOT NULL,
    doc_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_book_id BIGINT REFERENCES price_books (id),
    tax_mode TEXT NOT NULL,
    group_vat TEXT NOT NULL,
    discount_kind TEXT,
    discount_value BIGINT,
    shipping_minor BIGINT NOT NULL,
    shipping_vat TEXT NOT NULL,
    terms TEXT,
    net_minor BIGINT NOT NULL,
    vat_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    cost_minor BIGINT NOT NULL,
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE INDEX sales_orders_deal ON sales_orders (deal_id);
CREATE INDEX sales_orders_owner ON sales_orders (owner_id, id);

-- One counter per kind of document and year: numbering takes the next value
-- inside the issuing transaction, so numbers never repeat and never skip.
CREATE TABLE doc_counters (
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE invoices (
    id {id},
    -- Empty until issued (sent): a draft has no number yet.
    number TEXT,
    year BIGINT,
    seq BIGINT,
    status TEXT NOT NULL,
    order_id BIGINT REFERENCES sales_orders (id),
    quote_id BIGINT REFERENCES quotes (id),
    deal_id BIGINT REFERENCES deals (id),
    account_id BIGINT REFERENCES accounts (id),
    contact_id BIGINT REFERENCES contacts (id),
    title TEXT NOT NULL,
    doc_date TEXT NOT NULL,
    due_date TEXT,
    currency TEXT NOT NULL,
    price_book_id BIGINT REFERENCES price_books (id),
    tax_mode TEXT NOT NULL,
    group_vat TEXT NOT NULL,
    discount_kind TEXT,
    discount_value BIGINT,
    shipping_minor BIGINT NOT NULL,
    shipping_vat TEXT NOT NULL,
    terms TEXT,
    net_minor BIGINT NOT NULL,
    vat_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    cost_minor BIGINT NOT NULL,
    paid_minor BIGINT NOT NULL,
    -- JSON snapshots taken when the invoice is issued: later edits of the
    -- account or of our company do not change an issued document.
    payer TEXT,
    seller TEXT,
    issued_at TEXT,
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE UNIQUE INDEX invoices_number ON invoices (year, seq);
CREATE INDEX invoices_deal ON invoices (deal_id);
CREATE INDEX invoices_account ON invoices (account_id, status);
CREATE INDEX invoices_owner ON invoices (owner_id, id);

CREATE TABLE acts (
    id {id},
    number TEXT NOT NULL,
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    doc_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    net_minor BIGINT NOT NULL,
    vat_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT
);
CREATE INDEX acts_invoice ON acts (invoice_id);

CREATE TABLE shipments (
    id {id},
    number TEXT NOT NULL,
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    doc_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    net_minor BIGINT NOT NULL,
    vat_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT
);
CREATE INDEX shipments_invoice ON shipments (invoice_id);

-- The lines of every priced document. `doc_kind` is deal, quote, order,
-- invoice, act or shipment; act and shipment lines point at the invoice line
-- they deliver (`source_line_id`) so over-shipment can be refused.
CREATE TABLE doc_lines (
    id {id},
    doc_kind TEXT NOT NULL,
    doc_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    product_id BIGINT REFERENCES products (id),
    source_line_id BIGINT,
    name TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    quantity_milli BIGINT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    discount_kind TEXT,
    discount_value BIGINT,
    vat_rate TEXT NOT NULL,
    unit_cost_minor BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    net_minor BIGINT NOT NULL,
    vat_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    cost_minor BIGINT NOT NULL
);
CREATE INDEX doc_lines_doc ON doc_lines (doc_kind, doc_id, position);
CREATE INDEX doc_lines_product ON doc_lines (product_id);
CREATE INDEX doc_lines_source ON doc_lines (source_line_id);

CREATE TABLE payments (
    id {id},
    direction TEXT NOT NULL,
    account_id BIGINT REFERENCES accounts (id),
    contact_id BIGINT REFERENCES contacts (id),
    amount_minor BIGINT NOT NULL,
    allocated_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    paid_on TEXT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT,
    description TEXT,
    search_key TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    created_by BIGINT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);
CREATE INDEX payments_account ON payments (account_id);
CREATE INDEX payments_owner ON payments (owner_id, id);

CREATE TABLE payment_allocations (
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (payment_id, invoice_id)
);
CREATE INDEX payment_allocations_invoice ON payment_allocations (invoice_id);

INSERT INTO units (code, name_ru, name_en, position) VALUES
    ('796', 'шт', 'pcs', 1),
    ('356', 'ч', 'h', 2),
    ('166', 'кг', 'kg', 3),
    ('006', 'м', 'm', 4),
    ('055', 'м²', 'm²', 5),
    ('112', 'л', 'l', 6),
    ('839', 'компл', 'set', 7),
    ('359', 'сут', 'day', 8),
    ('362', 'мес', 'month', 9),
    ('876', 'усл. ед', 'unit', 10);

INSERT INTO currencies (code, name, active) VALUES
    ('RUB', 'Российский рубль', TRUE),
    ('USD', 'Доллар США', TRUE),
    ('EUR', 'Евро', TRUE),
    ('CNY', 'Китайский юань', TRUE);

INSERT INTO vat_rates (regime, rate, valid_from, valid_to, is_default) VALUES
    ('general', '20', NULL, '2025-12-31', TRUE),
    ('general', '22', '2026-01-01', NULL, TRUE),
    ('general', '10', NULL, NULL, FALSE),
    ('general', '0', NULL, NULL, FALSE),
    ('simplified5', '5', NULL, NULL, TRUE),
    ('simplified5', '0', NULL, NULL, FALSE),
    ('simplified7', '7', NULL, NULL, TRUE),
    ('simplified7', '0', NULL, NULL, FALSE),
    ('exempt', 'none', NULL, NULL, TRUE);
