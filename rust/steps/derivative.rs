//! Derivatives (level 5): the trace of `(derive f v)`, one rule application
//! at a time, and its check line by line.
//!
//! A step rewrites every *site* at once: a site is a `(derive g v)` form,
//! found from the root down (a site's inside is not searched), and it becomes
//! what the rule for `g`'s top writes ([`rule`](super::derivative_rules::rule):
//! constant, variable, sum, difference, negation, constant multiple, product,
//! constant divisor or numerator, quotient, power, exponential, general power,
//! chain rule of sin cos tan exp ln log sqrt abs). When no `derive` is left,
//! one last line is the engine's (simplified) derivative of `f`, the row's
//! answer, when the line before is not already it:
//!
//! ```text
//! (derive (* (^ x 4) (cos x)) x)
//! (+ (* (derive (^ x 4) x) (cos x)) (* (^ x 4) (derive (cos x) x)))
//! (+ (* (* 4 (^ x 3)) (cos x)) (* (^ x 4) (neg (sin x))))
//! (+ (neg (* (^ x 4) (sin x))) (* (* 4 (^ x 3)) (cos x)))
//! ```
//!
//! A step is checked by writing each site's rule again and comparing: the
//! line must be the line before with every site rewritten by its rule and
//! nothing else changed. Those lines make the line with no `derive` the
//! derivative by construction, so the last line, the engine's derivative, is
//! checked by writing it again, not by sampling points; a trace that ends
//! elsewhere must end equivalent to it ([`check_answer`]). A trace is always
//! exact.

use super::decimal::{kids, over_kids};
use super::derivative_rules::rule;
use super::rules::op_of;
use crate::engine::limits::charge;
use crate::engine::{check_limits, derive, equivalent, Expr, Func, Value};
use crate::error::{Error, Result};

