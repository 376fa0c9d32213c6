-- Activities by their start alone, for the report builder's grid, which
-- SQLite has had since version 8 (by owner and start,
-- `activities_owner_start` of version 1 serves either backend).
CREATE INDEX activities_grid_start ON activities (start_at, owner_id);
