//! Generating one level, bucket by bucket, in bounded memory.
//!
//! Two passes over the candidate stream `c_0, c_1, ...` (candidate `i` is a
//! pure function of `(seed, level, i)`):
//!
//! 1. *scan*: draw candidates in parallel chunks (sampling and the canonical
//!    key only, both cheap) and, in index order, record for each bucket of
//!    this shard the indices of candidates whose key it has not seen before;
//! 2. *emit*: for bucket after bucket, redraw its recorded candidates, answer
//!    and verify them in parallel, and keep, in index order, the first
//!    `bucket_rows` that pass. A bucket that runs short resumes the scan.
//!
//! Every decision is taken in index order on one thread; only pure work runs
//! in parallel, so the output does not depend on the thread count or the
//! chunk sizes.

use super::canonical::canonical_key;
use super::plan::{bucket_of, bucket_offset, bucket_rows, Shard, Split, SplitRatios};
use super::row::{row_id, Row};
use super::sample::{sample, Problem};
use super::seeding::candidate_rng;
use super::verify::solve_and_verify;
use crate::{Error, ErrorKind, Result};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::collections::VecDeque;

/// Candidates drawn per parallel scan step.
const SCAN_CHUNK: u64 = 4096;

/// The rows of each level when no size is given: 10k/50k/50k/100k/100k/100k/100k.
pub const DEFAULT_SIZES: [u64; 7] = [10_000, 50_000, 50_000, 100_000, 100_000, 100_000, 100_000];

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelConfig {
    pub level: u8,
    /// Rows of the whole level (all shards together).
    pub n: u64,
    pub seed: u64,
    pub shard: Shard,
    pub split: SplitRatios,
}

impl LevelConfig {
    pub fn new(level: u8, n: u64, seed: u64) -> LevelConfig {
        LevelConfig { level, n, seed, shard: Shard::WHOLE, split: SplitRatios::default() }
    }
}

/// A generated row with its split.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedRow {
    pub split: Split,
    /// The canonical form that made it unique.
    pub key: String,
    pub row: Row,
}

/// Counters for the documentation of rejection rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Candidates drawn in the scan.
    pub candidates: u64,
    /// Candidates the sampler refused (cheap checks).
    pub refused: u64,
    /// Candidates of this shard's buckets whose canonical form was seen before.
    pub duplicates: u64,
    /// Candidates sent to the engine and the independent check.
    pub verified: u64,
    /// Of those, rejected (engine error, disagreement, out of range).
    pub rejected: u64,
}

struct BucketState {
    seen: FxHashSet<Box<str>>,
    pending: VecDeque<u64>,
    done: bool,
}

/// Produces the rows of one level (one shard of it) in file order.
pub struct LevelGenerator {
    cfg: LevelConfig,
    pool: rayon::ThreadPool,
    first_bucket: u32,
    buckets: Vec<BucketState>,
    next_candidate: u64,
    max_candidates: u64,
    /// Bucket being emitted (index into `buckets`) and rows kept from it so far.
    current: usize,
    kept_in_current: u64,
    ready: VecDeque<GeneratedRow>,
    emitted: u64,
    stats: Stats,
    scanned_initially: bool,
}

/// A thread pool of `threads` workers (0: one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("cannot start {threads} threads: {e}")))
}

impl LevelGenerator {
    pub fn new(cfg: LevelConfig, threads: usize) -> Result<LevelGenerator> {
        if !(1..=7).contains(&cfg.level) {
            return Err(Error::invalid(format!("level {} does not exist (levels are 1 to 7)", cfg.level)));
        }
        if cfg.n > 10_000_000 {
            return Err(Error::limit(format!("{} rows requested for level {}; at most 10,000,000", cfg.n, cfg.level)));
        }
        let range = cfg.shard.buckets();
        let buckets = range
            .clone()
            .map(|b| BucketState {
                seen: FxHashSet::default(),
                pending: VecDeque::new(),
                done: bucket_rows(cfg.n, b) == 0,
            })
            .collect();
        Ok(LevelGenerator {
            cfg,
            pool: thread_pool(threads)?,
            first_bucket: range.start,
            buckets,
            next_candidate: 0,
            // Far beyond what any level needs; a level whose space is too
            // small for `n` distinct rows fails here instead of looping.
            max_candidates: 200 * cfg.n + 1_000_000,
            current: 0,
            kept_in_current: 0,
            ready: VecDeque::new(),
            emitted: 0,
            stats: Stats::default(),
            scanned_initially: false,
        })
    }

    pub fn config(&self) -> &LevelConfig {
        &self.cfg
    }

    /// Rows this generator will produce in all.
    pub fn total_rows(&self) -> u64 {
        self.cfg.shard.rows(self.cfg.n)
    }

    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    fn draw(&self, index: u64) -> Option<Problem> {
        let mut rng = candidate_rng(self.cfg.seed, self.cfg.level, index);
        sample(self.cfg.level, &mut rng)
    }

