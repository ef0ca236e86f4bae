DROP TABLE predefined_messages;
