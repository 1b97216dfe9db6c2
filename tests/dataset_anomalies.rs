//! Property test: for any requested mix of anomalies, the ground truth counts equal the
//! request, every recorded row really has its anomaly, and no unrecorded row has one.
//! The anomalies are found with SQL that knows nothing of the generator.

mod dataset_support;

use std::collections::{BTreeMap, BTreeSet};

use dataset_support::{install_is_uuid, pks_where, scenario};
use pgrehearse::dataset::{self, AnomalyKind, GroundTruth, SchemaModel, SchemaSetup, SeedObserver, TruthRecord};
use pgrehearse::provision::{self, ProvisionOptions, Template};
use pgrehearse::scenario::Scenario;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sqlx::PgConnection;

struct Quiet;
impl SeedObserver for Quiet {}

/// One requested mix: (kind, column, count).
#[derive(Debug, Clone)]
struct Mix {
    seed: u64,
    requests: Vec<(AnomalyKind, &'static str, u64)>,
}

fn mix_strategy() -> impl Strategy<Value = Mix> {
    (0..i64::MAX as u64, 0..8u64, 0..8u64, 0..4u64, 0..6u64, 0..8u64, 0..5u64, 0..6u64, 0..5u64, 0..4u64, 0..4u64, 0..4u64).prop_map(
        |(seed, invalid, noncanonical, pairs, duplicate, orphan, orphan_reminders, null, dependent, dependent_tags, invalid_ref, noncanonical_ref)| {
            let has_bad_users = invalid + pairs > 0;
            let requests = vec![
                (AnomalyKind::InvalidUuid, "users.id", invalid),
                (AnomalyKind::NoncanonicalUuid, "users.id", noncanonical),
                (AnomalyKind::CaseCollision, "users.id", pairs * 2),
                (AnomalyKind::Duplicate, "users.email", duplicate),
                (AnomalyKind::Orphan, "journal_entries.user_id", orphan),
                (AnomalyKind::Orphan, "reminders.user_id", orphan_reminders),
                (AnomalyKind::Null, "reminders.user_id", null),
                (AnomalyKind::Dependent, "journal_entries.user_id", if has_bad_users { dependent } else { 0 }),
                (AnomalyKind::Dependent, "tags.user_id", if has_bad_users { dependent_tags } else { 0 }),
                (AnomalyKind::InvalidUuid, "journal_entries.user_id", invalid_ref),
                (AnomalyKind::NoncanonicalUuid, "reminders.user_id", noncanonical_ref),
            ];
            Mix { seed, requests: requests.into_iter().filter(|r| r.2 > 0).collect() }
        },
    )
}

fn scenario_for(mix: &Mix) -> Scenario {
    let mut text = format!(
        "name = \"mix\"\nseed = {}\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 300\njournal_entries = 1200\ntags = 400\nreminders = 300\nsecret_tags = 200\njournal_entry_tags = 500\n",
        mix.seed
    );
    for (kind, column, count) in &mix.requests {
        text.push_str(&format!("[[anomaly]]\nkind = \"{kind}\"\ncolumn = \"{column}\"\ncount = {count}\n"));
    }
    scenario(&text)
}

#[test]
fn any_mix_of_anomalies_is_injected_exactly_and_recorded_exactly() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let template = runtime.block_on(async {
        let db = server.create_database().await.unwrap().keep_on_panic();
        let mut conn = db.connect().await.unwrap();
        let ddl = dataset::seed::schema_ddl(&scenario_for(&Mix { seed: 0, requests: vec![] })).unwrap();
        sqlx::raw_sql(&ddl).execute(&mut conn).await.unwrap();
        drop(conn);
        Template::freeze(&server, db).await.unwrap()
    });
    let mut runner = TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    runner
        .run(&mix_strategy(), |mix| {
            runtime.block_on(check_mix(&template, &mix));
            Ok(())
        })
        .unwrap();
}

async fn check_mix(template: &Template<'_>, mix: &Mix) {
    let scenario = scenario_for(mix);
    let db = template.clone_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed_with(&mut conn, &scenario, SchemaSetup::AlreadyPresent, &Quiet).await.unwrap();
    let truth = GroundTruth::load(&mut conn).await.unwrap();
    assert_eq!(truth, summary.truth);
    check_counts(mix, &truth);
    install_is_uuid(&mut conn).await;
    let model = &summary.model;
    for (table, column) in [("users", "id"), ("journal_entries", "user_id"), ("reminders", "user_id"), ("tags", "user_id"), ("secret_tags", "user_id"), ("journal_entries", "id")] {
        check_invalid(&mut conn, model, &truth, table, column).await;
        check_noncanonical(&mut conn, model, &truth, table, column).await;
    }
    for table in ["journal_entries", "reminders"] {
        check_orphans(&mut conn, model, &truth, table).await;
    }
    check_nulls(&mut conn, model, &truth).await;
    check_collisions(&mut conn, model, &truth).await;
    check_duplicates(&mut conn, &truth).await;
    check_dependents(&mut conn, &truth).await;
    check_inherited(&mut conn, model, &truth).await;
}

