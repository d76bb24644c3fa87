//! A trained byte-level BPE tokenizer: encoding and decoding.
//!
//! Encoding follows tiktoken's rule exactly, so that tiktoken built from
//! [`Tokenizer::mergeable_ranks`] gives the same ids: a chunk that is a token is
//! that token; otherwise, starting from its bytes, the adjacent pair whose
//! concatenation is the token of lowest rank (id) is merged, leftmost first on a
//! tie, until no adjacent pair concatenates to a token. Rather than hashing byte
//! strings, every way of writing a token as the concatenation of two tokens is
//! precomputed into a `(left id, right id) -> id` map.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::split::Splitter;
use crate::{Error, Result};

/// Chunks longer than this (in bytes) are merged with a heap, shorter ones by scanning.
const HEAP_MERGE_MIN: usize = 64;

/// Texts longer than this get a per-call cache of chunk encodings.
const CACHE_MIN_TEXT: usize = 2048;

#[derive(Debug, Clone)]
pub struct Tokenizer {
    pattern: String,
    splitter: Splitter,
    /// Training merges in order (the saved form).
    merges: Vec<(u32, u32)>,
    /// Bytes of every ordinary token; the index is the id (= tiktoken rank).
    tokens: Vec<Vec<u8>>,
    token_ids: FxHashMap<Vec<u8>, u32>,
    /// (left, right) -> id of their concatenation, for every such split of every token.
    pair_ids: FxHashMap<u64, u32>,
    /// Special tokens and their ids (after the ordinary tokens).
    specials: Vec<(String, u32)>,
}

/// Which special tokens `encode` recognises in the text.
#[derive(Debug, Clone)]
pub enum AllowedSpecial<'a> {
    None,
    All,
    Some(Vec<&'a str>),
}

