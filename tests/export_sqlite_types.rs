//! export-sqlite and verify-sqlite on a schema with every type of the mapping table: the
//! exact text forms, the schema carried over (keys, composite FKs with actions, CHECKs,
//! indexes, defaults, a cycle), the manifest, and a clean verification.

mod export_support;

use export_support::{pgrehearse, sqlite_rows, stderr, stdout, text, EVERY_TYPE};
use pgrehearse::export::{Manifest, SqlValue};
use pgrehearse::provision::{self, ProvisionOptions};
use sqlx::Executor;

#[tokio::test]
async fn every_type_exports_in_its_documented_form_and_verifies() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute(EVERY_TYPE).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.db");
    let url = db.url();
    let export = pgrehearse(&["export-sqlite", "--database-url", &url, "--out", out.to_str().unwrap()]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));

    let things = sqlite_rows(&out, "SELECT id, small, big, r, d, flag, price, wide, label, code, note, at, local_at, on_day, at_time, span, addr, net, mac, doc, docb, raw, tags, grid, feeling, during FROM things ORDER BY id");
    assert_eq!(things.len(), 3, "every row exported");
    let first = &things[0];
    assert_eq!(first[0], SqlValue::Integer(1));
    assert_eq!(first[1], SqlValue::Integer(-32768));
    assert_eq!(first[2], SqlValue::Integer(i64::MAX));
    assert_eq!(first[3], SqlValue::Real(1.5));
    assert_eq!(first[4], SqlValue::Real(0.1));
    assert_eq!(first[5], SqlValue::Integer(1), "booleans are 0/1");
    assert_eq!(first[6], text("12345678901234.123456"), "numeric keeps its exact digits");
    assert_eq!(first[7], text("3.14159265358979323846264338327950288"));
    assert_eq!(first[8], text("héllo"));
    assert_eq!(first[9], text("ab  "), "char(n) keeps its padding as Postgres prints it");
    assert_eq!(first[10], text("tab\there\nnewline \\ back"));
    assert_eq!(first[11], text("2024-02-29T18:29:59.123456Z"), "timestamptz in UTC with microseconds");
    assert_eq!(first[12], text("1999-12-31T00:00:00.500000"));
    assert_eq!(first[13], text("2000-01-01"));
    assert_eq!(first[14], text("13:14:15.000001"));
    assert_eq!(first[15], text("1 year 2 mons 3 days 04:05:06.7"));
    assert_eq!(first[16], text("192.168.0.1/24"));
    assert_eq!(first[17], text("10.0.0.0/8"));
    assert_eq!(first[18], text("08:00:2b:01:02:03"));
    assert_eq!(first[19], text("{\"b\": 1,  \"a\": [1, 2]}"), "json as written");
    assert_eq!(first[20], text("{\"a\": {\"y\": [true, \"ü\"], \"z\": null}, \"b\": 1}"), "jsonb in its canonical form");
    assert_eq!(first[21], SqlValue::Blob(vec![0, 255, 16]));
    assert_eq!(first[22], text("[\"x\",\"y z\",null]"), "arrays as JSON arrays");
    assert_eq!(first[23], text("[[1,2],[3,4]]"));
    assert_eq!(first[24], text("happy"));
    assert_eq!(first[25], text("[\"2024-01-01 00:00:00+00\",\"2024-02-01 00:00:00+00\")"));
    let second = &things[1];
    assert_eq!((&second[3], &second[4]), (&SqlValue::Real(f64::NEG_INFINITY), &SqlValue::Real(f64::INFINITY)));
    assert_eq!((&second[6], &second[7]), (&text("-0.000001"), &text("NaN")));
    assert_eq!((&second[11], &second[12], &second[13]), (&text("infinity"), &text("-infinity"), &text("0044-03-15 BC")));
    assert_eq!((&second[21], &second[22], &second[25]), (&SqlValue::Blob(vec![]), &text("[]"), &text("empty")));
    let third = &things[2];
    assert_eq!((&third[11], &third[12]), (&text("0001-01-01T00:00:00.000000Z"), &text("9999-12-31T23:59:59.999999")));
    let uuids = sqlite_rows(&out, "SELECT id, manager FROM owners ORDER BY id");
    assert_eq!(uuids[0], vec![text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), SqlValue::Null], "uuid canonical lowercase");

    // The schema: keys, composite FK with its actions, the cycle, CHECKs, index, defaults.
    let fks = sqlite_rows(&out, "SELECT \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list('things') ORDER BY seq");
    assert_eq!(fks, vec![vec![text("owners"), text("owner_region"), text("region"), text("CASCADE"), text("CASCADE")], vec![text("owners"), text("owner_name"), text("name"), text("CASCADE"), text("CASCADE")]]);
    let cycle = sqlite_rows(&out, "SELECT \"table\" FROM pragma_foreign_key_list('chicken') UNION ALL SELECT \"table\" FROM pragma_foreign_key_list('egg')");
    assert_eq!(cycle, vec![vec![text("egg")], vec![text("chicken")]]);
    let index = sqlite_rows(&out, "SELECT name, \"desc\" FROM pragma_index_xinfo('things_on_day') WHERE key ORDER BY seqno");
    assert_eq!(index, vec![vec![text("on_day"), SqlValue::Integer(1)], vec![text("qty"), SqlValue::Integer(0)]]);
    let conn_lite = rusqlite::Connection::open(&out).unwrap();
    assert_eq!(conn_lite.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)).unwrap(), "wal");
    for bad in ["INSERT INTO things (flag) VALUES (2)", "INSERT INTO things (feeling) VALUES ('meh')", "INSERT INTO things (qty) VALUES (-1)", "INSERT INTO owners (id, region, name) VALUES ('x', 1, 'ann')"] {
        assert!(conn_lite.execute(bad, []).is_err(), "SQLite refuses `{bad}` as Postgres would");
    }
    conn_lite.execute("INSERT INTO things (qty) VALUES (1)", []).unwrap();
    let defaults: (i64, i64, String, String) = conn_lite.query_row("SELECT big, flag, label, at FROM things WHERE qty = 1 AND id > 3", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    assert_eq!((defaults.0, defaults.1, defaults.2.as_str()), (0, 1, "none"));
    assert!(defaults.3.ends_with('Z') && defaults.3.len() == "2024-01-01T00:00:00.000000Z".len(), "now() as a UTC ISO text: {}", defaults.3);
    drop(conn_lite);

    // The manifest holds each table's count; verify-sqlite on a fresh copy holds.
    let manifest = Manifest::read(&pgrehearse::export::manifest_path(&out)).unwrap();
    assert_eq!(manifest.tables["things"].rows, things.len() as u64, "the manifest counts what was exported");
    assert_eq!(manifest.tables.len(), 4);
    let fresh = dir.path().join("fresh.db");
    let export = pgrehearse(&["export-sqlite", "--database-url", &url, "--out", fresh.to_str().unwrap(), "--quiet"]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let verify = pgrehearse(&["verify-sqlite", "--database-url", &url, fresh.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(0), "{}\n{}", stdout(&verify), stderr(&verify));
    assert!(stdout(&verify).contains("things"), "{}", stdout(&verify));
    // The file the test wrote into after exporting no longer verifies: the extra row.
    let verify = pgrehearse(&["verify-sqlite", "--database-url", &url, out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(verify.status.code(), Some(1), "{}", stderr(&verify));
}
