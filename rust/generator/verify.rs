//! Answers a problem with the engine, then checks that answer by an
//! independent route before a row may be written:
//!
//! | level | engine                      | independent check                                  |
//! |-------|-----------------------------|----------------------------------------------------|
//! | 1-4   | `evaluate` (exact rationals)| plain f64 evaluation of the same tree              |
//! | 5     | `derive` (simplified)       | Richardson central differences of f at >= 3 points |
//! | 6     | `integrate`                 | adaptive Gauss-Kronrod quadrature of f              |
//! | 7     | `solve`                     | the planted roots, and substitution of every root  |
//!
//! Every row gets its precision (`"exact"` or a tolerance), and every row
//! whose problem has a step trace (not integrands without a closed
//! antiderivative, not cubics without a rational root) the trace of solving it step by step
//! (`crate::steps::derivation`): every line checked to be one legal step of
//! the line before it, the last one the answer (level 5: an expression
//! equivalent to the row's derivative).
//!
//! `validate` runs the same checks on a stored row, so a row that passes
//! here passes there.

use super::numeric;
use super::sample::{Problem, MAX_ANSWER};
use super::trees::size;
use crate::engine::{self, BinOp, Expr, Func, Value};
use crate::steps::{self, decimal, Precision};

/// What the engine answered for a problem (the row's answer fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub expected_result: Option<f64>,
    pub expected_symbolic: Option<String>,
    pub solutions: Option<Vec<f64>>,
    /// The step trace, as Polish lines ([`step_trace`]).
    pub steps: Option<Vec<String>>,
    /// How close an answer must be ([`step_trace`]).
    pub precision: Option<Precision>,
}

/// Largest derivative (in nodes) written as a level-5 target.
pub const MAX_DERIVATIVE_SIZE: usize = 64;

/// Points where level-5 derivatives are compared with finite differences.
const DIFF_POINTS: [f64; 14] = [0.35, 0.7, 1.15, 1.6, 2.3, 2.9, 3.7, 4.6, 6.1, -0.45, -1.25, -2.2, -3.4, -5.3];
const MIN_DIFF_POINTS: usize = 3;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// The parts of a `(derive f v)` / `(integrate f v lo hi)` / `(solve (= l r) v)` input.
fn calculus_parts(input: &Expr, func: Func, arity: usize) -> Result<&[Expr], String> {
    match input {
        Expr::Function { func: f, args } if *f == func && args.len() == arity => Ok(args),
        _ => Err(format!("input is not a ({} ...) form of {arity} arguments", func.token())),
    }
}

fn symbol_name(e: &Expr) -> Result<&str, String> {
    match e {
        Expr::Value(Value::Symbol(s)) => Ok(s),
        _ => Err("the variable argument is not a symbol".into()),
    }
}

fn bound_value(e: &Expr) -> Result<f64, String> {
    numeric::value(e, &[]).map_err(|err| format!("bound {} cannot be evaluated: {err:?}", e.to_polish()))
}

/// The engine's answer to `p`.
pub fn engine_answer(p: &Problem) -> Result<Answer, String> {
    let engine_err = |what: &str, e: crate::Error| format!("engine {what} failed: {}", e.message);
    match p.level {
        1..=4 => {
            let v = engine::evaluate(&p.input, &p.bindings).map_err(|e| engine_err("evaluate", e))?;
            if !v.is_finite() || v.abs() > MAX_ANSWER {
                return Err(format!("value {v} out of range"));
            }
            Ok(Answer { expected_result: Some(v), expected_symbolic: None, solutions: None, steps: None, precision: None })
        }
        5 => {
            let args = calculus_parts(&p.input, Func::Derive, 2)?;
            let v = symbol_name(&args[1])?;
            let d = engine::derive(&args[0], v).map_err(|e| engine_err("derive", e))?;
            if size(&d) > MAX_DERIVATIVE_SIZE {
                return Err(format!("derivative of {} nodes is too large", size(&d)));
            }
            Ok(Answer { expected_result: None, expected_symbolic: Some(d.to_polish()), solutions: None, steps: None, precision: None })
        }
        6 => {
            let args = calculus_parts(&p.input, Func::Integrate, 4)?;
            let v = symbol_name(&args[1])?;
            let (lo, hi) = (bound_value(&args[2])?, bound_value(&args[3])?);
            let value = engine::integrate(&args[0], v, lo, hi).map_err(|e| engine_err("integrate", e))?;
            if !value.is_finite() || value.abs() > MAX_ANSWER {
                return Err(format!("integral {value} out of range"));
            }
            Ok(Answer { expected_result: Some(value), expected_symbolic: None, solutions: None, steps: None, precision: None })
        }
        7 => {
            let args = calculus_parts(&p.input, Func::Solve, 2)?;
            let v = symbol_name(&args[1])?;
            let roots = engine::solve(&args[0], v).map_err(|e| engine_err("solve", e))?;
            let first = *roots.first().ok_or("the engine found no real root")?;
            Ok(Answer { expected_result: Some(first), expected_symbolic: None, solutions: Some(roots), steps: None, precision: None })
        }
        l => Err(format!("unknown level {l}")),
    }
}

