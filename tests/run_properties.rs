//! Property of whole rehearsals: for a random scenario spec (row counts from 0, every
//! anomaly kind at random amounts, a batch size of 1, exactly the users' row count or one
//! more, every policy, and an extra table referencing users.email with any ON DELETE
//! action), `pgrehearse run` with the built-in engine either passes every check, or the
//! up is refused — and a refusal happens exactly when the spec says it must, or, for an
//! action the engine does not follow, only with a finding naming that constraint. No
//! internal error ever. Shrinking gives the smallest failing spec; failures are kept in
//! `tests/run_properties.proptest-regressions`. `PGREHEARSE_PROPTEST_CASES` raises the
//! number of cases (default 6).

mod run_support;

use std::path::Path;

use run_support::{failed_checks, messages, report, run, said};

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};

const ACTIONS: [&str; 5] = ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"];
const POLICIES: [&str; 2] = ["fail", "quarantine"];
const ORPHAN_POLICIES: [&str; 3] = ["fail", "quarantine", "nullify"];

#[derive(Debug, Clone)]
struct Spec {
    users: u64,
    invalid: u64,
    noncanonical: u64,
    collision_pairs: u64,
    orphans: u64,
    nulls: u64,
    dependents: u64,
    action: usize,
    /// 0: batch size 1; 1: exactly the users' row count; 2: one more.
    batch: usize,
    on_invalid: usize,
    on_orphan: usize,
    on_collision: usize,
}

fn spec() -> impl Strategy<Value = Spec> {
    (0u64..40, 0u64..4, 0u64..4, 0u64..3, 0u64..4, 0u64..3, 0u64..3, 0..ACTIONS.len(), 0usize..3, (0usize..2, 0usize..3, 0usize..2)).prop_map(
        |(users, invalid, noncanonical, pairs, orphans, nulls, dependents, action, batch, (on_invalid, on_orphan, on_collision))| {
            // A row carries at most one anomaly, and children need one clean user to point at.
            let room = users.saturating_sub(1);
            let invalid = invalid.min(room);
            let noncanonical = noncanonical.min(room - invalid);
            let collision_pairs = pairs.min((room - invalid - noncanonical) / 2);
            // reminders has as many rows as users; each carries at most one anomaly too.
            let orphans = orphans.min(users);
            Spec {
                users,
                invalid,
                noncanonical,
                collision_pairs,
                orphans,
                nulls: nulls.min(users - orphans),
                dependents: dependents.min(invalid),
                action,
                batch,
                on_invalid,
                on_orphan,
                on_collision,
            }
        },
    )
}

impl Spec {
    fn batch_size(&self) -> u64 {
        [1, self.users.max(1), self.users + 1][self.batch]
    }

    /// Rows the built-in engine sets aside from users (invalid keys, both rows of each pair).
    fn quarantined_users(&self) -> u64 {
        let invalid = if POLICIES[self.on_invalid] == "quarantine" { self.invalid } else { 0 };
        let pairs = if POLICIES[self.on_collision] == "quarantine" { 2 * self.collision_pairs } else { 0 };
        invalid + pairs
    }

    /// A `fail` policy meets the anomaly it governs: the engine must refuse.
    fn must_refuse(&self) -> bool {
        (self.invalid > 0 && POLICIES[self.on_invalid] == "fail")
            || (self.collision_pairs > 0 && POLICIES[self.on_collision] == "fail")
            || (self.orphans > 0 && ORPHAN_POLICIES[self.on_orphan] == "fail")
    }

    /// Deleting quarantined users may fire an action the engine does not follow: it refuses
    /// when some extra row references one of them, which only the seeded data decides.
    fn may_refuse_on_the_extra_constraint(&self) -> bool {
        ACTIONS[self.action] != "CASCADE" && self.quarantined_users() > 0
    }

