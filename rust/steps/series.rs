//! The numeric method of a function with no exact value: first a reduction
//! of its argument by an identity, then a short series in the reduced
//! argument, every number a decimal of [`DIGITS`](super::decimal::DIGITS) digits.
//!
//! | function | reduction (a line of its own) | series once reduced |
//! |---|---|---|
//! | `exp a`, `|a| > 1/2` | `(* (^ e n) (exp (- a n)))`, n the nearest integer | Taylor: `1 + r + r^2/2 + ...` |
//! | `ln a`, a outside [0.7, 1.42] | `(+ (* k ln2) (ln (/ a 2^k)))` | `2 atanh t`, t = (a-1)/(a+1): `2 (t + t^3/3 + ...)` |
//! | `sqrt a`, `|a - 1| > 0.02` | `(* s (sqrt (/ a (^ s 2))))`, s sqrt(a) to 3 digits | binomial: `1 + u/2 - u^2/8 + ...`, u = a - 1 |
//! | `sin a`, `cos a`, `|a| > 0.79` | `(± (sin|cos) (- a (* q pi/2)))`, q the nearest integer, pi/2 with a digit more for each digit of q | Taylor |
//! | `tan a` | `(/ (sin a) (cos a))` | |
//! | `log a` | `(/ (ln a) ln10)` | |
//! | `(^ a 1/n)` | `(exp (/ (ln a) n))` | |
//!
//! Each reduced argument is at most about 1 (|r| <= 1/2, |t| <= 0.18,
//! |u| <= 0.02, |r| <= pi/4), so a series needs 5-14 terms to fall below
//! [`SERIES_CUTOFF`]; the choice against Newton's iteration and unreduced
//! series is measured in docs/results/2026-12-08-steps.md.

use super::decimal::{leaf, round_to, DIGITS, E, HALF_PI, LN10, LN2, SERIES_CUTOFF};
use crate::engine::limits::charge;
use crate::engine::{BinOp, Expr, Func};
use crate::error::{Error, ErrorKind, Result};

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::bin(op, a, b)
}

fn call(f: Func, a: Expr) -> Expr {
    Expr::call(f, a)
}

fn int(i: i64) -> Expr {
    Expr::int(i)
}

fn domain(what: String) -> Error {
    Error::new(ErrorKind::Domain, format!("domain error: {what}"))
}

/// `sum terms`, left to right; each term `(sign, |term|)`.
fn sum(terms: Vec<(bool, Expr)>) -> Expr {
    let mut it = terms.into_iter();
    let (positive, first) = it.next().expect("a series has a term");
    let mut out = if positive { first } else { Expr::neg(first) };
    for (positive, t) in it {
        out = bin(if positive { BinOp::Add } else { BinOp::Sub }, out, t);
    }
    out
}

/// `x^k / k!` for k = 0, 1, ... while at least the cutoff; `(sign, term)`.
fn taylor(x: f64, from: u32, step: u32, alternate: bool) -> Result<Vec<(bool, Expr)>> {
    let r = leaf(x)?;
    let (mut out, mut k, mut factorial, mut positive) = (Vec::new(), from, 1i64, true);
    for j in 2..=from as i64 {
        factorial *= j;
    }
    loop {
        charge(1)?;
        let term = match k {
            0 => int(1),
            1 => r.clone(),
            _ => bin(BinOp::Div, bin(BinOp::Pow, r.clone(), int(k as i64)), int(factorial)),
        };
        out.push((positive, term));
        let next = k + step;
        for j in k + 1..=next {
            factorial = factorial.checked_mul(j as i64).ok_or_else(|| Error::invalid("a series needs too many terms"))?;
        }
        k = next;
        if x.abs().powi(k as i32) / (factorial as f64) < SERIES_CUTOFF {
            return Ok(out);
        }
        positive = !alternate || !positive;
    }
}

/// `exp r`, |r| <= 1/2.
fn exp_series(r: f64) -> Result<Expr> {
    Ok(sum(taylor(r, 0, 1, false)?))
}

