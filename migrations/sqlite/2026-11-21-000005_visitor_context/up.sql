-- R34, R35, R90: visitor context. The identity a widget keeps for its visitor, so that the
-- visitor's earlier chats on the same website can be listed.
ALTER TABLE chats ADD COLUMN visitor_key TEXT;
CREATE INDEX chats_website_visitor ON chats (website_id, visitor_key);

-- R35, R54: the pages a visitor viewed during a chat, the first being the page it started on.
CREATE TABLE page_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    title TEXT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX page_views_chat ON page_views (chat_id, at_ms);

-- R35, R36: runtime options an admin switches while the engine runs (values are text).
CREATE TABLE options (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
