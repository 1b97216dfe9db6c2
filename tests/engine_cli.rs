//! `pgrehearse migrate` at the edge: `--dry-run` prints the plan and changes nothing,
//! `--scenario` supplies relations and policies, a bad scenario or flag exits 2 naming it.

mod engine_support;

use std::process::{Command, Output};

use engine_support::{fixture, snapshot};
use pgrehearse::engine::ConvertMethod;
use pgrehearse::provision::{self, ProvisionOptions};

/// `pgrehearse migrate STEP ARGS…` with the convert method the engine tests run with.
fn migrate(args: &[&str]) -> Output {
    let (step, rest) = args.split_first().expect("a step");
    Command::new(env!("CARGO_BIN_EXE_pgrehearse")).args(["migrate", step]).args(engine_support::convert_args()).args(rest).output().unwrap()
}

#[tokio::test]
async fn dry_run_scenario_and_usage_errors() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    fixture::create(&mut conn, 40).await;
    let (catalog, rows) = (snapshot::catalog(&mut conn).await, snapshot::rows(&mut conn).await);
    let url = db.url();

    let out = migrate(&["full", "--dry-run", "--format", "json", "--database-url", &url, "--relation", "reminders.user_id=users.id"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "dry-run");
    let tables: Vec<&str> = report["plan"]["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(tables.contains(&"reminders") && tables.contains(&"entry_tags"), "{tables:?}");
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert_eq!(snapshot::catalog(&mut conn).await, catalog, "--dry-run changes nothing");
    assert_eq!(snapshot::rows(&mut conn).await, rows);

    // A real scenario file: its schema file only names the tables (the database is the
    // fixture); its one [[relation]] is the only source of the unenforced reference.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fixture.sql"), fixture::SCHEMA).unwrap();
    let scenario_text = |relation: &str| {
        format!(
            "name = \"cli\"\nseed = 1\n\n[schema]\nfile = \"fixture.sql\"\n\n[[relation]]\n{relation}\n\n[migration]\nengine = \"uuid\"\nroot = \"users.id\"\non_invalid = \"quarantine\"\non_orphan = \"nullify\"\non_collision = \"quarantine\"\n"
        )
    };
    let scenario = dir.path().join("journal.toml");
    std::fs::write(&scenario, scenario_text("from = \"reminders.user_id\"\nto = \"users.id\"")).unwrap();
    let out = migrate(&["full", "--format", "json", "--database-url", &url, "--scenario", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = report["findings"].as_array().unwrap().iter().filter_map(|f| f["action"].as_str()).collect();
    assert!(actions.contains(&"nullify") && actions.contains(&"quarantine"), "policies came from the scenario: {actions:?}");
    let out = migrate(&["rollback", "--database-url", &url, "--scenario", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(snapshot::rows(&mut conn).await, rows);

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, scenario_text("from = \"reminders\"\nto = \"users.id\"")).unwrap();
    let out = migrate(&["validate-schema", "--database-url", &url, "--scenario", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.toml:") && stderr.contains("reminders"), "names the file, line and value: {stderr}");
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, scenario_text("from = \"reminders.nope\"\nto = \"users.id\"")).unwrap();
    let out = migrate(&["validate-schema", "--database-url", &url, "--scenario", unknown.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown.toml:") && stderr.contains("reminders.nope"), "resolved against the database: {stderr}");
    let out = migrate(&["validate-schema", "--database-url", &url, "--root", "users.nope"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("users.nope"), "{stderr}");
    let out = migrate(&["convert", "--database-url", &url, "--on-invalid", "nullify"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Rust names a person should never read in `migrate`'s text output.
fn assert_for_people(what: &str, text: &str) {
    for rust in ["Completed", "DryRun", "NonCanonical", "[Quarantine]", "NothingToDo", "ChecksFailed", "Some(", "None"] {
        assert!(!text.contains(rust), "{what} prints the Rust name {rust}:\n{text}");
    }
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn status_dry_run_and_every_step_run_again_speak_to_people() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    fixture::create(&mut conn, 40).await;
    let url = db.url();
    let with = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database-url", url.as_str(), "--relation", "reminders.user_id=users.id"]);
        all.extend(["--on-invalid", "quarantine", "--on-orphan", "quarantine", "--on-collision", "quarantine"]);
        migrate(&all)
    };

    // Untouched: one sentence, no table, no JSON.
    let out = with(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text(&out).contains("nothing has run"), "{}", text(&out));
    assert_eq!(text(&out).lines().count(), 1, "{}", text(&out));
    assert_for_people("status", &text(&out));
    let json: serde_json::Value = serde_json::from_slice(&with(&["status", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["status"]["state"], "not-started", "{json}");

    // --dry-run: the SQL, step by step, with locks; the swap is the engine's own statements.
    let out = with(&["full", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let dry = text(&out);
    assert_for_people("--dry-run", &dry);
    for step in ["-- step 1: validate-schema", "-- step 2: backup", "-- step 3: convert", "-- step 4: validate"] {
        assert!(dry.contains(step), "{step} missing:\n{dry}");
    }
    assert!(!dry.contains("\"tables\""), "no catalog JSON:\n{dry}");
    let json: serde_json::Value = serde_json::from_slice(&with(&["full", "--dry-run", "--format", "json"]).stdout).unwrap();
    let plan: pgrehearse::engine::Plan = serde_json::from_value(json["plan"].clone()).unwrap();
    match engine_support::convert_method() {
        ConvertMethod::InPlace => {
            for statement in pgrehearse::engine::swap_sql(&plan) {
                assert!(dry.contains(&format!("{statement};")), "the swap statement {statement} is printed");
            }
            let swap_lock = format!("-- ACCESS EXCLUSIVE lock\n{};", pgrehearse::engine::swap_sql(&plan)[0]);
            assert!(dry.contains(&swap_lock), "the swap's LOCK TABLE says its lock:\n{dry}");
            assert!(dry.contains("-- SHARE UPDATE EXCLUSIVE lock\nCREATE UNIQUE INDEX CONCURRENTLY"), "{dry}");
        }
        ConvertMethod::Rebuild => {
            let tables: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
            let swap_lock = format!("-- ACCESS EXCLUSIVE lock\nLOCK TABLE {} IN ACCESS EXCLUSIVE MODE;", tables.join(", "));
            assert!(dry.contains(&swap_lock), "the swap's LOCK TABLE of every planned table says its lock:\n{dry}");
            for table in &tables {
                assert!(dry.contains(&format!("SELECT the columns, converted, FROM {table} t WHERE t.ctid >=")), "{table}'s copy by heap blocks is printed:\n{dry}");
            }
        }
    }
    let steps = json["script"].as_array().unwrap();
    assert_eq!(steps.iter().map(|s| s["step"].as_str().unwrap()).collect::<Vec<_>>(), ["validate-schema", "backup", "convert", "validate"]);
    assert!(steps.iter().flat_map(|s| s["statements"].as_array().unwrap()).all(|s| s["lock"].is_string()), "every statement names its lock");

    // Without the --relation (and no --scenario), the plan names the reference it does not know.
    let bare = migrate(&["full", "--dry-run", "--database-url", &url]);
    let bare = text(&bare);
    assert!(bare.contains("reminders.user_id -> public.users.id") || bare.contains("public.reminders.user_id -> public.users.id"), "{bare}");
    assert!(bare.contains("--relation reminders.user_id=users.id"), "says how to declare it:\n{bare}");
    assert!(!dry.contains("plan does not know about"), "a declared reference is known:\n{dry}");

    // The migration, then every step again: each says it is done already.
    let out = with(&["full"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out), String::from_utf8_lossy(&out.stderr));
    assert_for_people("full", &text(&out));
    let status: serde_json::Value = serde_json::from_slice(&with(&["status", "--format", "json"]).stdout).unwrap();
    assert_eq!(status["status"]["state"], "in-progress");
    let step_state = |name: &str| status["status"]["steps"].as_array().unwrap().iter().find(|s| s["step"] == name).unwrap()["state"].as_str().unwrap().to_string();
    assert_eq!(step_state("backup"), "done");
    assert_eq!(step_state("convert"), "done");
    assert_eq!(step_state("cleanup"), "not-started");
    let converted: i64 = status["status"]["tables"].as_array().unwrap().iter().map(|t| t["rows_converted"].as_i64().unwrap()).sum();
    let live: i64 = sqlx::query_scalar("SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM journal_entries) + (SELECT count(*) FROM entry_tags) + (SELECT count(*) FROM reminders) + (SELECT count(*) FROM audit_events)")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(converted > 0 && converted <= live, "rows converted {converted}, live rows {live}");
    let table = text(&with(&["status"]));
    assert_for_people("status", &table);
    assert!(table.contains("ACCESS EXCLUSIVE") && table.contains("convert") && table.contains("done"), "{table}");
    assert!(table.contains("migrate cleanup"), "says what is next:\n{table}");
    for (again, says) in [("validate-schema", "not repeated"), ("backup", "already"), ("convert", "already")] {
        let out = with(&[again]);
        assert_eq!(out.status.code(), Some(0), "{again} again: {}", String::from_utf8_lossy(&out.stderr));
        assert!(text(&out).contains(says), "{again} again says it is done:\n{}", text(&out));
        assert_for_people(again, &text(&out));
    }
    assert_eq!(with(&["validate"]).status.code(), Some(0), "validate checks again and passes");
    assert_eq!(with(&["cleanup"]).status.code(), Some(0));
    let done = text(&with(&["status"]));
    assert!(done.contains("migration is complete") && !done.contains("roll it back"), "{done}");
    for again in [&["full"][..], &["cleanup"], &["backup"], &["convert"], &["validate"], &["validate-schema"], &["full", "--dry-run"]] {
        let out = with(again);
        assert_eq!(out.status.code(), Some(0), "{again:?} after cleanup: {}", String::from_utf8_lossy(&out.stderr));
        assert!(text(&out).contains("migration is complete"), "{again:?} after cleanup:\n{}", text(&out));
    }
    let out = with(&["rollback"]);
    assert_eq!(out.status.code(), Some(2), "rollback after cleanup is refused as a command that cannot run here");
    assert!(String::from_utf8_lossy(&out.stderr).contains("the migration is complete"), "{}", String::from_utf8_lossy(&out.stderr));
}
