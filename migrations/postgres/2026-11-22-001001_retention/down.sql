DROP INDEX chats_retention;
ALTER TABLE chats DROP COLUMN anonymised_at_ms;
