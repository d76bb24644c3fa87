//! The expression tree. Its serde form is the seed's externally tagged JSON:
//! `{"BinOp":{"op":"Add","left":{"Value":{"Integer":2}},"right":{"Value":{"Integer":3}}}}`.

use super::limits::{MAX_NODES, MAX_TREE_DEPTH};
use crate::error::{Error, Result};
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
    /// `(gcd a b)`: the greatest common divisor of two integers, never negative.
    Gcd,
    /// `(div a b)`: the integer quotient of two integers, floored like `mod`.
    Div,
    /// `(cancel a b g)`: `a / b` written as `(a/g) / (b/g)`; `g` must divide both.
    Cancel,
}

/// The constants the engine knows by name.
pub const CONSTANTS: [&str; 2] = ["pi", "e"];

/// Every operator and function with the number of operands it takes as the
/// curriculum writes it (`integrate` with bounds, `-` binary; the parser also
/// reads `(integrate f x)` and `(- a)`). The brain numbers its tokens in this
/// order (`grapheme_lab.brain.vocab`): a new operator goes at the end, so that
/// the token ids of trained models stay where they were.
pub const OPERATORS: [(&str, usize); 24] = [
    ("+", 2), ("-", 2), ("*", 2), ("/", 2), ("^", 2), ("mod", 2), ("=", 2), ("gcd", 2), ("div", 2),
    ("neg", 1), ("sin", 1), ("cos", 1), ("tan", 1), ("exp", 1), ("ln", 1), ("log", 1), ("sqrt", 1),
    ("abs", 1), ("floor", 1), ("ceil", 1), ("derive", 2), ("integrate", 4), ("solve", 2), ("cancel", 3),
];

impl BinOp {
    /// The operator's token in Polish notation.
    pub fn token(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Mod => "mod",
            BinOp::Eq => "=",
        }
    }
    /// `+` and `*`: operand order does not matter.
    pub fn is_commutative(self) -> bool {
        matches!(self, BinOp::Add | BinOp::Mul)
    }
}

impl UnaryOp {
    pub fn token(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
        }
    }
}

impl Func {
    pub const ALL: [Func; 16] = [
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Exp,
        Func::Ln,
        Func::Log,
        Func::Sqrt,
        Func::Abs,
        Func::Floor,
        Func::Ceil,
        Func::Derive,
        Func::Integrate,
        Func::Solve,
        Func::Gcd,
        Func::Div,
        Func::Cancel,
    ];

    pub fn token(self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Exp => "exp",
            Func::Ln => "ln",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Derive => "derive",
            Func::Integrate => "integrate",
            Func::Solve => "solve",
            Func::Gcd => "gcd",
            Func::Div => "div",
            Func::Cancel => "cancel",
        }
    }

    pub fn from_token(token: &str) -> Option<Func> {
        Func::ALL.iter().copied().find(|f| f.token() == token)
    }

    /// The numbers of arguments the function takes (`integrate`: without or with bounds).
    pub fn arities(self) -> &'static [usize] {
        match self {
            Func::Derive | Func::Solve | Func::Gcd | Func::Div => &[2],
            Func::Integrate => &[2, 4],
            Func::Cancel => &[3],
            _ => &[1],
        }
    }

    /// `gcd`, `div` and `cancel`: defined on integers only, and with no symbolic form.
    pub fn is_integer_op(self) -> bool {
        matches!(self, Func::Gcd | Func::Div | Func::Cancel)
    }

    /// The calculus forms (`derive`, `integrate`, `solve`) as opposed to
    /// ordinary one-argument functions.
    pub fn is_calculus(self) -> bool {
        matches!(self, Func::Derive | Func::Integrate | Func::Solve)
    }
}

impl Value {
    /// Prints a leaf so that the parser reads back the same value
    /// (floats use Rust's shortest round-trip form, e.g. `2.0`, `1e-7`).
    pub fn write_polish(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            Value::Integer(i) => push_int(out, *i),
            Value::Float(x) => {
                let _ = write!(out, "{x:?}");
            }
            Value::Symbol(s) => out.push_str(s),
            Value::Rational(n, d) => {
                push_int(out, *n);
                out.push('/');
                push_int(out, *d);
            }
        }
    }
}

