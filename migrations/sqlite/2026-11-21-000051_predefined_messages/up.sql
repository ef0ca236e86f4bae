-- R41, R68: predefined messages that supervisors set up for agents. Scope: everyone (both
-- queue_id and agent_id NULL), one queue (queue_id), or one agent (agent_id); never both.
CREATE TABLE predefined_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    queue_id BIGINT REFERENCES queues (id) ON DELETE CASCADE,
    agent_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    CHECK (queue_id IS NULL OR agent_id IS NULL)
);
CREATE INDEX predefined_messages_queue ON predefined_messages (queue_id);
CREATE INDEX predefined_messages_agent ON predefined_messages (agent_id);
