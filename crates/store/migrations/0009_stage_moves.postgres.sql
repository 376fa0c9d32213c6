-- Version 9 (PostgreSQL): the pipeline as of a day reads part of a day's
-- stage moves, each with the move before it. The moves come from an index
-- holding all that is read (an index-only scan instead of a visit to each
-- row, scattered over millions), the move before from (deal_id, id).
-- SQLite's indexes hold the rowid (the id) already; its rows are read in
-- place cheaply enough.
CREATE INDEX deal_stage_history_moves ON deal_stage_history (at, deal_id, id, pipeline_id, to_stage_id, currency, amount_minor);
CREATE INDEX deal_stage_history_previous ON deal_stage_history (deal_id, id);
-- Its first column leads deal_stage_history_moves.
DROP INDEX deal_stage_history_when;