/// `ln m` = 2 atanh((m-1)/(m+1)), m near 1.
fn ln_series(m: f64) -> Result<Expr> {
    let t = (m - 1.0) / (m + 1.0);
    let tl = leaf(t)?;
    let mut terms = vec![(true, tl.clone())];
    let mut k = 3;
    while t.abs().powi(k) / k as f64 >= SERIES_CUTOFF {
        charge(1)?;
        terms.push((true, bin(BinOp::Div, bin(BinOp::Pow, tl.clone(), int(k as i64)), int(k as i64))));
        k += 2;
    }
    Ok(bin(BinOp::Mul, int(2), sum(terms)))
}

/// `sqrt m` = (1 + u)^(1/2), u = m - 1 small: the binomial series, coefficients exact.
fn sqrt_series(m: f64) -> Result<Expr> {
    let u = m - 1.0;
    let ul = leaf(u)?;
    let mut terms = vec![(true, int(1))];
    // C(1/2, k) = prod_{j<k} (1/2 - j) / k!
    let (mut num, mut den, mut k) = (1i64, 1i64, 1i64);
    loop {
        charge(1)?;
        num = num.checked_mul(1 - 2 * (k - 1)).ok_or_else(|| Error::invalid("a series needs too many terms"))?;
        den = den.checked_mul(2 * k).ok_or_else(|| Error::invalid("a series needs too many terms"))?;
        let c = num as f64 / den as f64;
        if c.abs() * u.abs().powi(k as i32) < SERIES_CUTOFF {
            return Ok(sum(terms));
        }
        let power = if k == 1 { ul.clone() } else { bin(BinOp::Pow, ul.clone(), int(k)) };
        terms.push((num > 0, bin(BinOp::Mul, Expr::rational(num.abs(), den), power)));
        k += 1;
    }
}

/// The argument's nearest integer as a step writes it.
fn nearest(x: f64) -> Result<i64> {
    let n = x.round();
    if n.abs() > 1e6 {
        return Err(Error::new(ErrorKind::Overflow, format!("overflow: no step reduces an argument of {x}")));
    }
    Ok(n as i64)
}

/// The line that replaces `(f a)`, `a` a number leaf of value `x`: a reduction or a series.
pub fn method(f: Func, a: &Expr, x: f64) -> Result<Expr> {
    charge(1)?;
    match f {
        Func::Exp if x.abs() <= 0.5 => exp_series(x),
        Func::Exp => {
            let n = nearest(x)?;
            let rest = call(Func::Exp, bin(BinOp::Sub, a.clone(), int(n)));
            let power = |k: i64| if k == 1 { Expr::float(E) } else { bin(BinOp::Pow, Expr::float(E), int(k)) };
            Ok(if n > 0 { bin(BinOp::Mul, power(n), rest) } else { bin(BinOp::Div, rest, power(-n)) })
        }
        Func::Ln | Func::Log if x <= 0.0 => Err(domain(format!("{} of {x} (the logarithm needs a positive argument)", f.token()))),
        Func::Log => Ok(bin(BinOp::Div, call(Func::Ln, a.clone()), Expr::float(LN10))),
        Func::Ln if (0.7..=1.42).contains(&x) => ln_series(x),
        Func::Ln => {
            let k = nearest(x.log2())?;
            let p = 2i64.checked_pow(k.unsigned_abs() as u32).ok_or_else(|| Error::invalid("a logarithm too large"))?;
            let scaled = bin(if k > 0 { BinOp::Div } else { BinOp::Mul }, a.clone(), int(p));
            Ok(bin(BinOp::Add, bin(BinOp::Mul, int(k), Expr::float(LN2)), call(Func::Ln, scaled)))
        }
        Func::Sqrt if x < 0.0 => Err(domain(format!("sqrt of {x} (real numbers only)"))),
        Func::Sqrt if x == 0.0 => Ok(int(0)),
        Func::Sqrt if (x - 1.0).abs() <= 0.02 => sqrt_series(x),
        Func::Sqrt => {
            let s = format!("{:.2e}", x.sqrt()).parse::<f64>().expect("a number prints");
            Ok(bin(BinOp::Mul, Expr::float(s), call(Func::Sqrt, bin(BinOp::Div, a.clone(), bin(BinOp::Pow, Expr::float(s), int(2))))))
        }
        Func::Sin if x.abs() <= 0.79 => Ok(sum(taylor(x, 1, 2, true)?)),
        Func::Cos if x.abs() <= 0.79 => Ok(sum(taylor(x, 0, 2, true)?)),
        Func::Sin | Func::Cos => {
            let q = nearest(x / std::f64::consts::FRAC_PI_2)?;
            // r = x - q pi/2 keeps 10 digits when pi/2 has one more for each digit of q
            // and for each digit r loses to x in the subtraction (x near a multiple of pi/2)
            let r = x - q as f64 * std::f64::consts::FRAC_PI_2;
            let lost = if r == 0.0 { 0 } else { (x.abs() / r.abs()).log10().floor().max(0.0) as usize };
            let digits = DIGITS + q.unsigned_abs().to_string().len() - 1 + lost;
            let half_pi = if digits == DIGITS { HALF_PI } else { round_to(std::f64::consts::FRAC_PI_2, digits) };
            let shift = if q == 1 { Expr::float(half_pi) } else { bin(BinOp::Mul, int(q), Expr::float(half_pi)) };
            let r = bin(BinOp::Sub, a.clone(), shift);
            // sin(r + q pi/2) and cos(r + q pi/2) by q mod 4
            let quarter = (q.rem_euclid(4) + if f == Func::Cos { 1 } else { 0 }) % 4;
            let base = call(if quarter % 2 == 0 { Func::Sin } else { Func::Cos }, r);
            Ok(if quarter >= 2 { Expr::neg(base) } else { base })
        }
        Func::Tan => Ok(bin(BinOp::Div, call(Func::Sin, a.clone()), call(Func::Cos, a.clone()))),
        _ => Err(Error::invalid(format!("no step works out {} of {x}", f.token()))),
    }
}

