//! A problem's whole trace, of any level that has one, and its check line by
//! line: the entry points the generator and the brain use.
//!
//! | problem | lines |
//! |---|---|
//! | arithmetic, with or without bindings (levels 1-3) | [`trace`](super::trace::trace) |
//! | functions of numbers (level 4) | [`real_trace`] |
//! | `(derive f v)` (level 5) | [`derivative_trace`], to the engine's derivative |
//! | `(integrate f v a b)` (level 6) | [`integral_trace`] |
//! | a linear `solve` | [`trace`](super::trace::trace) (its root as arithmetic) |
//! | another `solve` (level 7) | [`equation_trace`], to the smallest root (a cubic: one with a rational root) |
//!
//! A trace ends in a number; it is exact when no line writes a decimal, else
//! its answer holds within [`ROW_TOL`]. A derivative's trace ends in an
//! expression equivalent to the engine's derivative, and is always exact.

use super::check::check_step;
use super::decimal::{has_decimal, ROW_TOL};
use super::derivative::{self, check_answer, check_derivative_step, derivative_trace};
use super::equation::{check_equation_step, equation_trace, sides};
use super::integral::{check_antiderivative, check_difference, integral_trace, parts};
use super::linear::root_step;
use super::reals::{check_real_step, real_trace};
use super::trace::{number, trace};
use crate::engine::limits::with_budget;
use crate::engine::{check_limits, solve, Expr, Func, Value};
use crate::error::{Error, Result};

/// How close a row's answer must be: exactly, or within a relative tolerance
/// (absolute below 1), as the judge reads it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Precision {
    Exact,
    Within(f64),
}

