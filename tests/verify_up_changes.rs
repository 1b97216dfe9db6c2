//! The up-changes check: each suspicious change an up can make is a finding naming the
//! object (NOT NULL lost on a converted column, a foreign key dropped and not re-added, a
//! duplicate index, a new volatile default on a referencing column, a helper function or
//! scratch table left behind), its harmless neighbours are not, and a correct migration
//! (the correct up of the verify fixtures, and the shipped byo-uuid scenario) raises none.
//! Expected objects and definitions are read from the before database.

#[path = "verify_support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::Path;

use pgrehearse::provision::Template;
use pgrehearse::rehearsal::{rehearse, RehearsalOptions};
use pgrehearse::scenario::Scenario;
use pgrehearse::verify::{CheckKind, CheckResult, CheckStatus};
use sqlx::PgConnection;
use support::*;

/// The up-changes result of `up` applied to a fresh clone, and the before connection.
async fn up_changes(template: &Template<'_>, up: &str) -> (CheckResult, PgConnection) {
    let (b, a) = (template.clone_database().await.unwrap().keep_on_panic(), template.clone_database().await.unwrap().keep_on_panic());
    let (mut before, mut after) = (connect(&b).await, connect(&a).await);
    apply(&mut after, "up.sql", up).await;
    let result = run_check(CheckKind::UpChanges, &mut before, &mut after, &scope(), &[]).await;
    (result, before)
}

fn keys(result: &CheckResult, needle: &str) -> Vec<String> {
    finding(result, CheckKind::UpChanges, needle).examples.iter().map(|e| e.key.clone()).collect()
}

#[tokio::test]
async fn the_correct_up_raises_nothing() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let (result, _) = up_changes(&template, UP_SQL).await;
    assert_pass(&result);
}

#[tokio::test]
async fn not_null_lost_on_a_converted_column() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    // A shadow-column conversion that forgets NOT NULL; the unconverted `created_at`
    // losing NOT NULL is a plain nullability change, listed but not this finding.
    let up = format!(
        "{UP_SQL}\nALTER TABLE users ADD COLUMN email_new varchar(320);\nUPDATE users SET email_new = email;\n\
         ALTER TABLE users DROP COLUMN email;\nALTER TABLE users RENAME COLUMN email_new TO email;\n\
         ALTER TABLE users ALTER COLUMN created_at DROP NOT NULL;"
    );
    let (result, mut before) = up_changes(&template, &up).await;
    let old_type = scalar_text(&mut before, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email' AND attnotnull").await;
    let f = finding(&result, CheckKind::UpChanges, "NOT NULL lost");
    assert_eq!(f.table.as_deref(), Some("public.users"));
    assert_eq!(keys(&result, "NOT NULL lost"), ["column public.users.email"]);
    assert_eq!(f.examples[0].before.as_deref(), Some(format!("{old_type} not null").as_str()));
    assert_eq!(f.examples[0].after.as_deref(), Some("character varying(320)"));
}

#[tokio::test]
async fn a_foreign_key_dropped_and_not_re_added() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let readd = "ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_user_id_fkey\n    FOREIGN KEY (user_id) REFERENCES users (id);\n";
    assert!(UP_SQL.contains(readd));
    let (result, mut before) = up_changes(&template, &UP_SQL.replace(readd, "")).await;
    let name = scalar_text(&mut before, "SELECT conname::text FROM pg_constraint WHERE contype = 'f' AND conrelid = 'journal_entries'::regclass").await;
    let f = finding(&result, CheckKind::UpChanges, "foreign key dropped");
    assert_eq!((f.table.as_deref(), f.count), (Some("public.journal_entries"), 1));
    assert_eq!(keys(&result, "foreign key dropped"), [format!("foreign key {name}")]);

    // Re-added under another name: the same reference, so not a finding.
    let renamed = UP_SQL.replace(readd, "ALTER TABLE journal_entries ADD CONSTRAINT je_user FOREIGN KEY (user_id) REFERENCES users (id);\n");
    let (result, _) = up_changes(&template, &renamed).await;
    assert_pass(&result);
}

#[tokio::test]
async fn an_index_that_duplicates_another() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let up = format!(
        "{UP_SQL}\nCREATE INDEX users_id_idx ON users (id);\nCREATE INDEX users_email_again ON users (email);\n\
         CREATE INDEX users_email_a ON users (email) WHERE email LIKE 'a%';\nCREATE INDEX users_email_hash ON users USING hash (email);"
    );
    let (result, mut before) = up_changes(&template, &up).await;
    let pkey = scalar_text(&mut before, "SELECT relname::text FROM pg_class WHERE oid = (SELECT indexrelid FROM pg_index WHERE indrelid = 'users'::regclass AND indisprimary)").await;
    let email_idx = scalar_text(&mut before, "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'users'::regclass AND NOT indisprimary").await;
    let found: BTreeSet<String> = keys(&result, "index duplicates").into_iter().collect();
    let expected: BTreeSet<String> =
        [format!("index users_id_idx duplicates {pkey}"), format!("index users_email_again duplicates {email_idx}")].into_iter().collect();
    assert_eq!(found, expected, "a partial index and a hash index are not duplicates");
}

