//! Steps that recover from a wrong quotient. The model's quotients were often
//! off by a few (docs/training.md); these chains teach the steps after a miss,
//! never the miss: each remainder written out through its quotient
//! (`(mod (- a (* b q)) b)`), with `q` off by `miss`, and the first step of
//! Euclid's algorithm in the trace, taken again with the quotient off by `miss`,
//! each followed by its own reduction.

use super::rational::Q;
use super::rules::{euclid, node, op_of, remainder};
use super::trace::{number, step};
use crate::engine::limits::with_budget;
use crate::engine::{BinOp, Expr, Func};
use crate::error::Result;

fn num(e: &Expr) -> Option<Q> {
    number(e).and_then(|q| q.ok())
}

/// `(mod (- a (* b q)) b)` of numbers: (a, b, q).
fn written_remainder(e: &Expr) -> Option<(Q, Q, Q)> {
    let Expr::BinOp { op: BinOp::Mod, left, right } = e else { return None };
    let Expr::BinOp { op: BinOp::Sub, left: a, right: product } = left.as_ref() else { return None };
    let Expr::BinOp { op: BinOp::Mul, left: b, right: q } = product.as_ref() else { return None };
    num(b)?;
    Some((num(a)?, num(right)?, num(q)?))
}

/// `e` with every written-out remainder's quotient off by `miss`.
fn miss_quotients(e: &Expr, miss: i128) -> Result<Expr> {
    if let Some((a, b, q)) = written_remainder(e) {
        return remainder(a, b, q.add(Q::int(miss))?);
    }
    match op_of(e) {
        None => Ok(e.clone()),
        Some(op) => Ok(node(op, e.children().into_iter().map(|c| miss_quotients(c, miss)).collect::<Result<_>>()?)),
    }
}

/// The first written-out step of Euclid's algorithm in `e`, `(gcd b (- a (* b q)))`
/// of numbers (`(gcd b (- a b))` when `q` is 1): (a, b).
fn euclid_step(e: &Expr) -> Option<(Q, Q)> {
    if let Expr::Function { func: Func::Gcd, args } = e {
        if let (Some(b), Expr::BinOp { op: BinOp::Sub, left, right }) = (num(&args[0]), &args[1]) {
            let by_b = match right.as_ref() {
                Expr::BinOp { op: BinOp::Mul, left: f, right: q } => num(f) == Some(b) && num(q).is_some(),
                r => num(r) == Some(b),
            };
            if let (Some(a), true) = (num(left), by_b) {
                return Some((a, b));
            }
        }
    }
    e.children().into_iter().find_map(euclid_step)
}

fn chain(first: Expr) -> Result<Vec<Expr>> {
    let mut out = vec![first];
    while number(out.last().expect("not empty")).is_none() {
        let next = step(out.last().expect("not empty"))?;
        out.push(next);
    }
    Ok(out)
}

/// The chains that recover from a quotient off by `miss` in the trace `lines`.
pub fn corrections(lines: &[Expr], miss: i64) -> Result<Vec<Vec<Expr>>> {
    with_budget(|| {
        let mut chains = Vec::new();
        let mut first_euclid = None;
        for line in lines {
            let missed = miss_quotients(line, miss as i128)?;
            if &missed != line {
                chains.push(chain(missed)?);
            }
            first_euclid = first_euclid.or_else(|| euclid_step(line));
        }
        if let Some((a, b)) = first_euclid {
            chains.push(chain(euclid(a, b, miss as i128)?)?);
        }
        Ok(chains)
    })
}
