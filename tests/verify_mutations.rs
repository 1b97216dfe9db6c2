//! Mutation testing of the verifier: a correct user migration (the shipped byo-uuid pair)
//! with one mutation applied to its up or its down must be flagged by the check that
//! guards what the mutation breaks, and the unmutated migration must raise nothing. The
//! rows a mutation touches are picked at random from a seed that the test prints
//! (`PGREHEARSE_MUTATION_SEED` replays one); the kill rate is printed.
//!
//! All scenarios run in one `pgrehearse run DIR`, on one server.

mod run_support;

use std::path::{Path, PathBuf};

use run_support::{report, run, said};

/// One mutation: its name, where it goes, its SQL, and the check that must catch it.
struct Mutation {
    name: &'static str,
    in_down: bool,
    sql: String,
    caught_by: &'static str,
}

/// A row of `table` picked by the seed: `md5` of the key and the seed orders the rows.
fn pick(table: &str, key: &str, seed: u64, filter: &str) -> String {
    format!("(SELECT {key} FROM {table} WHERE {filter} ORDER BY md5({key}::text || '{seed}') LIMIT 1)")
}

fn mutations(seed: u64) -> Vec<Mutation> {
    let reminder = pick("reminders", "id", seed, "true");
    let entry = pick("journal_entries", "id", seed, "true");
    let user = pick("users", "id", seed, "email <> upper(email)");
    let m = |name, in_down, sql: String, caught_by| Mutation { name, in_down, sql, caught_by };
    vec![
        m("down-deletes-a-row", true, format!("DELETE FROM reminders WHERE id = {reminder};"), "rollback-identity"),
        m("down-changes-a-value", true, format!("UPDATE journal_entries SET content = content || '.' WHERE id = {entry};"), "rollback-identity"),
        m("down-changes-case", true, format!("UPDATE users SET email = upper(email) WHERE id = {user};"), "rollback-identity"),
        m("down-drops-an-index", true, "DROP INDEX ix_tags_user_id;".into(), "rollback-identity"),
        m("down-disables-a-trigger", true, "ALTER TABLE notes DISABLE TRIGGER notes_touch;".into(), "rollback-identity"),
        m("down-resets-a-sequence", true, "SELECT setval('notes_id_seq', 1, false);".into(), "rollback-identity"),
        m("down-drops-a-grant", true, "REVOKE SELECT ON notes FROM PUBLIC;".into(), "rollback-identity"),
        m("down-leaves-a-function", true, "CREATE FUNCTION public.pgr_leftover() RETURNS int LANGUAGE sql AS 'SELECT 1';".into(), "rollback-identity"),
        m("down-adds-a-row", true, "INSERT INTO reminders (id, user_id, message, remind_at) VALUES (gen_random_uuid()::text, NULL, 'added', now());".into(), "rollback-identity"),
        m("up-deletes-a-row", false, format!("DELETE FROM reminders WHERE id = {reminder};"), "conservation"),
        m("up-changes-a-value", false, format!("UPDATE journal_entries SET content = content || '.' WHERE id = {entry};"), "content"),
        m("up-changes-case", false, format!("UPDATE users SET email = upper(email) WHERE id = {user}::uuid;"), "content"),
        m("up-adds-a-row", false, "INSERT INTO reminders (id, user_id, message, remind_at) VALUES (gen_random_uuid()::text, NULL, 'added', now());".into(), "conservation"),
    ]
}

/// The journal schema plus a serial table with a trigger and a grant, so that every kind
/// of object a mutation breaks exists.
fn schema() -> String {
    let journal = std::fs::read_to_string(root().join("src/scenario/schemas/journal.sql")).unwrap();
    format!(
        "{journal}
CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, touched_at timestamptz);
CREATE FUNCTION notes_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched_at := now(); RETURN NEW; END $$;
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION notes_touch();
GRANT SELECT ON notes TO PUBLIC;
"
    )
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn scenario(name: &str, up: &Path, down: &Path) -> String {
    format!(
        "name = {name:?}\nseed = 21\n[schema]\nfile = \"schema.sql\"\n[rows]\nusers = 300\njournal_entries = 900\ntags = 300\nreminders = 300\nsecret_tags = 100\njournal_entry_tags = 300\nnotes = 200\n\
         [[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\ncount = 9\n[migration]\nup = {:?}\ndown = {:?}\n",
        up.display().to_string(),
        down.display().to_string()
    )
}

/// The checks that failed in the scenario's report; an internal error is never a finding.
fn failed_checks(out: &Path, name: &str) -> Vec<String> {
    let report = report(out, name);
    assert!(report["error"].is_null(), "{name}: an internal error is never a finding: {}", report["error"]);
    run_support::failed_checks(&report)
}

#[test]
fn every_mutation_of_a_correct_migration_is_flagged_by_the_right_check() {
    let seed: u64 = std::env::var("PGREHEARSE_MUTATION_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    eprintln!("mutation seed {seed} (replay with PGREHEARSE_MUTATION_SEED={seed})");
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    std::fs::write(scenarios.join("schema.sql"), schema()).unwrap();
    let up = std::fs::read_to_string(root().join("scenarios/migrations/byo-uuid/0001_uuid.up.sql")).unwrap();
    let down = std::fs::read_to_string(root().join("scenarios/migrations/byo-uuid/0001_uuid.down.sql")).unwrap();
    let write = |file: String, text: &str| {
        let path = scenarios.join(file);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (up_file, down_file) = (write("correct.up.sql".into(), &up), write("correct.down.sql".into(), &down));
    std::fs::write(scenarios.join("correct.toml"), scenario("correct", &up_file, &down_file)).unwrap();
    let mutations = mutations(seed);
    for m in &mutations {
        let (mutated_up, mutated_down) = if m.in_down { (up.clone(), format!("{down}\n{}\n", m.sql)) } else { (format!("{up}\n{}\n", m.sql), down.clone()) };
        let up_file = write(format!("{}.up.sql", m.name), &mutated_up);
        let down_file = write(format!("{}.down.sql", m.name), &mutated_down);
        std::fs::write(scenarios.join(format!("{}.toml", m.name)), scenario(m.name, &up_file, &down_file)).unwrap();
    }

    let out = dir.path().join("out");
    let output = run(&[scenarios.to_str().unwrap()], &out);
    assert_eq!(output.status.code(), Some(1), "mutated migrations are findings (exit 1): {}", said(&output));

    let false_alarms = failed_checks(&out, "correct");
    let mut survivors = Vec::new();
    for m in &mutations {
        let failed = failed_checks(&out, m.name);
        if !failed.iter().any(|c| c == m.caught_by) {
            survivors.push(format!("{} (expected {}, failed: {failed:?})", m.name, m.caught_by));
        }
    }
    let killed = mutations.len() - survivors.len();
    eprintln!("kill rate: {killed}/{} mutations flagged ({:.0}%), {} false alarms on the unmutated migration", mutations.len(), 100.0 * killed as f64 / mutations.len() as f64, false_alarms.len());
    assert_eq!(false_alarms, Vec::<String>::new(), "the correct migration passes every check");
    assert!(survivors.is_empty(), "mutations not flagged by their check: {survivors:#?}");
}
