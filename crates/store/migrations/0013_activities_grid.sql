-- Version 13: covering indexes for the report builder's date groupings of
-- activities (voronka_store::builder::grid), read cell by cell. Without
-- them a million activities by kind × start month took ~1 s on SQLite (a
-- sort of every row) and status × due month 385 ms on PostgreSQL (the
-- heap read whole, each row's period found by a nested `CASE`). Each leads
-- with the listed field, then the date, then what cells read: the owner
-- (the permission scope) and the field a report most often filters by.
-- Calls and meetings by kind and month; tasks done per kind and month;
-- open and overdue tasks by status and due month.
CREATE INDEX activities_grid_kind_start ON activities (kind, start_at, owner_id, status);
CREATE INDEX activities_grid_kind_completed ON activities (kind, completed_at, owner_id, status);
CREATE INDEX activities_grid_status_due ON activities (status, due_at, owner_id, kind);

-- The due and done dates alone: a grouping's periods are taken from the
-- first and last of them (without an index leading with the date that is a
-- scan of every activity: 95–270 ms on PostgreSQL), and a grouping by the
-- date alone reads its cells here.
CREATE INDEX activities_grid_due ON activities (due_at, owner_id);
CREATE INDEX activities_grid_completed ON activities (completed_at, owner_id);
