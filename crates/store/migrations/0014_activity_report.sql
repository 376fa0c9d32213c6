-- Version 14: the manager activity report (voronka_store::reports::activity)
-- counts each figure per manager over a range of one of these partial
-- indexes, each leaving out the activities its figure can never count,
-- with every column the figure reads. Before, one pass over every activity
-- ever logged: on SQLite through an owner index with a table lookup for
-- each (1.9 s over a million activities), on PostgreSQL a full scan.
--
-- Calls and meetings held or logged, by their start; those without a start
-- by their completion; tasks done by their completion; open tasks by their
-- due time (overdue is "due before now").
CREATE INDEX activities_report_held ON activities (owner_id, start_at, kind, channel, status)
    WHERE status IN ('held', 'completed');
CREATE INDEX activities_report_unstarted ON activities (owner_id, completed_at, kind, channel, status, start_at)
    WHERE status IN ('held', 'completed') AND start_at IS NULL;
CREATE INDEX activities_report_done ON activities (owner_id, completed_at, kind, status)
    WHERE kind = 'task' AND status = 'completed';
CREATE INDEX activities_report_open_tasks ON activities (owner_id, due_at, kind, status)
    WHERE kind = 'task' AND status NOT IN ('completed', 'held', 'not_held');
