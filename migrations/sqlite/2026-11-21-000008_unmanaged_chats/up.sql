-- R76, R78, R79, A13: what a website does with chats nobody took. unmanaged_message NULL: the
-- engine's text in the website's language; language NULL: English. leave_message: the visitor
-- may leave one message. unmanaged_autoclose_ms: unmanaged chats close their review on their
-- own this long after they ended; 0 = never.
ALTER TABLE websites ADD COLUMN language TEXT;
ALTER TABLE websites ADD COLUMN unmanaged_message TEXT;
ALTER TABLE websites ADD COLUMN leave_message BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE websites ADD COLUMN unmanaged_autoclose_ms BIGINT NOT NULL DEFAULT 0;

-- R81: the review of an unmanaged or timed-out chat is open until closed, by a supervisor
-- (review_closed_by) or by the auto-close (review_closed_by NULL).
ALTER TABLE chats ADD COLUMN review_closed_at_ms BIGINT;
ALTER TABLE chats ADD COLUMN review_closed_by BIGINT REFERENCES users (id);
CREATE INDEX chats_review ON chats (disposition, website_id, ended_at_ms);

-- R78: the one message a visitor may leave when nobody took its chat.
CREATE TABLE left_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL UNIQUE REFERENCES chats (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT,
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- R86: transcripts visitors asked for; mailed_at_ms is set when the mail is in the outbox.
CREATE TABLE transcript_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    requested_at_ms BIGINT NOT NULL,
    mailed_at_ms BIGINT
);
CREATE INDEX transcript_requests_chat ON transcript_requests (chat_id);

-- R81: supervisors' replies by mail to the visitor of a reviewed chat.
CREATE TABLE review_replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    outbox_id BIGINT NOT NULL,
    sent_at_ms BIGINT NOT NULL
);
CREATE INDEX review_replies_chat ON review_replies (chat_id);

-- R86: mail may have an HTML alternative to its plain text body.
ALTER TABLE mail_outbox ADD COLUMN body_html TEXT;
