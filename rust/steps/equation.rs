//! Equations that are not linear (level 7), one rewrite of the equation a line:
//!
//! - the variable only on the right: the sides swap;
//! - the variable once, on the left: the outermost operation around it is
//!   undone (isolate and invert): `(= (exp (+ x 3)) 5)` -> `(= (+ x 3) (ln 5))`
//!   -> `(= x (- (ln 5) 3))` -> `(- (ln 5) 3)`; a square or an even power
//!   has two branches (`(sqrt r)` and `(neg (sqrt r))`), an odd power one
//!   (`(^ r 1/3)`, the real cube root, negative for a negative `r`);
//! - a quadratic otherwise: everything moved to the left, collected as
//!   `a x^2 + b x + c`, then the formula with `-` or `+` before the root;
//! - a cubic likewise moved and collected, then a rational root `r` factored
//!   out, `(= (* (- x r) quadratic) 0)`, then the factor that is zero kept
//!   ([`cubic`](super::cubic)); the trace factors out the root it heads to
//!   when that is rational. A cubic with no rational root has no rule.
//!
//! The root written as an expression then goes by the steps of level 4
//! ([`reals`](super::reals)). A line is legal when it is one of these
//! rewrites of the line before it (the choice of branch, and of the rational
//! root factored out, is free) and keeps a root of that line's equation; a
//! factoring of a cubic is a rewrite only when its product is the cubic exactly.

use super::cubic;
use super::linear::{add, polynomial};
use super::rational::Q;
use super::reals::real_trace;
use crate::engine::limits::charge;
use crate::engine::{evaluate, solve, BinOp, Expr, Func, UnaryOp, Value};
use crate::error::{Error, Result};

/// Most rewrites of an equation before its root is written.
const MAX_REWRITES: usize = 40;

fn eq(l: Expr, r: Expr) -> Expr {
    Expr::bin(BinOp::Eq, l, r)
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::bin(op, a, b)
}

/// The two sides of `(= l r)` or `(solve (= l r) v)`.
pub fn sides(line: &Expr) -> Option<(&Expr, &Expr)> {
    match line {
        Expr::Function { func: Func::Solve, args } => sides(&args[0]),
        Expr::BinOp { op: BinOp::Eq, left, right } => Some((left, right)),
        _ => None,
    }
}

fn occurrences(e: &Expr, v: &str) -> usize {
    match e {
        Expr::Value(Value::Symbol(s)) => usize::from(s == v),
        _ => e.children().into_iter().map(|c| occurrences(c, v)).sum(),
    }
}

fn integer(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(Value::Integer(i)) => Some(*i),
        _ => None,
    }
}

