//! No catalog content makes pgrehearse panic: random schemas (indexes of every kind,
//! constraints, partitioned tables, odd names in odd schemas) are created for real and
//! read by the dataset's catalog reader and by the engine's planner. Reading may refuse
//! a schema with an error; it may not panic, and what it reads must name every table.
//! `PGREHEARSE_PROPTEST_CASES` raises the number of schemas tried (default 10).

use pgrehearse::dataset;
use pgrehearse::engine::{Engine, EngineOptions, Progress, Step};
use pgrehearse::provision::{self, ProvisionOptions, Server};
use pgrehearse::quote::{quote_ident, quote_qualified};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};

const SCHEMAS: [&str; 3] = ["public", "Other Schema", "ünï.code"];
const NAMES: [&str; 7] = ["users", "Odd \"Name\"", "a.b", "select", "UPPER", "ß_tables", "x23456789012345678901234567890123456789012345678901234567890"];

#[derive(Debug, Clone)]
enum Index {
    Plain,
    Unique,
    UniqueMulti,
    UniquePartial,
    UniqueExpression,
    Include,
    Descending,
    Hash,
    Brin,
    Gin,
    Exclude,
}

#[derive(Debug, Clone)]
struct TableSpec {
    schema: usize,
    name: usize,
    composite_pk: bool,
    no_pk: bool,
    check: bool,
    generated: bool,
    fk_to: Option<usize>,
    partitioned: bool,
    indexes: Vec<Index>,
}

fn index() -> impl Strategy<Value = Index> {
    prop_oneof![
        Just(Index::Plain),
        Just(Index::Unique),
        Just(Index::UniqueMulti),
        Just(Index::UniquePartial),
        Just(Index::UniqueExpression),
        Just(Index::Include),
        Just(Index::Descending),
        Just(Index::Hash),
        Just(Index::Brin),
        Just(Index::Gin),
        Just(Index::Exclude),
    ]
}

fn table() -> impl Strategy<Value = TableSpec> {
    (0..SCHEMAS.len(), 0..NAMES.len(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), proptest::option::of(0usize..4), any::<bool>(), prop::collection::vec(index(), 0..4))
        .prop_map(|(schema, name, composite_pk, no_pk, check, generated, fk_to, partitioned, indexes)| TableSpec {
            schema,
            name,
            composite_pk,
            no_pk: no_pk && !composite_pk,
            check,
            generated,
            fk_to,
            partitioned,
            indexes,
        })
}

/// The table's (schema, name): names are made unique by their position.
fn name_of(spec: &TableSpec, position: usize) -> (String, String) {
    let base: String = NAMES[spec.name].chars().take(55).collect();
    (SCHEMAS[spec.schema].to_string(), format!("{base}{position}"))
}

/// DDL for every table, in order; a foreign key points at an earlier table with a
/// single-column primary key (or is left out).
fn ddl(tables: &[TableSpec]) -> String {
    let mut sql = String::from("CREATE SCHEMA IF NOT EXISTS \"Other Schema\"; CREATE SCHEMA IF NOT EXISTS \"ünï.code\";\n");
    for (position, spec) in tables.iter().enumerate() {
        let (schema, name) = name_of(spec, position);
        let q = quote_qualified(&schema, &name);
        let mut columns = vec!["id bigint NOT NULL".to_string(), "\"Key Col\" varchar(36)".into(), "n int".into(), "tags text[]".into(), "span tsrange".into()];
        if spec.generated {
            columns.push("n2 int GENERATED ALWAYS AS (n * 2) STORED".into());
        }
        let pk_cols = if spec.partitioned { "id, n" } else if spec.composite_pk { "id, \"Key Col\"" } else { "id" };
        if spec.partitioned {
            columns[2] = "n int NOT NULL".into();
        }
        if !spec.no_pk {
            columns.push(format!("PRIMARY KEY ({pk_cols})"));
        }
        if spec.check {
            columns.push("CONSTRAINT \"odd check\" CHECK (n IS NULL OR n > -1000000)".into());
        }
        if let Some(target) = spec.fk_to.filter(|t| *t < position) {
            let parent = &tables[target];
            if !parent.no_pk && !parent.composite_pk && !parent.partitioned {
                let (ps, pn) = name_of(parent, target);
                columns.push(format!("parent_id bigint REFERENCES {} (id) ON DELETE CASCADE", quote_qualified(&ps, &pn)));
            }
        }
        let partition = if spec.partitioned { " PARTITION BY RANGE (n)" } else { "" };
        sql.push_str(&format!("CREATE TABLE {q} ({}){partition};\n", columns.join(", ")));
        if spec.partitioned {
            for (k, (from, to)) in [("MINVALUE", "0"), ("0", "MAXVALUE")].iter().enumerate() {
                let part = quote_qualified(&schema, &format!("p{position}_{k}_{}", name.chars().take(40).collect::<String>()));
                sql.push_str(&format!("CREATE TABLE {part} PARTITION OF {q} FOR VALUES FROM ({from}) TO ({to});\n"));
            }
        }
        for (k, index) in spec.indexes.iter().enumerate() {
            let ix = quote_ident(&format!("ix{position}_{k}"));
            let only_plain = spec.partitioned; // partitioned tables: unique indexes must include the partition key
            let statement = match index {
                Index::Plain => format!("CREATE INDEX {ix} ON {q} (\"Key Col\")"),
                Index::Unique if only_plain => format!("CREATE UNIQUE INDEX {ix} ON {q} (n, id)"),
                Index::Unique => format!("CREATE UNIQUE INDEX {ix} ON {q} (id)"),
                Index::UniqueMulti if only_plain => format!("CREATE INDEX {ix} ON {q} (n, \"Key Col\")"),
                Index::UniqueMulti => format!("CREATE UNIQUE INDEX {ix} ON {q} (\"Key Col\", n, id)"),
                Index::UniquePartial if only_plain => format!("CREATE INDEX {ix} ON {q} (n) WHERE n > 0"),
                Index::UniquePartial => format!("CREATE UNIQUE INDEX {ix} ON {q} (\"Key Col\") WHERE n > 0"),
                Index::UniqueExpression if only_plain => format!("CREATE INDEX {ix} ON {q} (lower(\"Key Col\"))"),
                Index::UniqueExpression => format!("CREATE UNIQUE INDEX {ix} ON {q} (lower(\"Key Col\"), id)"),
                Index::Include if only_plain => format!("CREATE INDEX {ix} ON {q} (n) INCLUDE (\"Key Col\")"),
                Index::Include => format!("CREATE UNIQUE INDEX {ix} ON {q} (id) INCLUDE (\"Key Col\", n)"),
                Index::Descending => format!("CREATE INDEX {ix} ON {q} (n DESC NULLS LAST, \"Key Col\" NULLS FIRST)"),
                Index::Hash => format!("CREATE INDEX {ix} ON {q} USING hash (\"Key Col\")"),
                Index::Brin => format!("CREATE INDEX {ix} ON {q} USING brin (id)"),
                Index::Gin => format!("CREATE INDEX {ix} ON {q} USING gin (tags)"),
                Index::Exclude if only_plain => format!("CREATE INDEX {ix} ON {q} USING gist (span)"),
                Index::Exclude => format!("ALTER TABLE {q} ADD CONSTRAINT {ix} EXCLUDE USING gist (span WITH &&)"),
            };
            sql.push_str(&statement);
            sql.push_str(";\n");
        }
        sql.push_str(&format!("INSERT INTO {q} (id, \"Key Col\", n) SELECT g, 'k' || g, g FROM generate_series(1, 3) g;\n"));
    }
    sql
}

