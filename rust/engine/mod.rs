//! GRAPHEME's symbolic engine: parse, print, evaluate, simplify, derive,
//! integrate, solve. Polish-notation s-expressions in, exact where possible.

pub mod expr;

pub use expr::{BinOp, Expr, Func, UnaryOp, Value};
