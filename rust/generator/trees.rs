//! Small tree constructors and weighted choice, shared by the level samplers.

use crate::engine::number::gcd;
use crate::engine::{BinOp, Expr, Func, UnaryOp, Value};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub type Rng8 = ChaCha8Rng;

pub fn int(i: i64) -> Expr {
    Expr::Value(Value::Integer(i))
}

pub fn sym(name: &str) -> Expr {
    Expr::Value(Value::Symbol(name.to_string()))
}

pub fn bin(op: BinOp, left: Expr, right: Expr) -> Expr {
    Expr::BinOp { op, left: Box::new(left), right: Box::new(right) }
}

pub fn add(a: Expr, b: Expr) -> Expr {
    bin(BinOp::Add, a, b)
}
pub fn sub(a: Expr, b: Expr) -> Expr {
    bin(BinOp::Sub, a, b)
}
pub fn mul(a: Expr, b: Expr) -> Expr {
    bin(BinOp::Mul, a, b)
}
pub fn div(a: Expr, b: Expr) -> Expr {
    bin(BinOp::Div, a, b)
}
pub fn pow(a: Expr, b: Expr) -> Expr {
    bin(BinOp::Pow, a, b)
}

pub fn neg(a: Expr) -> Expr {
    Expr::UnaryOp { op: UnaryOp::Neg, operand: Box::new(a) }
}

pub fn call(func: Func, arg: Expr) -> Expr {
    Expr::Function { func, args: vec![arg] }
}

pub fn call_n(func: Func, args: Vec<Expr>) -> Expr {
    Expr::Function { func, args }
}

/// `p/q` as a tree: an integer when `q` divides `p`, else `(/ p q)` in lowest terms.
pub fn ratio(p: i64, q: i64) -> Expr {
    let g = gcd(p as i128, q as i128).max(1) as i64;
    let (mut p, mut q) = (p / g, q / g);
    if q < 0 {
        p = -p;
        q = -q;
    }
    if q == 1 {
        int(p)
    } else {
        div(int(p), int(q))
    }
}

/// `c * t` written the way a person would: `t`, `(neg t)` or `(* c t)`;
/// `t = 1` stands for a constant term and gives the literal `c`.
pub fn scaled(c: i64, t: Expr) -> Expr {
    if t == int(1) {
        return int(c);
    }
    match c {
        1 => t,
        -1 => neg(t),
        _ => mul(int(c), t),
    }
}

/// Sum of terms `c_i * t_i` (coefficient 0 dropped), writing a negative
/// coefficient as a subtraction half the time. `None` when every term is 0.
pub fn signed_sum(rng: &mut Rng8, terms: Vec<(i64, Expr)>) -> Option<Expr> {
    let mut acc: Option<Expr> = None;
    for (c, t) in terms {
        if c == 0 {
            continue;
        }
        acc = Some(match acc {
            None => scaled(c, t),
            Some(a) => {
                if c < 0 && rng.random_bool(0.5) {
                    sub(a, scaled(-c, t))
                } else {
                    add(a, scaled(c, t))
                }
            }
        });
    }
    acc
}

/// A weighted choice among `items`.
pub fn pick<T: Copy>(rng: &mut Rng8, items: &[(u32, T)]) -> T {
    let total: u32 = items.iter().map(|(w, _)| w).sum();
    let mut r = rng.random_range(0..total);
    for (w, item) in items {
        if r < *w {
            return *item;
        }
        r -= w;
    }
    items[items.len() - 1].1
}

/// A uniform integer in `lo..=hi` other than 0.
pub fn nonzero(rng: &mut Rng8, lo: i64, hi: i64) -> i64 {
    loop {
        let v = rng.random_range(lo..=hi);
        if v != 0 {
            return v;
        }
    }
}

pub fn contains_symbol(e: &Expr, var: &str) -> bool {
    match e {
        Expr::Value(Value::Symbol(s)) => s == var,
        Expr::Value(_) => false,
        Expr::BinOp { left, right, .. } => contains_symbol(left, var) || contains_symbol(right, var),
        Expr::UnaryOp { operand, .. } => contains_symbol(operand, var),
        Expr::Function { args, .. } => args.iter().any(|a| contains_symbol(a, var)),
    }
}

pub fn size(e: &Expr) -> usize {
    match e {
        Expr::Value(_) => 1,
        Expr::BinOp { left, right, .. } => 1 + size(left) + size(right),
        Expr::UnaryOp { operand, .. } => 1 + size(operand),
        Expr::Function { args, .. } => 1 + args.iter().map(size).sum::<usize>(),
    }
}

pub fn depth(e: &Expr) -> usize {
    match e {
        Expr::Value(_) => 1,
        Expr::BinOp { left, right, .. } => 1 + depth(left).max(depth(right)),
        Expr::UnaryOp { operand, .. } => 1 + depth(operand),
        Expr::Function { args, .. } => 1 + args.iter().map(depth).max().unwrap_or(0),
    }
}

/// The symbols in `e` other than the constants `pi` and `e`, sorted, unique.
pub fn free_symbols(e: &Expr) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        match e {
            Expr::Value(Value::Symbol(s)) => {
                if s != "pi" && s != "e" {
                    out.push(s.clone());
                }
            }
            Expr::Value(_) => {}
            Expr::BinOp { left, right, .. } => {
                walk(left, out);
                walk(right, out);
            }
            Expr::UnaryOp { operand, .. } => walk(operand, out),
            Expr::Function { args, .. } => args.iter().for_each(|a| walk(a, out)),
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out.sort();
    out.dedup();
    out
}
