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
use grapheme_lab::steps::{check_derivation_with_roots, derivation_to_root};

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
    for level in [1u8, 2, 3, 4, 6, 7] {
        let rows = generate_level(LevelConfig::new(level, ROWS, 0), 1).unwrap();
        let problems: Vec<_> = rows.iter().map(|r| (parse(&r.row.input_polish).unwrap(), r.row.bindings.clone(), r.row.expected_result, r.row.solutions.clone())).collect();
        group.bench_with_input(BenchmarkId::new("level", level), &problems, |b, problems| {
            b.iter(|| {
                let mut lines_checked = 0;
                for (input, bindings, answer, roots) in problems {
                    // as the generator calls them: a solve with its answer and roots
                    let Ok(lines) = derivation_to_root(input, bindings, answer.unwrap_or(f64::NAN)) else { continue };
                    check_derivation_with_roots(input, bindings, &lines, roots.as_deref().unwrap_or(&[])).unwrap();
                    lines_checked += lines.len();
                }
                lines_checked
            })
        });
    }
    group.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
