//! generator (to be written).
