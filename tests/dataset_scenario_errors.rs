//! Bad scenarios fail with errors that name the file and line and say what is wrong: a
//! malformed file, an unknown table or column, a missing file, an anomaly that cannot
//! exist where it was asked for. The CLI exits 2 on each.

mod dataset_support;

use std::path::Path;
use std::process::Command;

use dataset_support::scenarios_dir;
use pgrehearse::dataset::{self, SeedError, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::{Migration, Scenario, ScenarioError};

struct Quiet;
impl SeedObserver for Quiet {}

fn load(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_text(&scenarios_dir().join("bad.toml"), text)
}

const HEAD: &str = "name = \"bad\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n";

#[test]
fn malformed_toml_names_the_line() {
    let err = load("name = \"bad\"\nseed = 1\n[schema\nbuiltin = \"journal\"\n").unwrap_err();
    assert!(matches!(err, ScenarioError::Syntax { .. }), "{err:?}");
    assert_eq!(err.line(), Some(3));
    assert!(err.to_string().contains("bad.toml:3:"), "{err}");
}

#[test]
fn unknown_keys_and_kinds_are_refused_with_their_line() {
    let err = load(&format!("{HEAD}[rows]\nusers = 5\n[[anomaly]]\nkind = \"invalid\"\ncolumn = \"users.id\"\ncount = 1\n")).unwrap_err();
    assert_eq!(err.line(), Some(8), "{err}");
    assert!(err.to_string().contains("invalid_uuid"), "lists the known kinds: {err}");

    let err = load(&format!("{HEAD}colour = 1\n")).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");

    let err = load(&format!("{HEAD}[[anomaly]]\nkind = \"null\"\ncolumn = \"users.id\"\n")).unwrap_err();
    assert!(err.to_string().contains("exactly one of `rate"), "{err}");

    let err = load(&format!("{HEAD}[[anomaly]]\nkind = \"case_collision\"\ncolumn = \"users.id\"\ncount = 3\n")).unwrap_err();
    assert!(err.to_string().contains("even"), "{err}");
}

#[test]
fn missing_files_name_the_key_and_the_resolved_path() {
    let err = load("name = \"bad\"\nseed = 1\n[schema]\nfile = \"schemas/nope.sql\"\n").unwrap_err();
    assert!(matches!(&err, ScenarioError::MissingFile { key, .. } if key == "schema.file"), "{err:?}");
    let text = format!("{HEAD}[migration]\nup = \"migrations/0001_x.up.sql\"\ndown = \"migrations/0001_x.down.sql\"\n");
    let err = load(&text).unwrap_err();
    assert!(matches!(&err, ScenarioError::MissingFile { key, .. } if key == "migration.up"), "{err:?}");
    assert_eq!(err.line(), Some(6));
}

#[test]
fn migration_section_parses_builtin_and_sql_directories() {
    let builtin = load(&format!("{HEAD}[migration]\nengine = \"uuid\"\nroot = \"users.id\"\non_orphan = \"nullify\"\n")).unwrap();
    let Some(Migration::Builtin(engine)) = builtin.migration else { panic!("built-in engine expected") };
    assert_eq!(engine.root.to_string(), "users.id");
    assert_eq!(engine.policies.orphan, pgrehearse::vocabulary::Policy::Nullify);

    let err = load(&format!("{HEAD}[migration]\nengine = \"uuid\"\nroot = \"users.id\"\non_orphan = \"ignore\"\n")).unwrap_err();
    assert!(err.to_string().contains("fail, quarantine, nullify"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for file in ["0001_init.up.sql", "0002_uuid.up.sql", "0002_uuid.down.sql", "0010_later.up.sql", "0010_later.down.sql", "README.md"] {
        std::fs::write(migrations.join(file), "SELECT 1;").unwrap();
    }
    let text = format!("{HEAD}[migration]\nmigrations = \"migrations\"\nquarantine = [\"migration_quarantine.*\"]\n[expect]\nup = \"fail\"\n");
    let scenario = Scenario::from_text(&dir.path().join("s.toml"), &text).unwrap();
    let Some(Migration::Sql(sql)) = &scenario.migration else { panic!("sql migration expected") };
    let names: Vec<&str> = sql.set.pairs().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["0001_init", "0002_uuid", "0010_later"], "version order, not name order");
    assert_eq!(sql.set.rehearsed.name, "0010_later");
    assert_eq!(sql.quarantine, ["migration_quarantine.*"]);
    assert_eq!(scenario.expect.up, pgrehearse::vocabulary::ExpectedOutcome::Fail);

    // A last migration without `.down.sql` is up-only: it loads, with no down to rehearse.
    std::fs::remove_file(migrations.join("0010_later.down.sql")).unwrap();
    let up_only = Scenario::from_text(&dir.path().join("s.toml"), &text).unwrap();
    let Some(Migration::Sql(sql)) = &up_only.migration else { panic!("sql migration expected") };
    assert!(sql.set.rehearsed.down.is_none());
}

#[test]
fn a_badly_named_migration_file_is_refused_at_load_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for file in ["0001_init.up.sql", "0001_init.down.sql", "0002-x.up.sql"] {
        std::fs::write(migrations.join(file), "SELECT 1;").unwrap();
    }
    let text = format!("{HEAD}[migration]\nmigrations = \"migrations\"\n");
    let err = Scenario::from_text(&dir.path().join("s.toml"), &text).unwrap_err();
    assert!(err.to_string().contains("0002-x.up.sql"), "the error names the file: {err}");
    assert_eq!(err.line(), Some(6), "{err}");
}

#[tokio::test]
async fn unknown_tables_columns_and_impossible_anomalies_are_caught_against_the_schema() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let cases = [
        ("[rows]\nuser = 5\n", "resolve table `user`", 6),
        ("[[relation]]\nfrom = \"reminders.owner_id\"\nto = \"users.id\"\n", "no such column", 6),
        ("[[anomaly]]\nkind = \"orphan\"\ncolumn = \"tags.user_id\"\ncount = 1\n", "FK constraint enforces", 7),
        ("[[anomaly]]\nkind = \"null\"\ncolumn = \"users.email\"\ncount = 1\n", "NOT NULL", 7),
        ("[[anomaly]]\nkind = \"dependent\"\ncolumn = \"journal_entries.user_id\"\ncount = 1\n", "no bad rows", 7),
        ("[[anomaly]]\nkind = \"invalid_uuid\"\ncolumn = \"journal_entries.mood\"\ncount = 1\n", "not uuid text", 7),
    ];
    for (tail, expected, line) in cases {
        let scenario = load(&format!("{HEAD}{tail}")).unwrap();
        let db = server.create_database().await.unwrap().keep_on_panic();
        let mut conn = db.connect().await.unwrap();
        let err = dataset::seed(&mut conn, &scenario, &Quiet).await.unwrap_err();
        assert!(err.is_bad_scenario(), "{err}");
        let SeedError::Scenario(scenario_err) = &err else { panic!("scenario error expected: {err}") };
        assert_eq!(scenario_err.line(), Some(line), "{err}");
        assert!(err.to_string().contains(expected), "`{err}` should say `{expected}`");
        let (tables,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetch_one(&mut conn).await.unwrap();
        assert_eq!(tables, 0, "a rejected scenario leaves the database as it was");
    }
}

#[test]
fn the_cli_exits_2_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "name = \"x\"\nseed = [\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse")).args(["seed", path.to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.toml:"), "{stderr}");
}

#[test]
fn every_shipped_scenario_loads() {
    let mut loaded = 0;
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("toml") {
            Scenario::load(&path).unwrap_or_else(|err| panic!("{}: {err}", Path::new(&path).display()));
            loaded += 1;
        }
    }
    assert!(loaded >= 10, "loaded {loaded} scenarios");
}
