-- R10, R39, R40, A10: files sent with chat messages. The content lives in the attachments
-- folder under `storage_key` (never a name a client chose); the row says whose it is. An
-- upload waits with `event_seq` NULL until a message claims it (then `private` is copied
-- from the message), or until the sweeper deletes it.
CREATE TABLE chat_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    uploader_kind TEXT NOT NULL CHECK (uploader_kind IN ('visitor', 'agent')),
    uploader_id BIGINT REFERENCES users (id),
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    event_seq BIGINT,
    private BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX chat_attachments_chat ON chat_attachments (chat_id, event_seq);
CREATE INDEX chat_attachments_unsent ON chat_attachments (created_at_ms) WHERE event_seq IS NULL;
