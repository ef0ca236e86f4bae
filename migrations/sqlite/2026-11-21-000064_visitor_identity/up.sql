-- Issue 5, verified visitor data, agent notes and bans (R52, R55, R89, R90).

-- R52: the website's secret for signed visitor identities (64 hex characters; NULL: none yet).
-- HMAC needs the secret itself to check a signature, so it is stored as it is and shown only
-- once, when it is generated. require_signed_identity: chats without a valid signed identity
-- are refused.
ALTER TABLE websites ADD COLUMN identity_secret TEXT;
ALTER TABLE websites ADD COLUMN require_signed_identity BOOLEAN NOT NULL DEFAULT 0;

-- R46, R90: agents' notes about a visitor, never shown to the visitor. contact_id: the chat's
-- contact when the note was written (or when the chat was linked to one later), so the notes
-- show again in that contact's later chats.
CREATE TABLE agent_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    contact_id BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX agent_notes_chat ON agent_notes (chat_id, id);
CREATE INDEX agent_notes_contact ON agent_notes (contact_id, id);

-- R55: the blacklist. A ban holds the visitor's browser identity (visitor_key) and, when the
-- website signed one, its user id (subject), on one website; deleting the row lifts it.
CREATE TABLE visitor_bans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    website_id BIGINT NOT NULL REFERENCES websites (id) ON DELETE CASCADE,
    visitor_key TEXT,
    subject TEXT,
    reason TEXT NOT NULL,
    chat_id BIGINT REFERENCES chats (id) ON DELETE SET NULL,
    banned_by BIGINT NOT NULL REFERENCES users (id),
    created_at_ms BIGINT NOT NULL,
    CHECK (visitor_key IS NOT NULL OR subject IS NOT NULL)
);
CREATE INDEX visitor_bans_key ON visitor_bans (website_id, visitor_key);
CREATE INDEX visitor_bans_subject ON visitor_bans (website_id, subject);
