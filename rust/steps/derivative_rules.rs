//! The rule table of level 5: what one `(derive g v)` becomes, chosen by the
//! top of `g` ([`rule`]). Each rule writes the derivatives of `g`'s parts as
//! new `(derive u v)` forms for the next step; it never works one out itself,
//! with one stated exception: a `(derive v v)` that a rule would write as a
//! factor of a product is left out (it is 1), so `(derive (sin x) x)` is
//! `(cos x)`, not `(* (cos x) (derive x x))`. A `(derive v v)` elsewhere (in a
//! sum, under `neg`, alone) stays for the next step to write as 1.

use crate::engine::limits::charge;
use crate::engine::{BinOp, Expr, Func, UnaryOp, Value};
use crate::error::{Error, ErrorKind, Result};

/// The rules, by name (what an error about a site says it applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Constant,
    Variable,
    Sum,
    Difference,
    Negation,
    ConstantMultiple,
    Product,
    ConstantDivisor,
    ConstantNumerator,
    Quotient,
    Power,
    Exponential,
    GeneralPower,
    Chain(Func),
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::Constant => f.write_str("constant"),
            Rule::Variable => f.write_str("variable"),
            Rule::Sum => f.write_str("sum"),
            Rule::Difference => f.write_str("difference"),
            Rule::Negation => f.write_str("negation"),
            Rule::ConstantMultiple => f.write_str("constant multiple"),
            Rule::Product => f.write_str("product"),
            Rule::ConstantDivisor => f.write_str("constant divisor"),
            Rule::ConstantNumerator => f.write_str("constant numerator"),
            Rule::Quotient => f.write_str("quotient"),
            Rule::Power => f.write_str("power"),
            Rule::Exponential => f.write_str("exponential"),
            Rule::GeneralPower => f.write_str("general power"),
            Rule::Chain(func) => write!(f, "chain ({})", func.token()),
        }
    }
}

/// `(derive u v)`.
pub fn derive_form(u: &Expr, v: &str) -> Expr {
    Expr::func(Func::Derive, vec![u.clone(), Expr::sym(v)])
}

fn is_var(u: &Expr, v: &str) -> bool {
    matches!(u, Expr::Value(Value::Symbol(s)) if s == v)
}

/// `(* a (derive u v))`, or `a` when `u` is `v`.
fn times(a: Expr, u: &Expr, v: &str) -> Expr {
    if is_var(u, v) { a } else { Expr::bin(BinOp::Mul, a, derive_form(u, v)) }
}

/// `(* (derive u v) a)`, or `a` when `u` is `v`.
fn times_left(u: &Expr, a: Expr, v: &str) -> Expr {
    if is_var(u, v) { a } else { Expr::bin(BinOp::Mul, derive_form(u, v), a) }
}

fn mul(a: Expr, b: Expr) -> Expr {
    Expr::bin(BinOp::Mul, a, b)
}

fn div(a: Expr, b: Expr) -> Expr {
    Expr::bin(BinOp::Div, a, b)
}

fn pow(a: Expr, b: Expr) -> Expr {
    Expr::bin(BinOp::Pow, a, b)
}

fn call(f: Func, a: Expr) -> Expr {
    Expr::call(f, a)
}

/// `n - 1` for a number `n` as a number leaf; `(- n 1)` for another constant.
fn minus_one(n: &Expr) -> Result<Expr> {
    let overflow = || Error::new(ErrorKind::Overflow, format!("{n} - 1 does not fit 64 bits"));
    Ok(match n {
        Expr::Value(Value::Integer(i)) => Expr::int(i.checked_sub(1).ok_or_else(overflow)?),
        Expr::Value(Value::Rational(p, q)) => Expr::rational(p.checked_sub(*q).ok_or_else(overflow)?, *q),
        Expr::Value(Value::Float(x)) => Expr::float(x - 1.0),
        _ => Expr::bin(BinOp::Sub, n.clone(), Expr::int(1)),
    })
}

