-- Back to varchar(36), then the original text from the backup, byte for byte.
ALTER TABLE tags DROP CONSTRAINT tags_user_id_fkey;
ALTER TABLE secret_tags DROP CONSTRAINT secret_tags_user_id_fkey;

ALTER TABLE users ALTER COLUMN id TYPE varchar(36) USING id::text;
UPDATE users AS u SET id = b.old_id FROM migration_backup.users_id AS b WHERE b.new_id::text = u.id;
ALTER TABLE journal_entries ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
UPDATE journal_entries AS t SET user_id = b.old FROM migration_backup.journal_entries_user_id AS b WHERE b.id = t.id;
ALTER TABLE reminders ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
UPDATE reminders AS t SET user_id = b.old FROM migration_backup.reminders_user_id AS b WHERE b.id = t.id;
ALTER TABLE tags ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
UPDATE tags AS t SET user_id = b.old FROM migration_backup.tags_user_id AS b WHERE b.id = t.id;
ALTER TABLE secret_tags ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
UPDATE secret_tags AS t SET user_id = b.old FROM migration_backup.secret_tags_user_id AS b WHERE b.id = t.id;

ALTER TABLE tags ADD CONSTRAINT tags_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE secret_tags ADD CONSTRAINT secret_tags_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
DROP SCHEMA migration_backup CASCADE;
