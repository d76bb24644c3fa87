//! ged (to be written).
