//! Property: for any small dataset (row counts from 0, every anomaly the engine handles at
//! random amounts, an extra table referencing a non-key column with any ON DELETE
//! action), any batch size among 1, the row count and one more, and every policy, the
//! built-in engine either completes with every row live or quarantined and every check
//! passing, or refuses exactly when the data says it must; and rollback restores every
//! row byte for byte, leaving no bookkeeping. What to expect is computed from the data
//! with `::uuid` as the oracle. Shrinking gives the smallest failing spec; failures are
//! kept in `tests/engine_properties.proptest-regressions`. `PGREHEARSE_PROPTEST_CASES`
//! raises the number of cases (default 8).

mod engine_support;

use pgrehearse::engine::{Action, Engine, EngineOptions, Outcome, Progress, Step, StepReport};
use pgrehearse::vocabulary::{BatchSize, Policies, Policy};
use pgrehearse::provision::{self, Database, ProvisionOptions, Server};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use sqlx::{Executor, PgConnection};

const ACTIONS: [&str; 5] = ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"];

#[derive(Debug, Clone)]
struct Spec {
    users: u32,
    invalid: u32,
    collision_pairs: u32,
    orphans: u32,
    /// Which of `ACTIONS` the extra table's foreign key (to users.email) uses.
    action: usize,
    /// 0: batch size 1; 1: exactly the users' row count; 2: one more.
    batch: usize,
    invalid_policy: Policy,
    orphan_policy: Policy,
    collision_policy: Policy,
}

fn spec() -> impl Strategy<Value = Spec> {
    (0u32..16, 0u32..5, 0u32..3, 0u32..4, 0..ACTIONS.len(), 0usize..3, 0usize..2, 0usize..3, 0usize..2).prop_map(
        |(users, invalid, pairs, orphans, action, batch, inv, orph, col)| {
            let invalid = invalid.min(users);
            let collision_pairs = pairs.min(users - invalid);
            Spec {
                users,
                invalid,
                collision_pairs,
                orphans,
                action,
                batch,
                invalid_policy: [Policy::Fail, Policy::Quarantine][inv],
                orphan_policy: [Policy::Fail, Policy::Quarantine, Policy::Nullify][orph],
                collision_policy: [Policy::Fail, Policy::Quarantine][col],
            }
        },
    )
}

fn ddl(s: &Spec) -> String {
    format!(
        "CREATE FUNCTION oracle_is_uuid(s text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
         BEGIN PERFORM s::uuid; RETURN true; EXCEPTION WHEN invalid_text_representation THEN RETURN false; END $$;
         CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL UNIQUE);
         CREATE TABLE journal (id bigserial PRIMARY KEY, user_id varchar(36) NOT NULL REFERENCES users (id) ON DELETE CASCADE, body text);
         CREATE TABLE reminders (id bigserial PRIMARY KEY, user_id varchar(36), note text);
         CREATE TABLE extra (id bigserial PRIMARY KEY, user_email text DEFAULT 'nobody@example.com' REFERENCES users (email) ON DELETE {action}, note text);
         INSERT INTO users SELECT CASE WHEN g <= {invalid} THEN 'user-' || g ELSE md5('u' || g)::uuid::text END, 'u' || g || '@example.com'
           FROM generate_series(1, {users}) g;
         INSERT INTO users SELECT upper(id), 'twin' || email FROM users WHERE oracle_is_uuid(id) ORDER BY email LIMIT {pairs};
         INSERT INTO journal (user_id, body) SELECT id, 'entry ' || k FROM users, generate_series(1, 2) k ORDER BY email, k;
         INSERT INTO reminders (user_id, note) SELECT id, 'r' FROM users ORDER BY email;
         INSERT INTO reminders (user_id, note) SELECT md5('orphan' || g)::uuid::text, 'orphan' FROM generate_series(1, {orphans}) g;
         INSERT INTO reminders (user_id, note) VALUES (NULL, 'nobody');
         INSERT INTO extra (user_email, note) SELECT email, 'x' FROM users WHERE email NOT LIKE 'twin%' AND right(split_part(email, '@', 1), 1) IN ('1', '3', '5', '7', '9');",
        action = ACTIONS[s.action],
        invalid = s.invalid,
        users = s.users,
        pairs = s.collision_pairs,
        orphans = s.orphans,
    )
}

const TABLES: [&str; 4] = ["users", "journal", "reminders", "extra"];

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn rows(conn: &mut PgConnection) -> Vec<String> {
    let mut all = Vec::new();
    for table in TABLES {
        let got: Vec<String> = sqlx::query_scalar(&format!("SELECT '{table} ' || t::text FROM {table} t")).fetch_all(&mut *conn).await.unwrap();
        all.extend(got);
    }
    all.sort();
    assert!(all.iter().any(|r| r.starts_with("reminders ")), "the dataset has rows");
    all
}

const COLLIDING: &str = "SELECT id FROM users WHERE oracle_is_uuid(id) AND lower(replace(id, '-', '')) IN
    (SELECT lower(replace(id, '-', '')) FROM users WHERE oracle_is_uuid(id) GROUP BY 1 HAVING count(*) > 1)";