/// Checks `answer` for `p` without the engine's evaluator, derivative,
/// integrator or solver (the stored symbolic derivative is only parsed).
pub fn independent_check(p: &Problem, answer: &Answer) -> Result<(), String> {
    match p.level {
        1..=4 => {
            let want = answer.expected_result.ok_or("expected_result is missing")?;
            let got = numeric::value(&p.input, &p.bindings).map_err(|e| format!("f64 evaluation failed: {e:?}"))?;
            if !close(got, want, 1e-9) {
                return Err(format!("expected_result {want} but f64 evaluation gives {got}"));
            }
            Ok(())
        }
        5 => {
            let args = calculus_parts(&p.input, Func::Derive, 2)?;
            let (f, v) = (&args[0], symbol_name(&args[1])?);
            let text = answer.expected_symbolic.as_deref().ok_or("expected_symbolic is missing")?;
            let d = engine::parse(text).map_err(|e| format!("expected_symbolic does not parse: {}", e.message))?;
            let mut agreeing = 0;
            for &x in &DIFF_POINTS {
                let (Some((fd, fd_err)), Ok(dv)) = (numeric::finite_difference(f, v, x), numeric::value_at(&d, v, x)) else {
                    continue;
                };
                // A point where the difference quotient cannot reach 1e-7
                // (a pole nearby, fast oscillation) decides nothing.
                if fd_err > 1e-7 * fd.abs().max(1.0) {
                    continue;
                }
                if !close(fd, dv, 1e-6) {
                    return Err(format!("derivative {dv} at {v}={x} but the finite difference is {fd}"));
                }
                agreeing += 1;
            }
            if agreeing < MIN_DIFF_POINTS {
                return Err(format!("only {agreeing} points where the derivative can be checked"));
            }
            Ok(())
        }
        6 => {
            let args = calculus_parts(&p.input, Func::Integrate, 4)?;
            let v = symbol_name(&args[1])?;
            let want = answer.expected_result.ok_or("expected_result is missing")?;
            let (lo, hi) = (bound_value(&args[2])?, bound_value(&args[3])?);
            let (q, _) = numeric::quadrature(&args[0], v, lo, hi, 1e-11).ok_or("quadrature failed (integrand undefined or not converging)")?;
            if !close(q, want, 1e-7) {
                return Err(format!("integral {want} but quadrature gives {q}"));
            }
            Ok(())
        }
        7 => {
            let args = calculus_parts(&p.input, Func::Solve, 2)?;
            let v = symbol_name(&args[1])?;
            let (lhs, rhs) = match &args[0] {
                Expr::BinOp { op: BinOp::Eq, left, right } => (left, right),
                _ => return Err("solve's first argument is not an equation (= lhs rhs)".into()),
            };
            let roots = answer.solutions.as_ref().ok_or("solutions is missing")?;
            let first = answer.expected_result.ok_or("expected_result is missing")?;
            if roots.is_empty() || !roots.iter().any(|&r| close(r, first, 1e-12)) {
                return Err(format!("expected_result {first} is not among the solutions {roots:?}"));
            }
            if roots.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("solutions {roots:?} are not sorted and distinct"));
            }
            for &r in roots {
                let l = numeric::value_at(lhs, v, r).map_err(|e| format!("lhs undefined at root {r}: {e:?}"))?;
                let rr = numeric::value_at(rhs, v, r).map_err(|e| format!("rhs undefined at root {r}: {e:?}"))?;
                if !close(l, rr, 1e-7) {
                    return Err(format!("root {r} gives lhs {l} but rhs {rr}"));
                }
            }
            if !p.planted_roots.is_empty() {
                let planted = &p.planted_roots;
                if planted.len() != roots.len() || planted.iter().zip(roots).any(|(a, b)| !close(*a, *b, 1e-7)) {
                    return Err(format!("roots {roots:?} differ from the planted roots {planted:?}"));
                }
            }
            Ok(())
        }
        l => Err(format!("unknown level {l}")),
    }
}

