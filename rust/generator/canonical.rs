//! The canonical form that decides when two rows are the same problem.
//!
//! It is structural, not the engine's simplified form: `+` and `*` are
//! flattened and their operands sorted (commutativity and associativity), the
//! two sides of `=` are sorted, and a level-3 row's bindings are part of it.
//! Nothing is folded: folding `(+ 2 3)` to `5` would make every arithmetic
//! problem with the same answer "the same problem".

use crate::engine::{BinOp, Expr, UnaryOp, Value};

fn value_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Rational(p, q) => format!("{p}/{q}"),
        Value::Float(f) => format!("{f:?}"),
        Value::Symbol(s) => s.clone(),
    }
}

fn collect_operands<'a>(e: &'a Expr, op: BinOp, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::BinOp { op: o, left, right } if *o == op => {
            collect_operands(left, op, out);
            collect_operands(right, op, out);
        }
        _ => out.push(e),
    }
}

/// The canonical text of an expression.
pub fn canonical_expr(e: &Expr) -> String {
    match e {
        Expr::Value(v) => value_text(v),
        Expr::UnaryOp { op: UnaryOp::Neg, operand } => format!("(neg {})", canonical_expr(operand)),
        Expr::BinOp { op, left, right } => {
            let mut parts: Vec<String> = match op {
                BinOp::Add | BinOp::Mul => {
                    let mut operands = Vec::new();
                    collect_operands(e, *op, &mut operands);
                    let mut parts: Vec<String> = operands.into_iter().map(canonical_expr).collect();
                    parts.sort_unstable();
                    parts
                }
                BinOp::Eq => {
                    let mut parts = vec![canonical_expr(left), canonical_expr(right)];
                    parts.sort_unstable();
                    parts
                }
                _ => vec![canonical_expr(left), canonical_expr(right)],
            };
            parts.insert(0, op.token().to_string());
            format!("({})", parts.join(" "))
        }
        Expr::Function { func, args } => {
            let mut s = format!("({}", func.token());
            for a in args {
                s.push(' ');
                s.push_str(&canonical_expr(a));
            }
            s.push(')');
            s
        }
    }
}

/// The canonical key of a row: its input's canonical text plus its bindings
/// (sorted by name; values printed exactly).
pub fn canonical_key(input: &Expr, bindings: &[(String, f64)]) -> String {
    let mut key = canonical_expr(input);
    if !bindings.is_empty() {
        let mut sorted: Vec<&(String, f64)> = bindings.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        key.push_str(" |");
        for (name, v) in sorted {
            key.push_str(&format!(" {name}={v:?}"));
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Expr {
        Expr::Value(Value::Integer(i))
    }
    fn sym(s: &str) -> Expr {
        Expr::Value(Value::Symbol(s.into()))
    }
    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::BinOp { op, left: Box::new(a), right: Box::new(b) }
    }

    #[test]
    fn commutative_and_associative_forms_coincide() {
        let a = bin(BinOp::Add, int(2), bin(BinOp::Add, sym("x"), int(3)));
        let b = bin(BinOp::Add, bin(BinOp::Add, int(3), int(2)), sym("x"));
        assert_eq!(canonical_expr(&a), canonical_expr(&b));
        assert_eq!(canonical_expr(&a), "(+ 2 3 x)");
    }

    #[test]
    fn non_commutative_forms_and_values_stay_apart() {
        assert_ne!(
            canonical_expr(&bin(BinOp::Sub, int(2), sym("x"))),
            canonical_expr(&bin(BinOp::Sub, sym("x"), int(2)))
        );
        // Same value, different problems.
        assert_ne!(
            canonical_expr(&bin(BinOp::Add, int(2), int(3))),
            canonical_expr(&bin(BinOp::Add, int(1), int(4)))
        );
    }

    #[test]
    fn bindings_are_part_of_the_key() {
        let e = bin(BinOp::Add, sym("x"), int(3));
        let k1 = canonical_key(&e, &[("x".into(), 2.0)]);
        let k2 = canonical_key(&e, &[("x".into(), 2.5)]);
        assert_ne!(k1, k2);
        let two = canonical_key(&bin(BinOp::Add, sym("x"), sym("y")), &[("y".into(), 1.0), ("x".into(), 2.0)]);
        assert_eq!(two, "(+ x y) | x=2.0 y=1.0");
    }
}
