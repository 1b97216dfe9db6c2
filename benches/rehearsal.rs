//! A rehearsal against Postgres's own floors, side by side in one run, on the data of a
//! built-in-engine scenario (`scenarios/journal-1m.toml`, 1M rows in all;
//! `PGREHEARSE_BENCH_SCENARIO` names another):
//!
//! - the content check ÷ `count(*)` of every table of both databases (goal ≤ 5): criterion
//!   samples alternating between the two, on a clone of the seeded data and a clone
//!   converted by the one-shot ALTER, with both states read outside the timed section
//!   (they are read once per state and shared by every check); reading the two states
//!   and then checking is printed too;
//! - `pgrehearse run` of the scenario (seed, up, verify, down, verify, rerun, reports) ÷
//!   the one-shot `ALTER TABLE … TYPE uuid` of the key and its references (goal ≤ 8),
//!   with the rehearsal's own phases (first up, rerun, content check) from its report.
//!
//! The one-shot ALTER cannot cast the anomalies the engine sets aside, so before its clock
//! starts every key value that is not a canonical uuid is replaced (in the key and its
//! references alike) by a canonical uuid derived from it, as `pgrehearse bench` does.
//! Run with `cargo bench --bench rehearsal`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use pgrehearse::dataset::{self, load::Silent};
use pgrehearse::migration::DEFAULT_STATEMENT_TIMEOUT;
use pgrehearse::progress::Progress;
use pgrehearse::provision::{self, Database, ProvisionOptions, Template};
use pgrehearse::rehearsal::{rehearse, RehearsalOptions};
use pgrehearse::scenario::Scenario;
use pgrehearse::verify::registry;
use pgrehearse::verify::schema_snapshot::SnapshotOptions;
use pgrehearse::verify::{CheckKind, CheckStatus, Context, DatabaseState, Scope};
use sqlx::{Executor, PgConnection};

/// The key the scenario converts and the columns that reference it, with the foreign keys
/// among them, as the journal schema has them.
const KEY: (&str, &str) = ("users", "id");
const REFERENCES: &[(&str, &str)] = &[("journal_entries", "user_id"), ("tags", "user_id"), ("reminders", "user_id"), ("secret_tags", "user_id")];
const FOREIGN_KEYS: &[(&str, &str, &str)] = &[
    ("tags", "tags_user_id_fkey", "FOREIGN KEY (user_id) REFERENCES users (id)"),
    ("secret_tags", "secret_tags_user_id_fkey", "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"),
];
const CANONICAL: &str = "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'";

fn scenario_path() -> PathBuf {
    std::env::var_os("PGREHEARSE_BENCH_SCENARIO")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/journal-1m.toml"))
}

fn columns() -> impl Iterator<Item = (&'static str, &'static str)> {
    std::iter::once(KEY).chain(REFERENCES.iter().copied())
}

/// Untimed: every key value castable, as the one-shot ALTER needs it.
async fn make_castable(conn: &mut PgConnection) {
    let mut sql: Vec<String> = FOREIGN_KEYS.iter().map(|(t, name, _)| format!("ALTER TABLE {t} DROP CONSTRAINT {name}")).collect();
    sql.extend(columns().map(|(t, c)| format!("UPDATE {t} SET {c} = md5({c})::uuid::text WHERE {c} !~ {CANONICAL}")));
    sql.extend(FOREIGN_KEYS.iter().map(|(t, name, def)| format!("ALTER TABLE {t} ADD CONSTRAINT {name} {def}")));
    sql.push("VACUUM ANALYZE".into());
    for statement in sql {
        conn.execute(statement.as_str()).await.unwrap();
    }
}