fn check_counts(mix: &Mix, truth: &GroundTruth) {
    let mut expected: BTreeMap<(String, AnomalyKind), u64> = BTreeMap::new();
    for (kind, column, count) in &mix.requests {
        let table = column.split('.').next().unwrap().to_string();
        *expected.entry((table, *kind)).or_default() += count;
    }
    assert_eq!(truth.requested_counts(), expected, "ground-truth counts equal the request");
    let inherited = truth.anomalies.iter().filter(|r| r.is_inherited()).count() as u64;
    assert_eq!(truth.counts().values().sum::<u64>(), expected.values().sum::<u64>() + inherited, "the only records not asked for are inherited ones");
}

fn recorded(truth: &GroundTruth, table: &str, column: &str, keep: impl Fn(&TruthRecord) -> bool) -> BTreeSet<Vec<String>> {
    truth.anomalies.iter().filter(|r| r.table_name == table && r.column_name.as_deref() == Some(column) && keep(r)).map(|r| r.pk.clone()).collect()
}

/// The record of the parent a dependent points at.
fn parent_of<'a>(truth: &'a GroundTruth, dependent: &TruthRecord) -> Option<&'a TruthRecord> {
    truth.anomalies.iter().find(|p| Some(&p.table_name) == dependent.related_table.as_ref() && Some(&p.pk) == dependent.related_pk.as_ref())
}

async fn check_invalid(conn: &mut PgConnection, model: &SchemaModel, truth: &GroundTruth, table: &str, column: &str) {
    let actual = pks_where(conn, model, table, &format!("{column} IS NOT NULL AND NOT pg_temp.is_uuid({column})")).await;
    let expected = recorded(truth, table, column, |r| {
        r.kind == AnomalyKind::InvalidUuid || (r.kind == AnomalyKind::Dependent && parent_of(truth, r).is_some_and(|p| p.kind == AnomalyKind::InvalidUuid))
    });
    assert_eq!(actual, expected, "rows of {table}.{column} that fail ::uuid are exactly the recorded ones");
}

async fn check_noncanonical(conn: &mut PgConnection, model: &SchemaModel, truth: &GroundTruth, table: &str, column: &str) {
    let condition = format!("CASE WHEN pg_temp.is_uuid({column}) THEN {column}::uuid::text <> {column} ELSE false END");
    let actual = pks_where(conn, model, table, &condition).await;
    let is_changed_twin = |r: &TruthRecord| r.kind == AnomalyKind::CaseCollision && r.variety.as_deref() != Some("canonical");
    let expected = recorded(truth, table, column, |r| {
        r.kind == AnomalyKind::NoncanonicalUuid || is_changed_twin(r) || (r.kind == AnomalyKind::Dependent && parent_of(truth, r).is_some_and(is_changed_twin))
    });
    assert_eq!(actual, expected, "rows of {table}.{column} that pass ::uuid but are not canonical are exactly the recorded ones");
}

async fn check_orphans(conn: &mut PgConnection, model: &SchemaModel, truth: &GroundTruth, table: &str) {
    let actual = pks_where(conn, model, table, "user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = user_id)").await;
    let expected = recorded(truth, table, "user_id", |r| matches!(r.kind, AnomalyKind::Orphan | AnomalyKind::InvalidUuid | AnomalyKind::NoncanonicalUuid) && !r.is_inherited());
    assert_eq!(actual, expected, "{table} rows with no parent are exactly the recorded orphans (and uuid anomalies in the reference)");
}

async fn check_nulls(conn: &mut PgConnection, model: &SchemaModel, truth: &GroundTruth) {
    let actual = pks_where(conn, model, "reminders", "user_id IS NULL").await;
    assert_eq!(actual, recorded(truth, "reminders", "user_id", |r| r.kind == AnomalyKind::Null));
}

async fn check_collisions(conn: &mut PgConnection, model: &SchemaModel, truth: &GroundTruth) {
    let actual = pks_where(conn, model, "users", "lower(id) IN (SELECT lower(id) FROM users GROUP BY 1 HAVING count(*) > 1)").await;
    let expected = recorded(truth, "users", "id", |r| r.kind == AnomalyKind::CaseCollision);
    assert_eq!(actual, expected, "ids that collide ignoring case are exactly the recorded collisions");
    for record in truth.anomalies.iter().filter(|r| r.kind == AnomalyKind::CaseCollision) {
        let twin = record.related_pk.as_ref().expect("a collision names its twin");
        assert_ne!(twin, &record.pk);
        assert_eq!(twin[0].to_lowercase(), record.pk[0].to_lowercase());
    }
}

