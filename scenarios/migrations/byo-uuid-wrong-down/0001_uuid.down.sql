-- A subtly wrong down: it casts back with ::text and never restores the original text,
-- so upper-case ids come back lower-case and hyphen-less ids come back with hyphens.
-- Everything else (types, constraints, indexes, row counts) is restored, so only a
-- byte-for-byte comparison catches it.
ALTER TABLE tags DROP CONSTRAINT tags_user_id_fkey;
ALTER TABLE secret_tags DROP CONSTRAINT secret_tags_user_id_fkey;

ALTER TABLE users ALTER COLUMN id TYPE varchar(36) USING id::text;
ALTER TABLE journal_entries ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
ALTER TABLE reminders ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
ALTER TABLE tags ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
ALTER TABLE secret_tags ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;

ALTER TABLE tags ADD CONSTRAINT tags_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE secret_tags ADD CONSTRAINT secret_tags_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
DROP SCHEMA migration_backup CASCADE;
