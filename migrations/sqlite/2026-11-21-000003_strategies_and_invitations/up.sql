-- R28: how each queue picks whom to offer a waiting chat.
ALTER TABLE queues ADD COLUMN strategy TEXT NOT NULL DEFAULT 'sequential'
    CHECK (strategy IN ('sequential', 'ring_all', 'round_robin'));

-- R16: a direct chat is offered to this agent alone (NULL: the queue hunts).
ALTER TABLE chats ADD COLUMN target_agent_id BIGINT REFERENCES users (id);

-- R37, A12: six-digit codes that route a visitor straight to the agent who made them. A code
-- is unique among the active ones (not revoked, not expired, not used up), not forever.
CREATE TABLE invitation_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    agent_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL: reusable until it expires.
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked BOOLEAN NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX invitation_codes_code ON invitation_codes (code, expires_at_ms);
CREATE INDEX invitation_codes_agent ON invitation_codes (agent_id, expires_at_ms);