/// The precision of a row without a step trace: exact for arithmetic and
/// derivatives, and for an integer root that satisfies its equation exactly
/// (the engine's arithmetic is exact on integers); else [`decimal::ROW_TOL`].
fn precision_without_trace(p: &Problem, answer: &Answer) -> Precision {
    let exact = match p.level {
        1..=3 | 5 => true,
        7 => {
            let root = answer.expected_result.unwrap_or(f64::NAN);
            let args = calculus_parts(&p.input, Func::Solve, 2).ok();
            let holds = args.and_then(|a| match (&a[0], symbol_name(&a[1])) {
                (Expr::BinOp { op: BinOp::Eq, left, right }, Ok(v)) => {
                    let at = |e: &Expr| engine::evaluate(e, &[(v.to_string(), root)]).ok();
                    Some(at(left)? == at(right)?)
                }
                _ => None,
            });
            root.fract() == 0.0 && holds == Some(true)
        }
        _ => false,
    };
    if exact { Precision::Exact } else { Precision::Within(decimal::ROW_TOL) }
}

/// Whether `e` holds a symbol other than the constants `pi` and `e` (what
/// `e.symbols()` tells, without collecting them).
fn has_free_symbol(e: &Expr) -> bool {
    match e {
        Expr::Value(Value::Symbol(s)) => !engine::expr::CONSTANTS.contains(&s.as_str()),
        Expr::Value(_) => false,
        Expr::BinOp { left, right, .. } => has_free_symbol(left) || has_free_symbol(right),
        Expr::UnaryOp { operand, .. } => has_free_symbol(operand),
        Expr::Function { args, .. } => args.iter().any(has_free_symbol),
    }
}

/// How [`step_trace`] rejects a problem its exact steps find undefined.
pub const UNDEFINED: &str = "the steps find the problem undefined";

/// The step trace of `p` and the row's precision: every line checked to be
/// one legal step of the one before it (`steps::check_derivation`); an exact
/// trace must end at the answer within 1e-9 (a derivative: in one equivalent
/// to the row's), an approximate one must keep every line that is a value
/// within its tolerance of the answer. `None` when the problem has no trace
/// (an integrand with no closed antiderivative, a cubic with no rational root,
/// a number past 64 bits); an error when a trace breaks a check, which is a
/// bug, or when the problem is undefined.
pub fn step_trace(p: &Problem, answer: &Answer) -> Result<(Option<Vec<String>>, Precision), String> {
    if p.level == 5 {
        return derivative_trace(p);
    }
    // a solve comes to the row's answer, its smallest root, and keeps one of the row's roots
    let traced = match (p.level, answer.expected_result) {
        (7, Some(root)) => steps::derivation_to_root(&p.input, &p.bindings, root),
        _ => steps::derivation(&p.input, &p.bindings),
    };
    let lines = match traced {
        Ok(lines) => lines,
        // exact steps meet a value f64 evaluation misses: (ln (sin pi)) is ln 0, not -36.7
        Err(e) if e.kind == crate::ErrorKind::Domain => return Err(format!("{UNDEFINED}: {}", e.message)),
        Err(_) => return Ok((None, precision_without_trace(p, answer))),
    };
    let checked = match &answer.solutions {
        Some(roots) => steps::check_derivation_with_roots(&p.input, &p.bindings, &lines, roots),
        None => steps::check_derivation(&p.input, &p.bindings, &lines),
    };
    let precision = checked.map_err(|e| format!("the step trace: {}", e.message))?;
    let last = lines.last().ok_or("an empty step trace")?;
    let want = answer.expected_result.ok_or("no expected_result for a step trace")?;
    match precision {
        Precision::Exact => {
            let q = steps::value(last).map_err(|e| format!("the trace ends in {last}: {}", e.message))?;
            let got = q.num as f64 / q.den as f64;
            if !close(got, want, 1e-9) {
                return Err(format!("the step trace comes to {got}, not to the row's answer {want}"));
            }
        }
        Precision::Within(tol) => {
            for line in lines.iter().filter(|l| !has_free_symbol(l) && !matches!(l, Expr::BinOp { op: BinOp::Eq, .. })) {
                // check_derivation has checked every line against the engine's limits
                let got = engine::eval::evaluate_within_limits(line).map_err(|e| format!("a line of the trace, {line}: {}", e.message))?;
                if !decimal::within(got, want, tol) {
                    return Err(format!("the step line {line} is worth {got}, not the answer {want} within {tol}"));
                }
            }
        }
    }
    Ok((Some(lines.iter().map(Expr::to_polish).collect()), precision))
}

