//! Evaluation to a number, `run` for any form, and numeric equivalence.
//!
//! Arithmetic is exact (rationals over i64) until a float enters or an exact
//! result overflows; the result is returned as f64. Errors name the
//! subexpression at fault, and the `*_text` variants also its byte position.

use super::expr::{check_limits, contextual, variable, BinOp, Expr, Func, UnaryOp, Value};
use super::limits::{charge, with_budget};
use super::functions::{function, integer_function};
use super::number::Num;
use super::parse::{parse_spanned, Span};
use crate::error::{Error, ErrorKind, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What `run` returns: a number, a symbolic result (`derive`, an expression
/// with free variables), or the roots of `solve`.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Number(f64),
    Symbolic(Expr),
    Roots(Vec<f64>),
}

/// Variable values for one evaluation. `pi` and `e` are constants and cannot be rebound.
pub(crate) struct Env<'a> {
    pub bindings: &'a [(String, f64)],
    /// One more binding (the variable of a quadrature or a root scan), checked first.
    pub point: Option<(&'a str, f64)>,
}

impl Env<'_> {
    fn lookup(&self, name: &str) -> Option<f64> {
        if let Some((v, x)) = self.point {
            if v == name {
                return Some(x);
            }
        }
        self.bindings.iter().rev().find(|(n, _)| n == name).map(|(_, x)| *x)
    }
}

/// Evaluates `e` to a number. `bindings` give values to free symbols.
pub fn evaluate(e: &Expr, bindings: &[(String, f64)]) -> Result<f64> {
    with_budget(|| {
        check_limits(e)?;
        for (name, x) in bindings {
            if !x.is_finite() {
                return Err(Error::invalid(format!("binding {name} = {x} is not a finite number")));
            }
        }
        let env = Env { bindings, point: None };
        Ok(eval(e, &env)?.to_f64())
    })
}

/// [`evaluate`] of a tree with no free symbol that is already within the
/// engine's limits (a subtree of a checked tree), without walking it for them
/// again: the step checks evaluate every site of every line this way.
pub(crate) fn evaluate_within_limits(e: &Expr) -> Result<f64> {
    with_budget(|| Ok(eval(e, &Env { bindings: &[], point: None })?.to_f64()))
}

/// [`evaluate`] on text; an error also gives the byte position of the
/// innermost subexpression at fault.
pub fn evaluate_text(text: &str, bindings: &[(String, f64)]) -> Result<f64> {
    with_budget(|| {
        let (e, spans) = parse_spanned(text)?;
        evaluate(&e, bindings).map_err(|err| locate(err, &e, &spans, |sub| evaluate(sub, bindings).map(|_| ())))
    })
}

/// Adds "at byte N" for the innermost node that fails the same way: walk down
/// while some child fails with the same kind of error.
pub(crate) fn locate(err: Error, e: &Expr, spans: &Span, fails: impl Fn(&Expr) -> Result<()>) -> Error {
    if err.kind == ErrorKind::Limit {
        return err;
    }
    let (mut node, mut span) = (e, spans);
    // Bounded by the tree depth; each step re-evaluates one subtree.
    'down: loop {
        if let Expr::Function { func, .. } = node {
            if func.is_calculus() {
                break;
            }
        }
        for (child, child_span) in node.children().into_iter().zip(&span.children) {
            if let Err(e2) = fails(child) {
                if e2.kind == err.kind {
                    node = child;
                    span = child_span;
                    continue 'down;
                }
            }
        }
        break;
    }
    Error::new(err.kind, format!("{} (at byte {})", err.message, span.start))
}

