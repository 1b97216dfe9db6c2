//! The `try_cast` helper agrees with Postgres's own cast on every spelling: its guarded
//! fast path (uuids, integers) and its exception-block slow path give what `v::uuid::text`
//! (`v::integer::text`, ...) gives, and NULL exactly where the cast fails; and the
//! shortcut that skips the cast for a uuid already written canonically holds exactly then.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::verify::cast_helper::{already_canonical, ensure_try_cast, remove_helpers};
use support::*;

const SPELLINGS: &[&str] = &[
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
    "a0eebc999c0b4ef8bb6d6bb9bd380a11",
    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
    "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
    "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd38-a11",
    "a0eebc99-9c0b-4ef8-bb6d--bb9bd380a11",
    "A0eEBC99-9C0B-4eF8-Bb6D-6BB9BD380A11",
    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "not-a-uuid",
    "-a0eebc9-9c0b-4ef8-bb6d-6bb9bd380a11",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\u{e9}",
    "",
];

/// Spellings at and around the edges of the integer types, for every integer helper.
const INTEGER_SPELLINGS: &[&str] = &[
    "0", "42", "-42", "+42", "0042", " 42 ", "-", "", "4.2", "1e3", "9999", "32767", "32768", "-32768", "-32769",
    "999999999", "2147483647", "2147483648", "-2147483648", "-2147483649", "999999999999999999",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "99999999999999999999",
];

#[tokio::test]
async fn try_cast_matches_the_real_cast_for_every_spelling() {
    let server = server().await;
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = connect(&db).await;
    let helper = ensure_try_cast(&mut conn, "uuid").await.unwrap();
    assert_eq!(ensure_try_cast(&mut conn, "uuid").await.unwrap(), helper, "installing twice is harmless");
    let int_helper = ensure_try_cast(&mut conn, "integer").await.unwrap();
    let (mut valid, mut canonical) = (0, 0);
    for spelling in SPELLINGS {
        let real: Option<String> =
            sqlx::query_scalar("SELECT $1::uuid::text").bind(spelling).fetch_one(&mut conn).await.ok();
        let helped: Option<String> =
            sqlx::query_scalar(&format!("SELECT {helper}($1)::text")).bind(spelling).fetch_one(&mut conn).await.unwrap();
        assert_eq!(helped, real, "spelling {spelling:?}");
        valid += real.is_some() as usize;
        // The shortcut that skips the cast holds exactly when the cast gives the text back.
        let same = already_canonical("uuid", "$1::text").expect("uuid has a canonical form");
        let skips: bool = sqlx::query_scalar(&format!("SELECT {same}")).bind(spelling).fetch_one(&mut conn).await.unwrap();
        assert_eq!(skips, real.as_deref() == Some(*spelling), "already_canonical({spelling:?})");
        canonical += skips as usize;
    }
    assert!(valid > 0 && valid < SPELLINGS.len(), "both valid and invalid spellings are exercised");
    assert!(canonical > 0 && canonical < valid, "both canonical and other valid spellings are exercised");
    for target in ["smallint", "integer", "bigint"] {
        let helper = ensure_try_cast(&mut conn, target).await.unwrap();
        let mut valid = 0;
        for spelling in INTEGER_SPELLINGS {
            let real: Option<String> =
                sqlx::query_scalar(&format!("SELECT $1::{target}::text")).bind(spelling).fetch_one(&mut conn).await.ok();
            let helped: Option<String> =
                sqlx::query_scalar(&format!("SELECT {helper}($1)::text")).bind(spelling).fetch_one(&mut conn).await.unwrap();
            assert_eq!(helped, real, "{target} spelling {spelling:?}");
            valid += real.is_some() as usize;
        }
        assert!(valid > 0 && valid < INTEGER_SPELLINGS.len(), "{target}: both valid and invalid spellings are exercised");
    }
    let null: Option<String> =
        sqlx::query_scalar(&format!("SELECT {helper}(NULL)::text")).fetch_one(&mut conn).await.unwrap();
    assert_eq!(null, None);
    let int: Option<String> =
        sqlx::query_scalar(&format!("SELECT {int_helper}(' 42 ')::text")).fetch_one(&mut conn).await.unwrap();
    assert_eq!(int.as_deref(), Some("42"));
    // Exception blocks cannot run in parallel workers: the helper must keep a large scan
    // from going parallel rather than fail in it.
    let setup = "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
                 SET max_parallel_workers_per_gather = 2;
                 CREATE TABLE ids AS SELECT CASE WHEN i % 10 = 0 THEN 'not-a-uuid-' || i ELSE md5(i::text)::uuid::text END AS id
                   FROM generate_series(1, 50000) AS i; ANALYZE ids;";
    sqlx::Executor::execute(&mut conn, sqlx::raw_sql(setup)).await.unwrap();
    let uncastable = scalar_i64(&mut conn, &format!("SELECT count(*) FROM ids WHERE {helper}(id) IS NULL")).await;
    let expected = scalar_i64(&mut conn, "SELECT count(*) FROM ids WHERE id LIKE 'not-a-uuid-%'").await;
    assert!(expected > 0);
    assert_eq!(uncastable, expected);
    remove_helpers(&mut conn).await.unwrap();
    let left: Option<String> =
        sqlx::query_scalar("SELECT to_regnamespace('pgrehearse_verify')::text").fetch_one(&mut conn).await.unwrap();
    assert_eq!(left, None);
}
