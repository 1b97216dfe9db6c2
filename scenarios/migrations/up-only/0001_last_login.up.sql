-- Up-only, as many projects ship their migrations: a new nullable column and its index,
-- and no down. pgrehearse rehearses the up, every check after it, and the re-run on a
-- fresh clone; rollback identity is reported as skipped.
ALTER TABLE users ADD COLUMN last_login_at timestamptz;
CREATE INDEX ix_users_last_login_at ON users (last_login_at);
