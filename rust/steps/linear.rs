//! A linear equation's first step: its root written as arithmetic.
//!
//! `(solve (= L R) x)` with `f = L - R` linear in `x` has the root
//! `f(0) / (f(0) - f(1))`. The step writes it with the variable substituted and
//! the equation's sides copied, so the steps after it are arithmetic:
//!
//! ```text
//! (solve (= (+ (* -14 x) -22) -1) x)
//! -> (/ (- (+ (* -14 0) -22) -1) (- (- (+ (* -14 0) -22) -1) (- (+ (* -14 1) -22) -1)))
//! ```
//!
//! After 6 minutes of the full config, 75% of the linear rows came out right
//! this way, against 21% answered at once (docs/training.md). Equations that
//! are not linear (quadratics, cubics, `exp`, `sqrt`) have no such step.

use super::rational::Q;
use crate::engine::{BinOp, Expr, Func, UnaryOp, Value};
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// Degree -> coefficient, no zero coefficients.
pub(super) type Polynomial = BTreeMap<u32, Q>;

pub(super) fn add(p: &Polynomial, q: &Polynomial, sign: i128) -> Result<Polynomial> {
    let mut out = p.clone();
    for (d, c) in q {
        let now = out.get(d).copied().unwrap_or(Q::int(0));
        out.insert(*d, now.add(c.mul(Q::int(sign))?)?);
    }
    out.retain(|_, c| !c.is_zero());
    Ok(out)
}

fn mul(p: &Polynomial, q: &Polynomial) -> Result<Polynomial> {
    let mut out = Polynomial::new();
    for (d, c) in p {
        let term = q.iter().map(|(e, k)| Ok((d + e, c.mul(*k)?))).collect::<Result<Polynomial>>()?;
        out = add(&out, &term, 1)?;
    }
    Ok(out)
}

/// `e` as a polynomial in `var`, or `None` when it is not one (another symbol,
/// a function, a division by the variable, a power that is not a literal
/// natural number of at most 8).
pub(super) fn polynomial(e: &Expr, var: &str) -> Result<Option<Polynomial>> {
    if let Expr::Value(v) = e {
        return Ok(match Q::of_value(v) {
            Some(c) => {
                let c = c?;
                Some(if c.is_zero() { Polynomial::new() } else { Polynomial::from([(0, c)]) })
            }
            None => (matches!(v, Value::Symbol(s) if s == var)).then(|| Polynomial::from([(1, Q::int(1))])),
        });
    }
    let mut args = Vec::new();
    for c in e.children() {
        match polynomial(c, var)? {
            Some(p) => args.push(p),
            None => return Ok(None),
        }
    }
    Ok(match e {
        Expr::UnaryOp { op: UnaryOp::Neg, .. } => Some(add(&Polynomial::new(), &args[0], -1)?),
        Expr::BinOp { op: BinOp::Add, .. } => Some(add(&args[0], &args[1], 1)?),
        Expr::BinOp { op: BinOp::Sub, .. } => Some(add(&args[0], &args[1], -1)?),
        Expr::BinOp { op: BinOp::Mul, .. } => Some(mul(&args[0], &args[1])?),
        Expr::BinOp { op: BinOp::Div, .. } if args[1].keys().eq([0].iter()) => {
            let k = args[1][&0];
            Some(args[0].iter().map(|(d, c)| Ok((*d, c.div(k)?))).collect::<Result<_>>()?)
        }
        Expr::BinOp { op: BinOp::Pow, right, .. } => match right.as_ref() {
            Expr::Value(v) => match Q::of_value(v).transpose()? {
                Some(n) if n.is_int() && (0..=8).contains(&n.num) => {
                    let mut out = Polynomial::from([(0, Q::int(1))]);
                    for _ in 0..n.num {
                        out = mul(&out, &args[0])?;
                    }
                    Some(out)
                }
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}

/// The first step of `(solve (= L R) x)` when `L - R` is linear in `x`, and
/// the root it comes to; an error when `e` is no such equation.
pub fn root_step(e: &Expr) -> Result<(Expr, Q)> {
    let not_linear = || Error::invalid(format!("{e} is not a linear equation in one variable: it has no step trace"));
    let Expr::Function { func: Func::Solve, args } = e else { return Err(not_linear()) };
    let (Expr::BinOp { op: BinOp::Eq, left, right }, Expr::Value(Value::Symbol(var))) = (&args[0], &args[1]) else {
        return Err(not_linear());
    };
    let (Some(l), Some(r)) = (polynomial(left, var)?, polynomial(right, var)?) else { return Err(not_linear()) };
    let f = add(&l, &r, -1)?;
    if !f.contains_key(&1) || f.keys().any(|d| *d > 1) {
        return Err(not_linear());
    }
    let at = |v: i64| Expr::bin(BinOp::Sub, left.substitute(var, &Expr::int(v)), right.substitute(var, &Expr::int(v)));
    let step = Expr::bin(BinOp::Div, at(0), Expr::bin(BinOp::Sub, at(0), at(1)));
    let root = f.get(&0).copied().unwrap_or(Q::int(0)).neg()?.div(f[&1])?;
    Ok((step, root))
}
