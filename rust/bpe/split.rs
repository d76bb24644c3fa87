//! Pre-tokenization: cutting text into chunks that BPE merges never cross.
//!
//! The default GPT-4 pattern gets a hand-written matcher ([`gpt4_chunk_end`]) that
//! follows the regex's leftmost-first semantics exactly; it is several times faster
//! than the backtracking regex VM and is checked against `fancy-regex` by the tests.
//! Any other pattern goes through `fancy-regex`, as in tiktoken. Text a custom
//! pattern does not match is dropped (tiktoken does the same); the GPT-4 pattern
//! matches every character.

use std::sync::OnceLock;

use fancy_regex::Regex;
use regex_syntax::hir::{Class, HirKind};

use crate::{Error, Result};

/// The GPT-4 (cl100k-style) split pattern, as used by nanochat's rustbpe.
pub const GPT4_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+";

/// A compiled split pattern.
#[derive(Debug, Clone)]
pub enum Splitter {
    /// The GPT-4 pattern, matched by hand.
    Gpt4,
    /// Any other pattern, matched by `fancy-regex`.
    Regex(Box<Regex>),
}

impl Splitter {
    pub fn new(pattern: &str) -> Result<Self> {
        if pattern == GPT4_PATTERN {
            return Ok(Splitter::Gpt4);
        }
        if pattern.is_empty() {
            return Err(Error::invalid("split pattern is empty"));
        }
        Regex::new(pattern)
            .map(|r| Splitter::Regex(Box::new(r)))
            .map_err(|e| Error::invalid(format!("split pattern {pattern:?} does not compile: {e}")))
    }

    /// Calls `f` on every non-empty chunk of `text`, in order.
    pub fn for_each_chunk<'t>(&self, text: &'t str, mut f: impl FnMut(&'t str)) -> Result<()> {
        match self {
            Splitter::Gpt4 => {
                let mut pos = 0;
                while pos < text.len() {
                    let end = gpt4_chunk_end(text, pos);
                    f(&text[pos..end]);
                    pos = end;
                }
            }
            Splitter::Regex(re) => {
                for m in re.find_iter(text) {
                    let m = m.map_err(|e| Error::limit(format!("split pattern failed on the text: {e}")))?;
                    if !m.as_str().is_empty() {
                        f(m.as_str());
                    }
                }
            }
        }
        Ok(())
    }

    /// The chunks of `text` as a vector (tests and small inputs).
    pub fn chunks<'t>(&self, text: &'t str) -> Result<Vec<&'t str>> {
        let mut out = Vec::new();
        self.for_each_chunk(text, |c| out.push(c))?;
        Ok(out)
    }

    /// Cuts a long text into pieces at places no chunk crosses, so that pieces can
    /// be split in parallel with the same result. Only the GPT-4 matcher knows such
    /// places (after a line feed followed by a character that is not white space);
    /// a custom pattern keeps the text whole.
    pub fn segments<'t>(&self, text: &'t str, target: usize) -> Vec<&'t str> {
        if !matches!(self, Splitter::Gpt4) || text.len() <= target {
            return vec![text];
        }
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut start = 0;
        while text.len() - start > target {
            let mut cut = None;
            let mut i = start + target;
            while i < bytes.len() {
                if bytes[i - 1] == b'\n' && text.is_char_boundary(i) {
                    let c = text[i..].chars().next().unwrap_or(' ');
                    if classes().of(c) != Cls::Space {
                        cut = Some(i);
                        break;
                    }
                }
                i += 1;
            }
            match cut {
                Some(c) => {
                    out.push(&text[start..c]);
                    start = c;
                }
                None => break,
            }
        }
        out.push(&text[start..]);
        out
    }
}

/// The character classes of the GPT-4 pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cls {
    /// `\p{L}`
    Letter,
    /// `\p{N}`
    Number,
    /// `\s` (Unicode White_Space)
    Space,
    Other,
}

/// Class tables built once from regex-syntax's Unicode data, so that the matcher
/// and the regex engines agree on every code point.
pub(crate) struct Classes {
    /// Class of every code point in the Basic Multilingual Plane.
    bmp: Vec<Cls>,
    /// Sorted, disjoint ranges above the BMP.
    astral: Vec<(u32, u32, Cls)>,
    /// Characters equal to s, d, m, t, l, v, e, r ignoring case (e.g. U+017F for s).
    folds: [Vec<char>; 8],
}

const FOLD_LETTERS: [char; 8] = ['s', 'd', 'm', 't', 'l', 'v', 'e', 'r'];

