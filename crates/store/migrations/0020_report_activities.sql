-- Version 20: the activity roll-up. Every activity counted once under each
-- of its dates (created_at, start_at, due_at, completed_at — none under a
-- date it lacks), per UTC month and day of that date, owner, kind, status,
-- priority and channel ('' for none), so that the report builder's activity
-- groupings read a few thousand cells instead of a million activities.
-- What an activity adds is defined in voronka_core::rollup::activity_cells;
-- kept in every activity write's transaction and filled by the migration
-- runner's recount. The key leads with the date and the period, as every
-- read names them; the owner next narrows a manager's reads.

CREATE TABLE report_activities (
    field TEXT NOT NULL,
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    channel TEXT NOT NULL,
    activities BIGINT NOT NULL,
    PRIMARY KEY (field, span, period, owner_id, kind, status, priority, channel)
);

INSERT INTO rollup_recount (pending) VALUES (1);
