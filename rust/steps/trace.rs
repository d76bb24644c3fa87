//! Reduction: a step replaces every innermost operation (one whose operands are
//! all numbers) by what [`rewrite`] makes of it; a trace applies steps until a
//! number comes out.

use super::linear::root_step;
use super::rational::Q;
use super::rules::{node, op_of, rewrite};
use crate::engine::limits::charge;
use crate::engine::{Expr, Func, Value};
use crate::error::{Error, ErrorKind, Result};

/// The exact value of a number leaf; `None` for a symbol or an operation.
pub fn number(e: &Expr) -> Option<Result<Q>> {
    match e {
        Expr::Value(v) => Q::of_value(v),
        _ => None,
    }
}

/// `e` with its number leaves exact (a float literal as its decimal) and its
/// symbols replaced by their `bindings`; an error for a symbol left unbound.
pub fn exact(e: &Expr, bindings: &[(String, f64)]) -> Result<Expr> {
    charge(1)?;
    match e {
        Expr::Value(Value::Symbol(s)) => match bindings.iter().rev().find(|(n, _)| n == s) {
            Some((_, x)) => Q::of_f64(*x)?.leaf(),
            None => Err(Error::new(ErrorKind::Unbound, format!("unbound symbol '{s}': a step needs its value"))),
        },
        Expr::Value(v) => Q::of_value(v).expect("a number leaf")?.leaf(),
        _ => {
            let args = e.children().into_iter().map(|c| exact(c, bindings)).collect::<Result<Vec<_>>>()?;
            Ok(node(op_of(e).expect("an operation"), args))
        }
    }
}

/// One step of a tree of numbers: every innermost operation rewritten.
pub fn step(e: &Expr) -> Result<Expr> {
    charge(1)?;
    if let Expr::Value(_) = e {
        return exact(e, &[]);
    }
    let children = e.children();
    let op = op_of(e).expect("an operation");
    if children.iter().all(|c| number(c).is_some()) {
        let args = children.into_iter().map(|c| number(c).expect("a number")).collect::<Result<Vec<_>>>()?;
        return rewrite(op, &args);
    }
    Ok(node(op, children.into_iter().map(step).collect::<Result<Vec<_>>>()?))
}

/// The lines of solving `e` step by step, its value last: with `bindings`, the
/// tree with them substituted first; for a linear `solve`, its root written as
/// arithmetic first ([`root_step`]). No lines for a number.
pub fn trace(e: &Expr, bindings: &[(String, f64)]) -> Result<Vec<Expr>> {
    let mut lines = Vec::new();
    let mut tree = match e {
        Expr::Function { func: Func::Solve, .. } => exact(&root_step(e)?.0, &[])?,
        _ => exact(e, bindings)?,
    };
    if !bindings.is_empty() || matches!(e, Expr::Function { func: Func::Solve, .. }) {
        lines.push(tree.clone());
    }
    while number(&tree).is_none() {
        tree = step(&tree)?;
        lines.push(tree.clone());
    }
    Ok(lines)
}
