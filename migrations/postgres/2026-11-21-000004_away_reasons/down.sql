ALTER TABLE users DROP COLUMN away_reason_id;
DROP TABLE away_reasons;