fn class_ranges(pattern: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::parse(pattern).expect("built-in class pattern");
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect(),
        HirKind::Literal(l) => {
            let c = std::str::from_utf8(&l.0).ok().and_then(|s| s.chars().next()).expect("literal");
            vec![(c as u32, c as u32)]
        }
        other => panic!("unexpected class shape for {pattern}: {other:?}"),
    }
}

pub(crate) fn classes() -> &'static Classes {
    static CLASSES: OnceLock<Classes> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let mut table = vec![Cls::Other; 0x11_0000];
        // Letters and numbers are disjoint categories; white space is disjoint from both.
        for (cls, pat) in [(Cls::Letter, r"\p{L}"), (Cls::Number, r"\p{N}"), (Cls::Space, r"\s")] {
            for (lo, hi) in class_ranges(pat) {
                for cp in lo..=hi {
                    table[cp as usize] = cls;
                }
            }
        }
        let mut astral = Vec::new();
        let mut cp = 0x1_0000usize;
        while cp < table.len() {
            let cls = table[cp];
            let start = cp;
            while cp < table.len() && table[cp] == cls {
                cp += 1;
            }
            if cls != Cls::Other {
                astral.push((start as u32, (cp - 1) as u32, cls));
            }
        }
        table.truncate(0x1_0000);
        let folds = FOLD_LETTERS.map(|c| {
            class_ranges(&format!("(?i:{c})"))
                .into_iter()
                .flat_map(|(lo, hi)| (lo..=hi).filter_map(char::from_u32))
                .collect()
        });
        Classes { bmp: table, astral, folds }
    })
}

impl Classes {
    #[inline]
    pub(crate) fn of(&self, c: char) -> Cls {
        let cp = c as u32;
        if cp < 0x1_0000 {
            return self.bmp[cp as usize];
        }
        match self.astral.binary_search_by(|&(lo, hi, _)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        }) {
            Ok(i) => self.astral[i].2,
            Err(_) => Cls::Other,
        }
    }

    #[inline]
    fn folds_to(&self, c: char, letter: usize) -> bool {
        self.folds[letter].contains(&c)
    }
}

/// The character at byte offset `i` and its length (ASCII fast path).
#[inline]
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b < 0x80 {
        return Some((b as char, 1));
    }
    let c = text[i..].chars().next()?;
    Some((c, c.len_utf8()))
}

#[inline]
fn run_end(text: &str, mut i: usize, t: &Classes, cls: Cls) -> usize {
    while let Some((c, n)) = char_at(text, i) {
        if t.of(c) != cls {
            break;
        }
        i += n;
    }
    i
}

#[inline]
fn is_crlf(c: char) -> bool {
    c == '\r' || c == '\n'
}

