//! The migrations people actually write, rehearsed end to end through `pgrehearse run`:
//! up-only, irreversible (`[expect] down = "fail"`), an audit row (`rows_added`,
//! `volatile_columns`), re-keyed rows (`match_by`), and an up that renames what a check
//! needs. Expected counts come from the reports' row counts, read from the databases.

#[path = "run_support/mod.rs"]
mod run_support;

use std::path::Path;

use run_support::*;

fn path_of(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn an_up_only_migration_rehearses_and_every_report_says_the_rollback_was_skipped() {
    let dir = tempfile::tempdir().unwrap();
    // The same up as the last migration of a directory, with no `.down.sql`.
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::copy(scenarios().join("migrations/up-only/0001_last_login.up.sql"), migrations.join("0001_last_login.up.sql")).unwrap();
    let from_dir = variant(dir.path(), "up-only.toml", "up-only-dir", |text| {
        text.replace(&format!("up = \"{}/migrations/up-only/0001_last_login.up.sql\"", scenarios().display()), &format!("migrations = {:?}", migrations.display().to_string()))
    });
    let out = dir.path().join("out");
    let output = run(&[path_of(&scenarios().join("up-only.toml")), path_of(&from_dir)], &out);
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    for name in ["up-only", "up-only-dir"] {
        let report = report(&out, name);
        assert_eq!(failed_checks(&report), Vec::<String>::new(), "{name}");
        let rollback = check(&report, "rollback-identity").expect("rollback identity listed");
        assert_eq!(rollback["status"], "skip", "{name}");
        assert!(rollback["summary"].as_str().unwrap().contains("no down"), "{rollback}");
        for ran in ["up-runs", "conservation", "content", "references", "anomalies"] {
            assert!(check(&report, ran).is_some(), "{name}: {ran} runs after up");
        }
        let rerun = check(&report, "rerun").expect("up runs again");
        assert_eq!(rerun["status"], "pass", "{name}");
        assert!(rerun["summary"].as_str().unwrap().contains("fresh clone"), "{rerun}");
        let note = report["notes"][0].as_str().expect("a note at the top of report.json").to_string();
        assert!(note.contains("rollback-identity skipped") && note.contains("no down"), "{note}");

        let markdown = std::fs::read_to_string(out.join(name).join("report.md")).unwrap();
        let (note_at, table_at) = (markdown.find("rollback-identity skipped").expect("note in report.md"), markdown.find("| check |").unwrap());
        assert!(note_at < table_at, "the note comes before the checks in report.md");
        let html = std::fs::read_to_string(out.join(name).join("report.html")).unwrap();
        assert!(html.find("rollback-identity skipped").expect("note in report.html") < html.find("<h2>Checks").unwrap());
        let junit = std::fs::read_to_string(out.join(name).join("junit.xml")).unwrap();
        let property = junit.find("<property name=\"note\" value=\"rollback-identity skipped").expect("note in junit.xml");
        assert!(property < junit.find("<testcase").unwrap(), "{junit}");
        assert!(junit.contains("name=\"rollback-identity\"") && junit.contains("<skipped message=\"not run: the migration has no down"), "{junit}");
    }
}

#[test]
fn a_declared_irreversible_migration_passes_only_when_its_down_fails() {
    let dir = tempfile::tempdir().unwrap();
    let restoring_down = dir.path().join("restores.down.sql");
    std::fs::write(&restoring_down, "ALTER TABLE users ADD COLUMN display_name text;\n").unwrap();
    let down_succeeds = variant(dir.path(), "irreversible.toml", "irreversible-down-succeeds", |text| {
        let down = format!("down = \"{}/migrations/irreversible/0001_drop_display_name.down.sql\"", scenarios().display());
        assert!(text.contains(&down), "{text}");
        text.replace(&down, &format!("down = {:?}", restoring_down.display().to_string()))
    });
    let out = dir.path().join("out");
    let output = run(&[path_of(&scenarios().join("irreversible.toml")), path_of(&down_succeeds)], &out);
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));

    let fails = report(&out, "irreversible");
    assert_eq!(failed_checks(&fails), Vec::<String>::new());
    assert_eq!(fails["verdict"], "pass");
    let down = check(&fails, "rollback-identity").unwrap();
    assert!(down["summary"].as_str().unwrap().starts_with("down failed as the scenario expects"), "{down}");
    assert!(fails["notes"][0].as_str().unwrap().contains("irreversible"), "{}", fails["notes"]);

    let succeeds = report(&out, "irreversible-down-succeeds");
    assert_eq!(failed_checks(&succeeds), vec!["rollback-identity".to_string()]);
    assert!(messages(&succeeds, "rollback-identity")[0].contains("down completed"), "{:?}", messages(&succeeds, "rollback-identity"));
}

