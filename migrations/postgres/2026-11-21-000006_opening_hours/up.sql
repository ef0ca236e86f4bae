-- R29: a queue's opening hours, the JSON form of a weekly schedule (docs/protocol.md); the
-- default is always open.
ALTER TABLE queues ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '{"always_open":true}';
-- R31: what the widget shows when no member of the website's queue is Available.
ALTER TABLE websites ADD COLUMN no_agent_mode TEXT NOT NULL DEFAULT 'busy'
    CHECK (no_agent_mode IN ('busy', 'offline'));
