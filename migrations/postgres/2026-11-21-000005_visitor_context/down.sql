DROP TABLE options;
DROP TABLE page_views;
DROP INDEX chats_website_visitor;
ALTER TABLE chats DROP COLUMN visitor_key;
