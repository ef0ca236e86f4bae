ALTER TABLE queues DROP COLUMN wrap_up_auto_after_ms;
DROP TABLE chat_wrap_ups;
DROP TABLE wrap_up_reasons;
