//! The simplifier's canonical form.

use super::expr::Expr;
use crate::error::{Error, Result};

pub fn simplify(_e: &Expr) -> Result<Expr> {
    Err(Error::invalid("simplify: not implemented yet"))
}
