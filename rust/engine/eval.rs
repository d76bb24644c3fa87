//! Evaluation to a number, `run` for any form, and numeric equivalence.

use super::expr::Expr;
use crate::error::{Error, Result};

/// What `run` returns: a number, a symbolic result (`derive`), or the roots of `solve`.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Number(f64),
    Symbolic(Expr),
    Roots(Vec<f64>),
}

pub fn evaluate(_e: &Expr, _bindings: &[(String, f64)]) -> Result<f64> {
    Err(Error::invalid("evaluate: not implemented yet"))
}

pub fn evaluate_text(_text: &str, _bindings: &[(String, f64)]) -> Result<f64> {
    Err(Error::invalid("evaluate: not implemented yet"))
}

pub fn run(_e: &Expr) -> Result<Answer> {
    Err(Error::invalid("run: not implemented yet"))
}

pub fn run_text(_text: &str) -> Result<Answer> {
    Err(Error::invalid("run: not implemented yet"))
}

pub fn equivalent(_a: &Expr, _b: &Expr) -> Result<bool> {
    Err(Error::invalid("equivalent: not implemented yet"))
}
