//! Snapshot tests of the four renderers, from a hand-made report with findings, row
//! counts, quarantine reasons, batches and timings. Volatile fields are redacted with
//! `Report::redacted`; the snapshots live in the top-level `snapshots/` directory.

use std::collections::BTreeMap;
use std::time::Duration;

use pgrehearse::report::{html, json, junit, markdown, Backend, Batch, Report, Timing, Verdict};
use pgrehearse::verify::conservation::TableCounts;
use pgrehearse::verify::{CheckKind, CheckResult, Example, Finding};

/// A report as a failing bring-your-own rehearsal would produce: the down lowercases
/// upper-case uuids, and one reference is left NOT VALID.
fn sample_report() -> Report {
    let mut identity = Finding::new(
        CheckKind::RollbackIdentity,
        Some("public.users".into()),
        "rows of the original are missing after rollback",
    );
    for key in ["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'B1FFCD00-0000-4000-8000-000000000001'"] {
        identity.record(Example { key: key.into(), before: Some(format!("{key}|'a@example.com'")), after: None });
    }
    let mut not_valid = Finding::new(
        CheckKind::References,
        Some("public.journal_entries".into()),
        "foreign key left NOT VALID after up: a | b <c> & 'd'",
    );
    not_valid.record(Example {
        key: "journal_entries_user_id_fkey".into(),
        before: None,
        after: Some("NOT VALID".into()),
    });
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
            CheckKind::RollbackIdentity,
            "2 tables compared",
            vec![identity.with_count(35)],
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
    assert_rendered_snapshot("report_md", &text);
}

#[test]
fn json_round_trips_and_snapshots() {
    let report = sample_report().redacted();
    let text = json::render(&report);
    assert_eq!(json::parse(&text).unwrap(), report);
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
