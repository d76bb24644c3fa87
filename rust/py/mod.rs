//! The PyO3 layer: type conversion, GIL release, error mapping. No logic lives here.

use pyo3::create_exception;
use pyo3::prelude::*;

mod bpe;
mod engine;
mod ged;
mod generator;
mod steps;

create_exception!(
    grapheme_lab,
    GraphemeError,
    pyo3::exceptions::PyValueError,
    "A malformed input, a domain error or a protective limit hit in grapheme_lab's Rust core."
);

/// The one place a Rust error becomes a Python exception.
impl From<crate::Error> for PyErr {
    fn from(e: crate::Error) -> PyErr {
        GraphemeError::new_err(e.message)
    }
}

#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GraphemeError", m.py().get_type::<GraphemeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    engine::register(m)?;
    generator::register(m)?;
    ged::register(m)?;
    bpe::register(m)?;
    steps::register(m)?;
    Ok(())
}
