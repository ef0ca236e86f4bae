DROP TABLE visitor_bans;
DROP TABLE agent_notes;
ALTER TABLE websites DROP COLUMN require_signed_identity;
ALTER TABLE websites DROP COLUMN identity_secret;
