//! Every bad input of export-sqlite gets a clear error naming what is wrong, exit 2, and
//! leaves no file at the target path (nor any temporary file beside it).

mod export_support;

use std::path::Path;

use export_support::{pgrehearse, stderr};
use pgrehearse::provision::{self, ProvisionOptions};
use sqlx::Executor;

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn bad_input_exits_2_and_leaves_nothing_at_the_target() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute(
        "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
         CREATE TABLE notes (id int PRIMARY KEY, user_id int REFERENCES users(id), amount numeric, body text);
         INSERT INTO users VALUES (1, 'alice@example.com'), (2, 'bob@example.com');
         INSERT INTO notes VALUES (10, 1, 1.5, 'a'), (11, 2, 'NaN', 'b');
         CREATE SCHEMA odd; CREATE TABLE odd.places (id int PRIMARY KEY, spot point);",
    )
    .await
    .unwrap();
    let url = db.url();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("app.db");
    let target_s = target.to_str().unwrap().to_string();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["--out", "/nonexistent-dir-pgrehearse/app.db"], vec!["/nonexistent-dir-pgrehearse", "does not exist"]),
        (vec!["--out", &target_s, "--schema", "odd"], vec!["odd.places", "spot", "point"]),
        (vec!["--out", &target_s, "--numeric", "real"], vec!["public.notes", "(id=11)", "amount", "NaN"]),
        (vec!["--out", &target_s, "--only-rows-of", "nobody.email=x"], vec!["--only-rows-of", "nobody.email"]),
        (vec!["--out", &target_s, "--only-rows-of", "users.nope=x"], vec!["--only-rows-of", "users.nope", "no such column"]),
        (vec!["--out", &target_s, "--only-rows-of", "users.email=carol@example.com"], vec!["selects no row", "public.users"]),
        (vec!["--out", &target_s, "--exclude-columns", "notes.nope"], vec!["--exclude-columns", "notes.nope"]),
        (vec!["--out", &target_s, "--schema", "nothing_here"], vec!["nothing_here"]),
    ];
    for (args, expected) in &cases {
        let mut all = vec!["export-sqlite", "--database-url", &url];
        all.extend(args.iter().copied());
        let out = pgrehearse(&all);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for part in expected {
            assert!(err.contains(part), "{args:?}: the error names `{part}`: {err}");
        }
        assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{args:?}: nothing written");
    }

    // An existing target is refused without --force and left as it was; --force replaces it.
    std::fs::write(&target, b"precious").unwrap();
    let out = pgrehearse(&["export-sqlite", "--database-url", &url, "--out", &target_s]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force") && stderr(&out).contains("app.db"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    let out = pgrehearse(&["export-sqlite", "--database-url", &url, "--out", &target_s, "--force", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(files_in(dir.path()), vec!["app.db".to_string(), "app.db.manifest.json".to_string()]);

    // verify-sqlite: a file without its manifest and a file that is not SQLite are bad input.
    std::fs::remove_file(pgrehearse::export::manifest_path(&target)).unwrap();
    let out = pgrehearse(&["verify-sqlite", "--database-url", &url, &target_s]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("app.db.manifest.json"), "{}", stderr(&out));
    // No Postgres at the URL is exit 3.
    let out = pgrehearse(&["export-sqlite", "--database-url", "postgres://nobody@127.0.0.1:1/none", "--out", dir.path().join("x.db").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!dir.path().join("x.db").exists());
}

/// Ctrl-C in the middle of the load: exit 130 and nothing at the target path, no
/// temporary file beside it.
#[tokio::test]
async fn an_interrupted_export_leaves_no_file() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute("CREATE TABLE big AS SELECT g AS id, md5(g::text) AS body FROM generate_series(1, 500000) g; ALTER TABLE big ADD PRIMARY KEY (id)").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("app.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .args(["export-sqlite", "--database-url", &db.url(), "--out", target.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (with a deadline) until the temporary file exists: the load has begun.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while files_in(dir.path()).is_empty() {
        assert!(std::time::Instant::now() < deadline, "the export never started writing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted by SIGINT");
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "no file at the target, no temporary file");
}
