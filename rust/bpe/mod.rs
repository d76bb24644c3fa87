//! Byte-level BPE, GPT-4 style: a regex pre-split into chunks, 256 byte tokens,
//! merges learned in rank order that never cross a chunk boundary, and special
//! tokens appended after the merges.
//!
//! - [`split`]: the pre-split (a hand-written GPT-4 matcher, `fancy-regex` otherwise);
//! - [`train`]: streamed parallel chunk counting and incremental merging;
//! - [`encode`]: the trained tokenizer (tiktoken's encoding rule, batch encoding).

pub mod encode;
pub mod split;
pub mod train;

pub use encode::{AllowedSpecial, Tokenizer};
pub use split::{Splitter, GPT4_PATTERN};
pub use train::{ChunkCounter, Merger};