    /// Pass 1 until `enough(self)` holds.
    fn scan_until(&mut self, enough: &dyn Fn(&LevelGenerator) -> bool) -> Result<()> {
        let range = self.cfg.shard.buckets();
        while !enough(self) {
            if self.next_candidate >= self.max_candidates {
                return Err(Error::limit(format!(
                    "level {}: {} candidates drawn without finding {} distinct rows; \
                     the level cannot produce that many",
                    self.cfg.level, self.next_candidate, self.cfg.n
                )));
            }
            let start = self.next_candidate;
            let end = start + SCAN_CHUNK;
            let drawn: Vec<Option<(u32, String)>> = self.pool.install(|| {
                (start..end)
                    .into_par_iter()
                    .map(|i| {
                        let p = self.draw(i)?;
                        let key = canonical_key(&p.input, &p.bindings);
                        Some((bucket_of(&key), key))
                    })
                    .collect()
            });
            for (offset, item) in drawn.into_iter().enumerate() {
                let Some((bucket, key)) = item else {
                    self.stats.refused += 1;
                    continue;
                };
                if !range.contains(&bucket) {
                    continue;
                }
                let state = &mut self.buckets[(bucket - self.first_bucket) as usize];
                if state.done {
                    continue;
                }
                if state.seen.insert(key.into_boxed_str()) {
                    state.pending.push_back(start + offset as u64);
                } else {
                    self.stats.duplicates += 1;
                }
            }
            self.next_candidate = end;
            self.stats.candidates = end;
        }
        Ok(())
    }

    fn rows_of(&self, i: usize) -> u64 {
        bucket_rows(self.cfg.n, self.first_bucket + i as u32)
    }

    /// Pass 2 for the current bucket: verifies one batch of its pending candidates.
    fn emit_step(&mut self) -> Result<()> {
        let i = self.current;
        let need = self.rows_of(i) - self.kept_in_current;
        if self.buckets[i].pending.is_empty() {
            self.scan_until(&|g: &LevelGenerator| g.buckets[i].pending.len() as u64 >= need)?;
        }
        let take = (need as usize).min(self.buckets[i].pending.len());
        let batch: Vec<u64> = self.buckets[i].pending.drain(..take).collect();
        let results: Vec<Option<(String, Row)>> = self.pool.install(|| {
            batch
                .par_iter()
                .map(|&index| {
                    // A recorded candidate always draws again (same stream).
                    let p = self.draw(index)?;
                    let (polish, answer) = solve_and_verify(&p).ok()?;
                    let key = canonical_key(&p.input, &p.bindings);
                    let row = Row {
                        id: String::new(),
                        level: p.level,
                        input_polish: polish,
                        input_expr: p.input,
                        expected_result: answer.expected_result,
                        expected_symbolic: answer.expected_symbolic,
                        bindings: p.bindings,
                        solutions: answer.solutions,
                        precision: answer.precision.expect("solve_and_verify sets it"),
                        steps: answer.steps,
                    };
                    Some((key, row))
                })
                .collect()
        });
        self.stats.verified += batch.len() as u64;
        let base = bucket_offset(self.cfg.n, self.first_bucket + i as u32);
        for item in results {
            let Some((key, mut row)) = item else {
                self.stats.rejected += 1;
                continue;
            };
            row.id = row_id(self.cfg.level, base + self.kept_in_current);
            self.kept_in_current += 1;
            self.ready.push_back(GeneratedRow { split: self.cfg.split.split_of(&key), key, row });
        }
        if self.kept_in_current == self.rows_of(i) {
            let state = &mut self.buckets[i];
            state.done = true;
            state.seen = FxHashSet::default();
            state.pending = VecDeque::new();
            self.current += 1;
            self.kept_in_current = 0;
        }
        Ok(())
    }

    /// Up to `max_rows` next rows in file order; empty when the level is complete.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Vec<GeneratedRow>> {
        if !self.scanned_initially {
            // One scan for all buckets up front, so that the stream is read
            // once in the common case.
            let caps: Vec<u64> = (0..self.buckets.len()).map(|i| self.rows_of(i)).collect();
            self.scan_until(&|g: &LevelGenerator| {
                g.buckets.iter().zip(&caps).all(|(s, &cap)| s.done || s.pending.len() as u64 >= cap)
            })?;
            self.scanned_initially = true;
        }
        while self.ready.len() < max_rows.max(1) && self.current < self.buckets.len() {
            if self.rows_of(self.current) == 0 {
                self.current += 1;
                continue;
            }
            self.emit_step()?;
        }
        let take = max_rows.max(1).min(self.ready.len());
        let out: Vec<GeneratedRow> = self.ready.drain(..take).collect();
        self.emitted += out.len() as u64;
        Ok(out)
    }

    /// Every remaining row.
    pub fn collect_all(&mut self) -> Result<Vec<GeneratedRow>> {
        let mut all = Vec::new();
        loop {
            let chunk = self.next_chunk(16_384)?;
            if chunk.is_empty() {
                return Ok(all);
            }
            all.extend(chunk);
        }
    }
}

/// All rows of one level (one shard of it), in file order.
pub fn generate_level(cfg: LevelConfig, threads: usize) -> Result<Vec<GeneratedRow>> {
    LevelGenerator::new(cfg, threads)?.collect_all()
}