/// The line that replaces `(^ a 1/n)` with no rational value: `(exp (/ (ln a) n))`,
/// for a negative `a` and odd `n` `(neg (exp (/ (ln (neg a)) n)))`.
pub fn root_method(a: &Expr, x: f64, n: i64) -> Expr {
    let root = |a: Expr| call(Func::Exp, bin(BinOp::Div, call(Func::Ln, a), int(n)));
    if x < 0.0 && n % 2 == 1 {
        Expr::neg(root(Expr::neg(a.clone())))
    } else {
        root(a.clone())
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::evaluate;
    use crate::steps::decimal;

    fn value(e: &Expr) -> f64 {
        evaluate(e, &[]).unwrap()
    }

    #[test]
    fn each_method_line_keeps_the_value() {
        for (f, x) in [(Func::Exp, 0.3), (Func::Exp, -2.75), (Func::Exp, 9.0), (Func::Ln, 5.0), (Func::Ln, 0.01), (Func::Ln, 1.2),
            (Func::Sqrt, 172.0), (Func::Sqrt, 1.01), (Func::Sqrt, 0.5), (Func::Sin, 0.7), (Func::Sin, 40.0), (Func::Cos, -4.0),
            (Func::Cos, 0.2), (Func::Tan, 20.0), (Func::Log, 7.0), (Func::Cos, 216.0), (Func::Sin, -9000.5)] {
            let a = Expr::float(x);
            let line = method(f, &a, x).unwrap();
            let want = value(&Expr::call(f, a.clone()));
            assert!(decimal::within(value(&line), want, decimal::SITE_TOL), "{f:?} {x}: {line} = {}, not {want}", value(&line));
        }
        assert_eq!(method(Func::Exp, &Expr::float(0.5), 0.5).unwrap().to_polish().matches("(^ 0.5").count(), 10);
        assert_eq!(method(Func::Sin, &Expr::int(2), 2.0).unwrap().to_polish(), "(cos (- 2 1.570796327))");
        assert_eq!(method(Func::Cos, &Expr::int(216), 216.0).unwrap().to_polish(), "(neg (cos (- 216 (* 138 1.5707963267949))))");
        assert_eq!(method(Func::Ln, &Expr::int(5), 5.0).unwrap().to_polish(), "(+ (* 2 0.6931471806) (ln (/ 5 4)))");
        assert_eq!(method(Func::Sqrt, &Expr::int(3), 3.0).unwrap().to_polish(), "(* 1.73 (sqrt (/ 3 (^ 1.73 2))))");
        assert!(method(Func::Ln, &Expr::int(0), 0.0).is_err());
        assert!(method(Func::Sqrt, &Expr::int(-1), -1.0).is_err());
    }
}
