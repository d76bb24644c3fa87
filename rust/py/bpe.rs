//! Python bindings for `crate::bpe`: a streaming trainer and the tokenizer.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::bpe::{AllowedSpecial, ChunkCounter, Merger, Tokenizer};
use crate::Error;

enum TrainerState {
    Counting(ChunkCounter),
    Merging { pattern: String, merger: Merger },
    Finished,
}

/// Streaming BPE trainer: feed batches of texts, then merge in steps.
#[pyclass(module = "grapheme_lab._core", name = "BpeTrainer")]
pub struct PyBpeTrainer {
    pattern: String,
    state: TrainerState,
}

fn state_error(what: &str) -> PyErr {
    Error::invalid(format!("BpeTrainer: {what}")).into()
}

#[pymethods]
impl PyBpeTrainer {
    #[new]
    fn new(pattern: &str) -> PyResult<Self> {
        Ok(PyBpeTrainer { pattern: pattern.to_string(), state: TrainerState::Counting(ChunkCounter::new(pattern)?) })
    }

    /// Splits and counts a batch of texts in parallel, without the GIL.
    fn add_texts(&mut self, py: Python<'_>, texts: Vec<String>) -> PyResult<()> {
        let TrainerState::Counting(counter) = &mut self.state else {
            return Err(state_error("texts can only be added before merging starts"));
        };
        py.detach(|| counter.add_texts(&texts))?;
        Ok(())
    }

    #[getter]
    fn distinct_chunks(&self) -> usize {
        match &self.state {
            TrainerState::Counting(c) => c.distinct_chunks(),
            _ => 0,
        }
    }

    #[getter]
    fn bytes_seen(&self) -> u64 {
        match &self.state {
            TrainerState::Counting(c) => c.bytes_seen(),
            _ => 0,
        }
    }

    /// Ends counting and builds the pair index (parallel, without the GIL).
    fn start_merges(&mut self, py: Python<'_>, min_frequency: u64) -> PyResult<()> {
        let state = std::mem::replace(&mut self.state, TrainerState::Finished);
        let TrainerState::Counting(counter) = state else {
            self.state = state;
            return Err(state_error("merging has already started"));
        };
        let merger = py.detach(|| Merger::new(counter.into_counts(), min_frequency))?;
        self.state = TrainerState::Merging { pattern: self.pattern.clone(), merger };
        Ok(())
    }

    /// Merges until the vocabulary holds `target` ordinary tokens or `max_steps`
    /// merges were made; returns the number made.
    fn merge(&mut self, py: Python<'_>, target: usize, max_steps: usize) -> PyResult<usize> {
        let TrainerState::Merging { merger, .. } = &mut self.state else {
            return Err(state_error("call start_merges first"));
        };
        Ok(py.detach(|| merger.run(target, max_steps)))
    }

    #[getter]
    fn vocab_len(&self) -> usize {
        match &self.state {
            TrainerState::Merging { merger, .. } => merger.vocab_len(),
            _ => 0,
        }
    }

    #[getter]
    fn exhausted(&self) -> bool {
        match &self.state {
            TrainerState::Merging { merger, .. } => merger.exhausted(),
            _ => false,
        }
    }

    /// The trained tokenizer, with `special_tokens` appended after the merges.
    fn finish(&mut self, special_tokens: Vec<String>) -> PyResult<PyBpeTokenizer> {
        let state = std::mem::replace(&mut self.state, TrainerState::Finished);
        let TrainerState::Merging { pattern, merger } = state else {
            self.state = state;
            return Err(state_error("call start_merges first"));
        };
        let (merges, _) = merger.into_parts();
        Ok(PyBpeTokenizer { inner: Tokenizer::from_merges(&pattern, merges, &special_tokens)? })
    }
}

/// A trained byte-level BPE tokenizer.
#[pyclass(module = "grapheme_lab._core", name = "BpeTokenizer", frozen)]
pub struct PyBpeTokenizer {
    inner: Tokenizer,
}

fn allowed<'a>(all: bool, names: &'a [String]) -> AllowedSpecial<'a> {
    if all {
        AllowedSpecial::All
    } else if names.is_empty() {
        AllowedSpecial::None
    } else {
        AllowedSpecial::Some(names.iter().map(String::as_str).collect())
    }
}

#[pymethods]
impl PyBpeTokenizer {
    #[new]
    #[pyo3(signature = (pattern, merges, special_tokens=Vec::new()))]
    fn new(pattern: &str, merges: Vec<(u32, u32)>, special_tokens: Vec<String>) -> PyResult<Self> {
        Ok(PyBpeTokenizer { inner: Tokenizer::from_merges(pattern, merges, &special_tokens)? })
    }

    #[pyo3(signature = (text, all_special=false, allowed_special=Vec::new()))]
    fn encode(&self, py: Python<'_>, text: &str, all_special: bool, allowed_special: Vec<String>) -> PyResult<Vec<u32>> {
        let a = allowed(all_special, &allowed_special);
        Ok(py.detach(|| self.inner.encode(text, &a))?)
    }

    #[pyo3(signature = (texts, all_special=false, allowed_special=Vec::new()))]
    fn encode_batch(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        all_special: bool,
        allowed_special: Vec<String>,
    ) -> PyResult<Vec<Vec<u32>>> {
        let a = allowed(all_special, &allowed_special);
        Ok(py.detach(|| self.inner.encode_batch(&texts, &a))?)
    }

    fn decode_bytes<'py>(&self, py: Python<'py>, ids: Vec<u32>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.decode_bytes(&ids)?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn token_bytes<'py>(&self, py: Python<'py>, id: u32) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, self.inner.token_bytes(id)?))
    }

    #[getter]
    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    #[getter]
    fn n_ordinary(&self) -> usize {
        self.inner.n_ordinary()
    }

    #[getter]
    fn pattern(&self) -> &str {
        self.inner.pattern()
    }

    fn merges(&self) -> Vec<(u32, u32)> {
        self.inner.merges().to_vec()
    }

    fn special_tokens<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (s, id) in self.inner.specials() {
            d.set_item(s, id)?;
        }
        Ok(d)
    }

    /// tiktoken's `mergeable_ranks`: bytes -> rank (= id) of every ordinary token.
    fn mergeable_ranks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (id, t) in self.inner.ordinary_tokens().iter().enumerate() {
            d.set_item(PyBytes::new(py, t), id)?;
        }
        Ok(d)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBpeTrainer>()?;
    m.add_class::<PyBpeTokenizer>()?;
    m.add("BPE_GPT4_PATTERN", crate::bpe::GPT4_PATTERN)?;
    Ok(())
}
