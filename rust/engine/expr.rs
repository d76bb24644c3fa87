//! The expression tree. Its serde form is the seed's externally tagged JSON:
//! `{"BinOp":{"op":"Add","left":{"Value":{"Integer":2}},"right":{"Value":{"Integer":3}}}}`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    Value(Value),
    BinOp { op: BinOp, left: Box<Expr>, right: Box<Expr> },
    UnaryOp { op: UnaryOp, operand: Box<Expr> },
    Function { func: Func, args: Vec<Expr> },
}

/// A leaf. `pi` and `e` are symbols the evaluator knows as constants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Integer(i64),
    Float(f64),
    Symbol(String),
    /// numerator, denominator; kept in lowest terms with a positive denominator.
    Rational(i64, i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Mod,
    /// `(= lhs rhs)`, only meaningful inside `solve`.
    Eq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UnaryOp {
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Log,
    Sqrt,
    Abs,
    Floor,
    Ceil,
    /// `(derive f x)`
    Derive,
    /// `(integrate f x lo hi)`
    Integrate,
    /// `(solve (= lhs rhs) x)`
    Solve,
}
