//! Equation solving over the reals.

use super::expr::Expr;
use crate::error::{Error, Result};

pub fn solve(_equation: &Expr, _var: &str) -> Result<Vec<f64>> {
    Err(Error::invalid("solve: not implemented yet"))
}
