//! BPE training: chunk counting (parallel, streamed) and incremental merging.
//!
//! Counting: each batch of texts is split into chunks in parallel (rayon); chunk
//! counts are summed into one map, so only the distinct chunks of the corpus are
//! kept, never the corpus.
//!
//! Merging works on the distinct chunks ("words"), each stored once with its count
//! in a flat arena. It keeps the count of every adjacent pair, for every pair the
//! list of words that held it when it appeared, and a max-heap of (count, pair)
//! entries with lazy invalidation: an entry whose count is out of date is pushed
//! back with the current count when it reaches the top. A merge touches only the
//! words in its pair's list, and updates only the pairs around each occurrence.
//!
//! Tie-break (deterministic): the pair with the highest count wins; among equal
//! counts, the pair `(left, right)` with the smallest left id, then the smallest
//! right id. Token ids 0..=255 are the bytes; a merge creates the next id unless
//! its bytes already name a token (possible, rarely, when the same byte string is
//! reached by two different splits), in which case that id is reused and no
//! vocabulary slot is spent. Pair counts are sums and the merge loop is
//! sequential, so the result does not depend on the thread count or word order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::split::Splitter;
use crate::{Error, Result};

type Pair = u64;

#[inline]
fn pair(a: u32, b: u32) -> Pair {
    ((a as u64) << 32) | b as u64
}

#[inline]
fn unpair(p: Pair) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

/// Streams texts in and keeps the count of every distinct chunk.
pub struct ChunkCounter {
    splitter: Splitter,
    counts: FxHashMap<Box<str>, u64>,
    texts_seen: u64,
    bytes_seen: u64,
}

/// Texts longer than this are cut (at safe places) so that one long text still
/// keeps every thread busy.
const SEGMENT_BYTES: usize = 1 << 16;

impl ChunkCounter {
    pub fn new(pattern: &str) -> Result<Self> {
        Ok(ChunkCounter { splitter: Splitter::new(pattern)?, counts: FxHashMap::default(), texts_seen: 0, bytes_seen: 0 })
    }

    pub fn splitter(&self) -> &Splitter {
        &self.splitter
    }

    /// Splits and counts one batch, in parallel on the current rayon pool.
    pub fn add_texts<S: AsRef<str> + Sync>(&mut self, texts: &[S]) -> Result<()> {
        let splitter = &self.splitter;
        let segments: Vec<&str> =
            texts.iter().flat_map(|t| splitter.segments(t.as_ref(), SEGMENT_BYTES)).collect();
        let local = segments
            .par_iter()
            .try_fold(FxHashMap::<&str, u64>::default, |mut m, text| {
                splitter.for_each_chunk(text, |c| *m.entry(c).or_insert(0) += 1)?;
                Ok::<_, Error>(m)
            })
            .try_reduce(FxHashMap::default, |a, b| {
                // Merge the smaller map into the bigger one.
                let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (k, v) in small {
                    *big.entry(k).or_insert(0) += v;
                }
                Ok(big)
            })?;
        for (k, v) in local {
            match self.counts.get_mut(k) {
                Some(c) => *c += v,
                None => {
                    self.counts.insert(k.into(), v);
                }
            }
        }
        self.texts_seen += texts.len() as u64;
        self.bytes_seen += texts.iter().map(|t| t.as_ref().len() as u64).sum::<u64>();
        Ok(())
    }

    pub fn distinct_chunks(&self) -> usize {
        self.counts.len()
    }
    pub fn texts_seen(&self) -> u64 {
        self.texts_seen
    }
    pub fn bytes_seen(&self) -> u64 {
        self.bytes_seen
    }

    /// Gives up the counts (chunk, count) in no particular order.
    pub fn into_counts(self) -> FxHashMap<Box<str>, u64> {
        self.counts
    }
}

#[derive(Clone, Copy)]
struct WordMeta {
    start: usize,
    count: u64,
    len: u32,
    /// Last merge step that visited the word (skips duplicates in a position list).
    stamp: u32,
}

