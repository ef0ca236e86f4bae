-- R43, R44, R45: every agent who is or was in a chat. A conference has several open rows
-- (left_at_ms NULL); a transfer closes the transferring agent's row and opens the new
-- agent's. chats.agent_id stays the owner, the agent who answers for the chat. Rows are not
-- closed when the chat ends: the open ones say who was in it at the end.
CREATE TABLE chat_agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    joined_at_ms BIGINT NOT NULL,
    left_at_ms BIGINT
);
CREATE INDEX chat_agents_chat ON chat_agents (chat_id);
CREATE INDEX chat_agents_agent ON chat_agents (agent_id);
-- Chats accepted before this table existed: their one agent is the owner.
INSERT INTO chat_agents (chat_id, agent_id, role, joined_at_ms, left_at_ms)
SELECT id, agent_id, 'owner', COALESCE(accepted_at_ms, created_at_ms), NULL
FROM chats WHERE agent_id IS NOT NULL;
