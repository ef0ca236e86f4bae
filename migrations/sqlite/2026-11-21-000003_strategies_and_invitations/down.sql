DROP TABLE invitation_codes;
ALTER TABLE chats DROP COLUMN target_agent_id;
ALTER TABLE queues DROP COLUMN strategy;