/// The state of an incremental BPE merge run.
pub struct Merger {
    /// All words' token ids, each word in its own span of `arena`.
    arena: Vec<u32>,
    /// One record per word, kept together: a merge reads all of it at once.
    words: Vec<WordMeta>,
    pair_counts: FxHashMap<Pair, i64>,
    positions: FxHashMap<Pair, Vec<u32>>,
    heap: BinaryHeap<(i64, Reverse<Pair>)>,
    /// Bytes of every token so far; the index is the id.
    tokens: Vec<Vec<u8>>,
    token_ids: FxHashMap<Vec<u8>, u32>,
    merges: Vec<(u32, u32)>,
    min_frequency: i64,
    step: u32,
    done: bool,
}

impl Merger {
    /// Builds the pair index from chunk counts. Chunks of one byte hold no pair
    /// and are left out.
    pub fn new(counts: FxHashMap<Box<str>, u64>, min_frequency: u64) -> Result<Self> {
        if counts.is_empty() {
            return Err(Error::invalid("the training corpus is empty: no text to learn merges from"));
        }
        let words: Vec<(Box<str>, u64)> = counts.into_iter().filter(|(w, _)| w.len() >= 2).collect();
        if let Some((w, _)) = words.iter().find(|(w, _)| w.len() > u32::MAX as usize) {
            return Err(Error::limit(format!("a chunk of {} bytes is longer than 4 GiB", w.len())));
        }
        let total: usize = words.iter().map(|(w, _)| w.len()).sum();
        let mut arena = Vec::with_capacity(total);
        let mut start = Vec::with_capacity(words.len());
        let mut len = Vec::with_capacity(words.len());
        let mut count = Vec::with_capacity(words.len());
        for (w, c) in &words {
            start.push(arena.len());
            len.push(w.len() as u32);
            count.push(*c);
            arena.extend(w.bytes().map(u32::from));
        }
        drop(words);
        if start.len() > u32::MAX as usize {
            return Err(Error::limit("more than 4 billion distinct chunks"));
        }

        // Pair counts in parallel (sums: the same for any split of the work).
        let n = start.len();
        let pair_counts: FxHashMap<Pair, i64> = (0..n)
            .into_par_iter()
            .with_min_len(4096)
            .fold(FxHashMap::default, |mut m, w| {
                let s = &arena[start[w]..start[w] + len[w] as usize];
                for x in s.windows(2) {
                    *m.entry(pair(x[0], x[1])).or_insert(0) += count[w] as i64;
                }
                m
            })
            .reduce(FxHashMap::default, |a, b| {
                let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (k, v) in small {
                    *big.entry(k).or_insert(0) += v;
                }
                big
            });
        let mut positions: FxHashMap<Pair, Vec<u32>> = FxHashMap::default();
        positions.reserve(pair_counts.len());
        for w in 0..n {
            let s = &arena[start[w]..start[w] + len[w] as usize];
            for x in s.windows(2) {
                let list = positions.entry(pair(x[0], x[1])).or_default();
                if list.last() != Some(&(w as u32)) {
                    list.push(w as u32);
                }
            }
        }
        let heap = pair_counts.iter().map(|(&p, &c)| (c, Reverse(p))).collect();
        let tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let token_ids = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let words = (0..n).map(|w| WordMeta { start: start[w], count: count[w], len: len[w], stamp: u32::MAX }).collect();
        Ok(Merger {
            arena,
            words,
            pair_counts,
            positions,
            heap,
            tokens,
            token_ids,
            merges: Vec::new(),
            min_frequency: min_frequency.max(1) as i64,
            step: 0,
            done: false,
        })
    }

    /// Number of distinct tokens (bytes included) so far.
    pub fn vocab_len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether no pair is left that reaches `min_frequency`.
    pub fn exhausted(&self) -> bool {
        self.done
    }

    /// Merges until the vocabulary holds `target` tokens, `max_steps` merges were
    /// made, or no pair reaches `min_frequency`. Returns the merges made.
    pub fn run(&mut self, target: usize, max_steps: usize) -> usize {
        let mut made = 0;
        while made < max_steps && self.tokens.len() < target && !self.done {
            if self.merge_once() {
                made += 1;
            }
        }
        made
    }