async fn check_duplicates(conn: &mut PgConnection, truth: &GroundTruth) {
    let involved: (i64,) = sqlx::query_as(
        "SELECT count(*) FROM users u WHERE EXISTS (SELECT 1 FROM users v WHERE v.id <> u.id AND lower(btrim(v.email)) = lower(btrim(u.email)))",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let duplicates = truth.count("users", AnomalyKind::Duplicate);
    assert_eq!(involved.0 as u64, 2 * duplicates, "each duplicate and its source share a normalised email, and no other rows do");
    for record in truth.anomalies.iter().filter(|r| r.kind == AnomalyKind::Duplicate) {
        let (mine, source): (String, String) = sqlx::query_as("SELECT (SELECT email FROM users WHERE id = $1), (SELECT email FROM users WHERE id = $2)")
            .bind(&record.pk[0])
            .bind(&record.related_pk.as_ref().unwrap()[0])
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_ne!(mine, source, "a duplicate differs in its exact text (the unique constraint holds)");
        assert_eq!(mine.trim().to_lowercase(), source.trim().to_lowercase());
    }
}

async fn check_dependents(conn: &mut PgConnection, truth: &GroundTruth) {
    for table in ["journal_entries", "tags"] {
        let dependents: Vec<&TruthRecord> = truth.anomalies.iter().filter(|r| r.kind == AnomalyKind::Dependent && r.table_name == table).collect();
        let sql = format!("SELECT user_id FROM {table} WHERE id = $1");
        for record in &dependents {
            let parent = parent_of(truth, record).expect("a dependent's parent is itself in the ground truth");
            assert!(parent.kind.makes_bad_parent(), "{parent:?} is a bad parent");
            let (user_id,): (String,) = sqlx::query_as(&sql).bind(&record.pk[0]).fetch_one(&mut *conn).await.unwrap();
            assert_eq!(vec![user_id], parent.pk, "the dependent points at its bad parent");
        }
        // No unrecorded child points at an anomalous user.
        let bad_users: Vec<String> = truth.anomalies.iter().filter(|r| r.table_name == "users" && r.kind.makes_bad_parent()).map(|r| r.pk[0].clone()).collect();
        let pointing: Vec<(String,)> = sqlx::query_as(&format!("SELECT id FROM {table} WHERE user_id = ANY($1)")).bind(&bad_users).fetch_all(&mut *conn).await.unwrap();
        let pointing: BTreeSet<Vec<String>> = pointing.into_iter().map(|(id,)| vec![id]).collect();
        assert_eq!(pointing, dependents.iter().map(|r| r.pk.clone()).collect::<BTreeSet<_>>(), "children of bad users in {table} are exactly the recorded dependents");
    }
}

/// Children that reference a non-canonical user by exactly its text are the recorded
/// inherited rows (plus the dependents of a case collision's changed twin, whose key is
/// non-canonical too), each naming that user; and every non-canonical user has some.
async fn check_inherited(conn: &mut PgConnection, model: &SchemaModel, truth: &GroundTruth) {
    // CASE, not AND: SQL does not promise to test is_uuid before the cast.
    let noncanonical_user = "user_id IN (SELECT id FROM users WHERE CASE WHEN pg_temp.is_uuid(id) THEN id::uuid::text <> id ELSE false END)";
    for table in ["journal_entries", "tags", "reminders", "secret_tags"] {
        let actual = pks_where(conn, model, table, noncanonical_user).await;
        let is_changed_twin = |r: &TruthRecord| r.kind == AnomalyKind::CaseCollision && r.variety.as_deref() != Some("canonical");
        let expected = recorded(truth, table, "user_id", |r| r.is_inherited() || (r.kind == AnomalyKind::Dependent && parent_of(truth, r).is_some_and(is_changed_twin)));
        assert_eq!(actual, expected, "{table} rows referencing a non-canonical user by its text are exactly the recorded ones");
        let sql = format!("SELECT user_id FROM {table} WHERE id = $1");
        for record in truth.anomalies.iter().filter(|r| r.table_name == table && r.is_inherited()) {
            let parent = parent_of(truth, record).expect("an inherited record names its parent");
            assert_eq!((parent.table_name.as_str(), parent.kind), ("users", AnomalyKind::NoncanonicalUuid));
            assert_eq!(record.variety, parent.variety, "the child carries its parent's variety");
            let (user_id,): (String,) = sqlx::query_as(&sql).bind(&record.pk[0]).fetch_one(&mut *conn).await.unwrap();
            assert_eq!(vec![user_id], parent.pk, "the child holds its parent's exact text");
        }
    }
    let (childless,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM users u WHERE CASE WHEN pg_temp.is_uuid(u.id) THEN u.id::uuid::text <> u.id ELSE false END
            AND NOT EXISTS (SELECT 1 FROM journal_entries j WHERE j.user_id = u.id)
            AND NOT EXISTS (SELECT 1 FROM users v WHERE v.id <> u.id AND lower(v.id) = lower(u.id))",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(childless, 0, "every non-canonical user (collisions aside) has journal entries pointing at it");
}
