-- Indexes reminders.user_id and, as the project's migrations do, records itself in the
-- audit table: one new row, stamped with now().
CREATE INDEX ix_reminders_user_id ON reminders (user_id);
INSERT INTO audit_log (event) VALUES ('0002_index_reminders: index reminders.user_id');
