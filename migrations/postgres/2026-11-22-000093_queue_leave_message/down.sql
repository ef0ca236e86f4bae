ALTER TABLE queues DROP COLUMN leave_message;