fn cases() -> u32 {
    std::env::var("PGREHEARSE_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10)
}

async fn read_back(server: &Server, tables: &[TableSpec]) {
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let sql = ddl(tables);
    sqlx::raw_sql(&sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("the generated schema is valid SQL: {e}\n{sql}"));
    let model = dataset::catalog::read_schema(&mut conn).await.expect("the dataset reads any schema");
    assert_eq!(model.tables.iter().filter(|t| !t.is_partitioned).count(), tables.iter().filter(|t| !t.partitioned).count(), "every plain table is read: {model:?}");
    // Partitioned tables are read and flagged, so the generator can refuse them by name.
    assert_eq!(model.tables.iter().filter(|t| t.is_partitioned).count(), tables.iter().filter(|t| t.partitioned).count(), "every partitioned table is flagged: {model:?}");
    for (position, spec) in tables.iter().enumerate().filter(|(_, t)| !t.partitioned) {
        let (schema, name) = name_of(spec, position);
        let table = model.tables.iter().find(|t| t.schema == schema && t.name == name).unwrap_or_else(|| panic!("{schema}.{name} is read"));
        assert_eq!(table.primary_key.len(), if spec.no_pk { 0 } else if spec.composite_pk { 2 } else { 1 }, "{schema}.{name}");
    }
    // The engine reads the same catalog; planning may refuse it, but never panics.
    let mut engine = Engine::connect(&db.connect_options(), EngineOptions::default(), Step::ValidateSchema, Progress::hidden()).await.unwrap();
    let _ = engine.fresh_plan().await;
    engine.close().await.unwrap();
    drop(conn);
    server.drop_database(db).await.unwrap();
}

#[test]
fn reading_any_catalog_never_panics() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let config = Config { cases: cases(), failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/catalog_any_schema.proptest-regressions"))), ..Config::default() };
    let mut runner = TestRunner::new(config);
    runner
        .run(&prop::collection::vec(table(), 1..5), |tables| {
            runtime.block_on(read_back(&server, &tables));
            Ok(())
        })
        .unwrap();
}

/// The schema the outside test met: a plain `CREATE UNIQUE INDEX` (its `indkey` is an
/// int2vector, whose array lower bound is 0).
#[test]
fn a_plain_unique_index_is_read_as_a_unique_column() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
        let db = server.create_database().await.unwrap();
        let mut conn = db.connect().await.unwrap();
        sqlx::raw_sql("CREATE TABLE users (id varchar(36) PRIMARY KEY, email text, handle text); CREATE UNIQUE INDEX ON users (handle, email);")
            .execute(&mut conn)
            .await
            .unwrap();
        let model = dataset::catalog::read_schema(&mut conn).await.unwrap();
        let users = &model.tables[0];
        let names: Vec<Vec<&str>> = users.uniques.iter().map(|u| u.iter().map(|&c| users.columns[c].name.as_str()).collect()).collect();
        assert_eq!(names, vec![vec!["handle", "email"]]);
    });
}
