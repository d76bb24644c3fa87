//! Derivatives, antiderivatives and definite integrals.

use super::expr::Expr;
use crate::error::{Error, Result};

pub fn derive(_e: &Expr, _var: &str) -> Result<Expr> {
    Err(Error::invalid("derive: not implemented yet"))
}

pub fn antiderivative(_e: &Expr, _var: &str) -> Result<Option<Expr>> {
    Err(Error::invalid("antiderivative: not implemented yet"))
}

pub fn integrate(_e: &Expr, _var: &str, _lo: f64, _hi: f64) -> Result<f64> {
    Err(Error::invalid("integrate: not implemented yet"))
}

/// Adaptive quadrature: (value, error bound).
pub fn quadrature(_e: &Expr, _var: &str, _lo: f64, _hi: f64) -> Result<(f64, f64)> {
    Err(Error::invalid("quadrature: not implemented yet"))
}