pub(crate) fn eval(e: &Expr, env: &Env) -> Result<Num> {
    charge(1)?;
    match e {
        Expr::Value(v) => leaf(v, env),
        Expr::BinOp { op, left, right } => {
            if *op == BinOp::Eq {
                return Err(Error::invalid(format!(
                    "an equation has no value: {e}; use (solve {e} x) to find its roots"
                )));
            }
            let a = eval(left, env)?;
            let b = eval(right, env)?;
            binary(*op, a, b).map_err(|err| contextual(err, e))
        }
        Expr::UnaryOp { op: UnaryOp::Neg, operand } => Ok(eval(operand, env)?.neg()),
        Expr::Function { func, args } => match func {
            Func::Derive => {
                let var = variable(&args[1])?;
                let d = super::simplify::derive(&args[0], var)?;
                eval(&d, env)
            }
            Func::Integrate => {
                if args.len() != 4 {
                    return Err(Error::invalid(format!(
                        "an indefinite integral has no numeric value: {e}; give bounds (integrate f x lo hi)"
                    )));
                }
                let var = variable(&args[1])?;
                let lo = eval(&args[2], env)?.to_f64();
                let hi = eval(&args[3], env)?.to_f64();
                // Other free symbols of the integrand take their bound values.
                let mut f = args[0].clone();
                for (name, x) in env.bindings {
                    if name != var {
                        f = f.substitute(name, &Expr::float(*x));
                    }
                }
                if let Some((name, x)) = env.point {
                    if name != var {
                        f = f.substitute(name, &Expr::float(x));
                    }
                }
                Ok(Num::Float(super::simplify::integrate(&f, var, lo, hi)?))
            }
            Func::Solve => Err(Error::invalid(format!(
                "solve gives a list of roots, not one number: {e}; use run or solve"
            ))),
            f if f.is_integer_op() => {
                let nums = args.iter().map(|a| eval(a, env)).collect::<Result<Vec<_>>>()?;
                integer_function(*f, &nums).map_err(|err| contextual(err, e))
            }
            f => {
                if args.len() != 1 {
                    return Err(Error::new(
                        ErrorKind::Arity,
                        format!("wrong number of arguments: '{}' takes 1, got {} in {e}", f.token(), args.len()),
                    ));
                }
                let x = eval(&args[0], env)?;
                function(*f, x).map_err(|err| contextual(err, e))
            }
        },
    }
}

fn leaf(v: &Value, env: &Env) -> Result<Num> {
    match v {
        Value::Integer(i) => Ok(Num::int(*i)),
        Value::Float(x) => Num::Float(*x).check("a float literal"),
        Value::Rational(n, d) => match super::number::reduce(*n as i128, *d as i128) {
            Some((n, d)) => Ok(Num::Rat(n, d)),
            None => Err(Error::new(ErrorKind::DivisionByZero, format!("division by zero: rational {n}/{d}"))),
        },
        Value::Symbol(s) => match s.as_str() {
            "pi" => Ok(Num::Float(std::f64::consts::PI)),
            "e" => Ok(Num::Float(std::f64::consts::E)),
            name => match env.lookup(name) {
                Some(x) => Ok(Num::Float(x)),
                None => Err(Error::new(ErrorKind::Unbound, format!("unbound symbol '{name}': give it a value"))),
            },
        },
    }
}

pub(crate) fn binary(op: BinOp, a: Num, b: Num) -> Result<Num> {
    let r = match op {
        BinOp::Add => a.add(b),
        BinOp::Sub => a.sub(b),
        BinOp::Mul => a.mul(b),
        BinOp::Div => a.div(b)?,
        BinOp::Pow => a.pow(b)?,
        BinOp::Mod => a.modulo(b)?,
        BinOp::Eq => return Err(Error::invalid("an equation has no value")),
    };
    r.check("the result")
}

/// Evaluates any form: `derive` gives a symbolic result, `integrate` and
/// arithmetic a number, `solve` its roots; an expression with free variables
/// gives its simplified form.
pub fn run(e: &Expr) -> Result<Answer> {
    with_budget(|| {
        check_limits(e)?;
        if let Expr::Function { func, args } = e {
            match func {
                Func::Derive => return Ok(Answer::Symbolic(super::simplify::derive(&args[0], variable(&args[1])?)?)),
                Func::Integrate if args.len() == 2 => {
                    let var = variable(&args[1])?;
                    return match super::simplify::antiderivative(&args[0], var)? {
                        Some(f) => Ok(Answer::Symbolic(f)),
                        None => Err(Error::invalid(format!(
                            "no closed-form antiderivative of {} is known to the engine; give bounds for a numeric integral",
                            args[0]
                        ))),
                    };
                }
                Func::Solve => return Ok(Answer::Roots(super::solve::solve(&args[0], variable(&args[1])?)?)),
                _ => {}
            }
        }
        if let Expr::BinOp { op: BinOp::Eq, .. } = e {
            return Err(Error::invalid(format!("an equation has no value: {e}; use (solve {e} x)")));
        }
        if has_free_symbols(e) {
            return Ok(Answer::Symbolic(super::simplify::simplify(e)?));
        }
        evaluate(e, &[]).map(Answer::Number)
    })
}

/// [`run`] on text, with byte positions in errors.
pub fn run_text(text: &str) -> Result<Answer> {
    with_budget(|| {
        let (e, spans) = parse_spanned(text)?;
        run(&e).map_err(|err| {
            if has_free_symbols(&e) {
                err
            } else {
                locate(err, &e, &spans, |sub| evaluate(sub, &[]).map(|_| ()))
            }
        })
    })
}

