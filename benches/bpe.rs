//! criterion benchmarks for the BPE tokenizer, on the embedded Shakespeare corpus
//! (python/grapheme_lab/data/corpus, about 830 KB).
//!
//!     cargo bench --bench bpe
//!
//! - split: the hand-written GPT-4 matcher against fancy-regex with the same pattern;
//! - count: splitting and counting chunks (ChunkCounter, rayon);
//! - merge: building the pair index and merging up to 4,096 tokens;
//! - encode: one-thread encoding with a 4,096-token vocabulary.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use grapheme_lab::bpe::{ChunkCounter, Merger, Splitter, Tokenizer, GPT4_PATTERN};

fn corpus() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/grapheme_lab/data/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("embedded corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned()).collect()
}

fn counts(text: &str) -> rustc_hash::FxHashMap<Box<str>, u64> {
    let mut c = ChunkCounter::new(GPT4_PATTERN).unwrap();
    c.add_texts(&[text]).unwrap();
    c.into_counts()
}

fn benches(c: &mut Criterion) {
    let text = corpus();
    let mut g = c.benchmark_group("bpe");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));

    let fast = Splitter::Gpt4;
    let slow = Splitter::Regex(Box::new(fancy_regex::Regex::new(GPT4_PATTERN).unwrap()));
    g.bench_function("split/gpt4_matcher", |b| {
        b.iter(|| {
            let mut n = 0usize;
            fast.for_each_chunk(black_box(&text), |_| n += 1).unwrap();
            n
        })
    });
    g.bench_function("split/fancy_regex", |b| {
        b.iter(|| {
            let mut n = 0usize;
            slow.for_each_chunk(black_box(&text), |_| n += 1).unwrap();
            n
        })
    });
    g.bench_function("count", |b| b.iter(|| counts(black_box(&text)).len()));

    let chunk_counts = counts(&text);
    g.bench_function("merge/4096", |b| {
        b.iter(|| {
            let mut m = Merger::new(chunk_counts.clone(), 1).unwrap();
            m.run(4096, usize::MAX);
            m.vocab_len()
        })
    });

    let mut m = Merger::new(chunk_counts.clone(), 1).unwrap();
    m.run(4096, usize::MAX);
    let tok = Tokenizer::from_merges(GPT4_PATTERN, m.into_parts().0, &[]).unwrap();
    g.bench_function("encode/4096", |b| b.iter(|| tok.encode_ordinary(black_box(&text)).unwrap().len()));
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
