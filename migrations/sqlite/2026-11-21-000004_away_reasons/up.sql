-- R24, R69: the admin-managed list of away (idle) reasons, and the reason an agent chose with
-- its presence, so a restart restores it. Reasons are never deleted, only deactivated: an
-- agent may still be away for a reason that was deactivated after it was chosen.
CREATE TABLE away_reasons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    -- The label folded to lower case: two active reasons may not differ only in case.
    label_key TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX away_reasons_active_label ON away_reasons (label_key) WHERE active;

ALTER TABLE users ADD COLUMN away_reason_id BIGINT REFERENCES away_reasons (id);
