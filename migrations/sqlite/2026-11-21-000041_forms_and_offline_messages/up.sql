-- Issue 4, forms and offline messages (R62-R65, R75, R77, R81, R88). The number leaves room
-- for the other parts of issue 4 before it.

-- R12, R64: the website's language for the mails it sends is `websites.language`, added with
-- the unmanaged chats (a BCP 47 tag; NULL: English).
-- R64: what to do with each offline message besides storing it (JSON; '{}': nothing).
ALTER TABLE websites ADD COLUMN offline_options TEXT NOT NULL DEFAULT '{}';
-- R65: form fields to contact fields and the match key (JSON; '{}': the defaults).
ALTER TABLE websites ADD COLUMN contact_mapping TEXT NOT NULL DEFAULT '{}';

-- R57, R88: the contact list a contact belongs to; websites naming the same list share it.
-- E-mail addresses are stored in lower case and phone numbers as digits, as they are matched.
ALTER TABLE contacts ADD COLUMN list TEXT NOT NULL DEFAULT 'default';
CREATE INDEX contacts_list_email ON contacts (list, email);
CREATE INDEX contacts_list_phone ON contacts (list, phone);

-- R75, R81, A9: a message a visitor left while live chat was offline, until a supervisor
-- closes it. `form` is the offline form as it was, so its labels can still be shown.
CREATE TABLE offline_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    website_id BIGINT NOT NULL REFERENCES websites (id),
    reason TEXT NOT NULL CHECK (reason IN ('outside_working_hours', 'website_full', 'no_agent')),
    disposition TEXT NOT NULL DEFAULT 'offline',
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    visitor_name TEXT,
    visitor_email TEXT,
    form TEXT NOT NULL,
    fields TEXT NOT NULL,
    visitor_meta TEXT NOT NULL DEFAULT '{}',
    visitor_key TEXT,
    contact_id BIGINT REFERENCES contacts (id),
    created_at_ms BIGINT NOT NULL,
    closed_at_ms BIGINT,
    closed_by BIGINT REFERENCES users (id)
);
CREATE INDEX offline_messages_review ON offline_messages (website_id, state, id);

-- R81: a supervisor's answers, each mailed through the outbox.
CREATE TABLE offline_replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    offline_message_id BIGINT NOT NULL REFERENCES offline_messages (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    outbox_id BIGINT NOT NULL REFERENCES mail_outbox (id),
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX offline_replies_message ON offline_replies (offline_message_id, id);

-- R11, R63: files visitors upload for a form's attachment field, kept in the database (no
-- paths at all). An upload that no submission claims (offline_message_id and chat_id both
-- NULL) is deleted once it is older than uploads.unreferenced_ttl_ms.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    website_id BIGINT NOT NULL REFERENCES websites (id) ON DELETE CASCADE,
    form_kind TEXT NOT NULL CHECK (form_kind IN ('prechat', 'offline')),
    field TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BLOB NOT NULL,
    created_at_ms BIGINT NOT NULL,
    offline_message_id BIGINT REFERENCES offline_messages (id) ON DELETE CASCADE,
    chat_id BIGINT REFERENCES chats (id) ON DELETE CASCADE
);
CREATE INDEX uploads_created ON uploads (created_at_ms);
CREATE INDEX uploads_offline_message ON uploads (offline_message_id);
CREATE INDEX uploads_chat ON uploads (chat_id);

-- R64: mail with files attached (upload ids, JSON); the HTML alternative is `body_html`.
ALTER TABLE mail_outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
