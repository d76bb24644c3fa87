//! Checking a step: `after` is `before` with each of its sites rewritten into
//! something of the same exact value, and nothing else changed.
//!
//! The sites of a step are what it replaces: the whole of a `solve` (its root
//! written as arithmetic, or its value), every symbol when bindings are given
//! (its value), else every innermost operation. A site may become its value or
//! any rewrite of it of the same value (a wrong quotient in Euclid's step is a
//! legal step: the chain after it is longer, the answer the same).

use super::linear::root_step;
use super::rational::Q;
use super::rules::{apply, op_of};
use super::trace::number;
use crate::engine::limits::{charge, with_budget};
use crate::engine::{check_limits, Expr, Func, Value};
use crate::error::{Error, ErrorKind, Result};

/// A node's place in its tree: the child index at each level from the root.
pub type Path = Vec<usize>;

/// The paths of the sites of a step of `e`, in prefix order: the root of a
/// `solve`, the symbols when `bound` (bindings follow the expression), else
/// the innermost operations.
pub fn sites(e: &Expr, bound: bool) -> Vec<Path> {
    if let Expr::Function { func: Func::Solve, .. } = e {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    collect(e, bound, &mut vec![], &mut out);
    out
}

fn collect(e: &Expr, bound: bool, path: &mut Path, out: &mut Vec<Path>) {
    let children = e.children();
    let site = match e {
        Expr::Value(Value::Symbol(_)) => bound,
        Expr::Value(_) => false,
        _ => !bound && children.iter().all(|c| number(c).is_some()),
    };
    if site {
        out.push(path.clone());
        return;
    }
    for (i, c) in children.into_iter().enumerate() {
        path.push(i);
        collect(c, bound, path, out);
        path.pop();
    }
}

/// The exact value of a tree of numbers.
pub fn value(e: &Expr) -> Result<Q> {
    charge(1)?;
    if let Some(q) = number(e) {
        return q;
    }
    if let Expr::Value(Value::Symbol(s)) = e {
        return Err(Error::new(ErrorKind::Unbound, format!("unbound symbol '{s}' in a step")));
    }
    let op = op_of(e).expect("an operation");
    // the operands in order, without a vector for a binary or unary operation
    match e {
        Expr::BinOp { left, right, .. } => {
            let l = value(left)?;
            apply(op, &[l, value(right)?])
        }
        Expr::UnaryOp { operand, .. } => apply(op, &[value(operand)?]),
        _ => apply(op, &e.children().into_iter().map(value).collect::<Result<Vec<_>>>()?),
    }
}

/// What a site is worth: a symbol its binding, a `solve` its linear root, an operation its value.
fn site_value(site: &Expr, bindings: &[(String, f64)]) -> Result<Q> {
    match site {
        Expr::Value(Value::Symbol(s)) => match bindings.iter().rev().find(|(n, _)| n == s) {
            Some((_, x)) => Q::of_f64(*x),
            None => Err(Error::new(ErrorKind::Unbound, format!("unbound symbol '{s}': give it a value"))),
        },
        Expr::Function { func: Func::Solve, .. } => Ok(root_step(site)?.1),
        _ => value(site),
    }
}

/// Whether `after` is one legal step of `before` (with `bindings`, the step
/// that substitutes them): Ok, or an error that says which part is wrong.
pub fn check_step(before: &Expr, after: &Expr, bindings: &[(String, f64)]) -> Result<()> {
    with_budget(|| {
        check_limits(before)?;
        check_limits(after)?;
        let sites = sites(before, !bindings.is_empty());
        if sites.is_empty() {
            return Err(Error::invalid(format!("{before} has nothing a step rewrites")));
        }
        compare(before, after, &sites, &mut vec![], bindings)
    })
}

fn compare(b: &Expr, a: &Expr, sites: &[Path], path: &mut Path, bindings: &[(String, f64)]) -> Result<()> {
    charge(1)?;
    let illegal = |why: String| Err(Error::invalid(format!("{a} is not a step of {b}: {why}")));
    if sites.iter().any(|s| s == path) {
        if a == b {
            return illegal("it is not rewritten".into());
        }
        let (want, got) = (site_value(b, bindings)?, value(a)?);
        if want != got {
            return illegal(format!("its value is {got}, not {want}"));
        }
        return Ok(());
    }
    let (bc, ac) = (b.children(), a.children());
    let same_head = match (b, a) {
        (Expr::Value(x), Expr::Value(y)) => x == y,
        _ => op_of(b) == op_of(a) && bc.len() == ac.len(),
    };
    if !same_head {
        return Err(Error::invalid(format!("{a} is not a step of {b}: it changes more than what the step rewrites")));
    }
    for (i, (x, y)) in bc.into_iter().zip(ac).enumerate() {
        path.push(i);
        compare(x, y, sites, path, bindings)?;
        path.pop();
    }
    Ok(())
}
