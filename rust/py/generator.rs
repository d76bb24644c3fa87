//! Python bindings for `crate::generator`: type conversion and GIL release only.

use crate::generator::{
    canonical_key, check_line, stream, LevelConfig, LevelGenerator, Shard, SplitRatios, BUCKETS,
    DEFAULT_SIZES,
};
use pyo3::prelude::*;
use rayon::prelude::*;

fn level_config(
    level: u8,
    n: u64,
    seed: u64,
    shard: (u32, u32),
    split: (f64, f64, f64),
) -> crate::Result<LevelConfig> {
    Ok(LevelConfig {
        level,
        n,
        seed,
        shard: Shard::new(shard.0, shard.1)?,
        split: SplitRatios::new(split.0, split.1, split.2)?,
    })
}

/// Generates one level (or one shard of it) chunk by chunk, in file order.
/// `next_chunk(k)` returns up to `k` pairs `(split, json_line)` with split
/// 0 = train, 1 = val, 2 = test; an empty list when the level is complete.
#[pyclass(name = "GeneratorStream", module = "grapheme_lab._core")]
pub struct GeneratorStream {
    inner: LevelGenerator,
}

#[pymethods]
impl GeneratorStream {
    #[new]
    #[pyo3(signature = (level, n, seed=0, threads=0, shard=(0, 1), split=(0.9, 0.05, 0.05)))]
    fn new(level: u8, n: u64, seed: u64, threads: usize, shard: (u32, u32), split: (f64, f64, f64)) -> PyResult<Self> {
        let cfg = level_config(level, n, seed, shard, split)?;
        Ok(GeneratorStream { inner: LevelGenerator::new(cfg, threads)? })
    }

    fn next_chunk(&mut self, py: Python<'_>, max_rows: usize) -> PyResult<Vec<(u8, String)>> {
        let inner = &mut self.inner;
        let rows = py.detach(|| inner.next_chunk(max_rows))?;
        Ok(rows.into_iter().map(|r| (r.split as u8, r.row.to_json_line())).collect())
    }

    /// Rows this stream yields in all.
    #[getter]
    fn total_rows(&self) -> u64 {
        self.inner.total_rows()
    }

    #[getter]
    fn emitted(&self) -> u64 {
        self.inner.emitted()
    }

    /// Counters: candidates drawn, refused by the sampler, duplicates,
    /// verified by the engine, rejected by verification.
    fn stats(&self) -> std::collections::BTreeMap<&'static str, u64> {
        let s = self.inner.stats();
        [
            ("candidates", s.candidates),
            ("refused", s.refused),
            ("duplicates", s.duplicates),
            ("verified", s.verified),
            ("rejected", s.rejected),
        ]
        .into_iter()
        .collect()
    }
}

/// Re-checks JSONL lines; for each `(id, canonical_key, errors)`.
#[pyfunction]
#[pyo3(signature = (lines, file_level=None, threads=0))]
fn generator_check_lines(
    py: Python<'_>,
    lines: Vec<String>,
    file_level: Option<u8>,
    threads: usize,
) -> PyResult<Vec<(Option<String>, Option<String>, Vec<String>)>> {
    let pool = stream::thread_pool(threads)?;
    let checks = py.detach(|| pool.install(|| lines.par_iter().map(|l| check_line(l, file_level)).collect::<Vec<_>>()));
    Ok(checks.into_iter().map(|c| (c.id, c.key, c.errors)).collect())
}

/// The canonical form of a problem (uniqueness and splits are decided on it).
#[pyfunction]
#[pyo3(signature = (polish, bindings=Vec::new()))]
fn generator_canonical_key(polish: &str, bindings: Vec<(String, f64)>) -> PyResult<String> {
    let e = crate::engine::parse(polish)?;
    Ok(canonical_key(&e, &bindings))
}

/// The split (0 train, 1 val, 2 test) of a canonical key under the given ratios.
#[pyfunction]
#[pyo3(signature = (key, split=(0.9, 0.05, 0.05)))]
fn generator_split_of(key: &str, split: (f64, f64, f64)) -> PyResult<u8> {
    Ok(SplitRatios::new(split.0, split.1, split.2)?.split_of(key) as u8)
}

/// Rows shard `index`/`count` holds of a level of `n` rows.
#[pyfunction]
fn generator_shard_rows(n: u64, index: u32, count: u32) -> PyResult<u64> {
    Ok(Shard::new(index, count)?.rows(n))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GeneratorStream>()?;
    m.add_function(wrap_pyfunction!(generator_check_lines, m)?)?;
    m.add_function(wrap_pyfunction!(generator_canonical_key, m)?)?;
    m.add_function(wrap_pyfunction!(generator_split_of, m)?)?;
    m.add_function(wrap_pyfunction!(generator_shard_rows, m)?)?;
    m.add("GENERATOR_DEFAULT_SIZES", DEFAULT_SIZES.to_vec())?;
    m.add("GENERATOR_BUCKETS", BUCKETS)?;
    Ok(())
}
