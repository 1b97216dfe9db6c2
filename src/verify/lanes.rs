//! Independent tables read in parallel: the scans of several comparisons dealt over a few
//! connections to one database (lanes), largest first, each lane running its scans one
//! after the other. A large ordinary table is split into ranges of heap blocks, one per
//! lane, so that one big table does not leave the other lanes idle: the cast helpers keep
//! Postgres from spreading such a scan over its own parallel workers.

use futures::future::try_join_all;
use sqlx::PgConnection;

use super::error::VerifyError;
use super::fingerprint::{source_buckets, Blocks, Buckets};
use super::projection::PreparedSide;
use super::state::DatabaseState;
use crate::vocabulary::TableName;

/// Below this many heap blocks (8 kB each, so 8 MB) a table is read in one scan: splitting
/// it costs a query per range and gains little.
const SPLIT_FROM_BLOCKS: i64 = 1024;

/// The bucket fingerprints of every side in `sides`, in order, read on `conns` (all
/// connected to the database `state` was read from), stored buckets reused.
pub async fn side_buckets(state: &DatabaseState, conns: Vec<&mut PgConnection>, sides: &[&PreparedSide]) -> Result<Vec<Buckets>, VerifyError> {
    let mut totals: Vec<Buckets> = vec![Buckets::default(); sides.len()];
    let mut scans = Vec::new();
    for (i, side) in sides.iter().enumerate() {
        for source in &side.sources {
            match state.stored(&source.projection) {
                Some(stored) => totals[i].add(stored),
                None => scans.push((i, source)),
            }
        }
    }
    let mut conns = conns;
    let Some(first) = conns.first_mut() else { return Ok(totals) };
    if scans.is_empty() {
        return Ok(totals);
    }
    let tables: Vec<&TableName> = scans.iter().map(|(_, s)| &s.projection.table).collect();
    let sizes = table_sizes(first, &tables).await?;
    let mut jobs = Vec::new();
    for ((i, source), size) in scans.iter().zip(&sizes) {
        for blocks in ranges(size, conns.len()) {
            jobs.push((*i, *source, blocks, size.blocks / ranges_count(size, conns.len()) as i64));
        }
    }
    let weights: Vec<i64> = jobs.iter().map(|job| job.3).collect();
    let lanes = deal(&weights, conns.len());
    let jobs = &jobs;
    let work = conns.into_iter().zip(lanes).map(|(conn, lane)| async move {
        let mut read = Vec::with_capacity(lane.len());
        for j in lane {
            let (i, source, blocks, _) = jobs[j];
            read.push((i, source_buckets(conn, source, blocks).await?));
        }
        Ok::<_, VerifyError>(read)
    });
    for (i, buckets) in try_join_all(work).await?.into_iter().flatten() {
        totals[i].add(&buckets);
    }
    Ok(totals)
}

/// A table's size in heap blocks, as the planner last counted them, and whether it is an
/// ordinary table (only those are split by block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSize {
    pub blocks: i64,
    pub splittable: bool,
}

/// The size of each of `tables`, in order (0 blocks for one Postgres has not counted).
pub async fn table_sizes(conn: &mut PgConnection, tables: &[&TableName]) -> Result<Vec<TableSize>, VerifyError> {
    let names: Vec<String> = tables.iter().map(|t| t.quoted()).collect();
    let rows: Vec<(i64, bool)> = sqlx::query_as(
        "SELECT coalesce(c.relpages, 0)::bigint, coalesce(c.relkind = 'r', false) \
         FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) LEFT JOIN pg_class AS c ON c.oid = to_regclass(u.n) ORDER BY u.i",
    )
    .bind(&names)
    .fetch_all(conn)
    .await
    .map_err(VerifyError::query("read table sizes"))?;
    Ok(rows.into_iter().map(|(blocks, splittable)| TableSize { blocks: blocks.max(0), splittable }).collect())
}

fn ranges_count(size: &TableSize, lanes: usize) -> usize {
    if size.splittable && size.blocks >= SPLIT_FROM_BLOCKS && lanes > 1 {
        lanes
    } else {
        1
    }
}

/// The block ranges a table is read in: all of it, or `lanes` consecutive ranges that
/// cover every block, the last one open-ended (the table may have grown since it was
/// counted).
pub fn ranges(size: &TableSize, lanes: usize) -> Vec<Blocks> {
    let count = ranges_count(size, lanes);
    if count == 1 {
        return vec![Blocks::All];
    }
    let step = size.blocks / count as i64;
    let mut ranges: Vec<Blocks> = (0..count as i64 - 1).map(|r| Blocks::Between(r * step, (r + 1) * step)).collect();
    ranges.push(Blocks::From((count as i64 - 1) * step));
    ranges
}

/// Indexes of `weights` dealt into `lanes` lists: heaviest first, each to the lightest lane.
pub fn deal(weights: &[i64], lanes: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weights[i]));
    let mut dealt: Vec<(i64, Vec<usize>)> = vec![(0, Vec::new()); lanes.max(1)];
    for i in order {
        let lightest = dealt.iter_mut().min_by_key(|(load, _)| *load).expect("at least one lane");
        lightest.0 += weights[i].max(1);
        lightest.1.push(i);
    }
    dealt.into_iter().map(|(_, lane)| lane).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heaviest_go_first_each_to_the_lightest_lane() {
        assert_eq!(deal(&[50, 100, 0, 60], 2), vec![vec![1, 2], vec![3, 0]]);
        assert_eq!(deal(&[5, 7], 1), vec![vec![1, 0]]);
        assert_eq!(deal(&[5, 7, 1], 4), vec![vec![1], vec![0], vec![2], vec![]]);
    }

    #[test]
    fn only_large_ordinary_tables_are_split_and_the_ranges_cover_every_block() {
        let large = TableSize { blocks: 3 * SPLIT_FROM_BLOCKS + 1, splittable: true };
        let step = large.blocks / 3;
        assert_eq!(ranges(&large, 3), vec![Blocks::Between(0, step), Blocks::Between(step, 2 * step), Blocks::From(2 * step)]);
        assert_eq!(ranges(&large, 1), vec![Blocks::All]);
        assert_eq!(ranges(&TableSize { splittable: false, ..large }, 3), vec![Blocks::All]);
        assert_eq!(ranges(&TableSize { blocks: SPLIT_FROM_BLOCKS - 1, splittable: true }, 3), vec![Blocks::All]);
    }
}
