-- users.id and every column that references it: varchar(36) -> uuid.
-- The original text is kept in migration_backup, so down can restore it byte for byte
-- (a cast back with ::text would lowercase 'A0EEBC99-...' and add hyphens).
CREATE SCHEMA migration_backup;
CREATE TABLE migration_backup.users_id AS SELECT id::uuid AS new_id, id AS old_id FROM users;
CREATE TABLE migration_backup.journal_entries_user_id AS SELECT id, user_id AS old FROM journal_entries;
CREATE TABLE migration_backup.reminders_user_id AS SELECT id, user_id AS old FROM reminders;
CREATE TABLE migration_backup.tags_user_id AS SELECT id, user_id AS old FROM tags;
CREATE TABLE migration_backup.secret_tags_user_id AS SELECT id, user_id AS old FROM secret_tags;

ALTER TABLE tags DROP CONSTRAINT tags_user_id_fkey;
ALTER TABLE secret_tags DROP CONSTRAINT secret_tags_user_id_fkey;

ALTER TABLE users ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE journal_entries ALTER COLUMN user_id TYPE uuid USING user_id::uuid;
ALTER TABLE reminders ALTER COLUMN user_id TYPE uuid USING user_id::uuid;
ALTER TABLE tags ALTER COLUMN user_id TYPE uuid USING user_id::uuid;
ALTER TABLE secret_tags ALTER COLUMN user_id TYPE uuid USING user_id::uuid;

ALTER TABLE tags ADD CONSTRAINT tags_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE secret_tags ADD CONSTRAINT secret_tags_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
