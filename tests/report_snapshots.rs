//! Snapshot tests of the four renderers, from a hand-made report with findings, row
//! counts, quarantine reasons, batches and timings. Volatile fields are redacted with
//! `Report::redacted`; the snapshots live in the top-level `snapshots/` directory.

use std::collections::BTreeMap;
use std::time::Duration;

use pgrehearse::report::{html, json, junit, markdown, Backend, Batch, Report, Timing, Verdict};
use pgrehearse::verify::conservation::TableCounts;
use pgrehearse::verify::schema_diff::SchemaChange;
use pgrehearse::verify::{CheckKind, CheckResult, Example, Finding};

/// A report as a failing bring-your-own rehearsal would produce: the down lowercases
/// upper-case uuids, and one reference is left NOT VALID.
fn sample_report() -> Report {
    // A down that lowercases upper-case uuids: each row paired with its original by key.
    let mut identity = Finding::new(
        CheckKind::RollbackIdentity,
        Some("public.users".into()),
        "users.id values differ from the original: case changed",
    );
    for key in ["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'B1FFCD00-0000-4000-8000-000000000001'"] {
        identity.record_row(vec![Example::column(key, "id", Some(key.into()), Some(key.to_lowercase()))]);
    }
    // A long value changed in one place: shortened in the middle, the change marked.
    let mut notes = Finding::new(
        CheckKind::RollbackIdentity,
        Some("public.journal_entries".into()),
        "journal_entries.note, amount values differ from the original: values changed",
    );
    let long = |c: char| format!("'{}{c}{}'", "lorem ipsum ".repeat(8), "dolor sit amet ".repeat(8));
    notes.record_row(vec![
        Example::column("'17'", "note", Some(long('A')), Some(long('B'))),
        Example::column("'17'", "amount", Some("'12.50'".into()), Some("'12.5'".into())),
    ]);
    let mut not_valid = Finding::new(
        CheckKind::References,
        Some("public.journal_entries".into()),
        "foreign key left NOT VALID after up: a | b <c> & 'd'",
    );
    not_valid.record(Example::new("journal_entries_user_id_fkey", None, Some("NOT VALID".into())));
    let mut not_null = Finding::new(
        CheckKind::UpChanges,
        Some("public.journal_entries".into()),
        "NOT NULL lost on a converted column: up changed its type and dropped NOT NULL",
    );
    not_null.record(Example::new("column public.journal_entries.user_id", Some("character varying(36) not null".into()), Some("uuid".into())));
    let checks = vec![
        CheckResult::from_findings(CheckKind::UpRuns, "up completed", vec![], Duration::from_millis(812)),
        CheckResult::from_findings(
            CheckKind::Conservation,
            "2 tables, 723 rows before",
            vec![],
            Duration::from_millis(3),
        ),
        CheckResult::from_findings(
            CheckKind::Content,
            "2 tables, 723 rows compared",
            vec![],
            Duration::from_millis(41),
        ),
        CheckResult::from_findings(
            CheckKind::References,
            "1 relations checked (0 declared)",
            vec![not_valid],
            Duration::from_millis(5),
        ),
        CheckResult::skip(CheckKind::Anomalies, "3 rows set aside; no ground truth to score them against"),
        CheckResult::from_findings(
            CheckKind::UpChanges,
            "3 schema changes from the original to the state up reached, 1 of them suspicious",
            vec![not_null],
            Duration::from_millis(1),
        ),
        CheckResult::from_findings(
            CheckKind::RollbackIdentity,
            "2 tables compared",
            vec![identity.with_count(35), notes],
            Duration::from_millis(27),
        ),
        CheckResult::from_findings(CheckKind::Rerun, "2 tables compared", vec![], Duration::from_millis(9)),
    ];
    let backend = Backend {
        kind: "native".into(),
        server_version: "15.18".into(),
        pgrehearse_version: "0.1.0".into(),
        database: "postgres://postgres:***@127.0.0.1:54321/pgrehearse_7f3a".into(),
        migration: "migrations/0007_uuid.up.sql, migrations/0007_uuid.down.sql".into(),
    };
    let mut report = Report::new("byo-subtly-wrong-down", backend, checks);
    report.seed = Some(11);
    let change = |object: &str, before: Option<&str>, after: Option<&str>| SchemaChange {
        table: "public.journal_entries".into(),
        object: object.into(),
        change: if before.is_none() { "added" } else { "changed" }.into(),
        before: before.map(str::to_string),
        after: after.map(str::to_string),
    };
    report.up_changes = Some(vec![
        change("type of column public.journal_entries.user_id", Some("character varying(36)"), Some("uuid")),
        change("nullability of column public.journal_entries.user_id", Some("not null"), Some("null")),
        change("index public.journal_entries.journal_entries_user_id_idx", None, Some("CREATE INDEX journal_entries_user_id_idx ON public.journal_entries USING btree (user_id)")),
    ]);
    report.tables = vec![
        TableCounts { table: "public.journal_entries".into(), before: 483, after: Some(480), quarantined: 3 },
        TableCounts { table: "public.users".into(), before: 240, after: Some(238), quarantined: 2 },
    ];
    report.quarantine_by_reason =
        BTreeMap::from([("invalid uuid".to_string(), 2), ("references an invalid uuid".to_string(), 3)]);
    report.batches = (1..=5).map(|i| Batch { index: i, rows: 100, duration: Duration::from_millis(10 * i) }).collect();
    report.timings = ["provision", "seed", "migrate", "verify", "rollback"]
        .iter()
        .enumerate()
        .map(|(i, p)| Timing { phase: p.to_string(), duration: Duration::from_millis(100 * (i as u64 + 1)) })
        .collect();
    report
}