async fn step(db: &Database, options: &EngineOptions, step: Step) -> StepReport {
    let mut engine = Engine::connect(&db.connect_options(), options.clone(), step, Progress::hidden()).await.expect("connect");
    let report = engine.run(step).await.unwrap_or_else(|e| panic!("{} is an internal error, never an outcome: {e}", step.name()));
    engine.close().await.unwrap();
    report
}

async fn check(server: &Server, s: &Spec) {
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute(ddl(s).as_str()).await.unwrap();
    let before = rows(&mut conn).await;
    let invalid = count(&mut conn, "SELECT count(*) FROM users WHERE NOT oracle_is_uuid(id)").await;
    let colliding = count(&mut conn, &format!("SELECT count(*) FROM ({COLLIDING}) c")).await;
    let orphans = count(&mut conn, "SELECT count(*) FROM reminders r WHERE r.user_id IS NOT NULL AND oracle_is_uuid(r.user_id) AND NOT EXISTS (SELECT 1 FROM users u WHERE oracle_is_uuid(u.id) AND u.id::uuid = r.user_id::uuid)").await;
    let quarantined_users = format!(
        "SELECT email FROM users WHERE ({} AND NOT oracle_is_uuid(id)) OR ({} AND id IN ({COLLIDING}))",
        s.invalid_policy == Policy::Quarantine,
        s.collision_policy == Policy::Quarantine
    );
    let extra_reached = count(&mut conn, &format!("SELECT count(*) FROM extra WHERE user_email IN ({quarantined_users})")).await;
    let users_rows = count(&mut conn, "SELECT count(*) FROM users").await;
    let before_counts: Vec<i64> = {
        let mut v = Vec::new();
        for t in TABLES {
            v.push(count(&mut conn, &format!("SELECT count(*) FROM {t}")).await);
        }
        v
    };

    let policy_blocks = (s.invalid_policy == Policy::Fail && invalid > 0)
        || (s.collision_policy == Policy::Fail && colliding > 0)
        || (s.orphan_policy == Policy::Fail && orphans > 0);
    let fk_refuses = !policy_blocks && ACTIONS[s.action] != "CASCADE" && extra_reached > 0;
    let batch_size = [1, users_rows, users_rows + 1][s.batch].max(1);
    let options = EngineOptions {
        relations: vec!["reminders.user_id=users.id".parse().unwrap()],
        policies: Policies { invalid: s.invalid_policy, orphan: s.orphan_policy, collision: s.collision_policy },
        batch_size: BatchSize::new(batch_size as u64).unwrap(),
        convert: engine_support::convert_method().into(),
        ..Default::default()
    };

    let report = step(&db, &options, Step::Full).await;
    if policy_blocks || fk_refuses {
        assert_eq!(report.outcome, Outcome::Blocked, "{s:?}: {report:#?}");
        assert!(report.findings.iter().any(|f| f.action == Action::Fail), "{s:?}");
        if fk_refuses {
            let named = report.findings.iter().any(|f| f.value.as_deref().is_some_and(|v| v.contains("extra_user_email_fkey")));
            assert!(named, "{s:?}: the refusal names the constraint: {:#?}", report.findings);
        }
    } else {
        assert_eq!(report.outcome, Outcome::Completed, "{s:?}: {report:#?}");
        assert!(!report.checks.is_empty() && report.checks.iter().all(|c| c.ok), "{s:?}: {:#?}", report.checks);
        for (table, before) in TABLES.iter().zip(&before_counts) {
            let live = count(&mut conn, &format!("SELECT count(*) FROM {table}")).await;
            let kept = count(&mut conn, &format!("SELECT count(*) FROM pg_tables WHERE schemaname = 'migration_quarantine' AND tablename = '{table}'")).await;
            let quarantined = if kept > 0 { count(&mut conn, &format!("SELECT count(*) FROM migration_quarantine.{table}")).await } else { 0 };
            assert_eq!(live + quarantined, *before, "{s:?}: rows of {table} are live or quarantined");
        }
        let invalid_left = count(&mut conn, "SELECT count(*) FROM users WHERE id::text !~ '^[0-9a-f-]{36}$'").await;
        assert_eq!(invalid_left, 0, "{s:?}: converted ids are canonical uuids");
    }

    let back = step(&db, &options, Step::Rollback).await;
    // A run refused in preflight opened nothing: then there is nothing to roll back.
    assert!(matches!(back.outcome, Outcome::Completed | Outcome::NothingToDo), "{s:?}: {back:#?}");
    assert_eq!(rows(&mut conn).await, before, "{s:?}: rollback restores every row exactly");
    let left = count(&mut conn, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('pgrehearse_engine', 'migration_backup', 'migration_quarantine')").await;
    assert_eq!(left, 0, "{s:?}: rollback leaves no bookkeeping");
    drop(conn);
    server.drop_database(db).await.unwrap();
}

fn cases() -> u32 {
    std::env::var("PGREHEARSE_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(8)
}

#[test]
fn the_engine_keeps_every_invariant_for_any_small_spec() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let persistence = FileFailurePersistence::Direct("tests/engine_properties.proptest-regressions");
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: Some(Box::new(persistence)), ..Config::default() });
    runner
        .run(&spec(), |s| {
            runtime.block_on(check(&server, &s));
            Ok(())
        })
        .unwrap();
}
