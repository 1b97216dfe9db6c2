//! A role that may not do what the migration needs (own the tables and the views the
//! engine recreates, create in their schema, create the engine's schemas) is refused at
//! planning, with everything it lacks named and nothing changed; once granted those, the
//! same role migrates.

mod engine_support;

use pgrehearse::engine::{Engine, EngineError, Outcome, PlanError, Progress, Step};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::vocabulary::{Policies, Policy};
use sqlx::Connection;

const ROLE: &str = "stranger";

#[tokio::test]
async fn a_role_without_the_privileges_is_refused_naming_each_and_once_granted_it_migrates() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut admin = db.connect().await.unwrap();
    engine_support::fixture::create(&mut admin, 60).await;
    let as_role = engine_support::role::login_role(&mut admin, &db, ROLE).await;
    let quarantine = Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine };
    let options = engine_support::options(quarantine, 25);

    let mut engine = Engine::connect(&as_role, options.clone(), Step::ValidateSchema, Progress::hidden()).await.expect("connect engine");
    let refused = engine.run(Step::ValidateSchema).await;
    engine.close().await.unwrap();
    let Err(EngineError::Plan(PlanError::MissingPrivileges { role, missing })) = refused else {
        panic!("the plan must refuse the role: {refused:?}");
    };
    assert_eq!(role, ROLE);
    let tables: Vec<String> = sqlx::query_scalar("SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1")
        .fetch_all(&mut admin)
        .await
        .unwrap();
    for table in &tables {
        assert!(missing.contains(&format!("ownership of {table} (owned by postgres)")), "names {table}: {missing}");
    }
    assert!(missing.contains("CREATE on schema public") && missing.contains(&format!("CREATE on database {}", db.name())), "{missing}");
    let engine_schemas: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('pgrehearse_engine', 'migration_backup', 'migration_quarantine')")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(engine_schemas, 0, "the refusal changed nothing");

    engine_support::role::hand_over(&mut admin, &db, ROLE).await;
    let mut engine = Engine::connect(&as_role, options, Step::Full, Progress::hidden()).await.expect("connect engine");
    let full = engine.run(Step::Full).await.expect("migrate full as the granted role");
    engine.close().await.unwrap();
    assert_eq!(full.outcome, Outcome::Completed, "{full:#?}");
    if engine_support::convert_method() == pgrehearse::engine::ConvertMethod::Rebuild {
        let said = full.notes.join("\n");
        assert!(said.contains("free space not checked: the engine's role may not read"), "the space check says why it was skipped: {said}");
    }
    let id_type: String = sqlx::query_scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'id'")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(id_type, "uuid");
    admin.close().await.unwrap();
}
