//! criterion benchmarks of the curriculum generator: 1,000 verified rows of
//! each level on one thread (rows/s = 1000 / time).
//!
//! cargo bench --bench generator -- --warm-up-time 1 --measurement-time 3
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use grapheme_lab::generator::{generate_level, LevelConfig};

const ROWS: u64 = 1000;

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate 1000 rows, 1 thread");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS));
    for level in 1..=7u8 {
        group.bench_with_input(BenchmarkId::new("level", level), &level, |b, &level| {
            b.iter(|| {
                let rows = generate_level(LevelConfig::new(level, ROWS, 0), 1).unwrap();
                assert_eq!(rows.len() as u64, ROWS);
                rows
            })
        });
    }
    group.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
