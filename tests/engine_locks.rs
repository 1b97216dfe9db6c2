//! `lock_timeout` with bounded retries: a DDL step that cannot get its lock gives up with a
//! clear error after the configured attempts instead of queueing behind (and blocking)
//! the application, and a later run resumes and completes.

mod engine_support;

use std::time::Duration;

use engine_support::{fixture, options, step};
use pgrehearse::engine::{Engine, EngineError, LockRetry, Outcome, Progress, Step};
use pgrehearse::vocabulary::{Policies, Policy};
use pgrehearse::provision::{self, ProvisionOptions};
use sqlx::{Connection, Executor};

#[tokio::test]
async fn a_held_lock_makes_convert_give_up_after_bounded_retries_then_resume_completes() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    fixture::create(&mut db.connect().await.unwrap(), 60).await;
    let mut opts = options(Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine }, 1000);
    opts.retry = LockRetry { lock_timeout: Duration::from_millis(50), attempts: 3, first_backoff: Duration::from_millis(10) };
    assert_eq!(step(&db, &opts, Step::Backup).await.outcome, Outcome::Completed);

    // An application transaction reading users holds ACCESS SHARE until it ends.
    let mut app = db.connect().await.unwrap();
    let mut tx = app.begin().await.unwrap();
    tx.execute("SELECT count(*) FROM reminders").await.unwrap();
    let mut engine = Engine::connect(&db.connect_options(), opts.clone(), Step::Convert, Progress::hidden()).await.unwrap();
    let err = engine.run(Step::Convert).await.unwrap_err();
    assert!(matches!(err, EngineError::LockTimeout { attempts: 3, .. }), "{err}");
    assert!(err.to_string().contains("retry budget"), "{err}");
    drop(engine);
    tx.rollback().await.unwrap();

    let report = step(&db, &opts, Step::Convert).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    assert!(report.lock_held_ms.iter().any(|(what, ms)| what == "swap" && *ms > 0.0));
    let validated = step(&db, &opts, Step::Validate).await;
    assert!(validated.checks.iter().all(|c| c.ok), "{:#?}", validated.checks);
}