/// Free symbols outside the variables bound by `integrate` (with bounds) and `solve`.
fn has_free_symbols(e: &Expr) -> bool {
    match e {
        Expr::Value(Value::Symbol(s)) => s != "pi" && s != "e",
        Expr::Value(_) => false,
        Expr::Function { func: Func::Integrate, args } if args.len() == 4 => {
            let var = match &args[1] {
                Expr::Value(Value::Symbol(s)) => s.as_str(),
                _ => "",
            };
            args[0].symbols().iter().any(|s| s != var) || has_free_symbols(&args[2]) || has_free_symbols(&args[3])
        }
        Expr::Function { func: Func::Solve, .. } => false,
        _ => e.children().into_iter().any(has_free_symbols),
    }
}

/// Points per comparison in [`equivalent`], and how many must evaluate on both sides.
const EQUIV_POINTS: usize = 24;
const EQUIV_MIN_AGREE: usize = 4;

/// True when `a` and `b` agree numerically at seeded random points of their
/// free variables (relative tolerance 1e-7). Points where either side is
/// undefined (a domain error) are skipped; at least 4 points must evaluate on
/// both sides, otherwise the answer is false. Constant expressions are
/// compared once. Deterministic: the same inputs give the same answer.
pub fn equivalent(a: &Expr, b: &Expr) -> Result<bool> {
    with_budget(|| {
        check_limits(a)?;
        check_limits(b)?;
        // both trees are within the limits now: each point evaluates them without walking them again
        let at = |e: &Expr, bindings: &[(String, f64)]| eval(e, &Env { bindings, point: None }).map(|n| n.to_f64());
        let mut vars = a.symbols();
        vars.extend(b.symbols());
        vars.sort();
        vars.dedup();
        if vars.is_empty() {
            return Ok(match (at(a, &[]), at(b, &[])) {
                (Ok(x), Ok(y)) => close(x, y),
                _ => false,
            });
        }
        let mut rng = ChaCha8Rng::seed_from_u64(0x6772_6170_6865_6d65);
        let mut agree = 0;
        let mut bindings: Vec<(String, f64)> = vars.iter().map(|v| (v.clone(), 0.0)).collect();
        for i in 0..EQUIV_POINTS * 4 {
            for (_, x) in bindings.iter_mut() {
                // Alternate wide signed points with positive ones, so that ln and sqrt
                // forms get points inside their domain.
                *x = if i % 2 == 0 { rng.random_range(-4.0..4.0) } else { rng.random_range(0.05..5.0) };
            }
            match (at(a, &bindings), at(b, &bindings)) {
                (Ok(x), Ok(y)) => {
                    if !close(x, y) {
                        return Ok(false);
                    }
                    agree += 1;
                    if agree >= EQUIV_POINTS {
                        break;
                    }
                }
                (Err(e), _) | (_, Err(e)) if e.kind == ErrorKind::Unbound || e.kind == ErrorKind::Limit => {
                    return Err(e);
                }
                _ => {}
            }
        }
        Ok(agree >= EQUIV_MIN_AGREE)
    })
}