#[tokio::test]
async fn a_new_volatile_default_on_a_referencing_column() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    // A random uuid for the parent's own key is fine; for the reference, it points nowhere.
    // `now()` is stable, not volatile: no finding on a reference either.
    let up = format!(
        "{UP_SQL}\nALTER TABLE users ALTER COLUMN id SET DEFAULT gen_random_uuid();\n\
         ALTER TABLE journal_entries ALTER COLUMN user_id SET DEFAULT gen_random_uuid();\n\
         ALTER TABLE journal_entries ALTER COLUMN note SET DEFAULT md5(random()::text);\n\
         ALTER TABLE journal_entries ADD COLUMN created_by uuid REFERENCES users (id);\n\
         ALTER TABLE journal_entries ALTER COLUMN created_by SET DEFAULT ('00000000-0000-0000-0000-' || lpad(extract(epoch FROM now())::bigint::text, 12, '0'))::uuid;"
    );
    let (result, mut before) = up_changes(&template, &up).await;
    let provolatile = scalar_text(&mut before, "SELECT provolatile::text FROM pg_proc WHERE proname = 'gen_random_uuid'").await;
    assert_eq!(provolatile, "v", "the catalog's volatility is what the check reads");
    let f = finding(&result, CheckKind::UpChanges, "volatile default");
    assert_eq!(keys(&result, "volatile default"), ["column public.journal_entries.user_id"]);
    assert_eq!(f.examples[0].before.as_deref(), Some("(no default)"));
    assert_eq!(f.examples[0].after.as_deref(), Some("gen_random_uuid()"));
}

#[tokio::test]
async fn a_helper_function_and_scratch_tables_left_behind() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let up = format!(
        "CREATE FUNCTION public.to_uuid_or_null(t text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT t::uuid $$;\n\
         CREATE TABLE public.users_old AS SELECT * FROM users;\n\
         CREATE UNLOGGED TABLE public.id_pairs (old_id text, new_id uuid);\n\
         {UP_SQL}\n\
         CREATE TABLE public.user_settings (user_id uuid PRIMARY KEY REFERENCES users (id), theme text);\n\
         CREATE FUNCTION public.touch_settings() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.theme := normalized_theme(NEW.theme); RETURN NEW; END $$;\n\
         CREATE FUNCTION public.normalized_theme(t text) RETURNS text LANGUAGE sql AS $$ SELECT lower(t) $$;\n\
         CREATE TRIGGER user_settings_touch BEFORE INSERT ON user_settings FOR EACH ROW EXECUTE FUNCTION touch_settings();"
    );
    let (result, _) = up_changes(&template, &up).await;
    assert_eq!(keys(&result, "function created by up"), ["function public.to_uuid_or_null(t text)"]);
    let tables: BTreeSet<Option<String>> =
        result.findings.iter().filter(|f| f.message.contains("table created by up")).map(|f| f.table.clone()).collect();
    assert_eq!(tables, [Some("public.id_pairs".to_string()), Some("public.users_old".to_string())].into_iter().collect());
    assert_eq!(result.findings.len(), 3, "the settings table and the trigger's functions are intended: {:#?}", result.findings);
}

#[tokio::test]
async fn the_shipped_byo_uuid_scenario_raises_none_and_lists_every_conversion() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let scenario = Scenario::load(&root.join("byo-uuid.toml")).expect("shipped scenario loads");
    let server = server().await;
    let out = tempfile::tempdir().unwrap();
    let options = RehearsalOptions { out_dir: out.path().to_path_buf(), progress: pgrehearse::progress::Progress::hidden(), statement_timeout: pgrehearse::migration::DEFAULT_STATEMENT_TIMEOUT };
    let report = rehearse(&server, &scenario, &options).await.expect("rehearsal runs").report;
    let check = report.checks.iter().find(|c| c.check == CheckKind::UpChanges).expect("up-changes ran");
    assert_eq!(check.status, CheckStatus::Pass, "{:#?}", check.findings);
    // Every `ALTER TABLE t ALTER COLUMN c TYPE uuid` of the up file is a listed type change.
    let up = std::fs::read_to_string(root.join("migrations/byo-uuid/0001_uuid.up.sql")).unwrap();
    let converted: BTreeSet<String> = up
        .lines()
        .filter_map(|l| l.strip_prefix("ALTER TABLE "))
        .filter_map(|l| {
            let (table, rest) = l.split_once(" ALTER COLUMN ")?;
            let (column, _) = rest.split_once(" TYPE uuid")?;
            Some(format!("type of column public.{table}.{column}"))
        })
        .collect();
    assert!(converted.len() >= 5, "{converted:?}");
    let changes = report.up_changes.as_ref().expect("the report lists what up changed");
    let listed: BTreeSet<String> =
        changes.iter().filter(|c| c.after.as_deref() == Some("uuid")).map(|c| c.object.clone()).collect();
    assert_eq!(listed, converted);
    let written = std::fs::read_to_string(out.path().join(&scenario.name).join("report.md")).unwrap();
    assert!(written.contains("## What up changed") && written.contains("type of column public.users.id"));
}
