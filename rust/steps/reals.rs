//! Steps of a tree of numbers with functions and the constants `pi` and `e`
//! (level 4, and the values that levels 6 and 7 come to).
//!
//! A step rewrites every site at once. The sites, found from the root down
//! (a site's inside is not searched):
//!
//! 1. `sin cos tan` of a multiple of pi/12, and `(ln (exp a))`, `(exp (ln a))`,
//!    `(ln (^ e a))`: the exact value ([`exact_values`](super::exact_values));
//! 2. an operation whose operands are numbers: on integers and fractions the
//!    exact rules of levels 1-3 ([`rewrite`](super::rules::rewrite)), a function
//!    its exact value where it has one, else its numeric method
//!    ([`method`](super::series::method)), a power `p/q` as the `q`-th root to
//!    the `p`-th power; with a decimal operand, the value as a decimal of 10
//!    digits;
//! 3. `pi` or `e` anywhere else: its decimal.
//!
//! A step is checked site by site: an exact rewrite must keep the value
//! exactly, an approximate one (a decimal, a method) within
//! [`SITE_TOL`](super::decimal::SITE_TOL).

use super::check::value;
use super::decimal::{self, has_decimal, kids, leaf, over_kids, SITE_TOL};
use super::exact_values::{inverse_pair, is_inverse_pair, of_rational, rational_root, trigonometric, twelfths_of_pi};
use super::rational::Q;
use super::rules::{op_of, rewrite, Op};
use super::series::{method, root_method};
use super::trace::number;
use crate::engine::limits::charge;
use crate::engine::eval::evaluate_within_limits;
use crate::engine::{evaluate, BinOp, Expr, Func, Value};
use crate::error::{Error, Result};

/// Most lines of one trace (a level-4 trace takes 10-60).
pub const MAX_LINES: usize = 1000;

/// A number leaf (what [`number`] reads), without reading it.
fn is_number(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if !matches!(v, Value::Symbol(_)))
}

fn is_constant(e: &Expr) -> bool {
    matches!(e, Expr::Value(Value::Symbol(s)) if s == "pi" || s == "e")
}

/// Whether `e` is a site (what [`site`] rewrites), without rewriting it.
pub(super) fn is_site(e: &Expr) -> bool {
    if is_constant(e) || is_inverse_pair(e) {
        return true;
    }
    if let Expr::Function { func: Func::Sin | Func::Cos | Func::Tan, args } = e {
        if twelfths_of_pi(&args[0]).is_some() {
            return true;
        }
    }
    let mut children = kids(e).peekable();
    children.peek().is_some() && children.all(is_number)
}

/// The rewrite of `e` if `e` is a site, `None` if its inside holds the sites.
fn site(e: &Expr) -> Option<Result<Expr>> {
    if is_constant(e) {
        return Some(leaf(if matches!(e, Expr::Value(Value::Symbol(s)) if s == "pi") { decimal::PI } else { decimal::E }));
    }
    if let Expr::Function { func: f @ (Func::Sin | Func::Cos | Func::Tan), args } = e {
        if let Some(v) = trigonometric(*f, &args[0]) {
            return Some(v);
        }
    }
    if let Some(a) = inverse_pair(e) {
        return Some(Ok(a));
    }
    let children: Vec<&Expr> = kids(e).collect();
    if children.is_empty() || !children.iter().all(|c| is_number(c)) {
        return None;
    }
    Some(innermost(e, &children))
}

