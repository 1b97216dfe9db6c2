//! Unit tests of the planner on hand-written catalog facts: no database.

use crate::vocabulary::{ColumnRef, DeclaredRelation};
use crate::engine::conversion::Conversion;
use crate::engine::facts::{CatalogFacts, ColumnFacts, ConstraintFacts, IndexFacts, IndexKey, TableFacts, ViewFacts};
use crate::engine::plan::Enforcement;
use crate::engine::planner::{build, PlanError};

fn col(name: &str, attnum: i16, ty: &str, not_null: bool) -> ColumnFacts {
    ColumnFacts { name: name.into(), attnum, data_type: ty.into(), not_null, default: None }
}

fn table(name: &str, columns: Vec<ColumnFacts>, pk: &[&str]) -> TableFacts {
    TableFacts { schema: "public".into(), name: name.into(), columns, primary_key: pk.iter().map(|s| s.to_string()).collect() }
}

fn key(table: &str, name: &str, kind: char, cols: &[&str]) -> ConstraintFacts {
    ConstraintFacts {
        schema: "public".into(),
        table: table.into(),
        name: name.into(),
        kind,
        columns: cols.iter().map(|s| s.to_string()).collect(),
        referenced: None,
        definition: String::new(),
        validated: true,
        deferrable: false,
        deferred: false,
    }
}

fn fk(table: &str, name: &str, cols: &[&str], parent: &str, pcols: &[&str], validated: bool) -> ConstraintFacts {
    let mut c = key(table, name, 'f', cols);
    c.referenced = Some(("public".into(), parent.into(), pcols.iter().map(|s| s.to_string()).collect()));
    c.validated = validated;
    c.definition = format!("FOREIGN KEY ({}) REFERENCES {parent}({})", cols.join(", "), pcols.join(", "));
    c
}

/// users ← journal_entries (FK) ← entry_tags (composite FK); reminders (declared);
/// audit (NOT VALID FK); a view on users.id; an index on journal_entries.user_id.
fn journal() -> CatalogFacts {
    let vc = "character varying(36)";
    CatalogFacts {
        tables: vec![
            table("users", vec![col("id", 1, vc, true), col("email", 2, "text", true)], &["id"]),
            table("journal_entries", vec![col("id", 1, "bigint", true), col("user_id", 2, vc, true)], &["id"]),
            table("entry_tags", vec![col("user_id", 1, vc, true), col("entry_id", 2, "bigint", true), col("tag", 3, "text", true)], &["entry_id", "tag"]),
            table("reminders", vec![col("id", 1, "integer", true), col("user_id", 2, vc, false)], &["id"]),
            table("audit", vec![col("id", 1, "bigint", true), col("actor_id", 2, vc, false)], &["id"]),
        ],
        constraints: vec![
            key("users", "users_pkey", 'p', &["id"]),
            key("users", "users_email_key", 'u', &["email"]),
            key("journal_entries", "journal_entries_user_id_id_key", 'u', &["user_id", "id"]),
            fk("journal_entries", "journal_entries_user_id_fkey", &["user_id"], "users", &["id"], true),
            fk("entry_tags", "entry_tags_entry_fk", &["user_id", "entry_id"], "journal_entries", &["user_id", "id"], true),
            fk("audit", "audit_actor_fk", &["actor_id"], "users", &["id"], false),
        ],
        indexes: vec![IndexFacts {
            schema: "public".into(),
            table: "journal_entries".into(),
            name: "journal_entries_user_id_idx".into(),
            unique: false,
            method: "btree".into(),
            keys: vec![IndexKey { column: Some("user_id".into()), expression: "user_id".into(), descending: true, nulls_first: true }],
            predicate: None,
        }],
        views: vec![
            ViewFacts { schema: "public".into(), name: "user_emails".into(), kind: 'v', definition: " SELECT id, email FROM users;".into(), reads: vec![("public".into(), "users".into(), "id".into())] },
            ViewFacts { schema: "public".into(), name: "user_emails_2".into(), kind: 'v', definition: " SELECT id FROM user_emails;".into(), reads: vec![("public".into(), "user_emails".into(), "id".into())] },
            ViewFacts { schema: "public".into(), name: "emails_only".into(), kind: 'v', definition: " SELECT email FROM users;".into(), reads: vec![("public".into(), "users".into(), "email".into())] },
        ],
    }
}

fn root() -> ColumnRef {
    "users.id".parse().unwrap()
}

fn declared() -> Vec<DeclaredRelation> {
    vec!["reminders.user_id=users.id".parse().unwrap()]
}

