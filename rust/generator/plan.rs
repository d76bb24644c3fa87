//! Where rows go: buckets, shards and splits.
//!
//! A level of `n` rows is laid out in [`BUCKETS`] buckets. A row's bucket is a
//! hash of its canonical form, so duplicates always meet in the same bucket
//! and each bucket can be deduplicated on its own. Bucket `b` holds
//! `floor((b+1)n/B) - floor(bn/B)` rows: the first that many distinct,
//! verified candidates of its class in candidate order. The level's file order
//! is bucket 0's rows, then bucket 1's, ...; row ids count in that order.
//!
//! Shard `K/N` owns the contiguous buckets `[floor(KB/N), floor((K+1)B/N))`,
//! so shard outputs concatenated in shard order are byte for byte the
//! unsharded files, and shards share no row.
//!
//! A row's split (train/val/test) is a hash of its canonical form alone
//! (no seed), so no problem can be in two splits, even across data sets
//! generated with different seeds.

use super::seeding::{stable_hash, BUCKET_SALT, SPLIT_SALT};
use crate::{Error, Result};
use std::ops::Range;

/// Number of buckets per level, and so the largest shard count.
pub const BUCKETS: u32 = 256;

/// Rows in bucket `b` of a level of `n` rows.
pub fn bucket_rows(n: u64, b: u32) -> u64 {
    bucket_offset(n, b + 1) - bucket_offset(n, b)
}

/// Rows before bucket `b` (the id offset of its first row).
pub fn bucket_offset(n: u64, b: u32) -> u64 {
    ((n as u128 * b as u128) / BUCKETS as u128) as u64
}

pub fn bucket_of(key: &str) -> u32 {
    (stable_hash(key.as_bytes(), BUCKET_SALT) % BUCKETS as u64) as u32
}

/// One part of a sharded run: shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    pub fn new(index: u32, count: u32) -> Result<Shard> {
        if count == 0 || count > BUCKETS {
            return Err(Error::invalid(format!("shard count {count} must be between 1 and {BUCKETS}")));
        }
        if index >= count {
            return Err(Error::invalid(format!("shard index {index} must be below the shard count {count}")));
        }
        Ok(Shard { index, count })
    }

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || Error::invalid(format!("shard {text:?} is not of the form K/N (e.g. 0/4)"));
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        Shard::new(k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?)
    }

    pub fn buckets(&self) -> Range<u32> {
        let at = |k: u32| ((k as u64 * BUCKETS as u64) / self.count as u64) as u32;
        at(self.index)..at(self.index + 1)
    }

    /// Rows this shard holds of a level of `n` rows.
    pub fn rows(&self, n: u64) -> u64 {
        let r = self.buckets();
        bucket_offset(n, r.end) - bucket_offset(n, r.start)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    Train,
    Val,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }
}

/// Split fractions (normalised to sum to 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitRatios {
    pub train: f64,
    pub val: f64,
    pub test: f64,
}

impl Default for SplitRatios {
    fn default() -> Self {
        SplitRatios { train: 0.90, val: 0.05, test: 0.05 }
    }
}

impl SplitRatios {
    pub fn new(train: f64, val: f64, test: f64) -> Result<SplitRatios> {
        let total = train + val + test;
        if [train, val, test].iter().any(|r| !r.is_finite() || *r < 0.0) || total <= 0.0 {
            return Err(Error::invalid(format!(
                "split ratios {train}/{val}/{test} must be non-negative with a positive sum"
            )));
        }
        Ok(SplitRatios { train: train / total, val: val / total, test: test / total })
    }

    /// The split of a row with canonical form `key`.
    pub fn split_of(&self, key: &str) -> Split {
        // 53 high bits give a uniform double in [0, 1).
        let u = (stable_hash(key.as_bytes(), SPLIT_SALT) >> 11) as f64 / (1u64 << 53) as f64;
        if u < self.train {
            Split::Train
        } else if u < self.train + self.val {
            Split::Val
        } else {
            Split::Test
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_partition_the_rows() {
        for n in [0u64, 1, 7, 255, 256, 257, 10_000, 100_003] {
            let total: u64 = (0..BUCKETS).map(|b| bucket_rows(n, b)).sum();
            assert_eq!(total, n);
            let max = (0..BUCKETS).map(|b| bucket_rows(n, b)).max().unwrap();
            let min = (0..BUCKETS).map(|b| bucket_rows(n, b)).min().unwrap();
            assert!(max - min <= 1);
        }
    }

    #[test]
    fn shards_tile_the_buckets_in_order() {
        for count in [1u32, 2, 3, 7, 64, 256] {
            let mut next = 0;
            let mut rows = 0;
            for index in 0..count {
                let s = Shard::new(index, count).unwrap();
                assert_eq!(s.buckets().start, next);
                next = s.buckets().end;
                rows += s.rows(12_345);
            }
            assert_eq!(next, BUCKETS);
            assert_eq!(rows, 12_345);
        }
        assert!(Shard::new(3, 3).is_err());
        assert!(Shard::new(0, 0).is_err());
        assert!(Shard::new(0, BUCKETS + 1).is_err());
        assert_eq!(Shard::parse("2/5").unwrap(), Shard { index: 2, count: 5 });
        assert!(Shard::parse("2-5").is_err());
        assert!(Shard::parse("a/5").is_err());
    }

    #[test]
    fn split_fractions_are_close_to_the_ratios() {
        let ratios = SplitRatios::default();
        let mut counts = [0usize; 3];
        for i in 0..20_000 {
            counts[ratios.split_of(&format!("(+ {i} x)")) as usize] += 1;
        }
        assert!((counts[0] as f64 / 20_000.0 - 0.90).abs() < 0.01, "{counts:?}");
        assert!((counts[1] as f64 / 20_000.0 - 0.05).abs() < 0.01, "{counts:?}");
        assert!(SplitRatios::new(1.0, -1.0, 0.0).is_err());
    }
}
