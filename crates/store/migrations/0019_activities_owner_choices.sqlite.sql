-- Version 19 (SQLite): a manager's activities by priority or channel beside
-- the start or the done date. The grid counted every choice of the field
-- in one pass over each cell's range of an index led by the kind, the
-- status and the date, where every owner's activities lie mixed: a
-- manager's report read them all to keep their own (300–381 ms at a
-- million activities). Led by the owner, a cell reads one range per owner
-- the manager may see.
CREATE INDEX activities_grid_owner_start ON activities (owner_id, start_at, priority, channel);
CREATE INDEX activities_grid_owner_completed ON activities (owner_id, completed_at, priority, channel);
