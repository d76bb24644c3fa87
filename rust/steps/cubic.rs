//! Cubics (level 7) by a rational root: an equation whose sides differ by a
//! cubic `a x^3 + b x^2 + c x + d` is collected to `(= cubic 0)`, then one
//! line factors out a rational root `r` by synthetic division (exact
//! rationals), then one line keeps the factor that is zero:
//!
//! ```text
//! (= (+ (+ (+ (* 1 (^ t 3)) (* 2 (^ t 2))) (* -19 t)) -20) 0)
//! -> (= (* (- t -5) (+ (+ (* 1 (^ t 2)) (* -3 t)) -4)) 0)
//! -> (= (- t -5) 0)            or  (= (+ (+ (* 1 (^ t 2)) (* -3 t)) -4) 0)
//! ```
//!
//! after which the rules of [`equation`](super::equation) carry on (isolate,
//! or the quadratic formula). The rational roots are those of the rational
//! root theorem (`s / q`, `s` divides the lowest coefficient, `q` the
//! leading one, of the cubic scaled to integers) that are roots exactly; a
//! cubic with none has no step rule.

use super::linear::{add, polynomial, Polynomial};
use super::rational::{overflow, Q};
use crate::engine::limits::charge;
use crate::engine::number::gcd;
use crate::engine::{BinOp, Expr, Value};
use crate::error::{Error, Result};

fn coefficient(p: &Polynomial, d: u32) -> Q {
    p.get(&d).copied().unwrap_or(Q::int(0))
}

/// `p` written as a step writes a collected polynomial, highest degree
/// first, every coefficient written: `(+ (+ (+ (* a (^ x 3)) (* b (^ x 2))) (* c x)) d)`.
pub(super) fn collected(p: &Polynomial, v: &str) -> Result<Expr> {
    let degree = p.keys().max().copied().unwrap_or(0);
    let term = |d: u32| -> Result<Expr> {
        let c = coefficient(p, d).leaf()?;
        Ok(match d {
            0 => c,
            1 => Expr::bin(BinOp::Mul, c, Expr::sym(v)),
            d => Expr::bin(BinOp::Mul, c, Expr::bin(BinOp::Pow, Expr::sym(v), Expr::int(d as i64))),
        })
    };
    let mut out = term(degree)?;
    for d in (0..degree).rev() {
        out = Expr::bin(BinOp::Add, out, term(d)?);
    }
    Ok(out)
}

/// The positive divisors of `n` (not 0), ascending, by trial division up to
/// its square root, each trial charged to the step budget.
fn divisors(n: i128) -> Result<Vec<i128>> {
    let n = n.checked_abs().ok_or_else(overflow)?;
    let (mut small, mut large) = (Vec::new(), Vec::new());
    let mut k = 1i128;
    while k <= n / k {
        charge(1)?;
        if n % k == 0 {
            small.push(k);
            if k != n / k {
                large.push(n / k);
            }
        }
        k += 1;
    }
    small.extend(large.into_iter().rev());
    Ok(small)
}

/// `p`'s coefficients by degree (0..=3) times the least common multiple of
/// their denominators, over the integers' common divisor: integers with the
/// same roots, as small as they go (fewer divisors to try).
fn integer_coefficients(p: &Polynomial) -> Result<[i128; 4]> {
    let mut lcm = 1i128;
    for c in p.values() {
        lcm = (lcm / gcd(lcm, c.den)).checked_mul(c.den).ok_or_else(overflow)?;
    }
    let mut out = [0i128; 4];
    for (d, slot) in out.iter_mut().enumerate() {
        *slot = coefficient(p, d as u32).mul(Q::int(lcm))?.num;
    }
    let common = out.iter().fold(0, |g, k| gcd(g, *k)).max(1);
    Ok(out.map(|k| k / common))
}

