-- R87: every routing step of a chat (offered, accepted, rejected, expired, withdrawn, refused,
-- hunt ended), so a supervisor can see why a chat went where it went, or nowhere.
CREATE TABLE routing_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    queue_id BIGINT NOT NULL REFERENCES queues (id),
    agent_id BIGINT REFERENCES users (id),
    step TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at_ms BIGINT NOT NULL
);
CREATE INDEX routing_steps_chat ON routing_steps (chat_id, at_ms);
