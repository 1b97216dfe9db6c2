//! Dependency order: parents before children, ties broken by table order so the result
//! is deterministic. A cycle (which only deferred FKs allow) is broken in table order.

use crate::dataset::model::ModelRelation;

/// Table indexes with every referenced table before the tables referencing it.
pub fn load_order(table_count: usize, relations: &[ModelRelation]) -> Vec<usize> {
    let mut placed = vec![false; table_count];
    let mut order = Vec::with_capacity(table_count);
    while order.len() < table_count {
        let ready = (0..table_count).find(|&t| !placed[t] && parents(t, relations).all(|p| placed[p]));
        let next = ready.unwrap_or_else(|| (0..table_count).find(|&t| !placed[t]).expect("some table is left"));
        placed[next] = true;
        order.push(next);
    }
    order
}

/// The other tables `table` references.
pub fn parents(table: usize, relations: &[ModelRelation]) -> impl Iterator<Item = usize> + '_ {
    relations.iter().filter(move |r| r.from.table == table && r.to.table != table).map(|r| r.to.table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::model::ColumnId;

    fn relation(from: usize, to: usize) -> ModelRelation {
        ModelRelation { from: ColumnId { table: from, column: 0 }, to: ColumnId { table: to, column: 0 }, is_enforced: false }
    }

    #[test]
    fn parents_come_first_and_self_references_do_not_block() {
        let relations = [relation(0, 2), relation(2, 1), relation(1, 1)];
        assert_eq!(load_order(3, &relations), vec![1, 2, 0]);
        let cycle = [relation(0, 1), relation(1, 0)];
        assert_eq!(load_order(2, &cycle), vec![0, 1]);
    }
}