/// What an operation on numbers becomes.
fn innermost(e: &Expr, children: &[&Expr]) -> Result<Expr> {
    let op = op_of(e).expect("an operation");
    let x = || evaluate(e, &[]);
    if children.iter().any(|c| has_decimal(c)) {
        return match op {
            Op::Func(f @ (Func::Sin | Func::Cos | Func::Tan | Func::Exp | Func::Ln | Func::Log | Func::Sqrt)) => {
                method(f, children[0], evaluate(children[0], &[])?)
            }
            Op::Func(Func::Floor | Func::Ceil) => Q::of_f64(x()?)?.leaf(),
            Op::Bin(b @ (BinOp::Add | BinOp::Sub | BinOp::Mul)) => {
                // exactly when the decimals' rationals fit i128, else rounded
                let exact = || -> Option<Q> {
                    let (p, q) = (number(children[0])?.ok()?, number(children[1])?.ok()?);
                    match b {
                        BinOp::Add => p.add(q),
                        BinOp::Sub => p.sub(q),
                        _ => p.mul(q),
                    }
                    .ok()
                };
                match exact().and_then(decimal::exact_decimal) {
                    Some(v) => Ok(Expr::float(v)),
                    None => leaf(x()?),
                }
            }
            // a root of a decimal goes by its method, like a root of a rational
            Op::Bin(BinOp::Pow) if !has_decimal(children[1]) && number(children[1]).is_some_and(|q| q.is_ok_and(|q| !q.is_int())) => {
                let q = number(children[1]).expect("checked")?;
                let root = root_method(children[0], evaluate(children[0], &[])?, q.den as i64);
                Ok(if q.num == 1 { root } else { Expr::bin(BinOp::Pow, root, Q::int(q.num).leaf()?) })
            }
            _ => leaf(x()?),
        };
    }
    let args = children.iter().map(|c| number(c).expect("a number")).collect::<Result<Vec<Q>>>()?;
    match op {
        Op::Func(f @ (Func::Sin | Func::Cos | Func::Tan | Func::Exp | Func::Ln | Func::Log | Func::Sqrt | Func::Abs | Func::Floor | Func::Ceil)) => {
            match of_rational(f, args[0]) {
                Some(v) => v,
                None => method(f, children[0], evaluate(children[0], &[])?),
            }
        }
        Op::Bin(BinOp::Pow) if !args[1].is_int() => {
            let n = args[1].den;
            if args[1].num != 1 {
                // a^(p/q) = (a^(1/q))^p: the root first, then an integer power
                let root = Expr::bin(BinOp::Pow, children[0].clone(), Q::new(1, n)?.leaf()?);
                return Ok(Expr::bin(BinOp::Pow, root, Q::int(args[1].num).leaf()?));
            }
            match rational_root(args[0], n) {
                Some(r) => r.leaf(),
                None => Ok(root_method(children[0], evaluate(children[0], &[])?, n as i64)),
            }
        }
        _ => rewrite(op, &args),
    }
}

/// One step: every site rewritten.
pub fn real_step(e: &Expr) -> Result<Expr> {
    charge(1)?;
    if let Some(r) = site(e) {
        return r;
    }
    over_kids(e, real_step)
}

/// The lines from `e` to a number leaf (none when `e` is one).
pub fn real_trace(e: &Expr) -> Result<Vec<Expr>> {
    let mut lines: Vec<Expr> = Vec::new();
    if is_number(e) {
        return Ok(lines);
    }
    // each step reads the line before it in place: no copy of a line
    lines.push(real_step(e)?);
    while !is_number(lines.last().expect("a line")) {
        if lines.len() >= MAX_LINES {
            return Err(Error::invalid(format!("{e} takes more than {MAX_LINES} steps")));
        }
        let next = real_step(lines.last().expect("a line"))?;
        lines.push(next);
    }
    Ok(lines)
}

/// The exact value of a rewrite that writes only exact numbers (no decimal,
/// function or constant); `None` for any other.
fn exact_claim(e: &Expr) -> Option<Q> {
    // value() fails on a symbol (pi, e) and on a function of the reals
    if has_decimal(e) {
        return None;
    }
    value(e).ok()
}

/// Whether `e` holds a site (found from the root down, as a step finds them).
fn has_site(e: &Expr) -> bool {
    is_site(e) || kids(e).any(has_site)
}

/// Whether `after` is one legal step of `before`: Ok, or an error that says
/// which part is wrong. Both trees must be within the engine's limits (a
/// trace's lines are checked for them once each): the sites are evaluated
/// without walking them for limits again.
pub fn check_real_step(before: &Expr, after: &Expr) -> Result<()> {
    // the sites are found as the walk meets them, from the root down, as a step finds them
    let mut sites = 0;
    let nothing = || Err(Error::invalid(format!("{before} has nothing a step rewrites")));
    match compare(before, after, &mut sites) {
        Ok(()) if sites == 0 => nothing(),
        Err(_) if sites == 0 && !has_site(before) => nothing(),
        r => r,
    }
}

