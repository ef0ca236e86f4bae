ALTER TABLE mail_outbox DROP COLUMN attachments;
DROP TABLE uploads;
DROP TABLE offline_replies;
DROP TABLE offline_messages;
DROP INDEX contacts_list_phone;
DROP INDEX contacts_list_email;
ALTER TABLE contacts DROP COLUMN list;
ALTER TABLE websites DROP COLUMN contact_mapping;
ALTER TABLE websites DROP COLUMN offline_options;
