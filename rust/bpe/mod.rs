//! bpe (to be written).
