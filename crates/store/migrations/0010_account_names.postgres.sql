-- Customers in the byte order of their names (the order a report sorts
-- them in, whatever the database's collation): the report builder walks
-- them in it when grouping deals by customer.
CREATE INDEX accounts_name_bytes ON accounts (name COLLATE "C", id);
