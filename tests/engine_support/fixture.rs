//! A small journal-like schema built with plain SQL: users(id varchar(36) pk) and
//! children with and without a foreign key, a composite FK, a NOT VALID FK, a nullable
//! declared reference, a view on the key, an index and a default. Anomalies are seeded
//! deterministically; tests compute what to expect from the data with [`ORACLE`].

use sqlx::{Executor, PgConnection};

/// `oracle_is_uuid(text)`: Postgres' own `::uuid` cast as the oracle the tests compare
/// the engine's classification with.
macro_rules! oracle_sql {
    () => {
        "CREATE FUNCTION oracle_is_uuid(s text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM s::uuid;
    RETURN true;
EXCEPTION WHEN invalid_text_representation THEN
    RETURN false;
END $$;
"
    };
}

/// The oracle alone, for schemas other than the journal fixture.
pub const ORACLE: &str = oracle_sql!();

pub const SCHEMA: &str = concat!(r#"
CREATE TABLE users (
    id varchar(36) PRIMARY KEY DEFAULT gen_random_uuid()::text,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
);
CREATE TABLE journal_entries (
    id bigserial PRIMARY KEY,
    user_id varchar(36) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body text,
    UNIQUE (user_id, id)
);
CREATE INDEX journal_entries_user_id_idx ON journal_entries (user_id DESC);
CREATE TABLE entry_tags (
    user_id varchar(36) NOT NULL,
    entry_id bigint NOT NULL,
    tag text NOT NULL,
    PRIMARY KEY (entry_id, tag),
    CONSTRAINT entry_tags_entry_fk FOREIGN KEY (user_id, entry_id) REFERENCES journal_entries (user_id, id)
        ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE reminders (id serial PRIMARY KEY, user_id varchar(36), note text);
CREATE TABLE audit_events (id bigint PRIMARY KEY, actor_id varchar(36), what text);
CREATE VIEW user_emails AS SELECT id, email FROM users;
"#, oracle_sql!());

/// Seeds `users` rows with canonical, upper-case, braced and unhyphenated uuids, invalid
/// ids, and case collisions; children reference them (by the exact text, as a real
/// application would); reminders and audit events include orphans.
pub fn data(users: i64) -> String {
    format!(
        r#"
INSERT INTO users (id, email)
SELECT CASE
         WHEN g % 50 = 7 THEN 'user-' || g
         WHEN g % 10 = 1 THEN upper(md5('u' || g)::uuid::text)
         WHEN g % 10 = 2 THEN '{{' || md5('u' || g) || '}}'
         WHEN g % 10 = 3 THEN md5('u' || g)
         ELSE md5('u' || g)::uuid::text
       END,
       'u' || g || '@example.com'
FROM generate_series(1, {users}) g;
INSERT INTO users (id, email)
SELECT upper(id), 'twin-' || email FROM users WHERE id ~ '^[0-9a-f-]{{36}}$' AND right(email, 13) LIKE '5@%';
INSERT INTO journal_entries (user_id, body) SELECT u.id, 'entry ' || k FROM users u, generate_series(1, 3) k ORDER BY u.email, k;
INSERT INTO entry_tags (user_id, entry_id, tag) SELECT user_id, id, 'tag' || (id % 4) FROM journal_entries WHERE id % 2 = 0;
INSERT INTO reminders (user_id, note) SELECT id, 'remind ' || email FROM users ORDER BY email;
INSERT INTO reminders (user_id, note) SELECT md5('orphan' || g)::uuid::text, 'orphan' FROM generate_series(1, 5) g;
INSERT INTO reminders (user_id, note) SELECT NULL, 'nobody' FROM generate_series(1, 3) g;
INSERT INTO reminders (user_id, note) SELECT upper(id), 'other case' FROM users WHERE id ~ '^[0-9a-f-]{{36}}$' ORDER BY email LIMIT 4;
INSERT INTO audit_events (id, actor_id, what) SELECT g, (SELECT id FROM users WHERE email LIKE 'u%' ORDER BY email OFFSET g % 20 LIMIT 1), 'login' FROM generate_series(1, 40) g;
INSERT INTO audit_events (id, actor_id, what) SELECT 100 + g, md5('ghost' || g)::uuid::text, 'ghost' FROM generate_series(1, 3) g;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_fk FOREIGN KEY (actor_id) REFERENCES users (id) NOT VALID;
ANALYZE;
"#
    )
}

pub async fn create(conn: &mut PgConnection, users: i64) {
    conn.execute(SCHEMA).await.expect("create fixture schema");
    conn.execute(data(users).as_str()).await.expect("seed fixture data");
}

/// Ids (exact text) of users whose id Postgres itself rejects as a uuid.
pub async fn invalid_user_ids(conn: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM users WHERE NOT oracle_is_uuid(id) ORDER BY id").fetch_all(conn).await.unwrap()
}

/// Ids of valid users that share their uuid with another user.
pub async fn colliding_user_ids(conn: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT id FROM users WHERE oracle_is_uuid(id) AND lower(replace(replace(replace(id, '-', ''), '{', ''), '}', '')) IN
           (SELECT lower(replace(replace(replace(id, '-', ''), '{', ''), '}', '')) FROM users WHERE oracle_is_uuid(id) GROUP BY 1 HAVING count(*) > 1)
         ORDER BY id",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

/// Reminder ids whose (valid) user_id matches no user by uuid value.
pub async fn orphan_reminder_ids(conn: &mut PgConnection) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT r.id FROM reminders r WHERE r.user_id IS NOT NULL AND oracle_is_uuid(r.user_id)
           AND NOT EXISTS (SELECT 1 FROM users u WHERE CASE WHEN oracle_is_uuid(u.id) THEN u.id::uuid END
                                                     = CASE WHEN oracle_is_uuid(r.user_id) THEN r.user_id::uuid END)
         ORDER BY r.id",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

/// An `updated_at`-style trigger on `users`: each row UPDATE it fires on adds one to
/// `users.touched`, so a test counts the rows it fired for.
pub async fn add_touch_trigger(conn: &mut PgConnection) {
    let sql = "ALTER TABLE users ADD COLUMN touched integer NOT NULL DEFAULT 0;
               CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched + 1; RETURN NEW; END $$;
               CREATE TRIGGER touch_users BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();";
    sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
}
