//! `--shard K/N`: split many scenarios across CI machines. Scenario `i` (in sorted path
//! order) runs on shard `i mod N + 1`, so every scenario runs exactly once.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index of this machine.
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard K/N with 1 <= K <= N (for example 2/4)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The items this shard runs, after sorting so every machine sees the same order.
    pub fn select<T: Ord + Clone>(&self, items: &[T]) -> Vec<T> {
        let mut sorted = items.to_vec();
        sorted.sort();
        sorted.into_iter().enumerate().filter(|(i, _)| i % self.count == self.index - 1).map(|(_, item)| item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "x/2", "3", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} must be rejected");
        }
    }

    proptest! {
        #[test]
        fn every_item_runs_on_exactly_one_shard(items in proptest::collection::btree_set(0u32..1000, 0..60), count in 1usize..8) {
            let items: Vec<u32> = items.into_iter().collect();
            let mut seen: Vec<u32> = (1..=count).flat_map(|index| Shard { index, count }.select(&items)).collect();
            seen.sort();
            prop_assert_eq!(seen, items);
        }
    }
}