/// The parts of `(derive f v)`.
pub fn parts(problem: &Expr) -> Option<(&Expr, &str)> {
    match problem {
        Expr::Function { func: Func::Derive, args } if args.len() == 2 => match &args[1] {
            Expr::Value(Value::Symbol(v)) => Some((&args[0], v.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// A site's parts, or an error for a `derive` no rule reads.
fn site(e: &Expr) -> Option<Result<(&Expr, &str)>> {
    match e {
        Expr::Function { func: Func::Derive, .. } => {
            Some(parts(e).ok_or_else(|| Error::invalid(format!("{e} is not (derive f v) with v a variable"))))
        }
        _ => None,
    }
}

/// Whether `e` holds a `derive` form.
pub fn has_derive(e: &Expr) -> bool {
    matches!(e, Expr::Function { func: Func::Derive, .. }) || kids(e).any(has_derive)
}

/// One step: every site rewritten by its rule.
pub fn derivative_step(e: &Expr) -> Result<Expr> {
    charge(1)?;
    if let Some(parts) = site(e) {
        let (g, v) = parts?;
        if has_derive(g) {
            return Err(Error::invalid(format!("no step rule differentiates a derivative: {e}")));
        }
        return Ok(rule(g, v)?.1);
    }
    over_kids(e, derivative_step)
}

/// The engine's derivative of the problem `(derive f v)`: the answer its trace comes to.
pub fn answer(problem: &Expr) -> Result<Expr> {
    let (f, v) = parts(problem).ok_or_else(|| Error::invalid(format!("{problem} is not (derive f v) with v a variable")))?;
    derive(f, v)
}

/// The lines of `(derive f v)`: steps until no `derive` is left, then the
/// engine's derivative when it differs. Each line is within the engine's limits.
pub fn derivative_trace(problem: &Expr) -> Result<Vec<Expr>> {
    let want = answer(problem)?;
    let mut lines: Vec<Expr> = Vec::new();
    let mut line = derivative_step(problem)?;
    loop {
        check_limits(&line)?;
        let done = !has_derive(&line);
        lines.push(line);
        if done {
            break;
        }
        // each step takes a level off every site: a trace is at most as long as its problem is deep
        line = derivative_step(lines.last().expect("a line"))?;
    }
    if lines.last() != Some(&want) {
        lines.push(want);
    }
    Ok(lines)
}

/// Whether `after` is one legal line after `before` in the trace of a
/// derivative whose answer is `want` ([`answer`]): a step while `before`
/// holds a `derive`, else `want` itself.
pub fn check_derivative_step(before: &Expr, after: &Expr, want: &Expr) -> Result<()> {
    if !has_derive(before) {
        if before == want {
            return Err(Error::invalid(format!("{before} is the derivative: nothing is left to rewrite")));
        }
        if after != want {
            return Err(Error::invalid(format!("{after} is not a step of {before}: the derivative, simplified, is {want}")));
        }
        return Ok(());
    }
    compare(before, after)
}

fn compare(b: &Expr, a: &Expr) -> Result<()> {
    charge(1)?;
    let illegal = |why: String| Err(Error::invalid(format!("{a} is not a step of {b}: {why}")));
    if let Some(parts) = site(b) {
        let (g, v) = parts?;
        if has_derive(g) {
            return Err(Error::invalid(format!("no step rule differentiates a derivative: {b}")));
        }
        let (name, want) = rule(g, v)?;
        return if &want == a { Ok(()) } else { illegal(format!("the {name} rule writes {want}")) };
    }
    let same_head = match (b, a) {
        (Expr::Value(x), Expr::Value(y)) => x == y,
        _ => op_of(b) == op_of(a) && kids(b).count() == kids(a).count(),
    };
    if !same_head {
        return illegal(format!("it changes {b}, which is no derive site"));
    }
    for (x, y) in kids(b).zip(kids(a)) {
        compare(x, y)?;
    }
    Ok(())
}

/// Whether the last line of a derivative's trace is its answer `want`
/// ([`answer`]): no `derive` left, and `want` or equivalent to it.
pub fn check_answer(want: &Expr, last: &Expr) -> Result<()> {
    if has_derive(last) {
        return Err(Error::invalid(format!("the trace ends in {last}, which still holds a derive")));
    }
    if want != last && !equivalent(want, last)? {
        return Err(Error::invalid(format!("the trace ends in {last}, not the derivative {want}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn lines(t: &str) -> Vec<String> {
        derivative_trace(&parse(t).unwrap()).unwrap().iter().map(Expr::to_polish).collect()
    }

    fn check_all(t: &str) {
        let problem = parse(t).unwrap();
        let want = answer(&problem).unwrap();
        let mut before = problem.clone();
        for after in derivative_trace(&problem).unwrap() {
            check_derivative_step(&before, &after, &want).unwrap_or_else(|e| panic!("{t}: {}", e.message));
            before = after;
        }
        check_answer(&want, &before).unwrap();
    }

    #[test]
    fn hand_written_traces() {
        assert_eq!(lines("(derive (* (^ x 4) (cos x)) x)"), [
            "(+ (* (derive (^ x 4) x) (cos x)) (* (^ x 4) (derive (cos x) x)))",
            "(+ (* (* 4 (^ x 3)) (cos x)) (* (^ x 4) (neg (sin x))))",
            "(+ (neg (* (^ x 4) (sin x))) (* (* 4 (^ x 3)) (cos x)))",
        ]);
        assert_eq!(lines("(derive (sin (* 2 x)) x)"), [
            "(* (cos (* 2 x)) (derive (* 2 x) x))",
            "(* (cos (* 2 x)) 2)",
            "(* 2 (cos (* 2 x)))",
        ]);
        assert_eq!(lines("(derive (- (/ 3 (+ x 2)) (* 5 x)) x)"), [
            "(- (derive (/ 3 (+ x 2)) x) (derive (* 5 x) x))",
            "(- (neg (/ (* 3 (derive (+ x 2) x)) (^ (+ x 2) 2))) 5)",
            "(- (neg (/ (* 3 (+ (derive x x) (derive 2 x))) (^ (+ x 2) 2))) 5)",
            "(- (neg (/ (* 3 (+ 1 0)) (^ (+ x 2) 2))) 5)",
            "(- (/ -3 (^ (+ x 2) 2)) 5)",
        ]);
        assert_eq!(lines("(derive (sqrt (ln t)) t)"), [
            "(* (/ 1 (* 2 (sqrt (ln t)))) (derive (ln t) t))",
            "(* (/ 1 (* 2 (sqrt (ln t)))) (/ 1 t))",
            "(/ 1 (* (* 2 t) (sqrt (ln t))))",
        ]);
        assert_eq!(lines("(derive (neg (exp (* y x))) x)")[..2], [
            "(neg (derive (exp (* y x)) x))".to_string(),
            "(neg (* (exp (* y x)) (derive (* y x) x)))".to_string(),
        ]);
        assert_eq!(lines("(derive 7 x)"), ["0"]);
        assert_eq!(lines("(derive x x)"), ["1"]);
        for t in ["(derive (* (^ x 4) (cos x)) x)", "(derive (sin (* 2 x)) x)", "(derive (- (/ 3 (+ x 2)) (* 5 x)) x)",
            "(derive (sqrt (ln t)) t)", "(derive (neg (exp (* y x))) x)", "(derive (/ (tan x) (- x 1)) x)",
            "(derive (^ (+ (* 3 x) 1) 3) x)", "(derive (* (log x) (^ 2 x)) x)", "(derive 7 x)"] {
            check_all(t);
        }
    }

    #[test]
    fn a_wrong_step_is_rejected_with_what_is_wrong() {
        let p = |t: &str| parse(t).unwrap();
        let problem = p("(derive (* (^ x 4) (cos x)) x)");
        let want = answer(&problem).unwrap();
        let step = |b: &Expr, a: &Expr| check_derivative_step(b, a, &want);
        let e = step(&problem, &p("(* (derive (^ x 4) x) (derive (cos x) x))")).unwrap_err();
        assert!(e.message.contains("the product rule writes (+ (* (derive (^ x 4) x) (cos x))"), "{}", e.message);
        let before = p("(+ (* (derive (^ x 4) x) (cos x)) (* (^ x 4) (derive (cos x) x)))");
        let e = step(&before, &p("(+ (* (* 4 (^ x 3)) (cos x)) (* (^ x 4) (sin x)))")).unwrap_err();
        assert!(e.message.contains("the chain (cos) rule writes (neg (sin x))"), "{}", e.message);
        let e = step(&before, &p("(+ (* (* 4 (^ x 3)) (sin x)) (* (^ x 4) (neg (sin x))))")).unwrap_err();
        assert!(e.message.contains("it changes (cos x)"), "{}", e.message);
        // one site at a time is not a step: every site is rewritten at once
        assert!(step(&before, &p("(+ (* (* 4 (^ x 3)) (cos x)) (* (^ x 4) (derive (cos x) x)))")).is_err());
        let done = p("(+ (* (* 4 (^ x 3)) (cos x)) (* (^ x 4) (neg (sin x))))");
        let e = step(&done, &p("(* 4 (^ x 3))")).unwrap_err();
        assert!(e.message.contains("the derivative, simplified, is"), "{}", e.message);
        assert!(step(&want, &want).unwrap_err().message.contains("nothing is left"));
        let e = check_answer(&want, &p("(* 4 (^ x 3))")).unwrap_err();
        assert!(e.message.contains("not the derivative"), "{}", e.message);
        check_answer(&want, &done).expect("a line equivalent to the derivative is an answer");
        assert!(check_answer(&want, &before).unwrap_err().message.contains("still holds a derive"));
    }

    #[test]
    fn what_has_no_trace_says_why() {
        let e = derivative_trace(&parse("(derive (floor x) x)").unwrap()).unwrap_err();
        assert!(e.message.contains("floor"), "{}", e.message);
        let e = derivative_trace(&parse("(derive (derive (^ x 3) x) x)").unwrap()).unwrap_err();
        assert!(e.message.contains("a derivative"), "{}", e.message);
        let by_a_number = Expr::func(Func::Derive, vec![Expr::sym("x"), Expr::int(2)]);
        assert!(derivative_trace(&by_a_number).unwrap_err().message.contains("not (derive f v)"));
    }
}
