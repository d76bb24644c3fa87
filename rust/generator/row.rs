//! A curriculum row and its JSON line (field order as in docs/design.md).

use crate::engine::Expr;
use crate::steps::Precision;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub id: String,
    pub level: u8,
    pub input_polish: String,
    pub input_expr: Expr,
    pub expected_result: Option<f64>,
    pub expected_symbolic: Option<String>,
    pub bindings: Vec<(String, f64)>,
    /// Level 7 only: every real root, sorted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solutions: Option<Vec<f64>>,
    /// How close an answer must be: `"exact"`, or a relative tolerance (absolute below 1).
    #[serde(serialize_with = "precision_json")]
    pub precision: Precision,
    /// Every row whose problem has a step trace (`crate::steps::derivation`):
    /// the lines of solving it step by step, each checked, its value last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<String>>,
}

/// `"exact"` or the tolerance as a number.
fn precision_json<S: Serializer>(p: &Precision, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Precision::Exact => s.serialize_str("exact"),
        Precision::Within(tol) => s.serialize_f64(*tol),
    }
}

/// The `precision` field's JSON value read back: `None` when it is neither form.
pub fn precision_of_json(v: &serde_json::Value) -> Option<Precision> {
    match v {
        serde_json::Value::String(s) if s == "exact" => Some(Precision::Exact),
        serde_json::Value::Number(n) => n.as_f64().filter(|t| *t > 0.0 && *t < 1.0).map(Precision::Within),
        _ => None,
    }
}

/// `L2-00001`: level and 1-based position in the level's file order.
pub fn row_id(level: u8, index: u64) -> String {
    format!("L{level}-{:05}", index + 1)
}

impl Row {
    /// One JSON line, without the newline.
    pub fn to_json_line(&self) -> String {
        // Serialising plain data with finite floats cannot fail.
        serde_json::to_string(self).expect("a row serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BinOp, Value};

    #[test]
    fn json_line_has_the_seed_schema() {
        let row = Row {
            id: row_id(2, 0),
            level: 2,
            input_polish: "(+ 2 3)".into(),
            input_expr: Expr::BinOp {
                op: BinOp::Add,
                left: Box::new(Expr::Value(Value::Integer(2))),
                right: Box::new(Expr::Value(Value::Integer(3))),
            },
            expected_result: Some(5.0),
            expected_symbolic: None,
            bindings: vec![],
            solutions: None,
            precision: Precision::Exact,
            steps: Some(vec!["5".into()]),
        };
        assert_eq!(
            row.to_json_line(),
            r#"{"id":"L2-00001","level":2,"input_polish":"(+ 2 3)","input_expr":{"BinOp":{"op":"Add","left":{"Value":{"Integer":2}},"right":{"Value":{"Integer":3}}}},"expected_result":5.0,"expected_symbolic":null,"bindings":[],"precision":"exact","steps":["5"]}"#
        );
    }
}
