//! In place, a table's own UPDATE triggers must not fire on the batches (they would change
//! rows that rollback cannot restore). Where the engine's role cannot keep them quiet
//! (`session_replication_role`), or a trigger fires even then (`ENABLE ALWAYS`), the plan
//! is refused before anything changes, naming the table, the trigger and what to do; a
//! role granted the parameter converts in place with the trigger left silent.

mod engine_support;

use pgrehearse::engine::{ConvertChoice, Engine, EngineError, EngineOptions, Outcome, PlanError, Progress, Step};
use pgrehearse::provision::{self, Database, ProvisionOptions};
use pgrehearse::vocabulary::{Policies, Policy};
use sqlx::postgres::PgConnectOptions;
use sqlx::Connection;

const ROLE: &str = "mover";

fn options() -> EngineOptions {
    let quarantine = Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine };
    EngineOptions { convert: ConvertChoice::InPlace, ..engine_support::options(quarantine, 7) }
}

/// The fixture with an `updated_at`-style trigger on `users`, handed over to a
/// non-superuser role; returns how to log in as that role.
async fn fixture_owned_by_a_role(db: &Database) -> PgConnectOptions {
    let mut conn = db.connect().await.unwrap();
    engine_support::fixture::create(&mut conn, 60).await;
    engine_support::fixture::add_touch_trigger(&mut conn).await;
    let as_role = engine_support::role::login_role(&mut conn, db, ROLE).await;
    engine_support::role::hand_over(&mut conn, db, ROLE).await;
    as_role
}

async fn plan_error(connect: &PgConnectOptions) -> Option<EngineError> {
    let mut engine = Engine::connect(connect, options(), Step::ValidateSchema, Progress::hidden()).await.expect("connect engine");
    engine.run(Step::ValidateSchema).await.err()
}

#[tokio::test]
async fn a_role_that_cannot_quiet_the_trigger_is_refused_and_one_granted_the_parameter_converts() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let as_role = fixture_owned_by_a_role(&db).await;

    let Some(EngineError::Plan(PlanError::TriggersWouldFire { table, what, why })) = plan_error(&as_role).await else {
        panic!("the plan must refuse the trigger");
    };
    assert_eq!((table.as_str(), what.as_str()), ("public.users", "trigger touch_users"));
    assert!(why.contains("GRANT SET ON PARAMETER session_replication_role"), "says what to do: {why}");
    let mut admin = db.connect().await.unwrap();
    let bookkeeping: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname LIKE 'pgrehearse%')").fetch_one(&mut admin).await.unwrap();
    assert!(!bookkeeping, "the refusal changed nothing");

    sqlx::raw_sql(&format!("GRANT SET ON PARAMETER session_replication_role TO {ROLE}")).execute(&mut admin).await.unwrap();
    assert!(plan_error(&as_role).await.is_none(), "granted the parameter, the role may convert in place");
    let mut engine = Engine::connect(&as_role, options(), Step::Full, Progress::hidden()).await.expect("connect engine");
    let full = engine.run(Step::Full).await.expect("migrate full as the role");
    engine.close().await.unwrap();
    assert_eq!(full.outcome, Outcome::Completed, "{full:#?}");
    let id_type: String = sqlx::query_scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'id'")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(id_type, "uuid");
    let touched: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE touched <> 0").fetch_one(&mut admin).await.unwrap();
    assert_eq!(touched, 0, "no batch fired the table's trigger");
    admin.close().await.unwrap();
}

#[tokio::test]
async fn a_trigger_enabled_always_is_refused_and_one_on_other_columns_is_not() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    engine_support::fixture::create(&mut conn, 60).await;
    let sql = "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
               CREATE TRIGGER on_email BEFORE UPDATE OF email ON users FOR EACH ROW EXECUTE FUNCTION keep();";
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    assert!(plan_error(&db.connect_options()).await.is_none(), "a trigger on named columns does not fire on a batch");

    let sql = "CREATE TRIGGER always_users BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep();
               ALTER TABLE users ENABLE ALWAYS TRIGGER always_users;";
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    let Some(EngineError::Plan(PlanError::TriggersWouldFire { table, what, why })) = plan_error(&db.connect_options()).await else {
        panic!("the plan must refuse the ALWAYS trigger");
    };
    assert_eq!((table.as_str(), what.as_str()), ("public.users", "trigger always_users"));
    assert!(why.contains("ALWAYS"), "{why}");
    conn.close().await.unwrap();
}
