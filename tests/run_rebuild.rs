//! `pgrehearse run` with `[migration] convert = "rebuild"`: the shipped journal-small
//! rehearsal passes end to end with the rebuild convert too. The retired original tables
//! wait for `cleanup` in the engine's schema, so the user's schema after up holds nothing
//! the migration left behind, and the rollback (a swap back) restores every row.

#[path = "run_support/mod.rs"]
mod run_support;

use run_support::{failed_checks, report, run, said, variant};

#[test]
fn journal_small_passes_with_the_rebuild_convert() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = variant(dir.path(), "journal-small.toml", "journal-small-rebuild", |text| {
        text.replacen("engine = \"uuid\"\n", "engine = \"uuid\"\nconvert = \"rebuild\"\n", 1)
    });
    let text = std::fs::read_to_string(&scenario).unwrap();
    assert!(text.contains("convert = \"rebuild\""), "the variant asks for the rebuild convert:\n{text}");
    let out = dir.path().join("out");
    let output = run(&[scenario.to_str().unwrap()], &out);
    let report = report(&out, "journal-small-rebuild");
    assert_eq!(failed_checks(&report), Vec::<String>::new(), "{}", said(&output));
    assert_eq!(report["verdict"], "pass", "{}", said(&output));
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    let migration = report["backend"]["migration"].as_str().unwrap();
    assert!(migration.contains("rebuild convert"), "the report names the method: {migration}");
    let json = report.to_string();
    assert!(json.contains("rebuild_reverse_"), "up left the rebuild's reverse log on the swapped tables, until cleanup: {json}");
    assert!(!json.contains("pgr_old_"), "no retired original table in the user's schema: {json}");
}
