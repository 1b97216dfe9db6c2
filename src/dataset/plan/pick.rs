//! Pure arithmetic for choosing parents: bijections that spread row numbers, and the map
//! from "the k-th clean row" to a row number that skips anomalous parents.

use crate::dataset::generate::rng::mix64;

/// `k ↦ (k·a + b) mod n` with `gcd(a, n) = 1`: a bijection on `[0, n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Affine {
    pub n: u64,
    a: u64,
    b: u64,
}

impl Affine {
    pub fn new(n: u64, salt: u64) -> Affine {
        if n <= 1 {
            return Affine { n, a: 1, b: 0 };
        }
        let mut a = mix64(salt) % n;
        while gcd(a, n) != 1 {
            a = (a + 1) % n;
        }
        Affine { n, a, b: mix64(salt ^ 0x5bd1_e995) % n }
    }

    pub fn apply(&self, k: u64) -> u64 {
        if self.n <= 1 {
            return 0;
        }
        ((k as u128 * self.a as u128 + self.b as u128) % self.n as u128) as u64
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The rows of a table minus its anomalous rows, addressed by clean index.
#[derive(Debug, Clone, Default)]
pub struct CleanRows {
    pub rows: u64,
    /// Sorted anomalous row numbers.
    excluded: Vec<u64>,
}

impl CleanRows {
    pub fn new(rows: u64, mut excluded: Vec<u64>) -> CleanRows {
        excluded.sort_unstable();
        excluded.dedup();
        CleanRows { rows, excluded }
    }

    pub fn count(&self) -> u64 {
        self.rows - self.excluded.len() as u64
    }

    /// Clean rows with a row number below `row`.
    pub fn count_below(&self, row: u64) -> u64 {
        row - self.excluded.partition_point(|&x| x < row) as u64
    }

    /// The row number of the `k`-th clean row (`k < count()`).
    pub fn nth(&self, k: u64) -> u64 {
        // `excluded[j] - j` never decreases, so binary search finds how many excluded
        // rows come before the answer: those with `excluded[j] - j <= k`.
        let (mut low, mut high) = (0usize, self.excluded.len());
        while low < high {
            let mid = (low + high) / 2;
            if self.excluded[mid] - mid as u64 <= k {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        k + low as u64
    }
}

/// A skewed index in `[0, n)`: `floor(n·u³)` puts ~8% of draws on the first 0.05% of
/// indexes, so once spread by an [`Affine`] a few parents get thousands of children.
pub fn skewed(n: u64, unit: f64) -> u64 {
    ((n as f64 * unit * unit * unit) as u64).min(n.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn affine_is_a_bijection() {
        for n in [1u64, 2, 10, 97, 1000] {
            let spread = Affine::new(n, 42);
            let images: BTreeSet<u64> = (0..n).map(|k| spread.apply(k)).collect();
            assert_eq!(images.len() as u64, n);
        }
    }

    #[test]
    fn nth_skips_excluded_rows() {
        let excluded: Vec<u64> = (0..200).map(|i| i * 3).collect();
        let clean = CleanRows::new(1000, excluded.clone());
        let expected: Vec<u64> = (0..1000).filter(|r| !excluded.contains(r)).collect();
        assert_eq!(clean.count() as usize, expected.len());
        for (k, &row) in expected.iter().enumerate() {
            assert_eq!(clean.nth(k as u64), row, "k = {k}");
        }
        assert_eq!(clean.count_below(7), 4);
    }
}