    /// Pops the best pair and merges it everywhere. Returns false when nothing
    /// was merged (a stale heap entry, or the end).
    fn merge_once(&mut self) -> bool {
        let Some((c, Reverse(p))) = self.heap.pop() else {
            self.done = true;
            return false;
        };
        let current = self.pair_counts.get(&p).copied().unwrap_or(0);
        if current != c {
            if current > 0 {
                self.heap.push((current, Reverse(p)));
            }
            return false;
        }
        if c < self.min_frequency {
            self.done = true;
            return false;
        }
        let (a, b) = unpair(p);
        let mut bytes = self.tokens[a as usize].clone();
        bytes.extend_from_slice(&self.tokens[b as usize]);
        let new_id = match self.token_ids.get(&bytes) {
            Some(&id) => id,
            None => {
                let id = self.tokens.len() as u32;
                self.token_ids.insert(bytes.clone(), id);
                self.tokens.push(bytes);
                id
            }
        };
        self.merges.push((a, b));
        self.step += 1;
        let step = self.step;

        let touched = self.positions.remove(&p).unwrap_or_default();
        let mut grown: Vec<Pair> = Vec::new();
        for &w in &touched {
            let wi = w as usize;
            let meta = &mut self.words[wi];
            if meta.stamp == step {
                continue;
            }
            meta.stamp = step;
            let s0 = meta.start;
            let l = meta.len as usize;
            let c = meta.count as i64;
            let span = &mut self.arena[s0..s0 + l];
            let pair_counts = &mut self.pair_counts;
            let positions = &mut self.positions;
            let new_len = merge_word(span, a, b, new_id, |q, d| {
                if q == p {
                    return;
                }
                let e = pair_counts.entry(q).or_insert(0);
                *e += d * c;
                if d > 0 {
                    let list = positions.entry(q).or_default();
                    if list.last() != Some(&w) {
                        list.push(w);
                    }
                    grown.push(q);
                } else if *e == 0 {
                    pair_counts.remove(&q);
                    positions.remove(&q);
                }
            });
            self.words[wi].len = new_len as u32;
        }
        self.pair_counts.remove(&p);
        grown.sort_unstable();
        grown.dedup();
        for q in grown {
            if let Some(&c) = self.pair_counts.get(&q) {
                if c > 0 {
                    self.heap.push((c, Reverse(q)));
                }
            }
        }
        true
    }

    /// The merges in order and the bytes of every token.
    pub fn into_parts(self) -> (Vec<(u32, u32)>, Vec<Vec<u8>>) {
        (self.merges, self.tokens)
    }
}