/// `(= l r)` with the operation around the variable in `l` undone: one
/// equation, or two for the branches of an even power.
fn undo(l: &Expr, r: &Expr, v: &str) -> Option<Vec<Expr>> {
    let r = r.clone();
    let has = |e: &Expr| e.contains_symbol(v);
    let neg = |e: Expr| Expr::neg(e);
    Some(match l {
        Expr::BinOp { op, left, right } => {
            let (a, c, var_left) = if has(left) { (left, right, true) } else { (right, left, false) };
            let (a, c) = ((**a).clone(), (**c).clone());
            match (op, var_left) {
                (BinOp::Add, _) => vec![eq(a, bin(BinOp::Sub, r, c))],
                (BinOp::Sub, true) => vec![eq(a, bin(BinOp::Add, r, c))],
                (BinOp::Sub, false) => vec![eq(a, bin(BinOp::Sub, c, r))],
                (BinOp::Mul, _) => vec![eq(a, bin(BinOp::Div, r, c))],
                (BinOp::Div, true) => vec![eq(a, bin(BinOp::Mul, r, c))],
                (BinOp::Div, false) => vec![eq(a, bin(BinOp::Div, c, r))],
                (BinOp::Pow, true) => {
                    let n = integer(&c).filter(|n| *n >= 2)?;
                    let root = |x: Expr| match n {
                        2 => Expr::call(Func::Sqrt, x),
                        n => bin(BinOp::Pow, x, Expr::rational(1, n)),
                    };
                    if n % 2 == 0 {
                        vec![eq(a.clone(), root(r.clone())), eq(a, neg(root(r)))]
                    } else {
                        vec![eq(a, root(r))]
                    }
                }
                (BinOp::Pow, false) => vec![eq(a, bin(BinOp::Div, Expr::call(Func::Ln, r), Expr::call(Func::Ln, c)))],
                _ => return None,
            }
        }
        Expr::UnaryOp { op: UnaryOp::Neg, operand } => vec![eq((**operand).clone(), neg(r))],
        Expr::Function { func, args } if args.len() == 1 => {
            let a = args[0].clone();
            match func {
                Func::Exp => vec![eq(a, Expr::call(Func::Ln, r))],
                Func::Ln => vec![eq(a, Expr::call(Func::Exp, r))],
                Func::Log => vec![eq(a, bin(BinOp::Pow, Expr::int(10), r))],
                Func::Sqrt => vec![eq(a, bin(BinOp::Pow, r, Expr::int(2)))],
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn leaf(q: Q) -> Result<Expr> {
    q.leaf()
}

/// `a x^2 + b x + c` as a step writes it, every coefficient written.
fn collected(a: Q, b: Q, c: Q, v: &str) -> Result<Expr> {
    let x = Expr::sym(v);
    let square = bin(BinOp::Mul, leaf(a)?, bin(BinOp::Pow, x.clone(), Expr::int(2)));
    Ok(bin(BinOp::Add, bin(BinOp::Add, square, bin(BinOp::Mul, leaf(b)?, x)), leaf(c)?))
}

/// `(-b - sqrt(b^2 - 4ac)) / 2a` and `(-b + sqrt(b^2 - 4ac)) / 2a`.
fn formula(a: Q, b: Q, c: Q) -> Result<Vec<Expr>> {
    let disc = bin(BinOp::Sub, bin(BinOp::Pow, leaf(b)?, Expr::int(2)), bin(BinOp::Mul, Expr::int(4), bin(BinOp::Mul, leaf(a)?, leaf(c)?)));
    let root = Expr::call(Func::Sqrt, disc);
    let two_a = bin(BinOp::Mul, Expr::int(2), leaf(a)?);
    Ok([BinOp::Sub, BinOp::Add].map(|op| bin(BinOp::Div, bin(op, Expr::neg(leaf(b).expect("checked above")), root.clone()), two_a.clone())).to_vec())
}

/// The legal next lines of an equation line (`(solve ...)` or `(= l r)`) in `v`.
pub fn candidates(line: &Expr, v: &str) -> Result<Vec<Expr>> {
    charge(1)?;
    let (l, r) = sides(line).ok_or_else(|| Error::invalid(format!("{line} is not an equation")))?;
    let no_rule = || Error::invalid(format!("{line}: no step rule solves this equation"));
    let (in_l, in_r) = (l.contains_symbol(v), r.contains_symbol(v));
    if !in_l && !in_r {
        return Err(Error::invalid(format!("{line} has no {v}")));
    }
    if !in_l {
        return Ok(vec![eq(r.clone(), l.clone())]);
    }
    if l == &Expr::sym(v) && !in_r {
        return Ok(vec![r.clone()]);
    }
    if !in_r && occurrences(l, v) == 1 {
        return undo(l, r, v).ok_or_else(no_rule);
    }
    let (Some(pl), Some(pr)) = (polynomial(l, v)?, polynomial(r, v)?) else { return Err(no_rule()) };
    let p = add(&pl, &pr, -1)?;
    let degree = p.keys().max().copied();
    if degree != Some(2) && degree != Some(3) {
        return Err(no_rule());
    }
    if r != &Expr::int(0) {
        return Ok(vec![eq(bin(BinOp::Sub, l.clone(), r.clone()), Expr::int(0))]);
    }
    if degree == Some(3) {
        return cubic::candidates(line, l, &p, v);
    }
    let coefficient = |d: u32| p.get(&d).copied().unwrap_or(Q::int(0));
    let (a, b, c) = (coefficient(2), coefficient(1), coefficient(0));
    let form = collected(a, b, c, v)?;
    if l != &form {
        return Ok(vec![eq(form, Expr::int(0))]);
    }
    formula(a, b, c)
}

/// Whether `line` (an equation in `v`, or an expression for its root) holds at `x`.
fn holds_at(line: &Expr, v: &str, x: f64) -> bool {
    let at = |e: &Expr| evaluate(e, &[(v.to_string(), x)]);
    match sides(line) {
        Some((l, r)) => match (at(l), at(r)) {
            (Ok(a), Ok(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
            _ => false,
        },
        None => matches!(at(line), Ok(y) if (y - x).abs() <= 1e-9 * x.abs().max(1.0)),
    }
}

/// The lines of solving `problem` (a `solve` that is not linear) down to `root`,
/// one of its roots, as a value.
pub fn equation_trace(problem: &Expr, v: &str, root: f64) -> Result<Vec<Expr>> {
    let mut lines = Vec::new();
    let mut line = problem.clone();
    while sides(&line).is_some() {
        if lines.len() >= MAX_REWRITES {
            return Err(Error::invalid(format!("{problem}: no root after {MAX_REWRITES} rewrites")));
        }
        let legal = candidates(&line, v)?;
        // every factoring of a cubic holds at every root: the one to write factors out the root itself
        let heading = legal.iter().position(|c| cubic::factored_root(c, v).is_some_and(|r| (r - root).abs() <= 1e-9 * root.abs().max(1.0)));
        let next = match heading {
            Some(i) => Some(legal[i].clone()),
            None => legal.into_iter().find(|c| holds_at(c, v, root)),
        };
        line = next.ok_or_else(|| Error::invalid(format!("{line}: no rewrite keeps the root {root}")))?;
        lines.push(line.clone());
    }
    lines.extend(real_trace(&line)?);
    Ok(lines)
}

/// The real roots of an equation line.
pub fn roots(line: &Expr, v: &str) -> Result<Vec<f64>> {
    let (l, r) = sides(line).ok_or_else(|| Error::invalid(format!("{line} is not an equation")))?;
    solve(&eq(l.clone(), r.clone()), v)
}

/// Whether `after` is a legal next line of the equation line `before` in `v`,
/// the problem's equation having the real roots `roots`: one of the rewrites
/// of `before`, and it holds at one of those roots (a rewrite only ever loses
/// roots, or adds ones the problem does not have, as squaring does).
pub fn check_equation_step(before: &Expr, after: &Expr, v: &str, roots: &[f64]) -> Result<()> {
    let legal = candidates(before, v)?;
    if !legal.contains(after) {
        if let Some(why) = cubic::misfactored(before, after, v)? {
            return Err(Error::invalid(why));
        }
        let options: Vec<String> = legal.iter().map(Expr::to_polish).collect();
        return Err(Error::invalid(format!("{after} is not a step of {before}: the steps are {}", options.join(" or "))));
    }
    if !roots.iter().any(|x| holds_at(after, v, *x)) {
        return Err(Error::invalid(format!("{after} keeps no root of {before}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn lines(t: &str) -> Vec<String> {
        let e = parse(t).unwrap();
        let Expr::Function { args, .. } = &e else { unreachable!() };
        let v = match &args[1] { Expr::Value(Value::Symbol(s)) => s.clone(), _ => unreachable!() };
        let root = solve(&args[0], &v).unwrap()[0];
        equation_trace(&e, &v, root).unwrap().iter().map(Expr::to_polish).collect()
    }

    #[test]
    fn isolate_and_invert() {
        let l = lines("(solve (= (exp (+ x 3)) 5) x)");
        assert_eq!(l[..3], ["(= (+ x 3) (ln 5))", "(= x (- (ln 5) 3))", "(- (ln 5) 3)"]);
        assert!((l.last().unwrap().parse::<f64>().unwrap() - (5f64.ln() - 3.0)).abs() < 1e-9);
        assert_eq!(lines("(solve (= (sqrt (+ (* 4 x) -8)) 6) x)")[..4],
            ["(= (+ (* 4 x) -8) (^ 6 2))", "(= (* 4 x) (- (^ 6 2) -8))", "(= x (/ (- (^ 6 2) -8) 4))", "(/ (- (^ 6 2) -8) 4)"]);
        assert_eq!(lines("(solve (= (sqrt (+ (* 4 x) -8)) 6) x)").last().unwrap(), "11");
        assert_eq!(lines("(solve (= (ln (+ x 5)) 3) x)")[..2], ["(= (+ x 5) (exp 3))", "(= x (- (exp 3) 5))"]);
        // the smaller root: the negative branch
        assert_eq!(lines("(solve (= (* 2 (^ (+ x 5) 2)) 14) x)")[..3],
            ["(= (^ (+ x 5) 2) (/ 14 2))", "(= (+ x 5) (neg (sqrt (/ 14 2))))", "(= x (- (neg (sqrt (/ 14 2))) 5))"]);
        assert_eq!(lines("(solve (= (^ x 3) -216) x)"), ["(= x (^ -216 1/3))", "(^ -216 1/3)", "-6"]);
        assert_eq!(lines("(solve (= 7 (exp x)) x)")[0], "(= (exp x) 7)");
    }

    #[test]
    fn quadratics_by_the_formula() {
        let l = lines("(solve (= (+ (* 3 (^ x 2)) 5) (+ (* -21 x) 5)) x)");
        assert_eq!(l[..3], ["(= (- (+ (* 3 (^ x 2)) 5) (+ (* -21 x) 5)) 0)", "(= (+ (+ (* 3 (^ x 2)) (* 21 x)) 0) 0)",
            "(/ (- (neg 21) (sqrt (- (^ 21 2) (* 4 (* 3 0))))) (* 2 3))"]);
        assert_eq!(l.last().unwrap(), "-7");
        let l = lines("(solve (= (* -3 (* (- x 1) (- x 7))) 0) x)");
        assert_eq!(l[1], "(/ (+ (neg 24) (sqrt (- (^ 24 2) (* 4 (* -3 -21))))) (* 2 -3))", "a < 0: + gives the smaller root");
        assert_eq!(l.last().unwrap(), "1");
    }

    #[test]
    fn cubics_factor_out_a_rational_root() {
        assert_eq!(lines("(solve (= (- (- (+ (^ t 3) (* 2 (^ t 2))) (* 19 t)) 20) 0) t)"), [
            "(= (+ (+ (+ (* 1 (^ t 3)) (* 2 (^ t 2))) (* -19 t)) -20) 0)",
            "(= (* (- t -5) (+ (+ (* 1 (^ t 2)) (* -3 t)) -4)) 0)",
            "(= (- t -5) 0)",
            "(= t (+ 0 -5))",
            "(+ 0 -5)",
            "-5",
        ]);
        // (2x - 1)(x^2 + 1): the one real root, a fraction
        let l = lines("(solve (= (* 2 (^ x 3)) (+ (- (^ x 2) (* 2 x)) 1)) x)");
        assert_eq!(l[..4], ["(= (- (* 2 (^ x 3)) (+ (- (^ x 2) (* 2 x)) 1)) 0)", "(= (+ (+ (+ (* 2 (^ x 3)) (* -1 (^ x 2))) (* 2 x)) -1) 0)",
            "(= (* (- x 1/2) (+ (+ (* 2 (^ x 2)) (* 0 x)) 2)) 0)", "(= (- x 1/2) 0)"]);
        assert_eq!(l.last().unwrap(), "1/2");
        // x (x^2 - 2): the smallest root is irrational, so 0 is factored out and the quadratic solved
        let l = lines("(solve (= (- (^ x 3) (* 2 x)) 0) x)");
        assert_eq!(l[..4], ["(= (+ (+ (+ (* 1 (^ x 3)) (* 0 (^ x 2))) (* -2 x)) 0) 0)", "(= (* (- x 0) (+ (+ (* 1 (^ x 2)) (* 0 x)) -2)) 0)",
            "(= (+ (+ (* 1 (^ x 2)) (* 0 x)) -2) 0)", "(/ (- (neg 0) (sqrt (- (^ 0 2) (* 4 (* 1 -2))))) (* 2 1))"]);
        assert!((l.last().unwrap().parse::<f64>().unwrap() + 2f64.sqrt()).abs() < 1e-9);
        let e = candidates(&parse("(= (- (- (^ x 3) (* 3 x)) 1) 0)").unwrap(), "x").and_then(|c| candidates(&c[0], "x")).unwrap_err();
        assert!(e.message.contains("no rational root"), "{}", e.message);
    }

    #[test]
    fn a_factoring_checks_by_its_product() {
        let p = |t: &str| parse(t).unwrap();
        let check = |b: &Expr, a: &Expr| check_equation_step(b, a, "t", &[-5.0, -1.0, 4.0]);
        let cubic = p("(= (+ (+ (+ (* 1 (^ t 3)) (* 2 (^ t 2))) (* -19 t)) -20) 0)");
        check(&cubic, &p("(= (* (- t -5) (+ (+ (* 1 (^ t 2)) (* -3 t)) -4)) 0)")).unwrap();
        // any rational root may be factored out
        let at_4 = p("(= (* (- t 4) (+ (+ (* 1 (^ t 2)) (* 6 t)) 5)) 0)");
        check(&cubic, &at_4).unwrap();
        check(&at_4, &p("(= (- t 4) 0)")).unwrap();
        check(&at_4, &p("(= (+ (+ (* 1 (^ t 2)) (* 6 t)) 5) 0)")).unwrap();
        let e = check(&cubic, &p("(= (* (- t -5) (+ (+ (* 1 (^ t 2)) (* -3 t)) 4)) 0)")).unwrap_err();
        assert!(e.message.contains("no factoring") && e.message.contains("its product is (+ (+ (+ (* 1 (^ t 3)) (* 2 (^ t 2))) (* -11 t)) 20)"),
            "{}", e.message);
        let e = check(&cubic, &p("(= (* (- t 3) (+ (+ (* 1 (^ t 2)) (* 5 t)) -4)) 0)")).unwrap_err();
        assert!(e.message.contains("no factoring"), "{}", e.message);
        // the same product written another way is no step
        let e = check(&cubic, &p("(= (* (+ t 5) (+ (+ (* 1 (^ t 2)) (* -3 t)) -4)) 0)")).unwrap_err();
        assert!(e.message.contains("the steps are"), "{}", e.message);
        // a branch must keep a root: x^2 + 1 has none
        let e = check_equation_step(&p("(= (* (- x 1/2) (+ (+ (* 2 (^ x 2)) (* 0 x)) 2)) 0)"), &p("(= (+ (+ (* 2 (^ x 2)) (* 0 x)) 2) 0)"), "x", &[0.5])
            .unwrap_err();
        assert!(e.message.contains("keeps no root"), "{}", e.message);
    }

    #[test]
    fn check_takes_either_branch_and_rejects_what_is_no_rewrite() {
        let p = |t: &str| parse(t).unwrap();
        let check = |b: &Expr, a: &Expr| check_equation_step(b, a, "x", &roots(b, "x").unwrap());
        let before = p("(= (^ (+ x 5) 2) 7)");
        check(&before, &p("(= (+ x 5) (sqrt 7))")).unwrap();
        check(&before, &p("(= (+ x 5) (neg (sqrt 7)))")).unwrap();
        let e = check(&before, &p("(= (+ x 5) (sqrt 8))")).unwrap_err();
        assert!(e.message.contains("the steps are"), "{}", e.message);
        assert!(check(&p("(= (+ x 5) 2)"), &p("(= x (+ 2 5))")).is_err());
        check(&p("(= x (- 2 5))"), &p("(- 2 5)")).unwrap();
        let wrong = p("(/ (- (neg 21) (sqrt (- (^ 21 2) (* 4 (* 3 1))))) (* 2 3))");
        assert!(check(&p("(= (+ (+ (* 3 (^ x 2)) (* 21 x)) 0) 0)"), &wrong).is_err());
        // squaring adds a root the equation does not have: a line true only there keeps none
        let e = check_equation_step(&p("(= (sqrt x) -2)"), &p("(= x (^ -2 2))"), "x", &[]).unwrap_err();
        assert!(e.message.contains("keeps no root"), "{}", e.message);
    }
}
