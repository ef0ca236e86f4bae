DROP INDEX offline_messages_created_at;
DROP INDEX chats_created_at;