/// `p(x)`, exactly (Horner).
fn value_at(p: &Polynomial, x: Q) -> Result<Q> {
    let mut out = Q::int(0);
    for d in (0..=3).rev() {
        out = out.mul(x)?.add(coefficient(p, d))?;
    }
    Ok(out)
}

/// The distinct rational roots of the cubic `p`, ascending.
fn rational_roots(p: &Polynomial) -> Result<Vec<Q>> {
    let k = integer_coefficients(p)?;
    let mut roots = Vec::new();
    // x = 0 when the constant is 0; the others divide the lowest nonzero coefficient
    let low = (0..4).find(|&d| k[d] != 0).ok_or_else(|| Error::invalid("the zero polynomial has no roots to factor"))?;
    if low > 0 {
        roots.push(Q::int(0));
    }
    let leading = divisors(k[3])?;
    for s in divisors(k[low])? {
        for q in &leading {
            for signed in [s, -s] {
                charge(1)?;
                let r = Q::new(signed, *q)?;
                if !roots.contains(&r) && value_at(p, r)?.is_zero() {
                    roots.push(r);
                }
            }
        }
    }
    // the order of the candidates only, not a result: f64 is enough
    roots.sort_by(|a, b| (a.num as f64 / a.den as f64).total_cmp(&(b.num as f64 / b.den as f64)));
    Ok(roots)
}

/// `p / (x - r)` for a root `r` of the cubic `p` (synthetic division): the
/// quotient's coefficients of x^2, x, 1.
fn divide(p: &Polynomial, r: Q) -> Result<(Q, Q, Q)> {
    let a = coefficient(p, 3);
    let b = coefficient(p, 2).add(a.mul(r)?)?;
    let c = coefficient(p, 1).add(b.mul(r)?)?;
    if !coefficient(p, 0).add(c.mul(r)?)?.is_zero() {
        return Err(Error::invalid(format!("{r} is not a root of the cubic")));
    }
    Ok((a, b, c))
}

/// `(= (* (- x r) quotient) 0)`, the cubic `p` with its root `r` factored out.
fn factored(p: &Polynomial, r: Q, v: &str) -> Result<Expr> {
    let (a, b, c) = divide(p, r)?;
    // `a` is the cubic's leading coefficient, never 0: the quotient is written to degree 2, zeros too
    let quotient = collected(&Polynomial::from([(2, a), (1, b), (0, c)]), v)?;
    let factor = Expr::bin(BinOp::Sub, Expr::sym(v), r.leaf()?);
    Ok(Expr::bin(BinOp::Eq, Expr::bin(BinOp::Mul, factor, quotient), Expr::int(0)))
}

/// The legal next lines of `(= l 0)` when `l` is the cubic `p` in `v`:
/// the two branches of a product of factors with `v`; else the cubic
/// collected; else, collected, one factoring for each rational root.
pub(super) fn candidates(line: &Expr, l: &Expr, p: &Polynomial, v: &str) -> Result<Vec<Expr>> {
    if let Expr::BinOp { op: BinOp::Mul, left, right } = l {
        if left.contains_symbol(v) && right.contains_symbol(v) {
            return Ok([left, right].map(|f| Expr::bin(BinOp::Eq, (**f).clone(), Expr::int(0))).to_vec());
        }
    }
    let form = collected(p, v)?;
    if l != &form {
        return Ok(vec![Expr::bin(BinOp::Eq, form, Expr::int(0))]);
    }
    let roots = rational_roots(p)?;
    if roots.is_empty() {
        return Err(Error::invalid(format!("{line}: the cubic has no rational root to factor out: no step rule solves this equation")));
    }
    roots.into_iter().map(|r| factored(p, r, v)).collect()
}