/// `i` in decimal, as `{i}` writes it, without the formatting machinery (the
/// step traces write millions of integers; formatting them was a tenth of a
/// level-6 row's time).
fn push_int(out: &mut String, i: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = i.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
}

/// Shorthand constructors, so that code building trees stays readable.
impl Expr {
    pub fn int(i: i64) -> Expr {
        Expr::Value(Value::Integer(i))
    }
    pub fn float(x: f64) -> Expr {
        Expr::Value(Value::Float(x))
    }
    pub fn sym(name: &str) -> Expr {
        Expr::Value(Value::Symbol(name.to_string()))
    }
    /// A rational leaf in lowest terms with a positive denominator
    /// (`den` must not be 0; an integer when the denominator reduces to 1).
    pub fn rational(num: i64, den: i64) -> Expr {
        let (n, d) = super::number::reduce(num as i128, den as i128)
            .expect("Expr::rational: zero denominator or overflow");
        if d == 1 {
            Expr::int(n)
        } else {
            Expr::Value(Value::Rational(n, d))
        }
    }
    pub fn bin(op: BinOp, left: Expr, right: Expr) -> Expr {
        Expr::BinOp { op, left: Box::new(left), right: Box::new(right) }
    }
    pub fn neg(operand: Expr) -> Expr {
        Expr::UnaryOp { op: UnaryOp::Neg, operand: Box::new(operand) }
    }
    pub fn func(func: Func, args: Vec<Expr>) -> Expr {
        Expr::Function { func, args }
    }
    pub fn call(func: Func, arg: Expr) -> Expr {
        Expr::Function { func, args: vec![arg] }
    }

    /// The Polish-notation text of the tree, e.g. `(+ (* 2 x) 3)`.
    /// `parse(&e.to_polish()) == Ok(e)` for every tree the parser can produce.
    pub fn to_polish(&self) -> String {
        let mut out = String::new();
        self.write_polish(&mut out);
        out
    }

    pub fn write_polish(&self, out: &mut String) {
        match self {
            Expr::Value(v) => v.write_polish(out),
            Expr::BinOp { op, left, right } => {
                out.push('(');
                out.push_str(op.token());
                out.push(' ');
                left.write_polish(out);
                out.push(' ');
                right.write_polish(out);
                out.push(')');
            }
            Expr::UnaryOp { op, operand } => {
                out.push('(');
                out.push_str(op.token());
                out.push(' ');
                operand.write_polish(out);
                out.push(')');
            }
            Expr::Function { func, args } => {
                out.push('(');
                out.push_str(func.token());
                for a in args {
                    out.push(' ');
                    a.write_polish(out);
                }
                out.push(')');
            }
        }
    }

    /// Number of nodes in the tree.
    pub fn size(&self) -> usize {
        match self {
            Expr::Value(_) => 1,
            Expr::BinOp { left, right, .. } => 1 + left.size() + right.size(),
            Expr::UnaryOp { operand, .. } => 1 + operand.size(),
            Expr::Function { args, .. } => 1 + args.iter().map(Expr::size).sum::<usize>(),
        }
    }

    /// Nesting depth (a leaf has depth 1).
    pub fn depth(&self) -> usize {
        match self {
            Expr::Value(_) => 1,
            Expr::BinOp { left, right, .. } => 1 + left.depth().max(right.depth()),
            Expr::UnaryOp { operand, .. } => 1 + operand.depth(),
            Expr::Function { args, .. } => 1 + args.iter().map(Expr::depth).max().unwrap_or(0),
        }
    }

