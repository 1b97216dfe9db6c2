DROP INDEX ix_reminders_user_id;
DELETE FROM audit_log WHERE event = '0002_index_reminders: index reminders.user_id';
