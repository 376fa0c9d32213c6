-- Version 15: the report builder's grid (voronka_store::builder::grid) for
-- activities by kind or by status beside any of their dates, and by owner
-- beside the done and creation dates. Without these a million activities
-- by kind × due month, status × start month or owner × done month took
-- 2.4–2.8 s on SQLite (a sort of every row) and 0.3–0.7 s on PostgreSQL.
--
-- One index per date, led by the kind and the status: a report by the kind
-- reads each of its cells as one range per status, and a report by the
-- status one per kind (both are required columns with a fixed list of
-- values, so the grid names them all: 24 index ranges a cell at the most).
-- After the date come the owner (the permission scope) and the priority
-- and channel, so filters on them are read inside the index too. They
-- replace version 13's indexes led by the kind or the status alone; the
-- due date's leads with the status, so a grouping by the status alone (or
-- by status and kind) still reads an index in its order, as it read
-- version 13's, and by the kind alone the others.
DROP INDEX activities_grid_kind_start;
DROP INDEX activities_grid_kind_completed;
DROP INDEX activities_grid_status_due;
CREATE INDEX activities_grid_kind_status_start
    ON activities (kind, status, start_at, owner_id, priority, channel);
CREATE INDEX activities_grid_status_kind_due
    ON activities (status, kind, due_at, owner_id, priority, channel);
CREATE INDEX activities_grid_kind_status_completed
    ON activities (kind, status, completed_at, owner_id, priority, channel);
CREATE INDEX activities_grid_kind_status_created
    ON activities (kind, status, created_at, owner_id, priority, channel);

-- By owner beside the done and creation dates (the start and due dates
-- have theirs since version 1), and the creation date alone: a grouping's
-- periods come from its first and last value.
CREATE INDEX activities_owner_completed ON activities (owner_id, completed_at);
CREATE INDEX activities_owner_created ON activities (owner_id, created_at);
CREATE INDEX activities_grid_created ON activities (created_at, owner_id);

-- Every column a report of customers reads, led by the creation date: a
-- grouping by a free-text field (territory, industry) beside the creation
-- period reads these narrow entries instead of the whole table (SQLite
-- 270–370 ms, PostgreSQL 306 ms before), and the periods' first and last
-- date come off its ends.
CREATE INDEX accounts_grid_all
    ON accounts (created_at, owner_id, kind, industry, territory, credit_limit_minor);
