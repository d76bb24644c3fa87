//! GRAPHEME's curriculum generator: seven levels of random, engine-verified
//! problems in Polish notation.
//!
//! - [`sample`]: the level samplers (random expression trees);
//! - [`verify`]: the engine's answer and an independent check of it;
//! - [`canonical`]: the form that decides uniqueness and splits;
//! - [`plan`]: buckets, shards and splits; [`stream`]: the two-pass generator;
//! - [`check`]: re-checking a stored row (`validate`).
//!
//! Candidate `i` of level `L` is drawn from a ChaCha8 stream keyed by
//! `(seed, L, i)`; which candidates become rows is decided in index order on
//! one thread, so the bytes written do not depend on the thread count, and a
//! shard (`K/N`) produces exactly its slice of the unsharded files.

pub mod canonical;
pub mod check;
pub mod numeric;
pub mod plan;
pub mod row;
pub mod sample;
pub mod seeding;
pub mod stream;
pub mod trees;
pub mod verify;

pub use canonical::canonical_key;
pub use check::{check_line, LineCheck};
pub use plan::{Shard, Split, SplitRatios, BUCKETS};
pub use row::Row;
pub use sample::Problem;
pub use stream::{generate_level, GeneratedRow, LevelConfig, LevelGenerator, Stats, DEFAULT_SIZES};

#[cfg(test)]
mod tests;
