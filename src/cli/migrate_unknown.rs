//! `migrate` without `--scenario`: the references the database does not enforce that the
//! plan does not know about, found by `init`'s `*_id` heuristic, so the plan can say which
//! columns it would leave behind and how to declare them.

use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::Connection;

use super::exit::CliError;
use crate::dataset::catalog::read_schema;
use crate::engine::{bookkeeping_schemas, Plan};
use crate::init::unenforced_references;

/// A reference that looks real (a `*_id` text column of the type of a converted key, with
/// no foreign key) and that neither the database nor the plan knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownReference {
    /// `schema.table.column` of the referencing column.
    pub from: String,
    /// `schema.table.column` of the converted key it seems to reference.
    pub to: String,
    /// The `--relation` value that declares it.
    pub relation: String,
}

/// Reads the schema and returns the unknown references into columns `plan` converts.
pub async fn find(connect: &PgConnectOptions, plan: &Plan) -> Result<Vec<UnknownReference>, CliError> {
    let mut conn = sqlx::PgConnection::connect_with(connect).await.map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
    let model = read_schema(&mut conn).await.map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
    let _ = conn.close().await;
    let tables: Vec<usize> = (0..model.tables.len())
        .filter(|&t| {
            let schema = model.tables[t].schema.as_str();
            !schema.starts_with("pgrehearse_") && !bookkeeping_schemas().contains(&schema)
        })
        .collect();
    let mut unknown = Vec::new();
    for (from, to) in unenforced_references(&model, &tables) {
        let (child, parent) = (&model.tables[from.table], &model.tables[to.table]);
        let (child_column, parent_column) = (&child.columns[from.column].name, &parent.columns[to.column].name);
        let known = plan.references.iter().any(|r| r.child_schema == child.schema && r.child_table == child.name && r.child_columns == [child_column.clone()]);
        if known || !plan.is_converted(&parent.schema, &parent.name, parent_column) {
            continue;
        }
        unknown.push(UnknownReference {
            from: format!("{}.{}.{child_column}", child.schema, child.name),
            to: format!("{}.{}.{parent_column}", parent.schema, parent.name),
            relation: format!("{}={}", model.column_name(from), model.column_name(to)),
        });
    }
    Ok(unknown)
}
