//! Seeding takes every key, constraint and index off before loading and builds them back
//! afterwards, some as a unique index first and then attached as the constraint. However
//! they were built, the catalog ends exactly as the schema file made it: the same
//! constraint and index definitions, names, primary keys and FKs, each validated, on one
//! stream and on three.

use pgrehearse::dataset::keys::DeferredKeys;
use pgrehearse::dataset::{self, SchemaSetup, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;
use pgrehearse::verify::schema_diff::diff;
use pgrehearse::verify::schema_snapshot::{snapshot, SnapshotOptions};

struct Quiet;
impl SeedObserver for Quiet {}

/// Every way a key can be declared that changes how it is built back.
const KEYS: &str = "
CREATE TABLE accounts (
    id     bigint PRIMARY KEY,
    email  varchar(120) NOT NULL,
    handle text NOT NULL,
    region text,
    CONSTRAINT accounts_email_key UNIQUE (email),
    CONSTRAINT accounts_handle_region UNIQUE NULLS NOT DISTINCT (handle, region) WITH (fillfactor = 70)
);
CREATE INDEX accounts_region_idx ON accounts (region) WHERE region IS NOT NULL;
CREATE TABLE orders (
    account_id bigint NOT NULL REFERENCES accounts (id),
    number     integer NOT NULL,
    code       text NOT NULL,
    serial     text NOT NULL UNIQUE,
    note       text,
    CONSTRAINT orders_pk PRIMARY KEY (account_id, number) INCLUDE (note),
    CONSTRAINT orders_code_deferred UNIQUE (code) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX orders_note_idx ON orders (lower(note));
CREATE TABLE order_refs (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_serial text NOT NULL REFERENCES orders (serial) DEFERRABLE,
    account   bigint REFERENCES accounts (id) ON DELETE CASCADE,
    UNIQUE (order_serial, account)
);";

fn scenario(dir: &std::path::Path) -> Scenario {
    std::fs::write(dir.join("schema.sql"), KEYS).unwrap();
    let text = "name = \"keys\"\nseed = 5\n[schema]\nfile = \"schema.sql\"\n[rows]\naccounts = 4000\norders = 12000\norder_refs = 6000\n";
    Scenario::from_text(&dir.join("keys.toml"), text).unwrap()
}

#[tokio::test]
async fn keys_built_back_after_loading_leave_the_catalog_as_the_schema_made_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario(dir.path());
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();

    let declared = server.create_database().await.unwrap();
    let mut conn = declared.connect().await.unwrap();
    sqlx::raw_sql(KEYS).execute(&mut conn).await.unwrap();
    let expected = snapshot(&mut conn, &SnapshotOptions::default()).await.unwrap();
    let (constraints,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f')")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(constraints >= 10, "the schema declares its keys: {constraints}");
    // Taken off a copy of the declared schema: every primary key and unique constraint but
    // the deferrable one is built as its index and then attached.
    let copy = server.create_database().await.unwrap();
    let mut copy_conn = copy.connect().await.unwrap();
    sqlx::raw_sql(KEYS).execute(&mut copy_conn).await.unwrap();
    let builds = DeferredKeys::take_off(&mut copy_conn).await.unwrap().table_builds();
    let attached = builds.iter().filter(|b| b.attaches.is_some()).count();
    let alone: Vec<&str> = builds.iter().filter(|b| b.is_exclusive && b.attaches.is_none()).map(|b| b.sql.as_str()).collect();
    assert_eq!((attached, builds.iter().filter(|b| b.makes.is_some()).count()), (7, 7), "{builds:#?}");
    assert!(alone.len() == 1 && alone[0].contains("DEFERRABLE"), "only the deferrable unique is added alone: {alone:?}");

    for streams in [1, 3] {
        let db = server.create_database().await.unwrap();
        let mut conn = db.connect().await.unwrap();
        let summary = dataset::seed_parallel(&mut conn, &db.connect_options(), streams, &scenario, SchemaSetup::Create, &Quiet).await.unwrap();
        assert_eq!(summary.total_rows, scenario.rows.iter().map(|(_, n)| n).sum::<u64>());
        let seeded = snapshot(&mut conn, &SnapshotOptions::default()).await.unwrap();
        let changes = diff(&expected, &seeded);
        assert!(changes.is_empty(), "{streams} stream(s): the seeded catalog differs from the schema's: {changes:#?}");
        let (primary, deferrable, not_valid): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE x.indisprimary), count(*) FILTER (WHERE NOT x.indimmediate),
                    (SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND NOT convalidated)
               FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid WHERE c.relnamespace = 'public'::regnamespace",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!((primary, deferrable, not_valid), (3, 1, 0), "{streams} stream(s): three primary keys, one deferrable unique, every constraint validated");
    }
}