impl Tokenizer {
    /// Rebuilds a tokenizer from its training merges: merge k joins ids
    /// `merges[k]`, naming a new token unless its bytes already name one.
    pub fn from_merges(pattern: &str, merges: Vec<(u32, u32)>, special_tokens: &[String]) -> Result<Self> {
        let splitter = Splitter::new(pattern)?;
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let mut token_ids: FxHashMap<Vec<u8>, u32> =
            tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        for (k, &(a, b)) in merges.iter().enumerate() {
            let n = tokens.len() as u32;
            if a >= n || b >= n {
                return Err(Error::invalid(format!(
                    "merge {k} joins ids ({a}, {b}), but only ids below {n} exist at that point"
                )));
            }
            let mut bytes = tokens[a as usize].clone();
            bytes.extend_from_slice(&tokens[b as usize]);
            if !token_ids.contains_key(&bytes) {
                token_ids.insert(bytes.clone(), n);
                tokens.push(bytes);
            }
        }
        let mut pair_ids = FxHashMap::default();
        for (id, t) in tokens.iter().enumerate().skip(256) {
            for k in 1..t.len() {
                if let (Some(&l), Some(&r)) = (token_ids.get(&t[..k]), token_ids.get(&t[k..])) {
                    pair_ids.insert(((l as u64) << 32) | r as u64, id as u32);
                }
            }
        }
        let mut specials = Vec::new();
        for (i, s) in special_tokens.iter().enumerate() {
            if s.is_empty() {
                return Err(Error::invalid("a special token is the empty string"));
            }
            if special_tokens[..i].contains(s) {
                return Err(Error::invalid(format!("special token {s:?} is listed twice")));
            }
            specials.push((s.clone(), (tokens.len() + i) as u32));
        }
        Ok(Tokenizer { pattern: pattern.to_string(), splitter, merges, tokens, token_ids, pair_ids, specials })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }
    pub fn merges(&self) -> &[(u32, u32)] {
        &self.merges
    }
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }
    /// Ordinary tokens (bytes and merges), without the special tokens.
    pub fn n_ordinary(&self) -> usize {
        self.tokens.len()
    }
    pub fn vocab_size(&self) -> usize {
        self.tokens.len() + self.specials.len()
    }

    /// Bytes of token `id` (a special token's UTF-8 text for a special id).
    pub fn token_bytes(&self, id: u32) -> Result<&[u8]> {
        if let Some(t) = self.tokens.get(id as usize) {
            return Ok(t);
        }
        self.specials
            .get(id as usize - self.tokens.len())
            .map(|(s, _)| s.as_bytes())
            .ok_or_else(|| Error::invalid(format!("token id {id} is out of range (vocab size {})", self.vocab_size())))
    }

    /// The ordinary tokens as (bytes, rank) in rank order: tiktoken's mergeable ranks.
    pub fn ordinary_tokens(&self) -> &[Vec<u8>] {
        &self.tokens
    }

    pub fn special_id(&self, s: &str) -> Option<u32> {
        self.specials.iter().find(|(t, _)| t == s).map(|&(_, id)| id)
    }

    /// Encodes text with no special tokens recognised (their text is ordinary text).
    pub fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3);
        self.encode_ordinary_into(text, &mut out)?;
        Ok(out)
    }

    fn encode_ordinary_into(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let mut scratch = Vec::new();
        if text.len() < CACHE_MIN_TEXT {
            return self.splitter.for_each_chunk(text, |chunk| self.encode_chunk(chunk.as_bytes(), out, &mut scratch));
        }
        let mut cache: FxHashMap<&str, (u32, u32)> = FxHashMap::default();
        let mut cached: Vec<u32> = Vec::new();
        self.splitter.for_each_chunk(text, |chunk| {
            if let Some(&id) = self.token_ids.get(chunk.as_bytes()) {
                out.push(id);
            } else if let Some(&(s, l)) = cache.get(chunk) {
                out.extend_from_slice(&cached[s as usize..(s + l) as usize]);
            } else {
                let before = out.len();
                self.encode_chunk(chunk.as_bytes(), out, &mut scratch);
                let s = cached.len() as u32;
                cached.extend_from_slice(&out[before..]);
                cache.insert(chunk, (s, (out.len() - before) as u32));
            }
        })
    }

    /// Encodes text; special tokens in `allowed` become their ids, any other
    /// special token text is encoded as ordinary text.
    pub fn encode(&self, text: &str, allowed: &AllowedSpecial) -> Result<Vec<u32>> {
        let active: Vec<&(String, u32)> = match allowed {
            AllowedSpecial::None => Vec::new(),
            AllowedSpecial::All => self.specials.iter().collect(),
            AllowedSpecial::Some(names) => {
                let mut v = Vec::new();
                for n in names {
                    match self.specials.iter().find(|(s, _)| s == n) {
                        Some(s) => v.push(s),
                        None => return Err(Error::invalid(format!("{n:?} is not a special token of this tokenizer"))),
                    }
                }
                v
            }
        };
        if active.is_empty() {
            return self.encode_ordinary(text);
        }
        let mut out = Vec::with_capacity(text.len() / 3);
        // Next occurrence of each special token at or after `pos`; a token is only
        // searched again once `pos` has passed its occurrence, so the text is
        // scanned once per special token in all.
        let mut next: Vec<Option<usize>> = active.iter().map(|(s, _)| text.find(s.as_str())).collect();
        let mut pos = 0;
        loop {
            for (i, (s, _)) in active.iter().enumerate() {
                if let Some(at) = next[i] {
                    if at < pos {
                        next[i] = text[pos..].find(s.as_str()).map(|x| x + pos);
                    }
                }
            }
            // The earliest special token; the longest one if several start there.
            let hit = active
                .iter()
                .zip(&next)
                .filter_map(|((s, id), at)| at.map(|at| (at, Reverse(s.len()), *id)))
                .min();
            match hit {
                Some((at, Reverse(len), id)) => {
                    self.encode_ordinary_into(&text[pos..at], &mut out)?;
                    out.push(id);
                    pos = at + len;
                }
                None => {
                    self.encode_ordinary_into(&text[pos..], &mut out)?;
                    return Ok(out);
                }
            }
        }
    }

    /// Encodes many texts in parallel.
    pub fn encode_batch<S: AsRef<str> + Sync>(&self, texts: &[S], allowed: &AllowedSpecial) -> Result<Vec<Vec<u32>>> {
        texts.par_iter().map(|t| self.encode(t.as_ref(), allowed)).collect()
    }

    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            out.extend_from_slice(self.token_bytes(id)?);
        }
        Ok(out)
    }

    #[inline]
    fn pair_id(&self, l: u32, r: u32) -> u32 {
        self.pair_ids.get(&(((l as u64) << 32) | r as u64)).copied().unwrap_or(u32::MAX)
    }

    fn encode_chunk(&self, chunk: &[u8], out: &mut Vec<u32>, parts: &mut Vec<u32>) {
        if let Some(&id) = self.token_ids.get(chunk) {
            out.push(id);
            return;
        }
        if chunk.len() >= HEAP_MERGE_MIN {
            self.merge_with_heap(chunk, out);
            return;
        }
        // Scan: parts[i] is a token, ranks[i] the id of parts[i] + parts[i + 1].
        parts.clear();
        parts.extend(chunk.iter().map(|&b| b as u32));
        let mut ranks: [u32; HEAP_MERGE_MIN] = [u32::MAX; HEAP_MERGE_MIN];
        for i in 0..parts.len() - 1 {
            ranks[i] = self.pair_id(parts[i], parts[i + 1]);
        }
        let mut n = parts.len();
        loop {
            let mut best = u32::MAX;
            let mut at = 0;
            for (i, &r) in ranks[..n - 1].iter().enumerate() {
                if r < best {
                    best = r;
                    at = i;
                }
            }
            if best == u32::MAX {
                break;
            }
            parts[at] = best;
            parts.remove(at + 1);
            if at + 2 < n {
                ranks.copy_within(at + 2..n - 1, at + 1);
            }
            n -= 1;
            ranks[n - 1] = u32::MAX;
            if at + 1 < n {
                ranks[at] = self.pair_id(parts[at], parts[at + 1]);
            } else {
                ranks[at] = u32::MAX;
            }
            if at > 0 {
                ranks[at - 1] = self.pair_id(parts[at - 1], parts[at]);
            }
        }
        out.extend_from_slice(&parts[..n]);
    }

    /// The same merge rule for long chunks: a doubly linked list of parts and a
    /// min-heap of (id, left part start) with lazy invalidation.
    fn merge_with_heap(&self, chunk: &[u8], out: &mut Vec<u32>) {
        let n = chunk.len();
        let mut tok: Vec<u32> = chunk.iter().map(|&b| b as u32).collect();
        let mut next: Vec<usize> = (1..=n).collect();
        let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
        let mut alive = vec![true; n];
        let mut heap: BinaryHeap<Reverse<(u32, usize, u32, u32)>> = BinaryHeap::new();
        for i in 0..n - 1 {
            let id = self.pair_id(tok[i], tok[i + 1]);
            if id != u32::MAX {
                heap.push(Reverse((id, i, tok[i], tok[i + 1])));
            }
        }
        while let Some(Reverse((id, i, l, r))) = heap.pop() {
            // Stale unless both parts are unchanged.
            if !alive[i] || tok[i] != l || next[i] >= n || tok[next[i]] != r {
                continue;
            }
            let j = next[i];
            tok[i] = id;
            alive[j] = false;
            next[i] = next[j];
            if next[i] < n {
                prev[next[i]] = i;
                let k = next[i];
                let nid = self.pair_id(id, tok[k]);
                if nid != u32::MAX {
                    heap.push(Reverse((nid, i, id, tok[k])));
                }
            }
            let p = prev[i];
            if p < n {
                let pid = self.pair_id(tok[p], id);
                if pid != u32::MAX {
                    heap.push(Reverse((pid, p, tok[p], id)));
                }
            }
        }
        let mut i = 0;
        while i < n {
            out.push(tok[i]);
            i = next[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpe::split::GPT4_PATTERN;
    use crate::bpe::train::{ChunkCounter, Merger};

    fn trained(text: &str, vocab: usize) -> Tokenizer {
        let mut c = ChunkCounter::new(GPT4_PATTERN).unwrap();
        c.add_texts(&[text]).unwrap();
        let mut m = Merger::new(c.into_counts(), 1).unwrap();
        m.run(vocab, usize::MAX);
        let (merges, _) = m.into_parts();
        Tokenizer::from_merges(GPT4_PATTERN, merges, &["<|bos|>".to_string()]).unwrap()
    }

    /// tiktoken's rule, written plainly on byte strings.
    fn slow_encode_chunk(t: &Tokenizer, chunk: &[u8]) -> Vec<u32> {
        if let Some(&id) = t.token_ids.get(chunk) {
            return vec![id];
        }
        let mut parts: Vec<Vec<u8>> = chunk.iter().map(|&b| vec![b]).collect();
        loop {
            let mut best: Option<(u32, usize)> = None;
            for i in 0..parts.len().saturating_sub(1) {
                let cat = [parts[i].clone(), parts[i + 1].clone()].concat();
                if let Some(&id) = t.token_ids.get(&cat) {
                    if best.is_none_or(|(b, _)| id < b) {
                        best = Some((id, i));
                    }
                }
            }
            let Some((_, i)) = best else { break };
            let right = parts.remove(i + 1);
            parts[i].extend(right);
        }
        parts.iter().map(|p| t.token_ids[p]).collect()
    }

    #[test]
    fn scan_and_heap_merges_equal_the_plain_rule() {
        let corpus = "the quick brown fox jumps over the lazy dog; aaaa bbbb abab ".repeat(30)
            + &"        ".repeat(40)
            + "thethethethe";
        let t = trained(&corpus, 400);
        for chunk in [
            "thequickbrownfoxthequickbrownfoxthequickbrownfoxthequickbrownfoxthequick".as_bytes(),
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            b"thethethe",
            b"abababab",
            b"zzz",
        ] {
            let mut out = Vec::new();
            t.encode_chunk(chunk, &mut out, &mut Vec::new());
            assert_eq!(out, slow_encode_chunk(&t, chunk), "{:?}", String::from_utf8_lossy(chunk));
            let mut heap_out = Vec::new();
            t.merge_with_heap(chunk, &mut heap_out);
            assert_eq!(heap_out, out);
        }
    }

    #[test]
    fn round_trip_and_specials() {
        let t = trained("hello world <|bos|> hello there", 300);
        let text = "hello <|bos|> world 😀 \n\n  x";
        let ids = t.encode(text, &AllowedSpecial::None).unwrap();
        assert_eq!(t.decode_bytes(&ids).unwrap(), text.as_bytes());
        let bos = t.special_id("<|bos|>").unwrap();
        assert!(!ids.contains(&bos));
        let ids = t.encode(text, &AllowedSpecial::All).unwrap();
        assert_eq!(ids.iter().filter(|&&i| i == bos).count(), 1);
        assert_eq!(t.decode_bytes(&ids).unwrap(), text.as_bytes());
        assert!(t.encode(text, &AllowedSpecial::Some(vec!["<|nope|>"])).is_err());
        // Adjacent, repeated and overlapping special tokens.
        let t2 = Tokenizer::from_merges(GPT4_PATTERN, vec![], &["<a>".into(), "<a><b>".into(), "<b>".into()]).unwrap();
        let ids = t2.encode("x<a><a><b><b>y<a", &AllowedSpecial::All).unwrap();
        assert_eq!(ids, vec![b'x' as u32, 256, 257, 258, b'y' as u32, b'<' as u32, b'a' as u32]);
        assert!(t.token_bytes(t.vocab_size() as u32).is_err());
    }

    #[test]
    fn bad_merges_are_rejected() {
        assert!(Tokenizer::from_merges(GPT4_PATTERN, vec![(256, 1)], &[]).is_err());
        assert!(Tokenizer::from_merges(GPT4_PATTERN, vec![], &["a".into(), "a".into()]).is_err());
    }
}
