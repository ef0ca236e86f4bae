-- R67, R78: whether a queue's visitors nobody took may leave a message; a chat offers it only
-- when its website's unmanaged settings allow it too. On by default, as websites are.
ALTER TABLE queues ADD COLUMN leave_message BOOLEAN NOT NULL DEFAULT 1;
