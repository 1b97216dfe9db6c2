//! Shared helpers for the SQLite export tests: the binary, a database with every mapped
//! type, and reading the SQLite side back.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use pgrehearse::export::SqlValue;

/// Runs `pgrehearse <args>` with no DATABASE_URL from the environment.
pub fn pgrehearse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgrehearse")).args(args).env_remove("DATABASE_URL").output().expect("run pgrehearse")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A schema with every type of the mapping table, composite and self-referencing foreign
/// keys with actions, a cycle, CHECKs, an index and defaults.
pub const EVERY_TYPE: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE owners (
    id uuid PRIMARY KEY,
    region int NOT NULL,
    name text NOT NULL,
    manager uuid REFERENCES owners(id) ON DELETE SET NULL,
    UNIQUE (region, name)
);
CREATE TABLE things (
    id bigserial PRIMARY KEY,
    owner_region int,
    owner_name text,
    small smallint,
    big bigint NOT NULL DEFAULT 0,
    r real,
    d double precision,
    flag boolean NOT NULL DEFAULT true,
    price numeric(20, 6),
    wide numeric,
    label varchar(20) DEFAULT 'none',
    code char(4),
    note text CHECK (length(note) < 500),
    at timestamptz DEFAULT now(),
    local_at timestamp,
    on_day date,
    at_time time,
    span interval,
    addr inet,
    net cidr,
    mac macaddr,
    doc json,
    docb jsonb,
    raw bytea,
    tags text[],
    grid int[],
    feeling mood,
    during tstzrange,
    qty int CHECK (qty >= 0),
    FOREIGN KEY (owner_region, owner_name) REFERENCES owners(region, name) ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX things_on_day ON things (on_day DESC, qty);
CREATE TABLE chicken (id int PRIMARY KEY, egg_id int);
CREATE TABLE egg (id int PRIMARY KEY, chicken_id int REFERENCES chicken(id));
ALTER TABLE chicken ADD FOREIGN KEY (egg_id) REFERENCES egg(id) DEFERRABLE INITIALLY DEFERRED;
INSERT INTO owners VALUES ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 1, 'ann', NULL),
                          ('b1ffcd88-8d1a-4ef8-bb6d-6bb9bd380a12', 2, 'bob', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
INSERT INTO things (owner_region, owner_name, small, big, r, d, flag, price, wide, label, code, note, at, local_at, on_day,
                    at_time, span, addr, net, mac, doc, docb, raw, tags, grid, feeling, during, qty) VALUES
 (1, 'ann', -32768, 9223372036854775807, 1.5, 0.1, true, 12345678901234.123456, 3.14159265358979323846264338327950288,
  'héllo', 'ab', E'tab\there\nnewline \\ back', '2024-02-29 23:59:59.123456+05:30', '1999-12-31 00:00:00.5', '2000-01-01',
  '13:14:15.000001', '1 year 2 mons 3 days 04:05:06.7', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',
  '{"b": 1,  "a": [1, 2]}', '{"b": 1,  "a": {"z": null, "y": [true, "ü"]}}', '\x00ff10', '{"x","y z",NULL}', '{{1,2},{3,4}}',
  'happy', '[2024-01-01 00:00+00, 2024-02-01 00:00+00)', 3),
 (2, 'bob', NULL, -1, '-Infinity', 'Infinity', false, -0.000001, 'NaN', NULL, NULL, NULL, 'infinity', '-infinity', '0044-03-15 BC',
  NULL, '-00:00:01', '::1', NULL, NULL, '[]', '"just a string"', '\x', '{}', NULL, 'sad', 'empty', 0),
 (NULL, NULL, 7, 7, NULL, NULL, true, NULL, NULL, NULL, NULL, NULL, '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999',
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
BEGIN;
INSERT INTO chicken VALUES (1, 1);
INSERT INTO egg VALUES (1, 1);
COMMIT;
"#;

/// Every row of a SQLite table in rowid order.
pub fn sqlite_rows(path: &Path, sql: &str) -> Vec<Vec<SqlValue>> {
    let conn = rusqlite::Connection::open(path).expect("open the export");
    let mut statement = conn.prepare(sql).expect("prepare");
    let width = statement.column_count();
    let rows = statement.query_map([], |r| (0..width).map(|i| r.get_ref(i).map(SqlValue::from_sqlite)).collect::<Result<Vec<_>, _>>()).expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

pub fn text(value: &str) -> SqlValue {
    SqlValue::Text(value.to_string())
}