fn close(x: f64, y: f64) -> bool {
    (x - y).abs() <= 1e-9 + 1e-7 * x.abs().max(y.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn ev(text: &str) -> Result<f64> {
        evaluate_text(text, &[])
    }

    #[test]
    fn arithmetic() {
        assert_eq!(ev("(+ 2 3)").unwrap(), 5.0);
        assert_eq!(ev("(+ (* 2 3) 4)").unwrap(), 10.0);
        assert_eq!(ev("(* (/ 1 3) 3)").unwrap(), 1.0);
        assert_eq!(ev("(mod -7 3)").unwrap(), 2.0);
        assert_eq!(ev("(^ 2 -2)").unwrap(), 0.25);
        assert_eq!(ev("(sin 0)").unwrap(), 0.0);
        assert_eq!(ev("(sqrt 16)").unwrap(), 4.0);
        assert_eq!(ev("(log 1000)").unwrap(), 3.0);
        assert_eq!(ev("(floor -2.5)").unwrap(), -3.0);
        assert!((ev("(cos pi)").unwrap() + 1.0).abs() < 1e-15);
        assert_eq!(evaluate_text("(+ x 3)", &[("x".into(), 2.0)]).unwrap(), 5.0);
    }

    #[test]
    fn errors_name_the_node_and_byte() {
        let e = ev("(+ 1 (ln 0))").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Domain);
        assert!(e.message.contains("(ln 0)") && e.message.contains("byte 5"), "{}", e.message);
        let e = ev("(* 2 (/ 1 (- 3 3)))").unwrap_err();
        assert_eq!(e.kind, ErrorKind::DivisionByZero);
        assert!(e.message.contains("byte 5"), "{}", e.message);
        assert_eq!(ev("(sqrt (neg 4))").unwrap_err().kind, ErrorKind::Domain);
        assert_eq!(ev("(^ 10 100000000)").unwrap_err().kind, ErrorKind::Overflow);
        assert_eq!(ev("(+ x 1)").unwrap_err().kind, ErrorKind::Unbound);
        assert_eq!(ev("(^ -8 1/2)").unwrap_err().kind, ErrorKind::Domain);
    }

    #[test]
    fn integer_operators() {
        assert_eq!(ev("(gcd 168 -7)").unwrap(), 7.0);
        assert_eq!(ev("(gcd 0 0)").unwrap(), 0.0);
        assert_eq!(ev("(div 17 5)").unwrap(), 3.0);
        assert_eq!(ev("(div -17 5)").unwrap(), -4.0, "floored, like mod");
        assert_eq!(ev("(div 17 -5)").unwrap(), -4.0);
        assert_eq!(ev("(+ (* 5 (div -17 5)) (mod -17 5))").unwrap(), -17.0);
        assert_eq!(ev("(cancel 168 -12 (gcd 168 12))").unwrap(), -14.0);
        assert_eq!(ev("(cancel 2 4 1)").unwrap(), 0.5);
        let e = ev("(+ 1 (gcd 2.5 5))").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Domain);
        assert!(e.message.contains("gcd takes integers") && e.message.contains("byte 5"), "{}", e.message);
        assert_eq!(ev("(div 1/2 3)").unwrap_err().kind, ErrorKind::Domain);
        assert_eq!(ev("(div 7 0)").unwrap_err().kind, ErrorKind::DivisionByZero);
        assert_eq!(ev("(cancel 7 0 1)").unwrap_err().kind, ErrorKind::DivisionByZero);
        let e = ev("(cancel 12 18 4)").unwrap_err();
        assert!(e.kind == ErrorKind::Domain && e.message.contains("cancel needs 4 to divide 12 and 18"), "{}", e.message);
        assert_eq!(ev("(cancel 12 18 0)").unwrap_err().kind, ErrorKind::Domain);
        assert_eq!(ev("(gcd x 2)").unwrap_err().kind, ErrorKind::Unbound);
        assert_eq!(ev("(gcd 1 2 3)").unwrap_err().kind, ErrorKind::Arity);
        assert_eq!(ev("(cancel 1 2)").unwrap_err().kind, ErrorKind::Arity);
        let p = |s| parse(s).unwrap();
        assert_eq!(crate::engine::simplify(&p("(+ x (div 7 2))")).unwrap().to_polish(), "(+ x 3)");
        let e = crate::engine::simplify(&p("(gcd x 2)")).unwrap_err();
        assert!(e.message.contains("'gcd' takes integers"), "{}", e.message);
        assert!(crate::engine::derive(&p("(* x (gcd x 2))"), "x").is_err());
        for text in ["(gcd 12 18)", "(div 17 5)", "(cancel 12 18 6)"] {
            assert_eq!(p(text).to_polish(), text);
            let json = crate::engine::to_json(&p(text)).unwrap();
            assert_eq!(crate::engine::from_json(&json).unwrap(), p(text));
        }
    }

    #[test]
    fn the_operator_table_is_what_the_parser_reads() {
        use crate::engine::expr::OPERATORS;
        for (name, arity) in OPERATORS {
            let args = vec!["1"; arity].join(" ");
            let form = if matches!(name, "derive" | "integrate" | "solve") { format!("({name} (= x 1) x{})", " 0".repeat(arity - 2)) } else { format!("({name} {args})") };
            assert!(parse(&form).is_ok(), "{form}");
            let short = format!("({name}{})", " 1".repeat(arity - 1));
            assert!(parse(&short).is_err() || name == "-", "{short}");
        }
        let mut names: Vec<&str> = OPERATORS.iter().map(|(n, _)| *n).collect();
        names.sort();
        let mut known: Vec<&str> = Func::ALL.iter().map(|f| f.token()).collect();
        known.extend(["+", "-", "*", "/", "^", "mod", "=", "neg"]);
        known.sort();
        assert_eq!(names, known, "every operator the parser knows, once");
    }

    #[test]
    fn equivalence() {
        let p = |s| parse(s).unwrap();
        assert!(equivalent(&p("(* 2 x)"), &p("(+ x x)")).unwrap());
        assert!(!equivalent(&p("(* 2 x)"), &p("(* 3 x)")).unwrap());
        assert!(equivalent(&p("(/ (^ x 2) x)"), &p("x")).unwrap());
        assert!(equivalent(&p("(ln (^ x 2))"), &p("(* 2 (ln x))")).unwrap());
        assert!(equivalent(&p("(+ 1 2)"), &p("3")).unwrap());
        assert!(!equivalent(&p("(sqrt (neg (+ (^ x 2) 1)))"), &p("(sqrt (neg (+ (^ x 2) 1)))")).unwrap());
    }
}
