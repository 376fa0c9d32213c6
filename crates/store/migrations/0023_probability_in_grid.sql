-- Version 23: the deals' grid index by creation date holds the probability
-- too, so that a report of its minimum, maximum, sum or average by creation
-- period reads the grid (SQLite) as the amount's does, instead of every
-- column of every deal, sorted. PostgreSQL reads the same index for the
-- grid's cells (version 21): the two keep the same columns.
DROP INDEX deals_grid_created;
CREATE INDEX deals_grid_created ON deals (created_at, owner_id, currency, amount_minor, probability);