/// End (byte offset) of the GPT-4 pattern's match starting at `pos`.
///
/// The alternatives, tried in order at `pos` (leftmost-first, like the regex):
/// 1. `'(?i:[sdmt]|ll|ve|re)`
/// 2. `[^\r\n\p{L}\p{N}]?+\p{L}+`
/// 3. `\p{N}{1,3}`
/// 4. ` ?[^\s\p{L}\p{N}]++[\r\n]*`
/// 5. `\s*[\r\n]`
/// 6. `\s+(?!\S)`
/// 7. `\s+`
///
/// Every character starts a match of some alternative, so `pos < text.len()`
/// always gives an end beyond `pos`.
pub fn gpt4_chunk_end(text: &str, pos: usize) -> usize {
    let t = classes();
    let Some((c0, n0)) = char_at(text, pos) else { return pos };
    let p1 = pos + n0;
    let next = char_at(text, p1);
    // 1. contractions
    if c0 == '\'' {
        if let Some((c1, n1)) = next {
            if (0..4).any(|k| t.folds_to(c1, k)) {
                return p1 + n1;
            }
            if let Some((c2, n2)) = char_at(text, p1 + n1) {
                let pairs = [(4, 4), (5, 6), (7, 6)]; // ll, ve, re
                if pairs.iter().any(|&(x, y)| t.folds_to(c1, x) && t.folds_to(c2, y)) {
                    return p1 + n1 + n2;
                }
            }
        }
    }
    let k0 = t.of(c0);
    // 2. an optional non-letter, non-number, non-CR/LF prefix, then letters
    if k0 == Cls::Letter {
        return run_end(text, p1, t, Cls::Letter);
    }
    if k0 != Cls::Number && !is_crlf(c0) {
        if let Some((c1, _)) = next {
            if t.of(c1) == Cls::Letter {
                return run_end(text, p1, t, Cls::Letter);
            }
        }
    }
    // 3. one to three numbers
    if k0 == Cls::Number {
        let mut end = p1;
        for _ in 0..2 {
            match char_at(text, end) {
                Some((c, n)) if t.of(c) == Cls::Number => end += n,
                _ => break,
            }
        }
        return end;
    }
    // 4. an optional space, punctuation/symbols, then CR/LF
    let punct_start = if k0 == Cls::Other {
        Some(p1)
    } else if c0 == ' ' {
        match next {
            Some((c1, n1)) if t.of(c1) == Cls::Other => Some(p1 + n1),
            _ => None,
        }
    } else {
        None
    };
    if let Some(start) = punct_start {
        let mut end = run_end(text, start, t, Cls::Other);
        while let Some((c, n)) = char_at(text, end) {
            if !is_crlf(c) {
                break;
            }
            end += n;
        }
        return end;
    }
    // 5-7. white space (k0 == Space here)
    let mut end = pos;
    let mut last_crlf_end = None;
    let mut last_start = pos;
    while let Some((c, n)) = char_at(text, end) {
        if t.of(c) != Cls::Space {
            break;
        }
        last_start = end;
        end += n;
        if is_crlf(c) {
            last_crlf_end = Some(end);
        }
    }
    if let Some(e) = last_crlf_end {
        return e;
    }
    if end == text.len() || last_start == pos {
        return end;
    }
    last_start
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn regex_chunks(text: &str) -> Vec<String> {
        let re = Regex::new(GPT4_PATTERN).unwrap();
        re.find_iter(text).map(|m| m.unwrap().as_str().to_string()).collect()
    }

    fn fast_chunks(text: &str) -> Vec<String> {
        Splitter::Gpt4.chunks(text).unwrap().into_iter().map(String::from).collect()
    }

    #[test]
    fn matches_regex_on_examples() {
        for text in [
            "Hello world, it's 2024!  \n\n  Don'T  'LL 'Ve 'ſ x\r\n\tend ",
            "def f(x):\n    return x**2  # comment\n\n\nclass A:\n\tpass\n",
            "12345 ١٢٣ ²³ café naïve 日本語 😀😀 a\u{00a0}b \u{2028}\u{3000}x",
            "   ",
            "a  ",
            "!!!\n\n?",
            " !x 'x '\n''s",
        ] {
            assert_eq!(fast_chunks(text), regex_chunks(text), "text {text:?}");
        }
    }

    #[test]
    fn every_code_point_alone_and_in_context() {
        // Each char on its own and between letters/spaces exercises every class.
        let t = classes();
        let mut text = String::new();
        for cp in (0..0x3_0000u32).step_by(7).chain([0x17f, 0x212a, 0xa0, 0x85, 0x2028, 0x1f600]) {
            if let Some(c) = char::from_u32(cp) {
                let _ = t.of(c);
                text.push(c);
                text.push(if cp % 3 == 0 { ' ' } else { 'a' });
            }
        }
        assert_eq!(fast_chunks(&text), regex_chunks(&text));
    }

    #[test]
    fn segments_do_not_change_chunks() {
        let text = "word one\nline two!\n\n  x\n".repeat(500);
        let pieces = Splitter::Gpt4.segments(&text, 100);
        assert!(pieces.len() > 10);
        assert_eq!(pieces.concat(), text);
        let joined: Vec<String> = pieces.iter().flat_map(|p| fast_chunks(p)).collect();
        assert_eq!(joined, fast_chunks(&text));
    }

    #[test]
    fn custom_pattern_and_errors() {
        let s = Splitter::new(r"\w+").unwrap();
        assert_eq!(s.chunks("ab, cd").unwrap(), vec!["ab", "cd"]);
        assert!(Splitter::new("(").is_err());
        assert!(Splitter::new("").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_splitter_equals_regex(
            parts in proptest::collection::vec(prop::sample::select(vec![
                "a", "Z", "é", "ſ", "S", "s", "t", "l", "L", "v", "e", "r", "d", "m", "x",
                "'", "''", "1", "٣", "²", "7", " ", "  ", "\t", "\n", "\r", "\r\n", "\u{a0}",
                "\u{2028}", "\u{3000}", "!", "?", ".", "😀", "\u{301}", "_", "-", "#", "日",
            ]), 0..24)
        ) {
            let text: String = parts.concat();
            prop_assert_eq!(fast_chunks(&text), regex_chunks(&text));
        }
    }
}
