-- Issue 9: reports read the chat requests and offline messages of a period.
CREATE INDEX chats_created_at ON chats (created_at_ms);
CREATE INDEX offline_messages_created_at ON offline_messages (created_at_ms);