/// Refuses empty output: a renderer that returns nothing must not pass as a snapshot.
fn assert_rendered_snapshot(name: &str, text: &str) {
    assert!(text.trim().len() > 100, "{name} rendered almost nothing: {text:?}");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn markdown_puts_the_verdict_first_and_timings_last() {
    let report = sample_report().redacted();
    let text = markdown::render(&report);
    assert!(text.lines().nth(2).unwrap().starts_with("**Verdict: FAIL**"));
    assert!(text.find("## Timings").unwrap() > text.find("## Checks").unwrap());
    assert!(text.contains("(showing 2 of 35)"), "a finding with more rows than examples says so");
    assert!(text.contains("| 35 users.id values differ"), "a failing check's summary says what failed");
    assert!(text.contains("## What up changed") && text.contains("| type of column public.journal_entries.user_id | **character varying(36)** → **uuid** |"));
    assert!(text.contains("id: '**A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A**11' → '**a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a**11'"), "a paired row shows column: old → new, the difference marked");
    assert!(text.contains("note: …lorem ipsum **A**dolor sit am… → …lorem ipsum **B**dolor sit am…"), "a long value is shortened around its difference");
    assert_rendered_snapshot("report_md", &text);
}

#[test]
fn json_round_trips_and_snapshots() {
    let report = sample_report().redacted();
    let text = json::render(&report);
    assert_eq!(json::parse(&text).unwrap(), report);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!((value["format"].as_u64(), value["seed"].as_u64()), (Some(1), Some(11)));
    let example = &value["checks"][6]["findings"][0]["examples"][0];
    assert_eq!((example["key"].as_str(), example["column"].as_str()), (Some("'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'"), Some("id")));
    assert_eq!(example["after"].as_str(), Some("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"));
    assert_rendered_snapshot("report_json", &text);
}

#[test]
fn junit_has_one_testcase_per_check_with_findings_in_failures() {
    let report = sample_report().redacted();
    let text = junit::render(&report);
    assert_eq!(text.matches("<testcase ").count(), report.checks.len());
    let failing = report.checks.iter().filter(|c| c.is_failure()).count();
    assert!(failing > 0);
    assert_eq!(text.matches("<failure ").count(), failing);
    assert!(text.contains("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), "examples are in the failure text");
    assert_rendered_snapshot("junit_xml", &text);
}

#[test]
fn html_is_self_contained_with_three_charts() {
    let report = sample_report().redacted();
    let text = html::render(&report);
    assert!(!text.contains("<script") && !text.contains("<link") && !text.contains("src="), "no external asset");
    assert_eq!(text.matches("<svg ").count(), 3, "rows per table, quarantine by reason, batch duration");
    assert!(text.contains("a | b &lt;c&gt; &amp; &apos;d&apos;"), "markup in findings is escaped");
    assert_rendered_snapshot("report_html", &text);
}

#[test]
fn reports_are_deterministic_apart_from_timings_and_ports() {
    let report = sample_report();
    let mut slower = sample_report();
    slower.checks.iter_mut().for_each(|c| c.duration *= 3);
    slower.timings.iter_mut().for_each(|t| t.duration *= 3);
    slower.batches.iter_mut().for_each(|b| b.duration *= 3);
    for render in [markdown::render, json::render, junit::render, html::render] {
        assert_eq!(render(&report.redacted()), render(&slower.redacted()));
        assert_ne!(render(&report), render(&slower), "timings are rendered");
    }
    for render in [markdown::render, json::render, html::render] {
        assert!(
            render(&report).contains(":54321/") && !render(&report.redacted()).contains(":54321/"),
            "the port is redacted"
        );
    }
    assert_eq!(report.verdict, Verdict::Fail);
}

#[test]
fn reports_are_written_to_the_chosen_directory() {
    let dir = tempfile::tempdir().unwrap();
    let report = sample_report();
    let written = pgrehearse::report::write_reports(&report, &dir.path().join("out")).unwrap();
    for path in [&written.markdown, &written.json, &written.junit, &written.html] {
        assert!(std::fs::metadata(path).unwrap().len() > 100, "{}", path.display());
    }
    assert_eq!(pgrehearse::report::default_dir("../escape"), std::path::Path::new("target/pgrehearse/.._escape"));
}