#[test]
fn an_audit_row_passes_with_rows_added_and_volatile_columns_and_fails_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let without = variant(dir.path(), "audit-row.toml", "audit-row-undeclared", |text| text.replace("rows_added = { audit_log = 1 }\n", "").replace("volatile_columns = [\"audit_log.at\"]\n", ""));
    let two_declared = variant(dir.path(), "audit-row.toml", "audit-row-two-declared", |text| text.replace("audit_log = 1", "audit_log = 2"));
    let wrong_column = variant(dir.path(), "audit-row.toml", "audit-row-wrong-column", |text| text.replace("\"audit_log.at\"", "\"audit_log.logged_at\""));
    let out = dir.path().join("out");
    let shipped = scenarios().join("audit-row.toml");
    let output = run(&[path_of(&shipped), path_of(&without), path_of(&two_declared), path_of(&wrong_column)], &out);
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));

    let declared = report(&out, "audit-row");
    assert_eq!(failed_checks(&declared), Vec::<String>::new(), "{}", said(&output));
    assert!(check(&declared, "content").unwrap()["summary"].as_str().unwrap().contains("public.audit_log: 1 rows added"));
    assert!(check(&declared, "rerun").unwrap()["summary"].as_str().unwrap().contains("public.audit_log.at"));
    // The audit table is empty before up, as its setup migration creates it.
    assert_eq!(rows_before(&declared, "public.audit_log"), 0);

    let undeclared = report(&out, "audit-row-undeclared");
    assert_eq!(failed_checks(&undeclared), vec!["conservation", "content", "rerun"]);

    let two = report(&out, "audit-row-two-declared");
    assert_eq!(failed_checks(&two), vec!["conservation", "content"]);
    assert!(messages(&two, "conservation")[0].contains("up added 1 rows, but `rows_added` declares 2"), "{:?}", messages(&two, "conservation"));

    let wrong = report(&out, "audit-row-wrong-column");
    assert_eq!(failed_checks(&wrong), vec!["rerun"]);
    let said_rerun = messages(&wrong, "rerun");
    assert!(said_rerun.iter().any(|m| m.contains("`volatile_columns` names `public.audit_log.logged_at`") && m.contains("audit-row-wrong-column.toml:")), "{said_rerun:?}");
}

#[test]
fn a_rekeying_migration_passes_content_with_match_by_and_gets_the_precise_finding_without() {
    let dir = tempfile::tempdir().unwrap();
    let unpaired = variant(dir.path(), "rekey.toml", "rekey-unpaired", |text| text.replace("match_by = { customers = \"email\" }\n", ""));
    let out = dir.path().join("out");
    let output = run(&[path_of(&scenarios().join("rekey.toml")), path_of(&unpaired)], &out);
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));

    let paired = report(&out, "rekey");
    assert_eq!(failed_checks(&paired), Vec::<String>::new(), "{}", said(&output));
    let content = check(&paired, "content").unwrap()["summary"].as_str().unwrap().to_string();
    let orders = rows_before(&paired, "public.orders");
    assert!(content.contains(&format!("public.orders.{{customer_ref}} changed in {orders} rows")), "{content}");
    assert!(content.contains("public.customers paired by email (`match_by`)"), "{content}");

    let report = report(&out, "rekey-unpaired");
    assert_eq!(failed_checks(&report), vec!["content"]);
    let customers = rows_before(&report, "public.customers");
    let expected = format!("primary keys changed in {customers} rows of public.customers; rows cannot be paired (declare `match_by`)");
    assert_eq!(messages(&report, "content"), vec![expected]);
    let all: Vec<String> = report["checks"].as_array().unwrap().iter().flat_map(|c| c["findings"].as_array().unwrap().iter().map(|f| f["message"].to_string())).collect();
    assert!(all.iter().all(|m| !m.contains("rows lost")), "{all:?}");
}

