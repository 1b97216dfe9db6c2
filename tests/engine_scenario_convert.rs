//! `[migration] convert = "auto" | "rebuild" | "in-place"` chooses the convert method the
//! engine options carry (`auto` when it is left out); any other value is refused naming
//! the line and the accepted values. And `auto` settles on the rebuild for tables it can
//! carry, and on in place, saying why, for a table with something it cannot (a trigger).

mod engine_support;

use pgrehearse::engine::{ConvertChoice, ConvertMethod, Outcome, Step};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::{Migration, Scenario, ScenarioError};
use pgrehearse::vocabulary::{Policies, Policy};

fn load(text: &str) -> Result<Scenario, ScenarioError> {
    let dir = tempfile::tempdir().unwrap();
    Scenario::from_text(&dir.path().join("convert.toml"), text)
}

const HEAD: &str = "name = \"convert\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[migration]\nengine = \"uuid\"\nroot = \"users.id\"\n";

#[test]
fn the_convert_method_is_read_checked_and_handed_to_the_engine() {
    let cases = [
        ("", ConvertChoice::Auto),
        ("convert = \"auto\"\n", ConvertChoice::Auto),
        ("convert = \"rebuild\"\n", ConvertChoice::Rebuild),
        ("convert = \"in-place\"\n", ConvertChoice::InPlace),
    ];
    for (text, expected) in cases {
        let scenario = load(&format!("{HEAD}{text}")).unwrap();
        let Some(Migration::Builtin(engine)) = scenario.migration else { panic!("built-in engine expected") };
        assert_eq!(engine.convert, expected, "{text:?}");
        assert_eq!(engine.engine_options(Vec::new()).convert, expected, "{text:?}");
    }
    let err = load(&format!("{HEAD}convert = \"rebuilt\"\n")).unwrap_err();
    assert_eq!(err.line(), Some(8), "{err}");
    assert!(err.to_string().contains("rebuilt") && err.to_string().contains("\"in-place\"") && err.to_string().contains("\"auto\""), "{err}");
}

#[tokio::test]
async fn auto_rebuilds_what_it_can_carry_and_converts_the_rest_in_place_saying_why() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let quarantine = Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine };
    let options = pgrehearse::engine::EngineOptions { convert: ConvertChoice::Auto, ..engine_support::options(quarantine, 50) };
    for trigger in [false, true] {
        let db = server.create_database().await.unwrap().keep_on_panic();
        let mut conn = db.connect().await.unwrap();
        engine_support::fixture::create(&mut conn, 60).await;
        if trigger {
            let sql = "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                       CREATE TRIGGER touch_users BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();";
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
        let report = engine_support::step(&db, &options, Step::ValidateSchema).await;
        let plan = report.plan.as_ref().expect("validate-schema reports its plan");
        let expected = if trigger { ConvertMethod::InPlace } else { ConvertMethod::Rebuild };
        assert_eq!(plan.method, expected, "trigger: {trigger}");
        let said = report.notes.join("\n");
        if trigger {
            let why = plan.method_reason.as_deref().expect("in place says why");
            assert!(why.contains("users") && why.contains("touch_users"), "the reason names the table and the trigger: {why}");
            assert!(said.contains("converted in place") && said.contains(why), "{said}");
        } else {
            assert_eq!(plan.method_reason, None);
            assert!(said.contains("converted by rebuild (chosen by `--convert auto`)"), "{said}");
        }
        // The run converts as the plan said, and keeps to it when resumed or rolled back.
        let full = engine_support::step(&db, &options, Step::Full).await;
        assert_eq!(full.outcome, Outcome::Completed, "{full:#?}");
        let stored: String = sqlx::query_scalar("SELECT plan->>'method' FROM pgrehearse_engine.migration_state ORDER BY run DESC LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(stored, expected.name(), "trigger: {trigger}");
        let back = engine_support::step(&db, &options, Step::Rollback).await;
        assert_eq!(back.outcome, Outcome::Completed, "{back:#?}");
    }
}

/// A table with a trigger of its own is converted in place, and the batches' UPDATEs
/// (which only fill the shadow column) do not fire it: an `updated_at`-style trigger would
/// otherwise rewrite every row, and rollback could not undo it. The trigger stays enabled
/// and fires for the application's writes as before.
#[tokio::test]
async fn the_batches_do_not_fire_the_tables_own_triggers() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    engine_support::fixture::create(&mut conn, 60).await;
    engine_support::fixture::add_touch_trigger(&mut conn).await;
    let quarantine = Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine };
    let options = pgrehearse::engine::EngineOptions { convert: ConvertChoice::Auto, ..engine_support::options(quarantine, 7) };
    let full = engine_support::step(&db, &options, Step::Full).await;
    assert_eq!(full.outcome, Outcome::Completed, "{full:#?}");
    let touched: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE touched <> 0").fetch_one(&mut conn).await.unwrap();
    assert_eq!(touched, 0, "no batch fired the table's trigger");
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut conn).await.unwrap();
    assert!(users > 7, "several batches ran: {users} users");
    sqlx::raw_sql("UPDATE users SET touched = touched WHERE id = (SELECT id FROM users ORDER BY id LIMIT 1)").execute(&mut conn).await.unwrap();
    let fired: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE touched = 1").fetch_one(&mut conn).await.unwrap();
    assert_eq!(fired, 1, "the trigger still fires for the application");
}