fn solve_parts(problem: &Expr) -> Option<(&Expr, &str)> {
    match problem {
        Expr::Function { func: Func::Solve, args } => match &args[1] {
            Expr::Value(Value::Symbol(v)) => Some((&args[0], v.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// A tree the exact rules of levels 1-3 cover: operations on rationals and symbols, no decimal, no function of the reals.
fn arithmetic(e: &Expr) -> bool {
    match e {
        Expr::Value(Value::Symbol(s)) => s != "pi" && s != "e",
        Expr::Value(Value::Float(_)) => false,
        Expr::Value(_) => true,
        Expr::Function { func, .. } if !matches!(func, Func::Gcd | Func::Div | Func::Cancel) => false,
        _ => e.children().into_iter().all(arithmetic),
    }
}

fn derivation_inner(problem: &Expr, bindings: &[(String, f64)], root: Option<f64>) -> Result<Vec<Expr>> {
    if let Some((equation, v)) = solve_parts(problem) {
        if root_step(problem).is_ok() {
            return trace(problem, bindings);
        }
        let root = match root {
            Some(r) => r,
            None => *solve(equation, v)?.first().ok_or_else(|| Error::invalid(format!("{problem} has no real root")))?,
        };
        return equation_trace(problem, v, root);
    }
    if parts(problem).is_some() {
        return integral_trace(problem);
    }
    if let Expr::Function { func: Func::Derive, .. } = problem {
        return derivative_trace(problem);
    }
    if !bindings.is_empty() || arithmetic(problem) {
        return trace(problem, bindings);
    }
    real_trace(problem)
}

/// The lines of solving `problem` step by step, its value last (a `solve`: its smallest real root).
pub fn derivation(problem: &Expr, bindings: &[(String, f64)]) -> Result<Vec<Expr>> {
    with_budget(|| {
        check_limits(problem)?;
        derivation_inner(problem, bindings, None)
    })
}

/// [`derivation`] of a `solve` whose root to come to is known (the generator's
/// answer: solving again would cost most of the trace's time).
pub fn derivation_to_root(problem: &Expr, bindings: &[(String, f64)], root: f64) -> Result<Vec<Expr>> {
    with_budget(|| {
        check_limits(problem)?;
        derivation_inner(problem, bindings, Some(root))
    })
}

/// What checking a line needs to know of its problem, found once a trace.
struct Context {
    /// A `solve` with a linear equation: its lines are [`check_step`]'s.
    linear: bool,
    /// A `solve` that is not linear: the real roots its equation lines must keep.
    roots: Option<Vec<f64>>,
    /// A `derive`: the engine's derivative, its trace's answer.
    derivative: Option<Expr>,
}

fn context(problem: &Expr, roots: Option<&[f64]>) -> Result<Context> {
    if derivative::parts(problem).is_some() {
        return Ok(Context { linear: false, roots: None, derivative: Some(derivative::answer(problem)?) });
    }
    let Some((equation, v)) = solve_parts(problem) else { return Ok(Context { linear: false, roots: None, derivative: None }) };
    if root_step(problem).is_ok() {
        return Ok(Context { linear: true, roots: None, derivative: None });
    }
    let roots = match roots {
        Some(r) => r.to_vec(),
        None => super::equation::roots(equation, v)?,
    };
    Ok(Context { linear: false, roots: Some(roots), derivative: None })
}

/// [`check_line`] with `before` and `after` within the engine's limits.
fn check_line_inner(problem: &Expr, bindings: &[(String, f64)], before: &Expr, after: &Expr, cx: &Context) -> Result<()> {
    let first = before == problem;
    if let Some((_, v)) = solve_parts(problem) {
        if cx.linear {
            return check_step(before, after, &[]);
        }
        if let (Some(_), Some(roots)) = (sides(before), &cx.roots) {
            return check_equation_step(before, after, v, roots);
        }
        return check_real_step(before, after);
    }
    if let Some(want) = &cx.derivative {
        return check_derivative_step(before, after, want);
    }
    if let Some((f, v, _, _)) = parts(problem) {
        if first {
            return check_antiderivative(f, v, after);
        }
        if before.contains_symbol(v) {
            return check_difference(problem, before, after);
        }
        return check_real_step(before, after);
    }
    if first && !bindings.is_empty() {
        return check_step(before, after, bindings);
    }
    if arithmetic(before) && arithmetic(after) {
        return check_step(before, after, &[]);
    }
    check_real_step(before, after)
}

/// Whether `after` is one legal step after the line `before` in the trace of
/// `problem` (`before` is `problem` itself for the first line): Ok, or an
/// error that says what is wrong.
pub fn check_line(problem: &Expr, bindings: &[(String, f64)], before: &Expr, after: &Expr) -> Result<()> {
    with_budget(|| {
        check_limits(before)?;
        check_limits(after)?;
        check_line_inner(problem, bindings, before, after, &context(problem, None)?)
    })
}

/// Checks every line of a trace of `problem` and that it ends in a number (a
/// derivative: in an expression equivalent to the engine's derivative);
/// returns its precision. An error names the first line at fault (1-based).
pub fn check_derivation(problem: &Expr, bindings: &[(String, f64)], lines: &[Expr]) -> Result<Precision> {
    check_derivation_inner(problem, bindings, lines, None)
}

/// [`check_derivation`] of a `solve` whose real roots are known (the row's
/// `solutions`): its equation lines must keep one of them.
pub fn check_derivation_with_roots(problem: &Expr, bindings: &[(String, f64)], lines: &[Expr], roots: &[f64]) -> Result<Precision> {
    check_derivation_inner(problem, bindings, lines, Some(roots))
}

fn check_derivation_inner(problem: &Expr, bindings: &[(String, f64)], lines: &[Expr], roots: Option<&[f64]>) -> Result<Precision> {
    let cx = with_budget(|| {
        check_limits(problem)?;
        context(problem, roots)
    })?;
    let mut before = problem;
    for (i, line) in lines.iter().enumerate() {
        // each line's limits are checked once, as the line after
        with_budget(|| check_limits(line).and_then(|_| check_line_inner(problem, bindings, before, line, &cx)))
            .map_err(|e| Error::new(e.kind, format!("line {}: {}", i + 1, e.message)))?;
        before = line;
    }
    if let Some(want) = &cx.derivative {
        // a derivative's lines are symbols, exact whatever numbers they write
        with_budget(|| check_answer(want, before))?;
        return Ok(Precision::Exact);
    }
    if number(before).is_none() {
        return Err(Error::invalid(format!("the trace ends in {before}, not a number")));
    }
    Ok(if lines.iter().any(has_decimal) { Precision::Within(ROW_TOL) } else { Precision::Exact })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    #[test]
    fn every_kind_of_problem_checks_and_a_corrupted_line_is_rejected() {
        for (t, exact) in [("(+ (* 2 3) (- 7 4))", true), ("(+ 8 (cos (/ pi 6)))", false), ("(sin (/ pi 6))", true),
            ("(integrate (* 3 (^ x 2)) x 0 2)", true), ("(integrate (sin (* 2 x)) x 0 1)", false),
            ("(solve (= (+ (* 2 x) 5) 13) x)", true), ("(solve (= (exp (+ x 3)) 5) x)", false),
            ("(solve (= (+ (+ (* 2 (^ x 2)) (* -3 x)) 1) 0) x)", true), ("(solve (= (- (- (+ (^ t 3) (* 2 (^ t 2))) (* 19 t)) 20) 0) t)", true),
            ("(solve (= (- (^ x 3) (* 2 x)) 0) x)", false), ("(derive (* (^ x 4) (cos x)) x)", true)] {
            let problem = parse(t).unwrap();
            let lines = derivation(&problem, &[]).unwrap();
            let precision = check_derivation(&problem, &[], &lines).unwrap_or_else(|e| panic!("{t}: {}", e.message));
            assert_eq!(precision == Precision::Exact, exact, "{t}");
            // each line with a number changed (or, with none, replaced by another line) is rejected
            for k in 0..lines.len() {
                let mut bad = lines.clone();
                bad[k] = corrupt(&lines[k]);
                if bad[k] != lines[k] && crate::engine::evaluate(&bad[k], &[]).ok() != crate::engine::evaluate(&lines[k], &[]).ok() {
                    assert!(check_derivation(&problem, &[], &bad).is_err(), "{t}: line {k} corrupted to {}", bad[k]);
                }
            }
        }
        let x = [("x".to_string(), 2.5)];
        let problem = parse("(+ x 3)").unwrap();
        assert_eq!(check_derivation(&problem, &x, &derivation(&problem, &x).unwrap()).unwrap(), Precision::Exact);
        assert!(derivation(&parse("(derive (floor x) x)").unwrap(), &[]).is_err());
    }

    /// `e` with its first integer leaf one larger.
    fn corrupt(e: &Expr) -> Expr {
        fn go(e: &Expr, done: &mut bool) -> Expr {
            match e {
                Expr::Value(Value::Integer(i)) if !*done => {
                    *done = true;
                    Expr::int(i + 1)
                }
                Expr::Value(Value::Float(x)) if !*done => {
                    *done = true;
                    Expr::float(x * 1.001)
                }
                Expr::Value(_) => e.clone(),
                Expr::BinOp { op, left, right } => {
                    let l = go(left, done);
                    Expr::bin(*op, l, go(right, done))
                }
                Expr::UnaryOp { operand, .. } => Expr::neg(go(operand, done)),
                Expr::Function { func, args } => Expr::func(*func, args.iter().map(|a| go(a, done)).collect()),
            }
        }
        go(e, &mut false)
    }
}
