ALTER TABLE websites DROP COLUMN no_agent_mode;
ALTER TABLE queues DROP COLUMN opening_hours;
