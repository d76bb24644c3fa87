//! The functions on the engine's numbers: those of one real argument, exact
//! where the value is rational, f64 otherwise; and the integer operators
//! `gcd`, `div`, `cancel`, exact, on integers only. Errors outside the domain.

use super::expr::Func;
use super::number::{division_by_zero, domain, fmt_num, gcd, Num};
use crate::error::{Error, ErrorKind, Result};

/// A one-argument function over the reals; exact where the value is rational
/// (`(sin 0)` is 0, `(sqrt 9/4)` is 3/2, `(ln 1)` is 0).
pub fn function(f: Func, x: Num) -> Result<Num> {
    let exact_zero = x.is_exact() && x.is_zero();
    let v = x.to_f64();
    let r = match f {
        Func::Sin if exact_zero => Num::ZERO,
        Func::Cos if exact_zero => Num::ONE,
        Func::Tan if exact_zero => Num::ZERO,
        Func::Exp if exact_zero => Num::ONE,
        Func::Sin => Num::Float(v.sin()),
        Func::Cos => Num::Float(v.cos()),
        Func::Tan => {
            if v.cos() == 0.0 {
                return Err(domain(format!("domain error: tan is undefined at {}", fmt_num(x))));
            }
            Num::Float(v.tan())
        }
        Func::Exp => Num::Float(v.exp()),
        Func::Ln | Func::Log => {
            if v <= 0.0 || (x.is_exact() && !x.is_negative() && x.is_zero()) {
                return Err(domain(format!(
                    "domain error: {} of {} (the logarithm needs a positive argument)",
                    f.token(),
                    fmt_num(x)
                )));
            }
            if x.is_one() {
                Num::ZERO
            } else if f == Func::Ln {
                Num::Float(v.ln())
            } else {
                match exact_log10(x) {
                    Some(k) => Num::int(k),
                    None => Num::Float(v.log10()),
                }
            }
        }
        Func::Sqrt => {
            if x.is_negative() {
                return Err(domain(format!(
                    "domain error: sqrt of {} (a negative number has no real square root)",
                    fmt_num(x)
                )));
            }
            x.pow(Num::Rat(1, 2))?
        }
        Func::Abs => x.abs(),
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::Derive | Func::Integrate | Func::Solve | Func::Gcd | Func::Div | Func::Cancel => {
            return Err(Error::invalid(format!("{} is not a function of one number", f.token())))
        }
    };
    r.check(f.token())
}

/// `(gcd a b)`, `(div a b)` (floored, so that `a = b * (div a b) + (mod a b)`)
/// and `(cancel a b g)` (the value `a / b`, once `g` is checked to divide
/// both): exact, on exact integers only.
pub fn integer_function(f: Func, args: &[Num]) -> Result<Num> {
    let mut ints = Vec::with_capacity(args.len());
    for x in args {
        match x.as_int() {
            Some(i) => ints.push(i as i128),
            None => {
                return Err(domain(format!(
                    "domain error: {} takes integers, got {}",
                    f.token(),
                    fmt_num(*x)
                )))
            }
        }
    }
    match (f, ints.as_slice()) {
        (Func::Gcd, &[a, b]) => Ok(Num::from_i128(gcd(a, b), 1)),
        (Func::Div, &[_, 0]) | (Func::Cancel, &[_, 0, _]) => Err(division_by_zero()),
        (Func::Div, &[a, b]) => Ok(Num::from_i128(a, 1).div(Num::from_i128(b, 1))?.floor()),
        (Func::Cancel, &[a, b, g]) => {
            if g == 0 || a % g != 0 || b % g != 0 {
                return Err(domain(format!("domain error: cancel needs {g} to divide {a} and {b}")));
            }
            Num::from_i128(a, 1).div(Num::from_i128(b, 1))
        }
        _ => Err(Error::new(
            ErrorKind::Arity,
            format!("wrong number of arguments: '{}' takes {}, got {}", f.token(), f.arities()[0], args.len()),
        )),
    }
}

/// log10 of an exact power of ten (10, 100, 1/1000, ...).
pub fn exact_log10(x: Num) -> Option<i64> {
    let Num::Rat(n, d) = x else { return None };
    let (mut m, sign) = match (n, d) {
        (n, 1) if n > 0 => (n, 1),
        (1, d) => (d, -1),
        _ => return None,
    };
    let mut k = 0;
    while m % 10 == 0 {
        m /= 10;
        k += 1;
    }
    (m == 1).then_some(sign * k)
}