    /// The children in order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Value(_) => vec![],
            Expr::BinOp { left, right, .. } => vec![left, right],
            Expr::UnaryOp { operand, .. } => vec![operand],
            Expr::Function { args, .. } => args.iter().collect(),
        }
    }

    /// The symbols other than the constants `pi` and `e`, sorted and unique.
    pub fn symbols(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Value(Value::Symbol(s)) => {
                    if !CONSTANTS.contains(&s.as_str()) {
                        out.push(s.clone());
                    }
                }
                Expr::Value(_) => {}
                _ => stack.extend(e.children()),
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// True when the symbol `var` occurs in the tree.
    pub fn contains_symbol(&self, var: &str) -> bool {
        // iterative (the tree may be deeper than the limits), one allocation a call, none a node
        let mut stack = Vec::with_capacity(32);
        stack.push(self);
        while let Some(e) = stack.pop() {
            match e {
                Expr::Value(Value::Symbol(s)) if s == var => return true,
                Expr::Value(_) => {}
                Expr::BinOp { left, right, .. } => {
                    stack.push(left);
                    stack.push(right);
                }
                Expr::UnaryOp { operand, .. } => stack.push(operand),
                Expr::Function { args, .. } => stack.extend(args.iter()),
            }
        }
        false
    }
}

impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_polish())
    }
}

impl Expr {
    /// The tree with every occurrence of the symbol `var` replaced by `value`.
    pub fn substitute(&self, var: &str, value: &Expr) -> Expr {
        match self {
            Expr::Value(Value::Symbol(s)) if s == var => value.clone(),
            Expr::Value(_) => self.clone(),
            Expr::BinOp { op, left, right } => Expr::bin(*op, left.substitute(var, value), right.substitute(var, value)),
            Expr::UnaryOp { op, operand } => Expr::UnaryOp { op: *op, operand: Box::new(operand.substitute(var, value)) },
            Expr::Function { func, args } => {
                Expr::Function { func: *func, args: args.iter().map(|a| a.substitute(var, value)).collect() }
            }
        }
    }
}

/// Rejects trees too deep or too large for the engine's recursive algorithms,
/// without recursing itself (the tree may come from JSON or from Rust code).
pub fn check_limits(e: &Expr) -> Result<()> {
    // Recursion no deeper than MAX_TREE_DEPTH + 1 (deeper fails), and no allocation (the step
    // checks call this on every line). The nodes are visited in the order of a stack that pushes
    // the children in order (the last child first), so the error a tree gets is the same.
    fn visit(node: &Expr, depth: usize, nodes: &mut usize) -> Result<()> {
        *nodes += 1;
        if depth > MAX_TREE_DEPTH {
            return Err(Error::limit(format!(
                "expression nested deeper than {MAX_TREE_DEPTH} levels"
            )));
        }
        if *nodes > MAX_NODES * 2 {
            return Err(Error::limit(format!(
                "expression has more than {} nodes",
                MAX_NODES * 2
            )));
        }
        match node {
            Expr::Value(_) => Ok(()),
            Expr::BinOp { left, right, .. } => {
                visit(right, depth + 1, nodes)?;
                visit(left, depth + 1, nodes)
            }
            Expr::UnaryOp { operand, .. } => visit(operand, depth + 1, nodes),
            Expr::Function { args, .. } => args.iter().rev().try_for_each(|c| visit(c, depth + 1, nodes)),
        }
    }
    visit(e, 1, &mut 0)
}

/// The error with the node that raised it named once, at the innermost level.
pub fn contextual(err: Error, node: &Expr) -> Error {
    if err.message.contains(" in (") {
        return err;
    }
    Error::new(err.kind, format!("{} in {}", err.message, node))
}

/// The variable named by the second argument of `derive`, `integrate` and `solve`.
pub fn variable(e: &Expr) -> Result<&str> {
    match e {
        Expr::Value(Value::Symbol(s)) if s != "pi" && s != "e" => Ok(s),
        other => Err(Error::invalid(format!("expected a variable, got {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_print_as_format_prints_them() {
        for i in [0, 1, -1, 9, 10, -10, 123456789, i64::MAX, i64::MIN, i64::MIN + 1, -1000000] {
            assert_eq!(Expr::int(i).to_polish(), format!("{i}"));
            assert_eq!(Value::Rational(i, 7).to_polish_string(), format!("{i}/7"));
        }
    }

    impl Value {
        fn to_polish_string(&self) -> String {
            let mut out = String::new();
            self.write_polish(&mut out);
            out
        }
    }
}