    fn toml(&self) -> String {
        let u = self.users;
        let mut text = format!(
            "name = \"prop\"\nseed = 7\n[schema]\nfile = \"schema.sql\"\n[rows]\nusers = {u}\njournal_entries = {}\ntags = {u}\nreminders = {u}\nsecret_tags = {}\njournal_entry_tags = {u}\nextra = {u}\n",
            2 * u,
            u / 2
        );
        let mut anomaly = |kind: &str, column: &str, count: u64| {
            if count > 0 {
                text.push_str(&format!("[[anomaly]]\nkind = \"{kind}\"\ncolumn = \"{column}\"\ncount = {count}\n"));
            }
        };
        anomaly("invalid_uuid", "users.id", self.invalid);
        anomaly("noncanonical_uuid", "users.id", self.noncanonical);
        anomaly("case_collision", "users.id", 2 * self.collision_pairs);
        anomaly("orphan", "reminders.user_id", self.orphans);
        anomaly("null", "reminders.user_id", self.nulls);
        anomaly("dependent", "journal_entries.user_id", self.dependents);
        text.push_str(&format!(
            "[migration]\nengine = \"uuid\"\nroot = \"users.id\"\nbatch_size = {}\non_invalid = \"{}\"\non_orphan = \"{}\"\non_collision = \"{}\"\n",
            self.batch_size(),
            POLICIES[self.on_invalid],
            ORPHAN_POLICIES[self.on_orphan],
            POLICIES[self.on_collision]
        ));
        text
    }
}

fn schema(action: &str) -> String {
    let journal = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenario/schemas/journal.sql")).unwrap();
    format!(
        "{journal}
-- journal_entries.user_id and reminders.user_id reference users.id without an FK.
CREATE TABLE extra (id serial PRIMARY KEY, user_email varchar(255) DEFAULT 'nobody@example.com' REFERENCES users (email) ON DELETE {action}, note text);
"
    )
}

/// Runs the spec; the failing checks, and the up-runs findings' messages.
fn rehearse(spec: &Spec) -> Result<(Vec<String>, Vec<String>), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.sql"), schema(ACTIONS[spec.action])).unwrap();
    let mut text = spec.toml();
    text.push_str("[[relation]]\nfrom = \"journal_entries.user_id\"\nto = \"users.id\"\n[[relation]]\nfrom = \"reminders.user_id\"\nto = \"users.id\"\n");
    std::fs::write(dir.path().join("prop.toml"), text).unwrap();
    let out = dir.path().join("out");
    let output = run(&[dir.path().join("prop.toml").to_str().unwrap()], &out);
    let said = said(&output);
    if !out.join("prop/report.json").is_file() {
        return Err(TestCaseError::fail(format!("no report (exit {:?}): {said}", output.status.code())));
    }
    let report = report(&out, "prop");
    prop_assert!(report["error"].is_null(), "an internal error: {}", report["error"]);
    prop_assert!(matches!(output.status.code(), Some(0 | 1)), "exit {:?}: {said}", output.status.code());
    Ok((failed_checks(&report), messages(&report, "up-runs")))
}

#[test]
fn whole_rehearsals_pass_or_refuse_exactly_when_the_spec_says() {
    let cases = std::env::var("PGREHEARSE_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(6);
    let config = Config { cases, max_shrink_iters: 24, failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))), source_file: Some(file!()), ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&spec(), |spec| {
        let (failed, up_findings) = rehearse(&spec)?;
        if spec.must_refuse() {
            prop_assert_eq!(failed, vec!["up-runs".to_string()], "a fail policy met its anomaly: only the up is refused");
        } else if failed.is_empty() {
            // Passing every check is right unless the data forced a refusal we could not see.
        } else {
            prop_assert!(spec.may_refuse_on_the_extra_constraint(), "checks failed with nothing to refuse: {:?} {:?}", failed, up_findings);
            prop_assert_eq!(&failed, &vec!["up-runs".to_string()]);
            prop_assert!(up_findings.iter().any(|m| m.contains("extra_user_email_fkey")), "the refusal names the constraint: {:?}", up_findings);
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}
