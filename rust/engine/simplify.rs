//! Reading an expression into its canonical form, calculus forms included,
//! and the engine's entry points that work through it: [`simplify`],
//! [`derive`], [`antiderivative`], [`integrate`], [`quadrature`].
//!
//! This floor sits above both the canonical form ([`super::canon`]) and the
//! calculus on canonical nodes ([`super::calculus`]): reading `(derive f x)`
//! inside an expression needs the derivative, and the derivative needs only
//! the canonical constructors, so neither of those two uses the other's caller.

use super::calculus::{anti, bound_num, check_bounds, check_var, derivative, exact_integral, integrate_node, quadrature_node, Poles};
use super::canon::{add, func, modulo, mul, pow, scale_node, to_expr, Held, Node};
use super::functions::integer_function;
use super::expr::{check_limits, contextual, variable, BinOp, Expr, Func, UnaryOp, Value};
use super::limits::{charge, with_budget};
use super::number::{division_by_zero, reduce, Num};
use crate::error::{Error, ErrorKind, Result};

/// Simplifies to the canonical form. Idempotent: `simplify(simplify(e)) == simplify(e)`.
pub fn simplify(e: &Expr) -> Result<Expr> {
    with_budget(|| {
        check_limits(e)?;
        Ok(to_expr(&to_canon(e)?))
    })
}

/// The derivative of `e` with respect to `var`, simplified: `(derive (^ x 2) x)` is `(* 2 x)`.
pub fn derive(e: &Expr, var: &str) -> Result<Expr> {
    with_budget(|| {
        check_limits(e)?;
        check_var(var)?;
        Ok(to_expr(&derivative(&to_canon(e)?, var)?))
    })
}

/// An antiderivative of `e` with respect to `var` (no constant added), or
/// `None` when `e` is outside the classes the engine integrates in closed form.
pub fn antiderivative(e: &Expr, var: &str) -> Result<Option<Expr>> {
    with_budget(|| {
        check_limits(e)?;
        check_var(var)?;
        let mut poles = Poles::default();
        Ok(anti(&to_canon(e)?, var, &mut poles)?.map(|f| to_expr(&f)))
    })
}

/// The definite integral of `e` over [lo, hi] with respect to `var`.
/// Exact through the antiderivative where there is one; otherwise adaptive
/// quadrature, which must reach a relative error of 1e-9 or the call fails.
pub fn integrate(e: &Expr, var: &str, lo: f64, hi: f64) -> Result<f64> {
    with_budget(|| {
        check_limits(e)?;
        check_var(var)?;
        check_bounds(lo, hi)?;
        let n = to_canon(e)?;
        if let Some(v) = exact_integral(&n, var, bound_num(lo), bound_num(hi))? {
            return Ok(v.to_f64());
        }
        let (value, err) = quadrature_node(&n, var, lo, hi)?;
        if err > 1e-9 * value.abs().max(1.0) {
            return Err(Error::limit(format!(
                "the numeric integral of {e} over [{lo}, {hi}] did not converge: {value} ± {err:.3e} (is the integrand singular there?)"
            )));
        }
        Ok(value)
    })
}

/// Adaptive Gauss–Kronrod (7/15) quadrature of `e` over [lo, hi]: (value, error estimate).
pub fn quadrature(e: &Expr, var: &str, lo: f64, hi: f64) -> Result<(f64, f64)> {
    with_budget(|| {
        check_limits(e)?;
        check_var(var)?;
        check_bounds(lo, hi)?;
        quadrature_node(&to_canon(e)?, var, lo, hi)
    })
}

/// Reads an expression into its canonical node (errors name the subexpression).
pub(crate) fn to_canon(e: &Expr) -> Result<Node> {
    canon_inner(e).map_err(|err| contextual(err, e))
}