/// `F'(u)` of a function the chain rule covers.
fn outer_derivative(f: Func, u: &Expr) -> Option<Expr> {
    let u = || u.clone();
    Some(match f {
        Func::Sin => call(Func::Cos, u()),
        Func::Cos => Expr::neg(call(Func::Sin, u())),
        Func::Tan => div(Expr::int(1), pow(call(Func::Cos, u()), Expr::int(2))),
        Func::Exp => call(Func::Exp, u()),
        Func::Ln => div(Expr::int(1), u()),
        Func::Log => div(Expr::int(1), mul(u(), call(Func::Ln, Expr::int(10)))),
        Func::Sqrt => div(Expr::int(1), mul(Expr::int(2), call(Func::Sqrt, u()))),
        Func::Abs => div(u(), call(Func::Abs, u())),
        _ => return None,
    })
}

/// What `(derive g v)` becomes in one step, and the rule that writes it.
pub fn rule(g: &Expr, v: &str) -> Result<(Rule, Expr)> {
    // the rule copies its parts: about their size in nodes
    charge(g.size() as u64)?;
    let no_rule = |what: &str| Err(Error::invalid(format!("no step rule differentiates {what} in {}", derive_form(g, v))));
    if !g.contains_symbol(v) {
        return Ok((Rule::Constant, Expr::int(0)));
    }
    Ok(match g {
        Expr::Value(_) => (Rule::Variable, Expr::int(1)),
        Expr::UnaryOp { op: UnaryOp::Neg, operand } => (Rule::Negation, Expr::neg(derive_form(operand, v))),
        Expr::BinOp { op, left: u, right: w } => {
            let (cu, cw) = (!u.contains_symbol(v), !w.contains_symbol(v));
            match op {
                BinOp::Add | BinOp::Sub => {
                    let r = if *op == BinOp::Add { Rule::Sum } else { Rule::Difference };
                    (r, Expr::bin(*op, derive_form(u, v), derive_form(w, v)))
                }
                BinOp::Mul if cu => (Rule::ConstantMultiple, times((**u).clone(), w, v)),
                BinOp::Mul if cw => (Rule::ConstantMultiple, times((**w).clone(), u, v)),
                BinOp::Mul => (Rule::Product, Expr::bin(BinOp::Add, times_left(u, (**w).clone(), v), times((**u).clone(), w, v))),
                BinOp::Div if cw => (Rule::ConstantDivisor, div(derive_form(u, v), (**w).clone())),
                BinOp::Div if cu => {
                    let top = times((**u).clone(), w, v);
                    (Rule::ConstantNumerator, Expr::neg(div(top, pow((**w).clone(), Expr::int(2)))))
                }
                BinOp::Div => {
                    let top = Expr::bin(BinOp::Sub, times_left(u, (**w).clone(), v), times((**u).clone(), w, v));
                    (Rule::Quotient, div(top, pow((**w).clone(), Expr::int(2))))
                }
                BinOp::Pow if cw => {
                    let m = minus_one(w)?;
                    // (^ u 1) is written u
                    let lowered = if m == Expr::int(1) { (**u).clone() } else { pow((**u).clone(), m) };
                    (Rule::Power, times(mul((**w).clone(), lowered), u, v))
                }
                BinOp::Pow if cu => (Rule::Exponential, times(mul(g.clone(), call(Func::Ln, (**u).clone())), w, v)),
                BinOp::Pow => {
                    let by_exponent = times_left(w, call(Func::Ln, (**u).clone()), v);
                    let by_base = div(times((**w).clone(), u, v), (**u).clone());
                    (Rule::GeneralPower, mul(g.clone(), Expr::bin(BinOp::Add, by_exponent, by_base)))
                }
                _ => return no_rule(op.token()),
            }
        }
        Expr::Function { func, args } if args.len() == 1 => match outer_derivative(*func, &args[0]) {
            Some(outer) => (Rule::Chain(*func), times(outer, &args[0], v)),
            None => return no_rule(func.token()),
        },
        Expr::Function { func, .. } => return no_rule(func.token()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn one(g: &str) -> (Rule, String) {
        let (r, e) = rule(&parse(g).unwrap(), "x").unwrap();
        (r, e.to_polish())
    }

    #[test]
    fn each_rule_on_an_example() {
        let cases = [
            ("(* 3 y)", Rule::Constant, "0"),
            ("x", Rule::Variable, "1"),
            ("(+ x (sin x))", Rule::Sum, "(+ (derive x x) (derive (sin x) x))"),
            ("(- (^ x 2) 4)", Rule::Difference, "(- (derive (^ x 2) x) (derive 4 x))"),
            ("(neg (exp x))", Rule::Negation, "(neg (derive (exp x) x))"),
            ("(* -3 (cos x))", Rule::ConstantMultiple, "(* -3 (derive (cos x) x))"),
            ("(* (ln x) 5)", Rule::ConstantMultiple, "(* 5 (derive (ln x) x))"),
            ("(* 7 x)", Rule::ConstantMultiple, "7"),
            ("(* x (sin x))", Rule::Product, "(+ (sin x) (* x (derive (sin x) x)))"),
            ("(* (exp x) (+ x 1))", Rule::Product, "(+ (* (derive (exp x) x) (+ x 1)) (* (exp x) (derive (+ x 1) x)))"),
            ("(/ (sin x) 4)", Rule::ConstantDivisor, "(/ (derive (sin x) x) 4)"),
            ("(/ 3 (+ x 2))", Rule::ConstantNumerator, "(neg (/ (* 3 (derive (+ x 2) x)) (^ (+ x 2) 2)))"),
            ("(/ x (ln x))", Rule::Quotient, "(/ (- (ln x) (* x (derive (ln x) x))) (^ (ln x) 2))"),
            ("(^ x 4)", Rule::Power, "(* 4 (^ x 3))"),
            ("(^ x 2)", Rule::Power, "(* 2 x)"),
            ("(^ (sin x) 1/2)", Rule::Power, "(* (* 1/2 (^ (sin x) -1/2)) (derive (sin x) x))"),
            ("(^ x a)", Rule::Power, "(* a (^ x (- a 1)))"),
            ("(^ 2 x)", Rule::Exponential, "(* (^ 2 x) (ln 2))"),
            ("(^ x x)", Rule::GeneralPower, "(* (^ x x) (+ (ln x) (/ x x)))"),
            ("(sin (* 2 x))", Rule::Chain(Func::Sin), "(* (cos (* 2 x)) (derive (* 2 x) x))"),
            ("(cos x)", Rule::Chain(Func::Cos), "(neg (sin x))"),
            ("(tan x)", Rule::Chain(Func::Tan), "(/ 1 (^ (cos x) 2))"),
            ("(exp (- x 1))", Rule::Chain(Func::Exp), "(* (exp (- x 1)) (derive (- x 1) x))"),
            ("(ln x)", Rule::Chain(Func::Ln), "(/ 1 x)"),
            ("(log x)", Rule::Chain(Func::Log), "(/ 1 (* x (ln 10)))"),
            ("(sqrt (+ x 1))", Rule::Chain(Func::Sqrt), "(* (/ 1 (* 2 (sqrt (+ x 1)))) (derive (+ x 1) x))"),
            ("(abs x)", Rule::Chain(Func::Abs), "(/ x (abs x))"),
        ];
        for (g, r, want) in cases {
            assert_eq!(one(g), (r, want.to_string()), "{g}");
        }
    }

    #[test]
    fn no_rule_is_an_error_that_names_it() {
        let e = rule(&parse("(floor x)").unwrap(), "x").unwrap_err();
        assert!(e.message.contains("no step rule differentiates floor"), "{}", e.message);
        assert!(rule(&parse("(mod x 3)").unwrap(), "x").is_err());
        assert_eq!(rule(&parse("(^ x -9223372036854775808)").unwrap(), "x").unwrap_err().kind, ErrorKind::Overflow);
    }
}
