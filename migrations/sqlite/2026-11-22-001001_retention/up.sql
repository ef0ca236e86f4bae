-- R92: when a chat was anonymised (its visitor's data removed); NULL until then.
ALTER TABLE chats ADD COLUMN anonymised_at_ms BIGINT;
CREATE INDEX chats_retention ON chats (anonymised_at_ms, ended_at_ms);
