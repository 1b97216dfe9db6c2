//! Dependency order of the tables: parents before children, self-references ignored, and
//! the tables of a cycle in name order after everything that does not depend on them
//! (SQLite checks foreign keys only at load time, so creation order never blocks).

use super::plan::TablePlan;

/// Indexes of `tables` in dependency order.
pub fn dependency_order(tables: &[TablePlan]) -> Vec<usize> {
    let position = |oid: i64| tables.iter().position(|t| t.source.oid == oid);
    let parents: Vec<Vec<usize>> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| t.source.foreign_keys.iter().filter_map(|f| position(f.parent)).filter(|&p| p != i).collect())
        .collect();
    let mut placed = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        let ready: Vec<usize> = (0..tables.len()).filter(|&i| !placed[i] && parents[i].iter().all(|&p| placed[p])).collect();
        // In a cycle nothing is ready: place the first remaining table by name.
        let next = if ready.is_empty() { (0..tables.len()).filter(|&i| !placed[i]).min_by_key(|&i| &tables[i].name).into_iter().collect() } else { ready };
        for i in next {
            placed[i] = true;
            order.push(i);
        }
    }
    order
}