fn compare(b: &Expr, a: &Expr, sites: &mut usize) -> Result<()> {
    charge(1)?;
    let illegal = |why: String| Err(Error::invalid(format!("{a} is not a step of {b}: {why}")));
    if is_site(b) {
        *sites += 1;
        if a == b {
            return illegal("it is not rewritten".into());
        }
        let exact_a = std::cell::OnceCell::new();
        let exact_a = || *exact_a.get_or_init(|| exact_claim(a));
        if let Some(want) = exact_claim(b) {
            if let Some(got) = exact_a() {
                return if want == got { Ok(()) } else { illegal(format!("its value is {got}, not {want}")) };
            }
        }
        let (want, got) = (evaluate_within_limits(b)?, evaluate_within_limits(a)?);
        let tol = if exact_a().is_some() { 1e-12 } else { SITE_TOL };
        return if decimal::within(got, want, tol) { Ok(()) } else { illegal(format!("its value is {got}, not {want}")) };
    }
    let same_head = match (b, a) {
        (Expr::Value(x), Expr::Value(y)) => x == y,
        _ => op_of(b) == op_of(a) && kids(b).count() == kids(a).count(),
    };
    if !same_head {
        return illegal("it changes more than what the step rewrites".into());
    }
    for (x, y) in kids(b).zip(kids(a)) {
        compare(x, y, sites)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn lines(t: &str) -> Vec<String> {
        real_trace(&parse(t).unwrap()).unwrap().iter().map(Expr::to_polish).collect()
    }

    #[test]
    fn exact_values_where_they_exist() {
        assert_eq!(lines("(sin (/ pi 6))"), ["1/2"]);
        assert_eq!(lines("(ln (exp -1))"), ["-1"]);
        assert_eq!(lines("(+ 11 (sqrt 361))"), ["(+ 11 19)", "30"]);
        assert_eq!(lines("(+ 5 (^ (log (^ 10 1)) 2))"), ["(+ 5 (^ (log 10) 2))", "(+ 5 (^ 1 2))", "(+ 5 1)", "6"]);
        assert_eq!(lines("(- (floor (/ -4 7)) 3)"), ["(- (floor -4/7) 3)", "(- -1 3)", "-4"]);
        assert_eq!(lines("(^ 216 1/3)"), ["6"]);
        assert_eq!(lines("(^ 4 3/2)"), ["(^ (^ 4 1/2) 3)", "(^ 2 3)", "8"]);
        assert_eq!(lines("(^ 2.25 1/2)")[0], "(exp (/ (ln 2.25) 2))");
        assert_eq!(lines("(* 1.5e-30 2.5e-20)"), ["3.75e-50"], "past i128: rounded, not an error");
    }

    #[test]
    fn a_numeric_method_where_they_do_not() {
        let l = lines("(ln 5)");
        assert_eq!(l[0], "(+ (* 2 0.6931471806) (ln (/ 5 4)))");
        let last: f64 = l.last().unwrap().parse().unwrap();
        assert!((last - 5f64.ln()).abs() < 1e-9, "{l:?}");
        let l = lines("(+ 8 (cos (/ pi 6)))");
        assert_eq!(l[0], "(+ 8 (/ (sqrt 3) 2))");
        assert_eq!(l[1], "(+ 8 (/ (* 1.73 (sqrt (/ 3 (^ 1.73 2)))) 2))");
        let last: f64 = l.last().unwrap().parse().unwrap();
        assert!((last - 8.86602540378444).abs() < 1e-8, "{l:?}");
    }

    #[test]
    fn a_reduction_near_a_pole_keeps_its_digits() {
        // -11 is 0.0044 from -7 pi/2: pi/2 gets 3 more digits, the product and difference stay exact
        let l = lines("(tan -11)");
        assert_eq!(l[1], "(/ (cos (- -11 (* -7 1.570796326795))) (neg (sin (- -11 (* -7 1.570796326795)))))");
        assert_eq!(l[2], "(/ (cos (- -11 -10.995574287565)) (neg (sin (- -11 -10.995574287565))))");
        let last: f64 = l.last().unwrap().parse().unwrap();
        assert!(((last - (-11f64).tan()) / (-11f64).tan()).abs() < 1e-8, "{l:?}");
    }

    #[test]
    fn check_accepts_each_line_and_rejects_a_changed_one() {
        for t in ["(ln 5)", "(+ 8 (cos (/ pi 6)))", "(exp (/ -11 4))", "(tan (* (^ 2 2) 5))", "(/ (exp (exp (* 8 -1))) -8)", "(+ (sin (/ pi 7)) pi)"] {
            let mut before = parse(t).unwrap();
            let truth = evaluate(&before, &[]).unwrap();
            for after in real_trace(&before).unwrap() {
                check_real_step(&before, &after).unwrap_or_else(|e| panic!("{t}: {}", e.message));
                assert!(decimal::within(evaluate(&after, &[]).unwrap(), truth, 1e-8), "{t}: {after}");
                before = after;
            }
        }
        let b = parse("(+ 8 (/ (sqrt 3) 2))").unwrap();
        assert!(check_real_step(&b, &parse("(+ 8 (/ 1.73205 2))").unwrap()).is_err(), "off by 8e-7: outside 1e-8");
        assert!(check_real_step(&b, &parse("(+ 8 (/ 17320508/10000000 2))").unwrap()).is_err(), "a fraction claims the value exactly");
        check_real_step(&b, &parse("(+ 8 (/ 1.732050808 2))").unwrap()).unwrap();
        assert!(check_real_step(&b, &parse("(+ 9 (/ 1.732050808 2))").unwrap()).is_err(), "a number that is no site changed");
        let e = check_real_step(&parse("(sin (/ pi 6))").unwrap(), &parse("0.5000001").unwrap()).unwrap_err();
        assert!(e.message.contains("its value"), "{}", e.message);
        assert!(check_real_step(&parse("(sqrt 16)").unwrap(), &parse("5").unwrap()).is_err());
        check_real_step(&parse("(sin (/ pi 6))").unwrap(), &parse("1/2").unwrap()).unwrap();
    }
}
