//! Numbers as the engine computes with them: exact rationals over i64 while
//! they fit, f64 otherwise. Exact results that overflow i64 fall back to f64;
//! an f64 that overflows to infinity is an `Overflow` error.

use crate::error::{Error, ErrorKind, Result};
use std::cmp::Ordering;

/// A number: `Rat(num, den)` in lowest terms with `den > 0`, or a float.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    Rat(i64, i64),
    Float(f64),
}

/// The greatest common divisor (non-negative; gcd(0, 0) = 0). The one gcd of the crate.
pub fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    if let (Ok(mut x), Ok(mut y)) = (u64::try_from(a), u64::try_from(b)) {
        // the same remainders in 64 bits, several times faster than 128-bit division
        while y != 0 {
            let t = x % y;
            x = y;
            y = t;
        }
        return x as i128;
    }
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// Lowest terms with a positive denominator; `None` for a zero denominator
/// or a result outside i64.
pub fn reduce(num: i128, den: i128) -> Option<(i64, i64)> {
    if den == 0 {
        return None;
    }
    let g = gcd(num, den).max(1);
    let (mut n, mut d) = (num / g, den / g);
    if d < 0 {
        n = -n;
        d = -d;
    }
    Some((i64::try_from(n).ok()?, i64::try_from(d).ok()?))
}

pub fn overflow(what: &str) -> Error {
    Error::new(ErrorKind::Overflow, format!("overflow: {what} is outside the range of f64"))
}

pub fn domain(what: impl Into<String>) -> Error {
    Error::new(ErrorKind::Domain, what.into())
}

pub fn division_by_zero() -> Error {
    Error::new(ErrorKind::DivisionByZero, "division by zero")
}

impl Num {
    pub const ZERO: Num = Num::Rat(0, 1);
    pub const ONE: Num = Num::Rat(1, 1);
    pub const MINUS_ONE: Num = Num::Rat(-1, 1);

    pub fn int(i: i64) -> Num {
        Num::Rat(i, 1)
    }

    /// An exact rational from an i128 fraction, or its float value when it does not fit.
    pub fn from_i128(num: i128, den: i128) -> Num {
        match reduce(num, den) {
            Some((n, d)) => Num::Rat(n, d),
            None => Num::Float(num as f64 / den as f64),
        }
    }

    pub fn to_f64(self) -> f64 {
        match self {
            Num::Rat(n, d) => {
                if d == 1 {
                    n as f64
                } else {
                    n as f64 / d as f64
                }
            }
            Num::Float(x) => x,
        }
    }

    pub fn is_exact(self) -> bool {
        matches!(self, Num::Rat(..))
    }
    pub fn is_integer(self) -> bool {
        matches!(self, Num::Rat(_, 1))
    }
    /// The integer value of an exact integer.
    pub fn as_int(self) -> Option<i64> {
        match self {
            Num::Rat(n, 1) => Some(n),
            _ => None,
        }
    }
    /// Exactly zero, or a float zero.
    pub fn is_zero(self) -> bool {
        match self {
            Num::Rat(n, _) => n == 0,
            Num::Float(x) => x == 0.0,
        }
    }
    /// Exactly one (a float 1.0 is not: it keeps a result inexact).
    pub fn is_one(self) -> bool {
        matches!(self, Num::Rat(1, 1))
    }
    pub fn is_minus_one(self) -> bool {
        matches!(self, Num::Rat(-1, 1))
    }
    pub fn is_negative(self) -> bool {
        match self {
            Num::Rat(n, _) => n < 0,
            Num::Float(x) => x < 0.0,
        }
    }

    /// Float results must be finite: infinity is an overflow, NaN a domain error.
    pub fn check(self, what: &str) -> Result<Num> {
        match self {
            Num::Float(x) if x.is_nan() => Err(domain(format!("domain error: {what} is not a real number"))),
            Num::Float(x) if x.is_infinite() => Err(overflow(what)),
            n => Ok(n),
        }
    }

    pub fn neg(self) -> Num {
        match self {
            Num::Rat(n, d) => match n.checked_neg() {
                Some(m) => Num::Rat(m, d),
                None => Num::Float(-(n as f64) / d as f64),
            },
            Num::Float(x) => Num::Float(-x),
        }
    }

    pub fn abs(self) -> Num {
        if self.is_negative() {
            self.neg()
        } else {
            self
        }
    }

