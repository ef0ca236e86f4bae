-- R71: the audit log: every admin action (a configuration change, a user managed), and logins,
-- logouts and failed logins: who (user id, and the username as it was then or as typed), what
-- (an action name and its target), when, and bounded details as JSON. Rows are never changed.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms BIGINT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
