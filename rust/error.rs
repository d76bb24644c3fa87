//! The one error type of the crate. Every fallible call returns it; the PyO3
//! layer turns it into `grapheme_lab.GraphemeError` (a `ValueError`) in one place.

use std::fmt;

/// What went wrong, for callers that branch on it (the message says the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed text: unbalanced or empty input, a bad token, a bad number.
    Parse,
    /// An operator or function that does not exist.
    UnknownOperator,
    /// An operator or function given the wrong number of arguments.
    Arity,
    DivisionByZero,
    /// A value outside a function's real domain, e.g. `(ln 0)`.
    Domain,
    /// A result too large to represent.
    Overflow,
    /// A protective limit (depth, size, exponent, time) was hit.
    Limit,
    /// A symbol with no binding where a number was needed.
    Unbound,
    /// An argument that is out of range or inconsistent (negative cost, bad shard).
    InvalidArgument,
    /// A file could not be read or written, or had the wrong format.
    Io,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }
    pub fn parse(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Parse, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Limit, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, e.to_string())
    }
}
