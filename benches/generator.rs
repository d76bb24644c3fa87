//! criterion benchmarks of the curriculum generator: 1,000 verified rows of
//! each level on one thread (rows/s = 1000 / time); and, beside them, the part
//! of that work that is the step traces (`steps` field): each row's trace and
//! the check of every line, for the step levels, so that their share of the
//! generation time is a ratio measured in one process.
//!
//! cargo bench --bench generator -- --warm-up-time 1 --measurement-time 3
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use grapheme_lab::engine::parse;
use grapheme_lab::generator::{generate_level, LevelConfig};
use grapheme_lab::steps::{check_step, trace};

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

    let mut group = c.benchmark_group("step traces of 1000 rows, 1 thread");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS));
    for level in [1u8, 2, 3, 7] {
        let rows = generate_level(LevelConfig::new(level, ROWS, 0), 1).unwrap();
        let problems: Vec<_> = rows.iter().map(|r| (parse(&r.row.input_polish).unwrap(), r.row.bindings.clone())).collect();
        group.bench_with_input(BenchmarkId::new("level", level), &problems, |b, problems| {
            b.iter(|| {
                let mut lines_checked = 0;
                for (input, bindings) in problems {
                    let Ok(lines) = trace(input, bindings) else { continue };
                    let mut before = input;
                    for (i, line) in lines.iter().enumerate() {
                        check_step(before, line, if i == 0 { bindings } else { &[] }).unwrap();
                        before = line;
                        lines_checked += 1;
                    }
                }
                lines_checked
            })
        });
    }
    group.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
