//! One CLI convention: every subcommand takes `--format text|json` and prints one JSON
//! document with `--format json`; the database is `--database-url` with `DATABASE_URL` as
//! fallback, an existing server `--server-url` with `PGREHEARSE_SERVER_URL`; messages name
//! flags that exist; `--help` documents the exit codes.

use std::process::{Command, Output};

use clap::CommandFactory;
use pgrehearse::cli::Cli;
use pgrehearse::provision::{self, ProvisionOptions};

fn pgrehearse(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("PGREHEARSE_SERVER_URL")
        .output()
        .unwrap()
}

fn json_stdout(out: &Output, what: &str) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: stdout is not one JSON document ({e}): {}\nstderr: {stderr}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn every_subcommand_declares_format_and_the_url_flags_with_their_variables() {
    let cli = Cli::command();
    let subcommands: Vec<_> = cli.get_subcommands().filter(|c| c.get_name() != "help").collect();
    assert!(subcommands.len() >= 7, "doctor, provision, run, seed, migrate, export-sqlite, verify-sqlite");
    for sub in subcommands {
        let name = sub.get_name();
        let format = sub.get_arguments().find(|a| a.get_long() == Some("format")).unwrap_or_else(|| panic!("{name} has no --format"));
        let values: Vec<String> = format.get_possible_values().iter().map(|v| v.get_name().to_string()).collect();
        assert_eq!(values, ["text", "json"], "{name} --format");
        for (flag, env) in [("database-url", "DATABASE_URL"), ("server-url", "PGREHEARSE_SERVER_URL")] {
            if let Some(arg) = sub.get_arguments().find(|a| a.get_long() == Some(flag)) {
                assert_eq!(arg.get_env().and_then(|e| e.to_str()), Some(env), "{name} --{flag}");
            }
        }
        assert!(sub.get_arguments().any(|a| a.get_long() == Some("database-url") || a.get_long() == Some("server-url")), "{name} takes a database or a server");
        let help = sub.clone().render_long_help().to_string();
        for code in ["0 ", "1 ", "2 ", "3 ", "4 ", "130"] {
            assert!(help.contains(&format!("  {code}")), "{name} --help documents exit code {code}: {help}");
        }
    }
}

#[test]
fn policies_that_refuse_nullify_do_not_list_it() {
    let cli = Cli::command();
    let migrate = cli.find_subcommand("migrate").unwrap();
    let values = |flag: &str| -> Vec<String> {
        let arg = migrate.get_arguments().find(|a| a.get_long() == Some(flag)).unwrap();
        arg.get_possible_values().iter().map(|v| v.get_name().to_string()).collect()
    };
    assert_eq!(values("on-invalid"), ["fail", "quarantine"]);
    assert_eq!(values("on-collision"), ["fail", "quarantine"]);
    assert_eq!(values("on-orphan"), ["fail", "quarantine", "nullify"]);
    let out = pgrehearse(&["migrate", "status", "--on-invalid", "nullify"], "postgres://127.0.0.1:1/none");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[possible values: fail, quarantine]"));
}

#[test]
fn a_message_about_a_missing_server_names_the_flag_that_exists() {
    let out = pgrehearse(&["doctor", "--backend", "existing", "--format", "json"], "postgres://127.0.0.1:1/none");
    let statuses = json_stdout(&out, "doctor");
    let existing = statuses.as_array().unwrap().iter().find(|s| s["backend"] == "existing").expect("an existing-server line");
    let detail = existing["detail"].as_str().unwrap();
    assert!(detail.contains("--server-url") && detail.contains("PGREHEARSE_SERVER_URL"), "{detail}");
    let out = pgrehearse(&["run", "scenarios/journal-small.toml", "--backend", "existing"], "postgres://127.0.0.1:1/none");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("--server-url"), "{stderr}");
    let help = String::from_utf8_lossy(&pgrehearse(&["run", "--help"], "").stdout).to_string();
    assert!(help.contains("--server-url"), "the flag named exists: {help}");
}

/// Every subcommand, run for real with `--format json` and `DATABASE_URL` set: seed and
/// migrate use the database it names, the others ignore it.
#[tokio::test]
async fn every_subcommand_prints_json_and_takes_the_database_from_database_url() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let database = server.create_database().await.unwrap();
    let url = database.url();

    let out = pgrehearse(&["seed", "scenarios/journal-small.toml", "--format", "json"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let seeded = json_stdout(&out, "seed");
    let mut conn = database.connect().await.unwrap();
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut conn).await.unwrap();
    assert_eq!(seeded["tables"]["users"].as_i64(), Some(users), "seed wrote to DATABASE_URL: {seeded}");
    let total: u64 = seeded["tables"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(seeded["total_rows"].as_u64(), Some(total));
    let anomalies: i64 = sqlx::query_scalar("SELECT count(*) FROM pgrehearse_truth.anomaly").fetch_one(&mut conn).await.unwrap();
    let reported: u64 = seeded["anomalies"].as_array().unwrap().iter().map(|a| a["rows"].as_u64().unwrap()).sum();
    assert_eq!(reported as i64, anomalies, "anomaly counts match the ground truth table");

    let out = pgrehearse(&["migrate", "status", "--format", "json"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let status = json_stdout(&out, "migrate status");
    assert_eq!(status["step"], "status", "{status}");

    let out = pgrehearse(&["doctor", "--format", "json"], &url);
    let doctor = json_stdout(&out, "doctor");
    assert!(doctor.as_array().unwrap().iter().any(|s| s["backend"] == "native" && s["available"] == true), "{doctor}");

    let out = pgrehearse(&["provision", "--clones", "1", "--format", "json"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let provisioned = json_stdout(&out, "provision");
    assert_eq!(provisioned["clones"][0]["rows"], 100000, "{provisioned}");

    let sqlite = tempfile::tempdir().unwrap();
    let file = sqlite.path().join("journal.sqlite");
    let out = pgrehearse(&["export-sqlite", "--out", file.to_str().unwrap(), "--quiet", "--format", "json"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let exported = json_stdout(&out, "export-sqlite");
    assert_eq!(exported["total_rows"].as_u64(), Some(total), "export-sqlite read DATABASE_URL: {exported}");
    let out = pgrehearse(&["verify-sqlite", file.to_str().unwrap(), "--format", "json"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_stdout(&out, "verify-sqlite")["verdict"], "pass");

    let reports = tempfile::tempdir().unwrap();
    let out = pgrehearse(&["run", "scenarios/journal-small.toml", "--quiet", "--format", "json", "--out", reports.path().to_str().unwrap()], &url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let run = json_stdout(&out, "run");
    let rehearsed = run["scenarios"].as_array().unwrap();
    assert_eq!(rehearsed.len(), 1, "{run}");
    assert_eq!(rehearsed[0]["verdict"], "pass");
    let json_report = rehearsed[0]["reports"]["json"].as_str().unwrap();
    assert!(std::path::Path::new(json_report).starts_with(reports.path()), "{json_report}");
}
