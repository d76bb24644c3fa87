//! Function values a step writes exactly: sin, cos and tan at multiples of
//! pi/12 (in square roots where the value is irrational: `(sin (/ pi 3))` ->
//! `(/ (sqrt 3) 2)`), a logarithm of its own exponential and the reverse
//! (`(ln (exp -1))` -> `-1`), `log` of a power of ten, the square root of a
//! square, `abs`, `floor`, `ceil`, and roots `(^ q 1/n)` that are rational.

use super::rational::Q;
use crate::engine::{BinOp, Expr, Func, UnaryOp, Value};
use crate::error::{Error, ErrorKind, Result};

/// `(c0, c1)` with `e == c0 + c1*pi` exactly, for a tree of rationals and `pi`
/// under `+ - * / neg` that is linear in `pi`; `None` otherwise.
fn linear_in_pi(e: &Expr) -> Option<(Q, Q)> {
    let zero = Q::int(0);
    match e {
        Expr::Value(Value::Symbol(s)) if s == "pi" => Some((zero, Q::int(1))),
        Expr::Value(v) if !matches!(v, Value::Float(_)) => Some((Q::of_value(v)?.ok()?, zero)),
        Expr::UnaryOp { op: UnaryOp::Neg, operand } => {
            let (a, b) = linear_in_pi(operand)?;
            Some((a.neg().ok()?, b.neg().ok()?))
        }
        Expr::BinOp { op, left, right } => {
            let ((a, b), (c, d)) = (linear_in_pi(left)?, linear_in_pi(right)?);
            match op {
                BinOp::Add => Some((a.add(c).ok()?, b.add(d).ok()?)),
                BinOp::Sub => Some((a.sub(c).ok()?, b.sub(d).ok()?)),
                BinOp::Mul if b.is_zero() => Some((a.mul(c).ok()?, a.mul(d).ok()?)),
                BinOp::Mul if d.is_zero() => Some((a.mul(c).ok()?, b.mul(c).ok()?)),
                BinOp::Div if d.is_zero() && !c.is_zero() => Some((a.div(c).ok()?, b.div(c).ok()?)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `k` with `e == k*pi/12` exactly, `k` in 0..24 (the angle modulo 2pi).
pub fn twelfths_of_pi(e: &Expr) -> Option<i128> {
    let (c0, c1) = linear_in_pi(e)?;
    let k = c1.mul(Q::int(12)).ok()?;
    (c0.is_zero() && k.is_int()).then(|| k.num.rem_euclid(24))
}

fn root(n: i64) -> Expr {
    Expr::call(Func::Sqrt, Expr::int(n))
}

fn over(e: Expr, d: i64) -> Expr {
    Expr::bin(BinOp::Div, e, Expr::int(d))
}

fn negate(e: Expr) -> Expr {
    match e {
        Expr::Value(Value::Integer(0)) => e,
        Expr::Value(Value::Integer(i)) => Expr::int(-i),
        Expr::Value(Value::Rational(n, d)) => Expr::rational(-n, d),
        e => Expr::neg(e),
    }
}

/// sin(k*pi/12) for k in 0..24.
fn sin_twelfths(k: i128) -> Expr {
    if k >= 12 {
        return negate(sin_twelfths(k - 12));
    }
    let six_minus_two = || over(Expr::bin(BinOp::Sub, root(6), root(2)), 4);
    let six_plus_two = || over(Expr::bin(BinOp::Add, root(6), root(2)), 4);
    match k.min(12 - k) {
        0 => Expr::int(0),
        1 => six_minus_two(),
        2 => Expr::rational(1, 2),
        3 => over(root(2), 2),
        4 => over(root(3), 2),
        5 => six_plus_two(),
        _ => Expr::int(1),
    }
}

/// tan(k*pi/12) for k in 0..24; an error where it is undefined.
fn tan_twelfths(k: i128) -> Result<Expr> {
    let k = k % 12;
    if k > 6 {
        return Ok(negate(tan_twelfths(12 - k)?));
    }
    Ok(match k {
        0 => Expr::int(0),
        1 => Expr::bin(BinOp::Sub, Expr::int(2), root(3)),
        2 => over(root(3), 3),
        3 => Expr::int(1),
        4 => root(3),
        5 => Expr::bin(BinOp::Add, Expr::int(2), root(3)),
        _ => return Err(Error::new(ErrorKind::Domain, "domain error: tan is undefined at an odd multiple of pi/2")),
    })
}

/// The exact value of `(f arg)` for a trigonometric `f` at a multiple of pi/12.
pub fn trigonometric(f: Func, arg: &Expr) -> Option<Result<Expr>> {
    let k = twelfths_of_pi(arg)?;
    match f {
        Func::Sin => Some(Ok(sin_twelfths(k))),
        Func::Cos => Some(Ok(sin_twelfths((k + 6) % 24))),
        Func::Tan => Some(tan_twelfths(k)),
        _ => None,
    }
}

/// A tree with no free symbol and no decimal: something a step can bring to a value.
fn closed(e: &Expr) -> bool {
    // one walk, no allocation (is_site asks this of every ln and exp of every line)
    match e {
        Expr::Value(Value::Symbol(s)) => s == "pi" || s == "e",
        Expr::Value(v) => !matches!(v, Value::Float(_)),
        _ => super::decimal::kids(e).all(closed),
    }
}

/// What [`inverse_pair`] rewrites `e` into, borrowed: `Some(Some(a))` for `a`, `Some(None)` for 1.
fn inverse_pair_ref(e: &Expr) -> Option<Option<&Expr>> {
    let Expr::Function { func, args } = e else { return None };
    let inner = args.first()?;
    match (func, inner) {
        (Func::Ln, Expr::Function { func: Func::Exp, args }) if closed(&args[0]) => Some(Some(&args[0])),
        (Func::Ln, Expr::BinOp { op: BinOp::Pow, left, right }) if matches!(&**left, Expr::Value(Value::Symbol(s)) if s == "e") && closed(right) => {
            Some(Some(&**right))
        }
        (Func::Ln, Expr::Value(Value::Symbol(s))) if s == "e" => Some(None),
        (Func::Exp, Expr::Function { func: Func::Ln, args }) if closed(&args[0]) => Some(Some(&args[0])),
        _ => None,
    }
}

/// Whether [`inverse_pair`] rewrites `e`, without building the rewrite.
pub fn is_inverse_pair(e: &Expr) -> bool {
    inverse_pair_ref(e).is_some()
}

/// `(ln (exp a))`, `(ln (^ e a))`, `(ln e)` -> `a` (`1`); `(exp (ln a))` -> `a`.
pub fn inverse_pair(e: &Expr) -> Option<Expr> {
    inverse_pair_ref(e).map(|a| a.map_or_else(|| Expr::int(1), Expr::clone))
}

/// The integer `r` with `r^n == x`, if there is one (x >= 0).
fn exact_root(x: i128, n: u32) -> Option<i128> {
    if x < 0 {
        return None;
    }
    let guess = (x as f64).powf(1.0 / n as f64).round() as i128;
    (guess.max(0) - 1..=guess + 1).find(|r| *r >= 0 && r.checked_pow(n) == Some(x))
}

/// The exact value of `(f q)` for a rational `q`, where it is rational.
pub fn of_rational(f: Func, q: Q) -> Option<Result<Expr>> {
    let value = |v: Q| Some(v.leaf());
    match f {
        Func::Abs => value(q.abs().ok()?),
        Func::Floor => value(Q::int(q.num.div_euclid(q.den))),
        Func::Ceil => value(Q::int(-(-q.num).div_euclid(q.den))),
        Func::Exp if q.is_zero() => value(Q::int(1)),
        Func::Ln if q == Q::int(1) => value(Q::int(0)),
        Func::Log if q.num > 0 => {
            let (mut n, mut d, mut k) = (q.num, q.den, 0i128);
            while n % 10 == 0 && n > 1 {
                n /= 10;
                k += 1;
            }
            while d % 10 == 0 && d > 1 {
                d /= 10;
                k -= 1;
            }
            (n == 1 && d == 1).then(|| Q::int(k).leaf())
        }
        Func::Sqrt => value(Q::new(exact_root(q.num, 2)?, exact_root(q.den, 2)?).ok()?),
        _ => None,
    }
}

/// `q^(1/n)` when it is rational (`(^ 216 1/3)` -> `6`, `(^ -8 1/3)` -> `-2`: an odd root of a negative is real).
pub fn rational_root(q: Q, n: i128) -> Option<Q> {
    let n = u32::try_from(n).ok().filter(|n| (2..=64).contains(n))?;
    if q.num < 0 && n % 2 == 1 {
        return rational_root(q.neg().ok()?, n as i128)?.neg().ok();
    }
    Q::new(exact_root(q.num, n)?, exact_root(q.den, n)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn trig(f: Func, arg: &str) -> String {
        trigonometric(f, &parse(arg).unwrap()).unwrap().unwrap().to_polish()
    }

    #[test]
    fn trigonometric_values_at_multiples_of_pi_over_twelve() {
        assert_eq!(trig(Func::Sin, "(/ pi 6)"), "1/2");
        assert_eq!(trig(Func::Sin, "(/ pi 3)"), "(/ (sqrt 3) 2)");
        assert_eq!(trig(Func::Cos, "(/ (* 2 pi) 3)"), "-1/2");
        assert_eq!(trig(Func::Sin, "(/ (* -5 pi) 4)"), "(/ (sqrt 2) 2)");
        assert_eq!(trig(Func::Cos, "(* 2 (/ pi 2))"), "-1", "a bound substituted in an antiderivative");
        assert_eq!(trig(Func::Sin, "(/ pi 12)"), "(/ (- (sqrt 6) (sqrt 2)) 4)");
        assert_eq!(trig(Func::Tan, "(/ pi 3)"), "(sqrt 3)");
        assert_eq!(trig(Func::Tan, "(/ (* 3 pi) 4)"), "-1");
        assert_eq!(trig(Func::Sin, "0"), "0");
        assert!(trigonometric(Func::Tan, &parse("(/ pi 2)").unwrap()).unwrap().is_err());
        assert!(trigonometric(Func::Sin, &parse("(/ pi 5)").unwrap()).is_none());
        assert!(trigonometric(Func::Sin, &parse("(+ 1 pi)").unwrap()).is_none());
        // every entry of the table against f64
        for k in -30i64..30 {
            let arg = Expr::bin(BinOp::Div, Expr::bin(BinOp::Mul, Expr::int(k), Expr::sym("pi")), Expr::int(12));
            let x = k as f64 * std::f64::consts::PI / 12.0;
            for (f, want) in [(Func::Sin, x.sin()), (Func::Cos, x.cos()), (Func::Tan, x.tan())] {
                if let Ok(e) = trigonometric(f, &arg).unwrap() {
                    let got = crate::engine::evaluate(&e, &[]).unwrap();
                    assert!((got - want).abs() < 1e-12 * want.abs().max(1.0), "{f:?} {k}pi/12: {e} = {got}, not {want}");
                }
            }
        }
    }

    #[test]
    fn rational_values_and_inverse_pairs() {
        let of = |f, n, d| of_rational(f, Q::new(n, d).unwrap()).map(|r| r.unwrap().to_polish());
        assert_eq!(of(Func::Sqrt, 9, 4).as_deref(), Some("3/2"));
        assert_eq!(of(Func::Sqrt, 8, 1), None);
        assert_eq!(of(Func::Log, 1, 1000).as_deref(), Some("-3"));
        assert_eq!(of(Func::Log, 20, 1), None);
        assert_eq!(of(Func::Floor, -4, 7).as_deref(), Some("-1"));
        assert_eq!(of(Func::Ceil, -4, 7).as_deref(), Some("0"));
        assert_eq!(of(Func::Abs, -3, 2).as_deref(), Some("3/2"));
        assert_eq!(of(Func::Ln, 2, 1), None);
        assert_eq!(rational_root(Q::int(216), 3), Some(Q::int(6)));
        assert_eq!(rational_root(Q::new(8, 27).unwrap(), 3), Some(Q::new(2, 3).unwrap()));
        assert_eq!(rational_root(Q::int(7), 2), None);
        assert_eq!(rational_root(Q::int(-216), 3), Some(Q::int(-6)));
        assert_eq!(rational_root(Q::int(-4), 2), None);
        let pair = |t: &str| inverse_pair(&parse(t).unwrap()).map(|e| e.to_polish());
        assert_eq!(pair("(ln (exp -1))").as_deref(), Some("-1"));
        assert_eq!(pair("(exp (ln (/ 3 4)))").as_deref(), Some("(/ 3 4)"));
        assert_eq!(pair("(ln (^ e 3))").as_deref(), Some("3"));
        assert_eq!(pair("(ln e)").as_deref(), Some("1"));
        assert_eq!(pair("(ln (exp x))"), None);
    }
}
