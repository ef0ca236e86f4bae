DROP TABLE chat_receipts;