/// The root `r` a factoring line `(= (* (- x r) q) 0)` factors out.
pub(super) fn factored_root(line: &Expr, v: &str) -> Option<f64> {
    let Expr::BinOp { op: BinOp::Eq, left, right } = line else { return None };
    let Expr::BinOp { op: BinOp::Mul, left: factor, .. } = left.as_ref() else { return None };
    let Expr::BinOp { op: BinOp::Sub, left: x, right: r } = factor.as_ref() else { return None };
    let (Expr::Value(Value::Symbol(s)), Expr::Value(r)) = (x.as_ref(), r.as_ref()) else { return None };
    let q = Q::of_value(r)?.ok()?;
    (s == v && right.as_ref() == &Expr::int(0)).then(|| q.num as f64 / q.den as f64)
}

/// Why `after`, a product set to 0, is no factoring of the cubic line
/// `before`: its product expands to another polynomial. `None` when it is no
/// such product or expands to the same cubic.
pub(super) fn misfactored(before: &Expr, after: &Expr, v: &str) -> Result<Option<String>> {
    let (Some((bl, br)), Some((al, ar))) = (super::equation::sides(before), super::equation::sides(after)) else { return Ok(None) };
    if !matches!(al, Expr::BinOp { op: BinOp::Mul, .. }) {
        return Ok(None);
    }
    let sides = |l: &Expr, r: &Expr| -> Result<Option<Polynomial>> {
        Ok(match (polynomial(l, v)?, polynomial(r, v)?) {
            (Some(l), Some(r)) => Some(add(&l, &r, -1)?),
            _ => None,
        })
    };
    let (Some(want), Some(got)) = (sides(bl, br)?, sides(al, ar)?) else { return Ok(None) };
    if want.keys().max() != Some(&3) || got == want {
        return Ok(None);
    }
    let (Ok(w), Ok(g)) = (collected(&want, v), collected(&got, v)) else { return Ok(None) };
    Ok(Some(format!("{after} is no factoring of {before}: its product is {g}, not the cubic {w}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cubic(a: i128, b: i128, c: i128, d: i128) -> Polynomial {
        [(3, a), (2, b), (1, c), (0, d)].into_iter().filter(|(_, k)| *k != 0).map(|(e, k)| (e, Q::int(k))).collect()
    }

    #[test]
    fn rational_roots_by_the_rational_root_theorem() {
        assert_eq!(rational_roots(&cubic(1, 2, -19, -20)).unwrap(), [Q::int(-5), Q::int(-1), Q::int(4)]);
        // 2x^3 - x = x (2x^2 - 1): 0 only, the others irrational
        assert_eq!(rational_roots(&cubic(2, 0, -1, 0)).unwrap(), [Q::int(0)]);
        // (2x - 1)(x^2 + 1)
        assert_eq!(rational_roots(&cubic(2, -1, 2, -1)).unwrap(), [Q::new(1, 2).unwrap()]);
        assert!(rational_roots(&cubic(1, 0, 0, -2)).unwrap().is_empty());
        assert_eq!(divide(&cubic(1, 2, -19, -20), Q::int(-5)).unwrap(), (Q::int(1), Q::int(-3), Q::int(-4)));
        assert!(divide(&cubic(1, 2, -19, -20), Q::int(3)).is_err());
    }

    #[test]
    fn huge_coefficients_give_an_error_not_a_panic() {
        let big = cubic(i64::MAX as i128, 1, 1, i64::MAX as i128);
        assert!(crate::engine::limits::with_budget(|| rational_roots(&big)).is_err());
        let p: Polynomial = [(3, Q::new(1, i64::MAX as i128).unwrap()), (0, Q::new(1, i64::MAX as i128 - 1).unwrap()), (1, Q::new(1, 3).unwrap())].into();
        assert!(crate::engine::limits::with_budget(|| rational_roots(&p)).is_err());
        assert!(divisors(i128::MIN).is_err());
        // a common factor is divided out first: 2^62 (x^3 + x^2) has the roots of x^3 + x^2
        let p = cubic(1 << 62, 1 << 62, 0, 0);
        assert_eq!(crate::engine::limits::with_budget(|| rational_roots(&p)).unwrap(), [Q::int(-1), Q::int(0)]);
    }
}