    pub fn add(self, other: Num) -> Num {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => {
                if b == 1 && d == 1 {
                    if let Some(s) = a.checked_add(c) {
                        return Num::Rat(s, 1);
                    }
                }
                let (a, b, c, d) = (a as i128, b as i128, c as i128, d as i128);
                Num::from_i128(a * d + c * b, b * d)
            }
            _ => Num::Float(self.to_f64() + other.to_f64()),
        }
    }

    pub fn sub(self, other: Num) -> Num {
        self.add(other.neg())
    }

    pub fn mul(self, other: Num) -> Num {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => {
                if b == 1 && d == 1 {
                    if let Some(p) = a.checked_mul(c) {
                        return Num::Rat(p, 1);
                    }
                }
                Num::from_i128(a as i128 * c as i128, b as i128 * d as i128)
            }
            _ => Num::Float(self.to_f64() * other.to_f64()),
        }
    }

    pub fn div(self, other: Num) -> Result<Num> {
        if other.is_zero() {
            return Err(division_by_zero());
        }
        Ok(match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => Num::from_i128(a as i128 * d as i128, b as i128 * c as i128),
            _ => Num::Float(self.to_f64() / other.to_f64()),
        })
    }

    pub fn recip(self) -> Result<Num> {
        Num::ONE.div(self)
    }

    /// `self mod m` with the sign of `m` (Python's `%`): `a - m * floor(a / m)`.
    pub fn modulo(self, m: Num) -> Result<Num> {
        if m.is_zero() {
            return Err(division_by_zero());
        }
        match (self, m) {
            (Num::Rat(..), Num::Rat(..)) => {
                let q = self.div(m)?.floor();
                let r = self.sub(m.mul(q));
                Ok(r)
            }
            _ => {
                let (a, m) = (self.to_f64(), m.to_f64());
                let r = a - m * (a / m).floor();
                Ok(Num::Float(r))
            }
        }
    }

    pub fn floor(self) -> Num {
        match self {
            Num::Rat(n, d) => Num::Rat(n.div_euclid(d), 1),
            Num::Float(x) => Num::Float(x.floor()),
        }
    }

    pub fn ceil(self) -> Num {
        match self {
            Num::Rat(n, d) => {
                let f = n.div_euclid(d);
                Num::Rat(if f * d == n { f } else { f + 1 }, 1)
            }
            Num::Float(x) => Num::Float(x.ceil()),
        }
    }

    /// `self ^ exp` over the reals. Exact when both are exact and the result is
    /// rational; an odd root of a negative number is real; an even root of a
    /// negative number is a domain error; 0 to a negative power divides by zero.
    pub fn pow(self, exp: Num) -> Result<Num> {
        if let Some(exact) = self.pow_exact(exp)? {
            return exact.check("a power");
        }
        let (b, e) = (self.to_f64(), exp.to_f64());
        if b == 0.0 && e < 0.0 {
            return Err(division_by_zero());
        }
        let r = if b < 0.0 && e.fract() != 0.0 {
            // A negative base is real only under an odd root: p/q with q odd.
            match exp {
                Num::Rat(p, q) if q % 2 == 1 => {
                    let m = (-b).powf(e);
                    if p % 2 == 0 {
                        m
                    } else {
                        -m
                    }
                }
                _ => {
                    return Err(domain(format!(
                        "domain error: a negative number ({}) to a fractional power ({}) is not real",
                        fmt_num(self),
                        fmt_num(exp)
                    )))
                }
            }
        } else {
            b.powf(e)
        };
        Num::Float(r).check("a power")
    }

    /// `self ^ exp` when both are exact and the result is rational: `Ok(None)`
    /// when it is not (e.g. 2^(1/2)) or when either is a float.
    pub fn pow_exact(self, exp: Num) -> Result<Option<Num>> {
        let (Num::Rat(bn, bd), Num::Rat(p, q)) = (self, exp) else {
            return Ok(None);
        };
        if bn == 0 {
            return match p.cmp(&0) {
                Ordering::Less => Err(division_by_zero()),
                Ordering::Equal => Ok(Some(Num::ONE)),
                Ordering::Greater => Ok(Some(Num::ZERO)),
            };
        }
        if bn == 1 && bd == 1 || p == 0 {
            return Ok(Some(Num::ONE));
        }
        // The q-th root first (exact or nothing), then the integer power p.
        let (rn, rd) = if q == 1 {
            (bn, bd)
        } else {
            if bn < 0 && q % 2 == 0 {
                return Err(domain(format!(
                    "domain error: an even root of a negative number ({}) is not real",
                    fmt_num(self)
                )));
            }
            match (exact_root(bn, q), exact_root(bd, q)) {
                (Some(a), Some(b)) => (a, b),
                _ => return Ok(None),
            }
        };
        let k = p.unsigned_abs();
        let (mut n, mut d) = (rn, rd);
        if p < 0 {
            if n < 0 {
                match n.checked_neg() {
                    Some(m) => (n, d) = (-d, m),
                    None => return Ok(Some(Num::Float(fpow(rn, rd, p as f64)))),
                }
            } else {
                (n, d) = (d, n);
            }
        }
        // |base| != 1 to a power above 64 cannot fit an i64: give up exactness early.
        if k > 64 && !(n.unsigned_abs() == 1 && d == 1) {
            return Ok(Some(Num::Float(fpow(n, d, k as f64))));
        }
        let k = k as u32;
        match (n.checked_pow(k), d.checked_pow(k)) {
            (Some(a), Some(b)) => Ok(Some(Num::Rat(a, b))),
            _ => Ok(Some(Num::Float((n as f64 / d as f64).powi(k as i32)))),
        }
    }

    pub fn total_cmp(&self, other: &Num) -> Ordering {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => (*a as i128 * *d as i128).cmp(&(*c as i128 * *b as i128)),
            (Num::Rat(..), Num::Float(_)) => Ordering::Less,
            (Num::Float(_), Num::Rat(..)) => Ordering::Greater,
            (Num::Float(x), Num::Float(y)) => x.total_cmp(y),
        }
    }

    /// Numeric comparison (exact vs float compared as floats).
    pub fn value_cmp(&self, other: &Num) -> Ordering {
        match (self, other) {
            (Num::Rat(..), Num::Rat(..)) => self.total_cmp(other),
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

/// The float value of (n/d)^e, used once exactness is out of reach.
fn fpow(n: i64, d: i64, e: f64) -> f64 {
    (n as f64 / d as f64).powf(e)
}

/// The exact q-th root of n (negative n allowed for odd q), if n is a perfect q-th power.
fn exact_root(n: i64, q: i64) -> Option<i64> {
    if n == 0 || n == 1 {
        return Some(n);
    }
    if q <= 0 || q > 64 {
        return None;
    }
    let neg = n < 0;
    let m = n.unsigned_abs();
    let guess = (m as f64).powf(1.0 / q as f64).round() as u64;
    for cand in guess.saturating_sub(1)..=guess + 1 {
        if cand.checked_pow(q as u32) == Some(m) {
            let c = cand as i64;
            return Some(if neg { -c } else { c });
        }
    }
    None
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}
impl Eq for Num {}

pub fn fmt_num(n: Num) -> String {
    match n {
        Num::Rat(a, 1) => a.to_string(),
        Num::Rat(a, b) => format!("{a}/{b}"),
        Num::Float(x) => format!("{x:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_arithmetic() {
        let third = Num::Rat(1, 3);
        assert_eq!(third.mul(Num::int(3)), Num::ONE);
        assert_eq!(Num::int(7).modulo(Num::int(-3)).unwrap(), Num::int(-2));
        assert_eq!(Num::Rat(-7, 2).floor(), Num::int(-4));
        assert_eq!(Num::Rat(-7, 2).ceil(), Num::int(-3));
        assert_eq!(Num::int(4).pow(Num::Rat(1, 2)).unwrap(), Num::int(2));
        assert_eq!(Num::int(-8).pow(Num::Rat(1, 3)).unwrap(), Num::int(-2));
        assert_eq!(Num::int(2).pow(Num::int(-2)).unwrap(), Num::Rat(1, 4));
        assert!(Num::int(-4).pow(Num::Rat(1, 2)).is_err());
        assert!(Num::int(0).pow(Num::int(-1)).is_err());
    }

    #[test]
    fn overflow_falls_back_then_errors() {
        let big = Num::int(i64::MAX).add(Num::ONE);
        assert!(!big.is_exact());
        let e = Num::int(10).pow(Num::int(100_000_000)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Overflow);
    }
}
