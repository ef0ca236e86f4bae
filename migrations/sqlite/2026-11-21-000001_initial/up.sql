-- Times are milliseconds since the Unix epoch (BIGINT) so that both backends store them alike.
-- JSON documents (domains, forms, appearance, visitor metadata, event payloads) are TEXT.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    capacity INTEGER NOT NULL DEFAULT 3 CHECK (capacity BETWEEN 1 AND 20),
    presence TEXT NOT NULL DEFAULT 'offline',
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    offer_timeout_ms BIGINT NOT NULL,
    hunt_timeout_ms BIGINT NOT NULL,
    rona_enabled BOOLEAN NOT NULL DEFAULT 1,
    created_at_ms BIGINT NOT NULL
);

-- The id is the order in which members were added: it breaks ties between equal hunt orders.
CREATE TABLE queue_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id BIGINT NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hunt_order INTEGER NOT NULL DEFAULT 1,
    UNIQUE (queue_id, user_id)
);

CREATE TABLE websites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    allowed_domains TEXT NOT NULL DEFAULT '[]',
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    working_intervals TEXT NOT NULL DEFAULT '[]',
    max_concurrent_sessions INTEGER NOT NULL DEFAULT 0,
    queue_id BIGINT NOT NULL REFERENCES queues (id),
    prechat_form TEXT NOT NULL DEFAULT 'null',
    offline_form TEXT NOT NULL DEFAULT 'null',
    appearance TEXT NOT NULL DEFAULT '{}',
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX contacts_email ON contacts (email);

CREATE TABLE chats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    website_id BIGINT NOT NULL REFERENCES websites (id),
    queue_id BIGINT NOT NULL REFERENCES queues (id),
    state TEXT NOT NULL CHECK (state IN ('queued', 'active', 'ended')),
    disposition TEXT,
    agent_id BIGINT REFERENCES users (id),
    contact_id BIGINT REFERENCES contacts (id),
    visitor_name TEXT NOT NULL,
    visitor_token_hash TEXT NOT NULL,
    visitor_meta TEXT NOT NULL DEFAULT '{}',
    created_at_ms BIGINT NOT NULL,
    accepted_at_ms BIGINT,
    ended_at_ms BIGINT
);
CREATE INDEX chats_state ON chats (state);
CREATE INDEX chats_agent_state ON chats (agent_id, state);

-- client_key is "visitor:<idempotency key>" or "agent:<agent id>:<idempotency key>", so a
-- retry is found and no participant can claim another's key.
CREATE TABLE chat_events (
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id BIGINT,
    author_name TEXT NOT NULL,
    private BOOLEAN NOT NULL DEFAULT 0,
    client_key TEXT,
    payload TEXT NOT NULL,
    PRIMARY KEY (chat_id, seq)
);
CREATE UNIQUE INDEX chat_events_client_key ON chat_events (chat_id, client_key);

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address TEXT NOT NULL,
    reply_to TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    sent_at_ms BIGINT,
    last_error TEXT,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at_ms, next_attempt_at_ms);
