-- R50, R51, R56, A6: wrap-up after a chat. Reasons are admin-defined, never deleted (only
-- deactivated), so a stored wrap-up always names one; exactly one is the default, applied by
-- the auto wrap-up.
CREATE TABLE wrap_up_reasons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    -- The label folded to lower case: two active reasons may not differ only in case.
    label_key TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX wrap_up_reasons_active_label ON wrap_up_reasons (label_key) WHERE active;
-- The backstop of "exactly one default": at most one row can have it.
CREATE UNIQUE INDEX wrap_up_reasons_one_default ON wrap_up_reasons (is_default) WHERE is_default;

-- A fresh database starts with a usable list, so the quick start works.
INSERT INTO wrap_up_reasons (label, label_key, sort_order, active, is_default, created_at_ms, updated_at_ms)
VALUES ('Resolved', 'resolved', 1, 1, 1, 0, 0),
       ('Follow-up needed', 'follow-up needed', 2, 1, 0, 0, 0);

-- One row per agent and chat the agent owes (done_at_ms NULL) or gave a wrap-up for. Owed rows
-- are written with the chat's end, so a restart re-arms their auto wrap-up (auto_at_ms).
CREATE TABLE chat_wrap_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id),
    agent_id BIGINT NOT NULL REFERENCES users (id),
    owed_at_ms BIGINT NOT NULL,
    -- R51: when the default reason is applied on its own; NULL: no countdown.
    auto_at_ms BIGINT,
    reason_id BIGINT REFERENCES wrap_up_reasons (id),
    -- The reason's label when it was chosen: a later rename does not rewrite history.
    reason_label TEXT,
    note TEXT,
    auto BOOLEAN NOT NULL DEFAULT 0,
    done_at_ms BIGINT
);
CREATE UNIQUE INDEX chat_wrap_ups_chat_agent ON chat_wrap_ups (chat_id, agent_id);
CREATE INDEX chat_wrap_ups_owed ON chat_wrap_ups (agent_id) WHERE done_at_ms IS NULL;

-- R56: a queue may set its own auto wrap-up time; NULL: the global setting.
ALTER TABLE queues ADD COLUMN wrap_up_auto_after_ms BIGINT;
