-- R38: delivery and read receipts. One row per reader of a chat: its visitor (reader_kind
-- 'visitor', reader_id 0) or one of its agents ('agent', the user id). The marks only grow.
CREATE TABLE chat_receipts (
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    reader_kind TEXT NOT NULL,
    reader_id BIGINT NOT NULL,
    delivered_seq BIGINT NOT NULL,
    read_seq BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (chat_id, reader_kind, reader_id)
);
