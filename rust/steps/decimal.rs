//! The decimals of the approximate steps: a value no exact step reaches is
//! written with [`DIGITS`] significant digits (a sum, difference or product of
//! decimals exactly, when it has at most [`EXACT_DIGITS`], so that a
//! subtraction of close numbers keeps the digits it has), and the constants a
//! method uses are written the same way.
//!
//! Precision: a row whose trace writes no decimal is exact; one that does is
//! answered within [`ROW_TOL`] (the brain's judge: `|got - want| <= tol *
//! max(1, |want|)`). Each approximate site is checked within [`SITE_TOL`] of
//! its value; a trace rounds at most a few hundred sites, each by at most
//! 5e-11 of its value (10 digits), and truncates each series below 1e-12, so
//! the rounding compounds to about 1e-8 in the worst trace measured
//! (docs/results/2026-12-08-steps.md), 100 times inside the row's tolerance;
//! the generator checks every line against the answer within it all the same.

use crate::engine::{Expr, Value};
use std::fmt::Write;
use crate::error::{Error, Result};

/// Significant digits of a decimal in a step.
pub const DIGITS: usize = 10;
/// How far an approximate site's rewrite may be from the site's value (relative, absolute below 1).
pub const SITE_TOL: f64 = 1e-8;
/// How far a row's answer may be from the truth when its trace is approximate (as the judge reads it).
pub const ROW_TOL: f64 = 1e-6;
/// A series stops at the first term below this (its arguments are reduced to about 1 or less).
pub const SERIES_CUTOFF: f64 = 1e-12;

pub const PI: f64 = 3.141592654;
pub const HALF_PI: f64 = 1.570796327;
pub const E: f64 = 2.718281828;
pub const LN2: f64 = 0.6931471806;
pub const LN10: f64 = 2.302585093;

/// `x` rounded to [`DIGITS`] significant digits.
pub fn round(x: f64) -> f64 {
    round_to(x, DIGITS)
}

/// `x` rounded to `digits` significant digits (at most 17, what an f64 holds).
pub fn round_to(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let mut text = StackText::default();
    match write!(text, "{:.*e}", digits.clamp(1, 17) - 1, x) {
        Ok(()) => text.as_str().parse().unwrap_or(x),
        Err(_) => format!("{:.*e}", digits.clamp(1, 17) - 1, x).parse().unwrap_or(x),
    }
}

/// A number's text written without allocating (rounding and reading decimals
/// took a fifth of a level-6 trace's time when each went through a `String`).
pub struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> StackText {
        StackText { bytes: [0; 64], len: 0 }
    }
}

impl StackText {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("written from str")
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The decimal leaf of `x`, rounded; an error for a value that is not finite.
pub fn leaf(x: f64) -> Result<Expr> {
    if !x.is_finite() {
        return Err(Error::invalid(format!("a step reaches {x}, not a finite number")));
    }
    Ok(Expr::float(round(x)))
}

/// Most significant digits of a decimal written exactly (an f64 keeps 15).
pub const EXACT_DIGITS: usize = 15;

/// `x` exactly, when it is a decimal of at most [`EXACT_DIGITS`] significant digits.
pub fn exact_decimal(q: super::rational::Q) -> Option<f64> {
    // q = num / (2^a 5^b) is num * 2^(k-a) 5^(k-b) / 10^k, k = max(a, b)
    let (mut den, mut twos, mut fives) = (q.den, 0u32, 0u32);
    while den % 2 == 0 {
        den /= 2;
        twos += 1;
    }
    while den % 5 == 0 {
        den /= 5;
        fives += 1;
    }
    if den != 1 {
        return None;
    }
    let k = twos.max(fives);
    let scale = 2i128.checked_pow(k - twos)?.checked_mul(5i128.checked_pow(k - fives)?)?;
    let mut n = q.num.checked_mul(scale)?.unsigned_abs();
    while n % 10 == 0 && n > 0 {
        n /= 10;
    }
    (n < 10u128.pow(EXACT_DIGITS as u32)).then(|| q.num as f64 / q.den as f64)
}

/// The children of a node, without the vector [`Expr::children`] allocates
/// (allocation was most of a level-6 trace's time).
pub fn kids(e: &Expr) -> impl Iterator<Item = &Expr> {
    let (pair, args): ([Option<&Expr>; 2], &[Expr]) = match e {
        Expr::BinOp { left, right, .. } => ([Some(left), Some(right)], &[]),
        Expr::UnaryOp { operand, .. } => ([Some(operand), None], &[]),
        Expr::Function { args, .. } => ([None, None], args),
        Expr::Value(_) => ([None, None], &[]),
    };
    pair.into_iter().flatten().chain(args.iter())
}

/// The node rebuilt over `f` of each child, without a vector for a binary or
/// unary one (a step of every level that rewrites below its sites).
pub fn over_kids(e: &Expr, mut f: impl FnMut(&Expr) -> Result<Expr>) -> Result<Expr> {
    Ok(match e {
        Expr::Value(_) => e.clone(),
        Expr::BinOp { op, left, right } => {
            let l = f(left)?;
            Expr::bin(*op, l, f(right)?)
        }
        Expr::UnaryOp { operand, .. } => Expr::neg(f(operand)?),
        Expr::Function { func, args } => Expr::func(*func, args.iter().map(f).collect::<Result<Vec<_>>>()?),
    })
}

/// Whether the tree writes a decimal.
pub fn has_decimal(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v, Value::Float(_)),
        _ => kids(e).any(has_decimal),
    }
}

/// `|got - want| <= tol * max(1, |want|)`: relative, absolute below 1 (the judge's test).
pub fn within(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_ten_significant_digits_and_the_constants_are_rounded_truths() {
        assert_eq!(round(std::f64::consts::PI), PI);
        assert_eq!(round(std::f64::consts::FRAC_PI_2), HALF_PI);
        assert_eq!(round(std::f64::consts::E), E);
        assert_eq!(round(std::f64::consts::LN_2), LN2);
        assert_eq!(round(std::f64::consts::LN_10), LN10);
        assert_eq!(round(123456.78901234), 123456.789);
        assert_eq!(round(-0.000123456789012), -0.000123456789);
        assert!(leaf(f64::NAN).is_err());
        assert!(within(1.0000005, 1.0, ROW_TOL) && !within(1.000002, 1.0, ROW_TOL));
        assert!(within(0.0000005, 0.0, ROW_TOL), "absolute below 1");
        use super::super::rational::Q;
        assert_eq!(exact_decimal(Q::new(-109955742875643, 10_000_000_000_000).unwrap()), Some(-10.9955742875643));
        assert_eq!(exact_decimal(Q::new(3, 8).unwrap()), Some(0.375));
        assert_eq!(exact_decimal(Q::new(1, 3).unwrap()), None);
        assert_eq!(exact_decimal(Q::new(1234567890123456, 1000).unwrap()), None, "16 digits");
    }
}
