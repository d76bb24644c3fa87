//! grapheme_lab's Rust core.
//!
//! The core knows nothing of Python: `engine`, `generator`, `ged` and `bpe` are
//! plain Rust, tested by `cargo test` and measured by `cargo bench`. The thin
//! PyO3 layer in `py/` (feature `python`) only converts types, releases the GIL
//! around heavy work, and maps [`Error`] to `grapheme_lab.GraphemeError`.

pub mod bpe;
pub mod engine;
pub mod error;
pub mod ged;
pub mod steps;
pub mod generator;

#[cfg(feature = "python")]
mod py;

pub use error::{Error, ErrorKind, Result};