fn canon_inner(e: &Expr) -> Result<Node> {
    charge(1)?;
    Ok(match e {
        Expr::Value(v) => match v {
            Value::Integer(i) => Node::int(*i),
            Value::Float(x) => Node::Num(Num::Float(*x).check("a float literal")?),
            Value::Rational(n, d) => match reduce(*n as i128, *d as i128) {
                Some((n, d)) => Node::Num(Num::Rat(n, d)),
                None => return Err(division_by_zero()),
            },
            Value::Symbol(s) => Node::Sym(s.clone()),
        },
        Expr::BinOp { op, left, right } => {
            let a = to_canon(left)?;
            let b = to_canon(right)?;
            match op {
                BinOp::Add => add(vec![a, b])?,
                BinOp::Sub => add(vec![a, scale_node(Num::MINUS_ONE, b)?])?,
                BinOp::Mul => mul(vec![a, b])?,
                BinOp::Div => {
                    if b.is_zero() {
                        return Err(division_by_zero());
                    }
                    mul(vec![a, pow(b, Node::int(-1))?])?
                }
                BinOp::Pow => pow(a, b)?,
                BinOp::Mod => modulo(a, b)?,
                BinOp::Eq => Node::Held(Held::Eq, vec![a, b]),
            }
        }
        Expr::UnaryOp { op: UnaryOp::Neg, operand } => scale_node(Num::MINUS_ONE, to_canon(operand)?)?,
        Expr::Function { func: f, args } => match f {
            Func::Derive => derivative(&to_canon(&args[0])?, variable(&args[1])?)?,
            Func::Integrate => {
                let bounds = match args.len() {
                    4 => Some((to_canon(&args[2])?, to_canon(&args[3])?)),
                    _ => None,
                };
                integrate_node(to_canon(&args[0])?, variable(&args[1])?, bounds)?
            }
            Func::Solve => Node::Held(Held::Solve, vec![to_canon(&args[0])?, to_canon(&args[1])?]),
            // On numbers they fold; on symbols they mean nothing the canonical form can hold.
            f if f.is_integer_op() => {
                let mut nums = Vec::with_capacity(args.len());
                for a in args {
                    match to_canon(a)? {
                        Node::Num(x) => nums.push(x),
                        _ => {
                            return Err(Error::invalid(format!(
                                "'{}' takes integers, and has no symbolic form",
                                f.token()
                            )))
                        }
                    }
                }
                Node::Num(integer_function(*f, &nums)?)
            }
            f => {
                if args.len() != 1 {
                    return Err(Error::new(
                        ErrorKind::Arity,
                        format!("wrong number of arguments: '{}' takes 1, got {}", f.token(), args.len()),
                    ));
                }
                func(*f, to_canon(&args[0])?)?
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn s(text: &str) -> String {
        simplify(&parse(text).unwrap()).unwrap().to_polish()
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(s("(+ 2 3)"), "5");
        assert_eq!(s("(+ x x)"), "(* 2 x)");
        assert_eq!(s("(* x x)"), "(^ x 2)");
        assert_eq!(s("(+ 3 x)"), "(+ x 3)");
        assert_eq!(s("(+ x 3)"), "(+ x 3)");
        assert_eq!(s("(- x 3)"), "(- x 3)");
        assert_eq!(s("(* 2 (+ x 1))"), "(+ (* 2 x) 2)");
        assert_eq!(s("(+ (* 2 x) (* 3 x))"), "(* 5 x)");
        assert_eq!(s("(- x x)"), "0");
        assert_eq!(s("(* 0 x)"), "0");
        assert_eq!(s("(* 1 x)"), "x");
        assert_eq!(s("(+ 0 x)"), "x");
        assert_eq!(s("(^ x 1)"), "x");
        assert_eq!(s("(^ x 0)"), "1");
        assert_eq!(s("(/ x 2)"), "(/ x 2)");
        assert_eq!(s("(/ 1 x)"), "(/ 1 x)");
        assert_eq!(s("(/ x x)"), "1");
        assert_eq!(s("(sqrt 4)"), "2");
        assert_eq!(s("(sqrt x)"), "(sqrt x)");
        assert_eq!(s("(sqrt 2)"), "(sqrt 2)");
        assert_eq!(s("(sin 0)"), "0");
        assert_eq!(s("(cos pi)"), "-1");
        assert_eq!(s("(ln 2)"), "(ln 2)");
        assert_eq!(s("(exp (ln x))"), "x");
        assert_eq!(s("(^ e x)"), "(exp x)");
        assert_eq!(s("(neg (neg x))"), "x");
        assert_eq!(s("(+ (+ (^ x 2) 1) (* 2 x))"), "(+ (+ (^ x 2) (* 2 x)) 1)");
        assert_eq!(s("(- (* 3 x) (^ x 2))"), "(+ (neg (^ x 2)) (* 3 x))");
        assert_eq!(s("(* y x)"), "(* x y)");
        assert_eq!(s("(* (* x 2) pi)"), "(* (* 2 pi) x)");
        assert_eq!(s("(sin (neg x))"), "(neg (sin x))");
        assert_eq!(s("(cos (* -2 x))"), "(cos (* 2 x))");
        assert_eq!(s("(^ (* 2 x) 2)"), "(* 4 (^ x 2))");
        assert_eq!(s("(* (sqrt 2) (sqrt 2))"), "2");
        assert_eq!(s("(+ 0.5 (* 2 x))"), "(+ (* 2 x) 0.5)");
        assert_eq!(s("(mod 7 3)"), "1");
    }

    #[test]
    fn errors() {
        let e = simplify(&parse("(/ x 0)").unwrap()).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::DivisionByZero);
        assert!(e.message.contains("(/ x 0)"), "{}", e.message);
        assert_eq!(simplify(&parse("(ln 0)").unwrap()).unwrap_err().kind, crate::ErrorKind::Domain);
        assert_eq!(simplify(&parse("(sqrt (neg 4))").unwrap()).unwrap_err().kind, crate::ErrorKind::Domain);
        assert_eq!(simplify(&parse("(^ 10 100000000)").unwrap()).unwrap_err().kind, crate::ErrorKind::Overflow);
    }

    #[test]
    fn idempotent_on_examples() {
        for text in [
            "(+ (* 2 x) (/ (^ x 3) 3))",
            "(- (/ 1 (* 2 (sqrt x))) (* 3 (sin (* 2 x))))",
            "(/ (neg x) 2)",
            "(* (+ x 1) (+ x 2))",
            "(^ (+ x 1) -2)",
            "(+ (exp (* -1 x)) (ln (abs x)))",
            "(* 2.5 (+ x y))",
        ] {
            let once = s(text);
            assert_eq!(s(&once), once, "{text}");
        }
    }
}