/// [`step_trace`] of a derivative: checked line by line, its last line
/// equivalent to the engine's derivative (`check_derivation` checks it: the
/// row's `expected_symbolic` is that derivative, which `validate` checks of a
/// stored row); always exact.
fn derivative_trace(p: &Problem) -> Result<(Option<Vec<String>>, Precision), String> {
    let Ok(lines) = steps::derivation(&p.input, &[]) else {
        return Ok((None, Precision::Exact));
    };
    steps::check_derivation(&p.input, &[], &lines).map_err(|e| format!("the step trace: {}", e.message))?;
    Ok((Some(lines.iter().map(Expr::to_polish).collect()), Precision::Exact))
}

/// Engine answer plus independent check, the checked step trace, and the
/// printed input round-tripping through the engine's parser. The input's
/// Polish text is returned with it.
pub fn solve_and_verify(p: &Problem) -> Result<(String, Answer), String> {
    let polish = p.input.to_polish();
    let reparsed = engine::parse(&polish).map_err(|e| format!("input does not parse back: {}", e.message))?;
    if reparsed != p.input {
        return Err(format!("input {polish} does not parse back to the same tree"));
    }
    let mut answer = engine_answer(p)?;
    independent_check(p, &answer)?;
    let (steps, precision) = step_trace(p, &answer)?;
    answer.steps = steps;
    answer.precision = Some(precision);
    Ok((polish, answer))
}

/// Compares a stored answer with a recomputed one (validate).
pub fn same_answer(level: u8, stored: &Answer, fresh: &Answer) -> Result<(), String> {
    let num = |name: &str, a: Option<f64>, b: Option<f64>| -> Result<(), String> {
        match (a, b) {
            (Some(x), Some(y)) if close(x, y, 1e-9) => Ok(()),
            (None, None) => Ok(()),
            _ => Err(format!("{name} is {a:?} but the engine gives {b:?}")),
        }
    };
    num("expected_result", stored.expected_result, fresh.expected_result)?;
    match (&stored.expected_symbolic, &fresh.expected_symbolic) {
        (None, None) => {}
        (Some(a), Some(b)) if a == b => {}
        (Some(a), Some(b)) => {
            let (ea, eb) = (engine::parse(a).map_err(|e| e.message)?, engine::parse(b).map_err(|e| e.message)?);
            if !engine::equivalent(&ea, &eb).unwrap_or(false) {
                return Err(format!("expected_symbolic {a} but the engine gives {b}"));
            }
        }
        (a, b) => return Err(format!("expected_symbolic is {a:?} but the engine gives {b:?}")),
    }
    if level == 7 {
        let (a, b) = (stored.solutions.as_deref().unwrap_or(&[]), fresh.solutions.as_deref().unwrap_or(&[]));
        if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| !close(*x, *y, 1e-9)) {
            return Err(format!("solutions {a:?} but the engine gives {b:?}"));
        }
    }
    Ok(())
}
