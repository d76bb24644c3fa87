//! GRAPHEME's symbolic engine: parse, print, evaluate, simplify, derive,
//! integrate, solve. Polish-notation s-expressions in, exact where possible.
//!
//! - [`parse`] / [`Expr::to_polish`]: text <-> tree (`parse(&e.to_polish()) == e`).
//! - [`evaluate`]: a number, exact rational arithmetic while it fits in i64.
//! - [`simplify`]: the canonical form (constant folding, identities, like terms,
//!   flattened and ordered `+`/`*`); [`derive`] returns it.
//! - [`antiderivative`], [`integrate`], [`solve`], [`equivalent`], [`run`].
//!
//! The files are layers, each using only those below it (checked by
//! `layers.rs`): limits, number, expr, parse, json, functions, canon,
//! compile, calculus, simplify, solve, eval. Every entry point runs under one
//! step budget ([`limits`]).

pub mod calculus;
pub mod canon;
pub mod compile;
pub mod eval;
pub mod functions;
pub mod expr;
pub mod json;
pub mod limits;
pub mod number;
pub mod parse;
pub mod simplify;
pub mod solve;

pub use eval::{equivalent, evaluate, evaluate_text, run, run_text, Answer};
pub use expr::{check_limits, BinOp, Expr, Func, UnaryOp, Value};
pub use json::{from_json, to_json};
pub use limits::{MAX_DEPTH, MAX_NODES, MAX_TREE_DEPTH, STEP_BUDGET};
pub use parse::{parse, parse_spanned, Span};
pub use simplify::{antiderivative, derive, integrate, quadrature, simplify};
pub use solve::solve;

#[cfg(test)]
mod layers;
#[cfg(test)]
mod proptests;