#[test]
fn an_up_that_renames_what_a_check_needs_gets_findings_naming_it_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, sql: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, sql).unwrap();
        path
    };
    // reminders.user_id -> users.id is a relation the journal schema declares.
    let rename_up = write("rename.up.sql", "ALTER TABLE reminders RENAME COLUMN user_id TO owner_id;\n");
    let rename_down = write("rename.down.sql", "ALTER TABLE reminders RENAME COLUMN owner_id TO user_id;\n");
    let renamed = small_scenario(dir.path(), "renames-relation-column", &rename_up, &rename_down, "");
    let columns = [("id", "reminder_id"), ("user_id", "owner_id"), ("message", "body"), ("remind_at", "due_at"), ("is_done", "done")];
    let all_up = write("all.up.sql", &columns.iter().map(|(from, to)| format!("ALTER TABLE reminders RENAME COLUMN {from} TO {to};\n")).collect::<String>());
    let all_down = write("all.down.sql", &columns.iter().map(|(from, to)| format!("ALTER TABLE reminders RENAME COLUMN {to} TO {from};\n")).collect::<String>());
    let everything = small_scenario(dir.path(), "renames-everything", &all_up, &all_down, "");
    let out = dir.path().join("out");
    let output = run(&[path_of(&renamed), path_of(&everything)], &out);
    assert_eq!(output.status.code(), Some(1), "a finding, not an internal error: {}", said(&output));

    let report_renamed = report(&out, "renames-relation-column");
    assert_eq!(report_renamed["verdict"], "fail");
    assert_eq!(failed_checks(&report_renamed), vec!["references"]);
    let said_refs = messages(&report_renamed, "references");
    assert_eq!(said_refs.len(), 1, "{said_refs:?}");
    assert!(said_refs[0].starts_with("column public.reminders.user_id no longer exists after up (dropped or renamed)"), "{said_refs:?}");
    assert_eq!(check(&report_renamed, "rollback-identity").unwrap()["status"], "pass");

    let report_everything = report(&out, "renames-everything");
    assert_eq!(report_everything["verdict"], "fail");
    assert_eq!(failed_checks(&report_everything), vec!["content", "references"]);
    let said_content = messages(&report_everything, "content");
    assert!(said_content.iter().any(|m| m.starts_with("no column of public.reminders survives up")), "{said_content:?}");
}

#[test]
fn declarations_that_name_no_table_or_need_a_missing_down_are_bad_input_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = variant(dir.path(), "rekey.toml", "rekey-unknown-table", |text| text.replace("match_by = { customers = \"email\" }", "match_by = { customer = \"email\" }"));
    let line = std::fs::read_to_string(&unknown).unwrap().lines().position(|l| l.starts_with("match_by")).unwrap() + 1;
    let output = run(&[path_of(&unknown)], &dir.path().join("out"));
    assert_eq!(output.status.code(), Some(2), "{}", said(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("rekey-unknown-table.toml:{line}:")) && stderr.contains("`customer`"), "{stderr}");

    let no_down = variant(dir.path(), "up-only.toml", "up-only-must-fail", |text| text + "[expect]\ndown = \"fail\"\n");
    let output = run(&[path_of(&no_down)], &dir.path().join("out"));
    assert_eq!(output.status.code(), Some(2), "{}", said(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no down"), "{}", said(&output));
}