#[test]
fn discovers_direct_composite_not_valid_and_declared_references() {
    let plan = build(&journal(), &root(), &declared(), Conversion::default()).unwrap();
    let converted: Vec<String> = plan.tables.iter().flat_map(|t| t.columns.iter().map(move |c| format!("{}.{}", t.name, c.name))).collect();
    assert_eq!(converted, ["users.id", "journal_entries.user_id", "audit.actor_id", "reminders.user_id", "entry_tags.user_id"]);
    assert_eq!(plan.foreign_keys.len(), 3, "direct, composite and NOT VALID foreign keys are all rebuilt");
    let enforcement: Vec<(String, Enforcement, bool)> = plan.references.iter().map(|r| (r.child_table.clone(), r.enforcement, r.nullable)).collect();
    assert!(enforcement.contains(&("audit".into(), Enforcement::NotValid, true)));
    assert!(enforcement.contains(&("reminders".into(), Enforcement::Declared, true)));
    assert!(enforcement.contains(&("entry_tags".into(), Enforcement::Validated, false)));
}

#[test]
fn keeps_only_key_constraints_indexes_and_views_over_converted_columns() {
    let plan = build(&journal(), &root(), &declared(), Conversion::default()).unwrap();
    let keys: Vec<&str> = plan.key_constraints.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(keys, ["users_pkey", "journal_entries_user_id_id_key"], "users_email_key does not involve a converted column");
    assert_eq!(plan.indexes.len(), 1);
    let views: Vec<&str> = plan.views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(views, ["user_emails", "user_emails_2"], "views over the key, then views over those, in creation order");
}

#[test]
fn the_plan_round_trips_through_json() {
    let plan = build(&journal(), &root(), &declared(), Conversion::default()).unwrap();
    let text = serde_json::to_string(&plan).unwrap();
    assert_eq!(serde_json::from_str::<crate::engine::plan::Plan>(&text).unwrap(), plan);
}

#[test]
fn refuses_what_it_cannot_do_safely() {
    let facts = journal();
    assert_eq!(build(&facts, &"users.nope".parse().unwrap(), &[], Conversion::default()), Err(PlanError::NoSuchColumn("users.nope".into())));
    assert!(matches!(build(&facts, &"journal_entries.id".parse().unwrap(), &[], Conversion::default()), Err(PlanError::UnsupportedType { .. })));
    let mut no_pk = facts.clone();
    no_pk.tables[3].primary_key.clear();
    assert_eq!(build(&no_pk, &root(), &declared(), Conversion::default()), Err(PlanError::NoPrimaryKey("public.reminders".into())));
    let mut expr = facts.clone();
    expr.indexes[0].keys[0] = IndexKey { column: None, expression: "lower((user_id)::text)".into(), descending: false, nulls_first: false };
    assert!(matches!(build(&expr, &root(), &declared(), Conversion::default()), Err(PlanError::ExpressionIndex { .. })));
    let mut mat = facts;
    mat.views[0].kind = 'm';
    assert!(matches!(build(&mat, &root(), &declared(), Conversion::default()), Err(PlanError::MaterializedView(_))));
}

#[test]
fn swap_sql_is_short_and_attaches_prebuilt_objects() {
    let plan = build(&journal(), &root(), &declared(), Conversion::default()).unwrap();
    let swap = crate::engine::swap::swap_sql(&plan);
    assert!(swap[0].starts_with("LOCK TABLE"));
    assert!(swap.iter().any(|s| s.contains("PRIMARY KEY USING INDEX \"pgr_key_0\"")), "{swap:#?}");
    assert!(swap.iter().filter(|s| s.contains("ADD CONSTRAINT") && s.contains("FOREIGN KEY")).all(|s| s.ends_with("NOT VALID")));
    assert!(!swap.iter().any(|s| s.contains("CREATE INDEX") || s.contains("VALIDATE")), "nothing that scans a table runs under the lock");
    let back = crate::engine::rollback::swap_back_sql(&plan);
    assert!(back.iter().any(|s| s.contains("RENAME COLUMN \"id__pgr_old\" TO \"id\"")));
}

#[test]
fn mirror_index_keeps_order_and_method() {
    let plan = build(&journal(), &root(), &declared(), Conversion::default()).unwrap();
    let sql = crate::engine::ddl::create_mirror_index(&plan, 0, &plan.indexes[0]);
    assert_eq!(sql, "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"pgr_ix_0\" ON \"public\".\"journal_entries\" USING \"btree\" (\"user_id__pgr_new\" DESC)");
}

#[test]
fn batches_page_by_keyset_never_offset() {
    let plan = build(&journal(), &root(), &declared(), Conversion::default()).unwrap();
    let tags = plan.table("public", "entry_tags").unwrap();
    let sql = crate::engine::batches::batch_sql(&plan, tags, true);
    assert!(sql.contains("(t.\"entry_id\", t.\"tag\") > ($2::bigint, $3::text)"), "{sql}");
    assert!(sql.contains("LIMIT $1") && !sql.to_uppercase().contains("OFFSET"));
}
