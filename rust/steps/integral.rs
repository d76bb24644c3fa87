//! Definite integrals (level 6): the antiderivative `F` (level 5's skill), then
//! `F(b) - F(a)` with the bounds substituted (level 4's), then the steps of
//! level 4 down to a value ([`reals`](super::reals)). Integrands with no
//! antiderivative in closed form (`x e^x`) have no trace.
//!
//! ```text
//! (integrate (* 3 (^ x 2)) x 0 2) -> (^ x 3) -> (- (^ 2 3) (^ 0 3)) -> (- 8 0) -> 8
//! ```

use super::reals::real_trace;
use crate::engine::{antiderivative, derive, equivalent, BinOp, Expr, Func, Value};
use crate::error::{Error, Result};

/// The parts of `(integrate f v a b)`.
pub fn parts(problem: &Expr) -> Option<(&Expr, &str, &Expr, &Expr)> {
    match problem {
        Expr::Function { func: Func::Integrate, args } if args.len() == 4 => match &args[1] {
            Expr::Value(Value::Symbol(v)) => Some((&args[0], v.as_str(), &args[2], &args[3])),
            _ => None,
        },
        _ => None,
    }
}

fn difference(f: &Expr, v: &str, a: &Expr, b: &Expr) -> Expr {
    Expr::bin(BinOp::Sub, f.substitute(v, b), f.substitute(v, a))
}

/// The lines of a definite integral: `F`, `F(b) - F(a)`, then its value.
pub fn integral_trace(problem: &Expr) -> Result<Vec<Expr>> {
    let (f, v, a, b) = parts(problem).ok_or_else(|| Error::invalid(format!("{problem} is not (integrate f v a b)")))?;
    let big_f = antiderivative(f, v)?.ok_or_else(|| Error::invalid(format!("{f} has no antiderivative a step writes")))?;
    let diff = difference(&big_f, v, a, b);
    let mut lines = vec![big_f, diff.clone()];
    lines.extend(real_trace(&diff)?);
    Ok(lines)
}

/// Whether `line` is an antiderivative of `f` in `v`: no calculus form, and `F' = f`.
pub fn check_antiderivative(f: &Expr, v: &str, line: &Expr) -> Result<()> {
    let calculus = |e: &Expr| -> bool {
        let mut stack = vec![e];
        while let Some(x) = stack.pop() {
            if matches!(x, Expr::Function { func, .. } if func.is_calculus()) {
                return true;
            }
            stack.extend(x.children());
        }
        false
    };
    if calculus(line) {
        return Err(Error::invalid(format!("{line} is not an antiderivative: it still holds a calculus form")));
    }
    let d = derive(line, v)?;
    if !equivalent(&d, f)? {
        return Err(Error::invalid(format!("{line} is not an antiderivative of {f}: its derivative is {d}")));
    }
    Ok(())
}

/// Whether `after` is `F(b) - F(a)` for the antiderivative line `big_f`.
pub fn check_difference(problem: &Expr, big_f: &Expr, after: &Expr) -> Result<()> {
    let (_, v, a, b) = parts(problem).ok_or_else(|| Error::invalid(format!("{problem} is not (integrate f v a b)")))?;
    let want = difference(big_f, v, a, b);
    if after != &want {
        return Err(Error::invalid(format!("{after} is not a step of {big_f}: the bounds substituted give {want}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn lines(t: &str) -> Vec<String> {
        integral_trace(&parse(t).unwrap()).unwrap().iter().map(Expr::to_polish).collect()
    }

    #[test]
    fn antiderivative_then_bounds_then_value() {
        let l = lines("(integrate (* 3 (^ x 2)) x 0 2)");
        assert_eq!(l[0], "(^ x 3)");
        assert_eq!(l[1], "(- (^ 2 3) (^ 0 3))");
        assert_eq!(l.last().unwrap(), "8");
        let l = lines("(integrate (cos x) x 0 (/ pi 2))");
        assert_eq!(l[..3], ["(sin x)", "(- (sin (/ pi 2)) (sin 0))", "(- 1 0)"]);
        let l = lines("(integrate (/ 1 x) x 1 2)");
        assert!((l.last().unwrap().parse::<f64>().unwrap() - 2f64.ln()).abs() < 1e-9, "{l:?}");
        assert!(integral_trace(&parse("(integrate (* x (exp x)) x 0 1)").unwrap()).is_err());
    }

    #[test]
    fn checks() {
        let p = |t: &str| parse(t).unwrap();
        check_antiderivative(&p("(* 3 (^ x 2))"), "x", &p("(+ (^ x 3) 7)")).unwrap();
        assert!(check_antiderivative(&p("(* 3 (^ x 2))"), "x", &p("(^ x 2)")).is_err());
        assert!(check_antiderivative(&p("(* 3 (^ x 2))"), "x", &p("(integrate (* 3 (^ x 2)) x)")).is_err());
        let problem = p("(integrate (* 3 (^ x 2)) x 0 2)");
        check_difference(&problem, &p("(^ x 3)"), &p("(- (^ 2 3) (^ 0 3))")).unwrap();
        assert!(check_difference(&problem, &p("(^ x 3)"), &p("(- (^ 0 3) (^ 2 3))")).is_err());
    }
}
