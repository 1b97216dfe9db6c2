//! Cleanup after a rebuild: the retired original tables and the reverse triggers go.

use super::super::plan::Plan;
use super::change_log;
use super::prepare::old_table;

pub fn cleanup_sql(plan: &Plan) -> Vec<String> {
    let mut s = Vec::new();
    for table in &plan.tables {
        s.push(change_log::drop_trigger_sql(&table.qualified()));
        s.push(format!("DROP TABLE IF EXISTS {}", old_table(plan, table)));
        s.extend(change_log::drop_functions_sql(plan, table));
    }
    s
}
