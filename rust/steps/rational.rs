//! Exact rationals for the step rules: i128 fractions in lowest terms with a
//! positive denominator, every operation checked, so a step never rounds and
//! never wraps. A leaf written into a step must fit the engine's i64.

use crate::engine::number::gcd;
use crate::engine::{Expr, Value};
use crate::error::{Error, ErrorKind, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Q {
    pub num: i128,
    pub den: i128,
}

pub(super) fn overflow() -> Error {
    Error::new(ErrorKind::Overflow, "overflow: a number of the step is outside 64 bits")
}

fn checked(x: Option<i128>) -> Result<i128> {
    x.ok_or_else(overflow)
}

impl Q {
    pub fn int(n: i128) -> Q {
        Q { num: n, den: 1 }
    }

    pub fn new(num: i128, den: i128) -> Result<Q> {
        if den == 0 {
            return Err(Error::new(ErrorKind::DivisionByZero, "division by zero"));
        }
        let g = gcd(num, den).max(1);
        let (n, d) = (num / g, den / g);
        Ok(if d < 0 { Q { num: checked(n.checked_neg())?, den: checked(d.checked_neg())? } } else { Q { num: n, den: d } })
    }

    pub fn is_int(self) -> bool {
        self.den == 1
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn add(self, o: Q) -> Result<Q> {
        let a = checked(self.num.checked_mul(o.den))?;
        let b = checked(o.num.checked_mul(self.den))?;
        Q::new(checked(a.checked_add(b))?, checked(self.den.checked_mul(o.den))?)
    }

    pub fn neg(self) -> Result<Q> {
        Ok(Q { num: checked(self.num.checked_neg())?, den: self.den })
    }

    pub fn abs(self) -> Result<Q> {
        if self.num < 0 {
            self.neg()
        } else {
            Ok(self)
        }
    }

    pub fn sub(self, o: Q) -> Result<Q> {
        self.add(o.neg()?)
    }

    pub fn mul(self, o: Q) -> Result<Q> {
        Q::new(checked(self.num.checked_mul(o.num))?, checked(self.den.checked_mul(o.den))?)
    }

    pub fn div(self, o: Q) -> Result<Q> {
        Q::new(checked(self.num.checked_mul(o.den))?, checked(self.den.checked_mul(o.num))?)
    }

    /// floor(self / o), an integer.
    pub fn floor_div(self, o: Q) -> Result<Q> {
        let q = self.div(o)?;
        Ok(Q::int(q.num.div_euclid(q.den)))
    }

    /// `self mod o`, floored like the engine's `mod`: `self - o * floor(self / o)`.
    pub fn modulo(self, o: Q) -> Result<Q> {
        self.sub(o.mul(self.floor_div(o)?)?)
    }

    /// `self ^ e` for an integer `e`.
    pub fn pow(self, e: i128) -> Result<Q> {
        let base = if e < 0 { Q::int(1).div(self)? } else { self };
        let mut out = Q::int(1);
        for _ in 0..e.unsigned_abs() {
            out = out.mul(base)?;
        }
        Ok(out)
    }

    /// The value of a number leaf (a float as the decimal it prints as, `2.5`
    /// as 5/2); `None` for a symbol.
    pub fn of_value(v: &Value) -> Option<Result<Q>> {
        match v {
            Value::Integer(i) => Some(Ok(Q::int(*i as i128))),
            Value::Rational(n, d) => Some(Q::new(*n as i128, *d as i128)),
            Value::Float(x) => Some(Q::of_f64(*x)),
            Value::Symbol(_) => None,
        }
    }

    /// A float as the decimal of its shortest round-trip form (`0.1` is 1/10).
    pub fn of_f64(x: f64) -> Result<Q> {
        if !x.is_finite() {
            return Err(Error::invalid(format!("{x} is not a finite number")));
        }
        // the digits of the shortest round-trip text, read without allocating
        let mut text = super::decimal::StackText::default();
        if std::fmt::Write::write_fmt(&mut text, format_args!("{x:?}")).is_err() {
            return Err(overflow());
        }
        let text = text.as_str();
        let (mantissa, exp) = match text.split_once('e') {
            Some((m, e)) => (m, e.parse::<i32>().map_err(|_| overflow())?),
            None => (text, 0),
        };
        let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let (negative, whole) = match whole.strip_prefix('-') {
            Some(w) => (true, w),
            None => (false, whole),
        };
        let mut digits: i128 = 0;
        for c in whole.bytes().chain(frac.bytes()) {
            if !c.is_ascii_digit() {
                return Err(overflow());
            }
            digits = checked(digits.checked_mul(10).and_then(|d| d.checked_add((c - b'0') as i128)))?;
        }
        if negative {
            digits = -digits;
        }
        let exp = exp - frac.len() as i32;
        let ten = |k: u32| checked(10i128.checked_pow(k));
        if exp >= 0 {
            Ok(Q::int(checked(digits.checked_mul(ten(exp as u32)?))?))
        } else {
            Q::new(digits, ten(exp.unsigned_abs())?)
        }
    }

    /// The leaf a step writes: an integer, or a rational in lowest terms.
    pub fn leaf(self) -> Result<Expr> {
        let n = i64::try_from(self.num).map_err(|_| overflow())?;
        let d = i64::try_from(self.den).map_err(|_| overflow())?;
        Ok(if d == 1 { Expr::int(n) } else { Expr::Value(Value::Rational(n, d)) })
    }
}

impl std::fmt::Display for Q {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What of_f64 read through a String before it read a stack buffer.
    fn of_f64_by_string(x: f64) -> Result<Q> {
        if !x.is_finite() {
            return Err(Error::invalid(format!("{x} is not a finite number")));
        }
        let text = format!("{x:?}");
        let (mantissa, exp) = match text.split_once('e') {
            Some((m, e)) => (m, e.parse::<i32>().map_err(|_| overflow())?),
            None => (text.as_str(), 0),
        };
        let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits: i128 = format!("{whole}{frac}").parse().map_err(|_| overflow())?;
        let exp = exp - frac.len() as i32;
        let ten = |k: u32| checked(10i128.checked_pow(k));
        if exp >= 0 {
            Ok(Q::int(checked(digits.checked_mul(ten(exp as u32)?))?))
        } else {
            Q::new(digits, ten(exp.unsigned_abs())?)
        }
    }

    #[test]
    fn a_float_reads_as_its_shortest_decimal() {
        assert_eq!(Q::of_f64(0.1).unwrap(), Q::new(1, 10).unwrap());
        assert_eq!(Q::of_f64(-2.5).unwrap(), Q::new(-5, 2).unwrap());
        assert_eq!(Q::of_f64(-0.0).unwrap(), Q::int(0));
        assert_eq!(Q::of_f64(1e16).unwrap(), Q::int(10_000_000_000_000_000));
        assert!(Q::of_f64(1e300).is_err() && Q::of_f64(f64::NAN).is_err());
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            let g = (x % 2_000_001) as f64 / 1000.0 - 1000.0;
            for v in [f, g, super::super::decimal::round(g * 1.2345)] {
                let (a, b) = (Q::of_f64(v), of_f64_by_string(v));
                assert_eq!(a.as_ref().ok(), b.as_ref().ok(), "{v:?}");
                assert_eq!(a.map_err(|e| e.kind).err(), b.map_err(|e| e.kind).err(), "{v:?}");
            }
        }
    }
}