/// The one-shot ALTER of the key and its references, foreign keys dropped and re-added,
/// in one transaction; returns how long it took.
async fn one_shot(conn: &mut PgConnection) -> Duration {
    let mut sql = vec!["BEGIN".to_string()];
    sql.extend(FOREIGN_KEYS.iter().map(|(t, name, _)| format!("ALTER TABLE {t} DROP CONSTRAINT {name}")));
    sql.extend(columns().map(|(t, c)| format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE uuid USING {c}::uuid")));
    sql.extend(FOREIGN_KEYS.iter().map(|(t, name, def)| format!("ALTER TABLE {t} ADD CONSTRAINT {name} {def}")));
    sql.push("COMMIT".into());
    let started = Instant::now();
    for statement in sql {
        conn.execute(statement.as_str()).await.unwrap();
    }
    started.elapsed()
}

/// `count(*)` of every user table, as the floor of reading a database.
async fn count_all(conn: &mut PgConnection) -> i64 {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables WHERE schemaname NOT LIKE 'pgrehearse%' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut rows = 0;
    for table in tables {
        rows += sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}")).fetch_one(&mut *conn).await.unwrap();
    }
    rows
}

fn median(samples: &Mutex<Vec<Duration>>) -> Duration {
    let mut s = samples.lock().unwrap().clone();
    s.sort();
    s.get(s.len() / 2).copied().unwrap_or_default()
}

/// Connections to `db`: the first and `more` others, as a rehearsal opens them.
async fn connections(db: &Database) -> (PgConnection, Vec<PgConnection>) {
    let mut more = Vec::new();
    for _ in 0..pgrehearse::rehearsal::MORE_CONNECTIONS {
        more.push(db.connect().await.unwrap());
    }
    (db.connect().await.unwrap(), more)
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scenario = Scenario::load(scenario_path()).expect("the scenario loads");
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).expect("native server");
    let template = runtime.block_on(async {
        let seeded = server.create_database().await.unwrap();
        dataset::seed(&mut seeded.connect().await.unwrap(), &scenario, &Silent).await.expect("seed");
        Template::freeze(&server, seeded).await.unwrap()
    });

    // The content check ÷ count(*) of both databases, on clean data converted in one shot.
    let (before_db, after_db) = runtime.block_on(async {
        let castable = template.clone_database().await.unwrap();
        make_castable(&mut castable.connect().await.unwrap()).await;
        let castable = Template::freeze(&server, castable).await.unwrap();
        let before_db = castable.clone_database().await.unwrap();
        let after_db = castable.clone_database().await.unwrap();
        one_shot(&mut after_db.connect().await.unwrap()).await;
        after_db.connect().await.unwrap().execute("VACUUM ANALYZE").await.unwrap();
        castable.drop().await.unwrap();
        (before_db, after_db)
    });
    let ((mut before, mut before_more), (mut after, mut after_more)) =
        runtime.block_on(async { (connections(&before_db).await, connections(&after_db).await) });
    let scope = Scope::default();
    let read_states = |before: &mut PgConnection, before_more: &mut [PgConnection], after: &mut PgConnection, after_more: &mut [PgConnection]| {
        let (original, reached) = (SnapshotOptions::default(), scope.snapshot_options());
        runtime.block_on(async {
            futures::join!(DatabaseState::capture_on(before, before_more, &original), DatabaseState::capture_on(after, after_more, &reached))
        })
    };
    let (original, reached) = match read_states(&mut before, &mut before_more, &mut after, &mut after_more) {
        (Ok(o), Ok(r)) => (o, r),
        other => panic!("read the states: {other:?}"),
    };
    let (counted, checked, captured) = (Mutex::new(Vec::new()), Mutex::new(Vec::new()), Mutex::new(Vec::new()));
    let mut group = criterion.benchmark_group("content_vs_count");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(5));
    group.bench_function("count_both_databases", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let rows = runtime.block_on(async { count_all(&mut before).await + count_all(&mut after).await });
                let took = started.elapsed();
                assert!(rows > 0);
                counted.lock().unwrap().push(took);
                total += took;
            }
            total
        })
    });
    group.bench_function("content_check", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let result = runtime.block_on(async {
                    let mut ctx = Context::new(&mut before, &mut after, &original, &reached, &scope);
                    (ctx.before_more, ctx.after_more) = (&mut before_more[..], &mut after_more[..]);
                    registry::run(CheckKind::Content, &mut ctx).await.expect("the content check runs")
                });
                let took = started.elapsed();
                assert_eq!(result.status, CheckStatus::Pass, "{:#?}", result.findings);
                checked.lock().unwrap().push(took);
                total += took;
            }
            total
        })
    });
    group.bench_function("read_both_states_then_content_check", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let (o, r) = match read_states(&mut before, &mut before_more, &mut after, &mut after_more) {
                    (Ok(o), Ok(r)) => (o, r),
                    other => panic!("read the states: {other:?}"),
                };
                let result = runtime.block_on(async {
                    let mut ctx = Context::new(&mut before, &mut after, &o, &r, &scope);
                    (ctx.before_more, ctx.after_more) = (&mut before_more[..], &mut after_more[..]);
                    registry::run(CheckKind::Content, &mut ctx).await.expect("the content check runs")
                });
                let took = started.elapsed();
                assert_eq!(result.status, CheckStatus::Pass);
                captured.lock().unwrap().push(took);
                total += took;
            }
            total
        })
    });
    group.finish();
    let (count, check, both) = (median(&counted).as_secs_f64(), median(&checked).as_secs_f64(), median(&captured).as_secs_f64());
    println!(
        "content check {check:.3} s ÷ count(*) of both databases {count:.3} s = {:.1} (goal ≤ 5); reading both states and checking: {both:.3} s = {:.1}× count(*)",
        check / count,
        both / count
    );
    drop((before, before_more, after, after_more));
    runtime.block_on(async {
        server.drop_database(before_db).await.unwrap();
        server.drop_database(after_db).await.unwrap();
    });

    // `pgrehearse run` ÷ the one-shot ALTER, the ALTER timed three times around one run.
    let mut alters = Vec::new();
    let time_alter = || {
        runtime.block_on(async {
            let db = template.clone_database().await.unwrap();
            let mut conn = db.connect().await.unwrap();
            make_castable(&mut conn).await;
            let took = one_shot(&mut conn).await;
            drop(conn);
            server.drop_database(db).await.unwrap();
            took
        })
    };
    alters.push(time_alter());
    alters.push(time_alter());
    let out = tempfile::tempdir().unwrap();
    let options = RehearsalOptions { out_dir: out.path().to_path_buf(), progress: Progress::hidden(), statement_timeout: DEFAULT_STATEMENT_TIMEOUT };
    let started = Instant::now();
    let rehearsed = runtime.block_on(rehearse(&server, &scenario, &options)).expect("the rehearsal runs");
    let run = started.elapsed();
    alters.push(time_alter());
    alters.sort();
    let alter = alters[1];
    let report = &rehearsed.report;
    let phase = |name: &str| report.timings.iter().find(|t| t.phase == name).map_or(0.0, |t| t.duration.as_secs_f64());
    let content = report.checks.iter().find(|c| c.check == CheckKind::Content).map_or(0.0, |c| c.duration.as_secs_f64());
    println!(
        "pgrehearse run {} {:.1} s ÷ one-shot ALTER {:.2} s (median of 3) = {:.1} (goal ≤ 8)",
        scenario.name,
        run.as_secs_f64(),
        alter.as_secs_f64(),
        run.as_secs_f64() / alter.as_secs_f64()
    );
    let timings: Vec<String> = report.timings.iter().map(|t| format!("{} {:.1} s", t.phase, t.duration.as_secs_f64())).collect();
    println!("  its phases: {}; content check {content:.2} s", timings.join(", "));
    println!("  first up {:.1} s, rerun's up {:.1} s: rerun ÷ first up = {:.2} (goal ≤ 1)", phase("migrate"), phase("re-run"), phase("re-run") / phase("migrate"));
    let failed: Vec<&str> = report.checks.iter().filter(|c| c.status == CheckStatus::Fail).map(|c| c.check.name()).collect();
    println!("  checks failed: {failed:?}");
    runtime.block_on(async { template.drop().await.unwrap() });
    drop(server);
    criterion.final_summary();
}