/// Replaces every occurrence of `(a, b)` in `s` (left to right, non-overlapping)
/// by `n`, reporting pair changes as `delta(pair, +1 | -1)` (times the word's
/// count at the caller). Returns the new length; `s` is rewritten in place.
#[inline]
fn merge_word(s: &mut [u32], a: u32, b: u32, n: u32, mut delta: impl FnMut(Pair, i64)) -> usize {
    let len = s.len();
    let mut r = 0;
    let mut w = 0;
    let mut prev_merged = false;
    while r < len {
        if r + 1 < len && s[r] == a && s[r + 1] == b {
            delta(pair(a, b), -1);
            if w > 0 {
                let prev = s[w - 1];
                if prev_merged {
                    // ... n | a b ... : the pair (b, a) between them becomes (n, n).
                    delta(pair(b, a), -1);
                } else {
                    delta(pair(prev, a), -1);
                }
                delta(pair(prev, n), 1);
            }
            if r + 2 < len {
                let next = s[r + 2];
                let next_merges = next == a && r + 3 < len && s[r + 3] == b;
                if !next_merges {
                    delta(pair(b, next), -1);
                    delta(pair(n, next), 1);
                }
            }
            s[w] = n;
            w += 1;
            r += 2;
            prev_merged = true;
        } else {
            s[w] = s[r];
            w += 1;
            r += 1;
            prev_merged = false;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Obviously-correct trainer: recount every pair after every merge.
    fn slow_train(words: &[(&[u8], u64)], target: usize) -> Vec<(u32, u32)> {
        let mut ws: Vec<(Vec<u32>, u64)> =
            words.iter().map(|(w, c)| (w.iter().map(|&b| b as u32).collect(), *c)).collect();
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let mut merges = vec![];
        while tokens.len() < target {
            let mut counts: std::collections::BTreeMap<(u32, u32), u64> = Default::default();
            for (w, c) in &ws {
                for x in w.windows(2) {
                    *counts.entry((x[0], x[1])).or_insert(0) += c;
                }
            }
            let Some((&best, _)) = counts.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0))) else { break };
            let mut bytes = tokens[best.0 as usize].clone();
            bytes.extend_from_slice(&tokens[best.1 as usize]);
            let id = match tokens.iter().position(|t| *t == bytes) {
                Some(i) => i as u32,
                None => {
                    tokens.push(bytes);
                    tokens.len() as u32 - 1
                }
            };
            merges.push(best);
            for (w, _) in ws.iter_mut() {
                let mut out = vec![];
                let mut i = 0;
                while i < w.len() {
                    if i + 1 < w.len() && (w[i], w[i + 1]) == best {
                        out.push(id);
                        i += 2;
                    } else {
                        out.push(w[i]);
                        i += 1;
                    }
                }
                *w = out;
            }
        }
        merges
    }

    fn fast_train(words: &[(&[u8], u64)], target: usize) -> Vec<(u32, u32)> {
        let counts = words
            .iter()
            .map(|(w, c)| (std::str::from_utf8(w).unwrap().into(), *c))
            .collect::<FxHashMap<Box<str>, u64>>();
        let mut m = Merger::new(counts, 1).unwrap();
        m.run(target, usize::MAX);
        m.into_parts().0
    }

    #[test]
    fn merge_word_deltas_match_recount() {
        for (word, a, b) in [
            (vec![1, 1, 1, 1, 1], 1, 1),
            (vec![1, 2, 1, 2, 3, 1, 2], 1, 2),
            (vec![2, 1, 2, 1, 2], 1, 2),
            (vec![3, 1, 1, 3, 1, 1, 1], 1, 1),
        ] {
            let mut before: FxHashMap<Pair, i64> = FxHashMap::default();
            for x in word.windows(2) {
                *before.entry(pair(x[0], x[1])).or_insert(0) += 1;
            }
            let mut s = word.clone();
            let mut got = before.clone();
            let n = merge_word(&mut s, a, b, 9, |q, d| *got.entry(q).or_insert(0) += d);
            s.truncate(n);
            let mut after: FxHashMap<Pair, i64> = FxHashMap::default();
            for x in s.windows(2) {
                *after.entry(pair(x[0], x[1])).or_insert(0) += 1;
            }
            got.retain(|_, v| *v != 0);
            assert_eq!(got, after, "word {word:?}");
        }
    }

    #[test]
    fn equals_slow_trainer() {
        let words: Vec<(&[u8], u64)> = vec![
            (b"hello", 5),
            (b" world", 3),
            (b" hello", 4),
            (b"aaaaaa", 2),
            (b"abab", 3),
            (b"ababab", 1),
            (b" the", 9),
            (b"there", 2),
            (b"xyzzy", 1),
        ];
        for target in [256, 260, 270, 300] {
            assert_eq!(fast_train(&words, target), slow_train(&words, target), "target {target}");
        }
    }

    #[test]
    fn empty_corpus_is_an_error() {
        assert!(Merger::new(FxHashMap::default(), 1).is_err());
    }

    #[test]
    fn min_frequency_stops_early() {
        let counts: FxHashMap<Box<str>, u64> = [("ab".into(), 3u64), ("cd".into(), 1)].into_iter().collect();
        let mut m = Merger::new(counts, 2).unwrap();
        m.run(1000, usize::MAX);
        assert!(m.exhausted());
        assert_eq!(m.into_parts().0, vec![(97, 98)]);
    }

    #[test]
    fn counter_is_thread_count_independent() {
        let texts: Vec<String> = (0..300).map(|i| format!("line {i} of text, it's {} here\n", i * 7)).collect();
        let count = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut c = ChunkCounter::new(super::super::split::GPT4_PATTERN).unwrap();
                c.add_texts(&texts).unwrap();
                let mut m = Merger::new(c.into_counts(), 1).unwrap();
                m.run(400, usize::MAX);
                m.into_parts()
            })
        };
        assert_eq!(count(1), count(3));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn random_corpora_equal_slow_trainer(
            words in proptest::collection::vec(("[abc]{1,8}", 1u64..5), 1..12),
            extra in 0usize..20,
        ) {
            let mut dedup: std::collections::BTreeMap<String, u64> = Default::default();
            for (w, c) in &words { *dedup.entry(w.clone()).or_insert(0) += c; }
            let ws: Vec<(&[u8], u64)> = dedup.iter().map(|(w, c)| (w.as_bytes(), *c)).collect();
            proptest::prop_assert_eq!(fast_train(&ws, 256 + extra), slow_train(&ws, 256 + extra));
        }
    }
}
