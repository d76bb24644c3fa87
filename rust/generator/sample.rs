//! The level samplers: one random problem per candidate stream.
//!
//! Each level draws random expression trees (shapes, operators, constants and
//! depths all random) from the distribution documented in docs/generator.md.
//! A sampler may refuse its draw (`None`: division by zero, a value out of
//! range, a degenerate tree); the cheap checks that decide this use the
//! independent f64 evaluator, the expensive verification comes later.

use super::numeric;
use crate::engine::number::gcd;
use super::trees::*;
use crate::engine::{BinOp, Expr, Func};
use rand::seq::IndexedRandom;
use rand::Rng;

/// One candidate problem, before the engine answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub level: u8,
    /// The full input, including the `derive` / `integrate` / `solve` wrapper.
    pub input: Expr,
    /// Level 3: every free symbol's value, sorted by name. Empty otherwise.
    pub bindings: Vec<(String, f64)>,
    /// Level 7: the real roots the equation was built around, sorted, distinct.
    pub planted_roots: Vec<f64>,
}

/// Largest |answer| accepted for the value levels (1-4, 6).
pub const MAX_ANSWER: f64 = 1e6;

pub fn sample(level: u8, rng: &mut Rng8) -> Option<Problem> {
    let (input, bindings, planted_roots) = match level {
        1 => (level1(rng)?, vec![], vec![]),
        2 => (level2(rng)?, vec![], vec![]),
        3 => {
            let (e, b) = level3(rng)?;
            (e, b, vec![])
        }
        4 => (level4(rng)?, vec![], vec![]),
        5 => (level5(rng)?, vec![], vec![]),
        6 => (level6(rng)?, vec![], vec![]),
        7 => {
            let (e, roots) = level7(rng)?;
            (e, vec![], roots)
        }
        _ => return None,
    };
    Some(Problem { level, input, bindings, planted_roots })
}

/// Accepts a value-level tree when it evaluates, within range.
fn in_range(e: &Expr, env: &[(String, f64)]) -> bool {
    matches!(numeric::value(e, env), Ok(v) if v.abs() <= MAX_ANSWER)
}

// ---------------------------------------------------------------- level 1

/// An operand of level 1: mostly small, sometimes negative or three-digit.
fn operand1(rng: &mut Rng8) -> i64 {
    match pick(rng, &[(50, 0), (30, 1), (20, 2)]) {
        0 => rng.random_range(0..=20),
        1 => rng.random_range(-100..=100),
        _ => rng.random_range(100..=999),
    }
}

/// One operation on integer literals.
fn level1(rng: &mut Rng8) -> Option<Expr> {
    #[derive(Clone, Copy)]
    enum K {
        Bin(BinOp),
        Neg,
    }
    let k = pick(
        rng,
        &[
            (25, K::Bin(BinOp::Add)),
            (22, K::Bin(BinOp::Sub)),
            (20, K::Bin(BinOp::Mul)),
            (15, K::Bin(BinOp::Div)),
            (7, K::Bin(BinOp::Mod)),
            (8, K::Bin(BinOp::Pow)),
            (3, K::Neg),
        ],
    );
    let e = match k {
        K::Neg => neg(int(operand1(rng))),
        K::Bin(op @ (BinOp::Add | BinOp::Sub)) => bin(op, int(operand1(rng)), int(operand1(rng))),
        K::Bin(BinOp::Mul) => {
            let a = rng.random_range(-30..=30);
            let b = if rng.random_bool(0.2) { rng.random_range(-200..=200) } else { rng.random_range(-30..=30) };
            mul(int(a), int(b))
        }
        K::Bin(BinOp::Div) => {
            if rng.random_bool(0.5) {
                // Exact quotient.
                let b = nonzero(rng, -12, 12);
                let q = rng.random_range(-25..=25);
                div(int(b * q), int(b))
            } else {
                div(int(rng.random_range(-100..=100)), int(nonzero(rng, -20, 20)))
            }
        }
        K::Bin(BinOp::Mod) => bin(BinOp::Mod, int(rng.random_range(0..=200)), int(rng.random_range(2..=13))),
        K::Bin(_) => {
            if rng.random_bool(0.7) {
                pow(int(rng.random_range(-10..=10)), int(rng.random_range(0..=4)))
            } else {
                pow(int(rng.random_range(2..=3)), int(rng.random_range(5..=10)))
            }
        }
    };
    in_range(&e, &[]).then_some(e)
}

// ---------------------------------------------------------------- level 2

fn leaf2(rng: &mut Rng8) -> Expr {
    int(match pick(rng, &[(60, 0), (25, 1), (15, 2)]) {
        0 => rng.random_range(1..=12),
        1 => rng.random_range(0..=20),
        _ => rng.random_range(-20..=-1),
    })
}

/// A random arithmetic tree of at most `depth` operator levels; `leaf` draws
/// the leaves. Internal nodes: + - * / neg, and ^ with a literal exponent.
fn arith_tree(rng: &mut Rng8, depth: u32, p_leaf: f64, leaf: &mut dyn FnMut(&mut Rng8) -> Expr) -> Expr {
    if depth == 0 || rng.random_bool(p_leaf) {
        return leaf(rng);
    }
    #[derive(Clone, Copy)]
    enum K {
        Bin(BinOp),
        Neg,
        Square,
    }
    match pick(
        rng,
        &[
            (30, K::Bin(BinOp::Add)),
            (24, K::Bin(BinOp::Sub)),
            (24, K::Bin(BinOp::Mul)),
            (12, K::Bin(BinOp::Div)),
            (5, K::Neg),
            (5, K::Square),
        ],
    ) {
        K::Bin(op) => {
            let l = arith_tree(rng, depth - 1, p_leaf, leaf);
            let r = arith_tree(rng, depth - 1, p_leaf, leaf);
            bin(op, l, r)
        }
        K::Neg => neg(arith_tree(rng, depth - 1, p_leaf, leaf)),
        K::Square => {
            let b = arith_tree(rng, depth - 1, p_leaf.max(0.5), leaf);
            pow(b, int(rng.random_range(2..=3)))
        }
    }
}

fn is_op(e: &Expr) -> bool {
    !matches!(e, Expr::Value(_))
}

/// Nested operations on integers: 2-4 operator levels, at least one nesting.
fn level2(rng: &mut Rng8) -> Option<Expr> {
    let depth = pick(rng, &[(40, 2), (40, 3), (20, 4)]);
    let e = if rng.random_bool(0.06) {
        // A `mod` of literals inside a larger expression.
        let m = bin(BinOp::Mod, int(rng.random_range(0..=60)), int(rng.random_range(2..=9)));
        let other = arith_tree(rng, depth - 1, 0.3, &mut leaf2);
        let op = pick(rng, &[(1, BinOp::Add), (1, BinOp::Sub), (1, BinOp::Mul)]);
        if rng.random_bool(0.5) { bin(op, m, other) } else { bin(op, other, m) }
    } else {
        let op = pick(rng, &[(30, BinOp::Add), (25, BinOp::Sub), (30, BinOp::Mul), (15, BinOp::Div)]);
        bin(op, arith_tree(rng, depth - 1, 0.3, &mut leaf2), arith_tree(rng, depth - 1, 0.3, &mut leaf2))
    };
    let nested = match &e {
        Expr::BinOp { left, right, .. } => is_op(left) || is_op(right),
        _ => false,
    };
    (nested && size(&e) <= 25 && in_range(&e, &[])).then_some(e)
}

// ---------------------------------------------------------------- level 3

const VARIABLE_NAMES: [&str; 8] = ["x", "y", "z", "a", "b", "n", "t", "w"];

fn binding_value(rng: &mut Rng8) -> f64 {
    match pick(rng, &[(65, 0), (25, 1), (10, 2)]) {
        0 => rng.random_range(-10..=10) as f64,
        1 => rng.random_range(-19..=19) as f64 / 2.0,
        _ => rng.random_range(-20..=20) as f64 / 4.0,
    }
}

/// Arithmetic trees over 1-3 variables, with a value bound to each.
fn level3(rng: &mut Rng8) -> Option<(Expr, Vec<(String, f64)>)> {
    let k = pick(rng, &[(50, 1usize), (35, 2), (15, 3)]);
    let names: Vec<&str> = if rng.random_bool(0.6) {
        ["x", "y", "z"][..k].to_vec()
    } else {
        VARIABLE_NAMES.choose_multiple(rng, k).copied().collect()
    };
    let depth = pick(rng, &[(20, 1), (45, 2), (35, 3)]);
    let mut leaf = |r: &mut Rng8| {
        if r.random_bool(0.5) {
            sym(names.choose(r).expect("k >= 1"))
        } else {
            int(match pick(r, &[(70, 0), (30, 1)]) {
                0 => r.random_range(1..=9),
                _ => r.random_range(-12..=20),
            })
        }
    };
    let op = pick(rng, &[(30, BinOp::Add), (25, BinOp::Sub), (30, BinOp::Mul), (15, BinOp::Div)]);
    let e = bin(op, arith_tree(rng, depth - 1, 0.35, &mut leaf), arith_tree(rng, depth - 1, 0.35, &mut leaf));
    let symbols = free_symbols(&e);
    if symbols.is_empty() || size(&e) > 21 {
        return None;
    }
    let bindings: Vec<(String, f64)> = symbols.into_iter().map(|s| (s, binding_value(rng))).collect();
    in_range(&e, &bindings).then_some((e, bindings))
}

// ---------------------------------------------------------------- level 4

fn small_ratio(rng: &mut Rng8) -> Expr {
    let q = rng.random_range(2..=9);
    let p = loop {
        let p = rng.random_range(-20..=20);
        if p % q != 0 {
            break p;
        }
    };
    ratio(p, q)
}

/// A multiple of pi: `pi`, `(/ pi m)`, `(* k pi)` or `(* k (/ pi m))`.
fn pi_multiple(rng: &mut Rng8) -> Expr {
    let m = *[2i64, 3, 4, 6, 12].choose(rng).expect("nonempty");
    let k = nonzero(rng, -5, 5);
    match pick(rng, &[(15, 0), (35, 1), (15, 2), (35, 3)]) {
        0 => sym("pi"),
        1 => div(sym("pi"), int(m)),
        2 => mul(int(k), sym("pi")),
        _ => mul(int(k), div(sym("pi"), int(m))),
    }
}

fn arith_small(rng: &mut Rng8) -> Expr {
    let mut leaf = |r: &mut Rng8| int(r.random_range(-9..=12));
    let op = pick(rng, &[(1, BinOp::Add), (1, BinOp::Sub), (1, BinOp::Mul), (1, BinOp::Div)]);
    bin(op, arith_tree(rng, 1, 0.5, &mut leaf), arith_tree(rng, 1, 0.6, &mut leaf))
}

/// One function application with an argument chosen to lie in its domain
/// (and to give exact or well-known values often: sin of pi/6, ln of e^k).
fn func_term(rng: &mut Rng8, nest: u32) -> Expr {
    let f = pick(
        rng,
        &[
            (14, Func::Sin),
            (14, Func::Cos),
            (6, Func::Tan),
            (12, Func::Exp),
            (12, Func::Ln),
            (7, Func::Log),
            (14, Func::Sqrt),
            (9, Func::Abs),
            (6, Func::Floor),
            (6, Func::Ceil),
        ],
    );
    let inner = |rng: &mut Rng8| if nest > 0 { func_term(rng, nest - 1) } else { arith_small(rng) };
    let arg = match f {
        Func::Sin | Func::Cos | Func::Tan => match pick(rng, &[(8, 0), (45, 1), (20, 2), (27, 3)]) {
            0 => int(0),
            1 => pi_multiple(rng),
            2 => {
                if rng.random_bool(0.5) {
                    int(rng.random_range(-4..=4))
                } else {
                    small_ratio(rng)
                }
            }
            _ => inner(rng),
        },
        Func::Exp => match pick(rng, &[(40, 0), (15, 1), (15, 2), (30, 3)]) {
            0 => int(rng.random_range(-3..=4)),
            1 => call(Func::Ln, int(rng.random_range(1..=20))),
            2 => small_ratio(rng),
            _ => inner(rng),
        },
        Func::Ln => match pick(rng, &[(35, 0), (25, 1), (15, 2), (25, 3)]) {
            0 => int(rng.random_range(1..=100)),
            1 => match rng.random_range(0..3) {
                0 => sym("e"),
                1 => pow(sym("e"), int(rng.random_range(-3..=5))),
                _ => call(Func::Exp, int(rng.random_range(-3..=5))),
            },
            2 => div(int(rng.random_range(1..=20)), int(rng.random_range(2..=9))),
            _ => inner(rng),
        },
        Func::Log => match pick(rng, &[(40, 0), (30, 1), (30, 2)]) {
            0 => {
                if rng.random_bool(0.5) {
                    int(10i64.pow(rng.random_range(0..=5)))
                } else {
                    pow(int(10), int(rng.random_range(-3..=6)))
                }
            }
            1 => int(rng.random_range(1..=1000)),
            _ => inner(rng),
        },
        Func::Sqrt => match pick(rng, &[(45, 0), (25, 1), (30, 2)]) {
            0 => int(rng.random_range(0..=20i64).pow(2)),
            1 => int(rng.random_range(0..=200)),
            _ => inner(rng),
        },
        Func::Abs => match pick(rng, &[(40, 0), (60, 1)]) {
            0 => int(rng.random_range(-50..=50)),
            _ => inner(rng),
        },
        _ => match pick(rng, &[(50, 0), (30, 1), (20, 2)]) {
            0 => small_ratio(rng),
            1 => {
                if nest > 0 {
                    let k = rng.random_range(2..=10);
                    mul(int(k), func_term(rng, nest - 1))
                } else {
                    arith_small(rng)
                }
            }
            _ => arith_small(rng),
        },
    };
    call(f, arg)
}

/// Function applications, alone or combined with arithmetic.
fn level4(rng: &mut Rng8) -> Option<Expr> {
    let nest = pick(rng, &[(60, 0u32), (40, 1)]);
    let e = if rng.random_bool(0.45) {
        func_term(rng, nest)
    } else {
        let mut leaf = |r: &mut Rng8| {
            if r.random_bool(0.7) {
                func_term(r, nest)
            } else {
                int(r.random_range(-9..=12))
            }
        };
        let op = pick(rng, &[(30, BinOp::Add), (25, BinOp::Sub), (30, BinOp::Mul), (15, BinOp::Div)]);
        let depth = pick(rng, &[(70, 1), (30, 2)]);
        let e = bin(op, arith_tree(rng, depth - 1, 0.4, &mut leaf), arith_tree(rng, depth - 1, 0.4, &mut leaf));
        if !has_function(&e) {
            return None;
        }
        e
    };
    (size(&e) <= 25 && in_range(&e, &[])).then_some(e)
}

fn has_function(e: &Expr) -> bool {
    match e {
        Expr::Function { .. } => true,
        Expr::Value(_) => false,
        Expr::BinOp { left, right, .. } => has_function(left) || has_function(right),
        Expr::UnaryOp { operand, .. } => has_function(operand),
    }
}

// ---------------------------------------------------------------- level 5

fn pick_var(rng: &mut Rng8) -> &'static str {
    pick(rng, &[(70, "x"), (10, "t"), (10, "y"), (10, "z")])
}

/// A linear argument: `x`, `(* k x)`, `(+ x k)` or `(+ (* k x) m)`.
fn linear(rng: &mut Rng8, v: &str) -> Expr {
    let k = nonzero(rng, -5, 6);
    let m = nonzero(rng, -9, 9);
    match pick(rng, &[(30, 0), (30, 1), (20, 2), (20, 3)]) {
        0 => sym(v),
        1 => scaled(k, sym(v)),
        2 => {
            if m > 0 {
                add(sym(v), int(m))
            } else {
                sub(sym(v), int(-m))
            }
        }
        _ => add(scaled(k, sym(v)), int(m)),
    }
}

/// A random differentiable tree in `v`: sums, products, quotients, integer
/// powers and compositions with sin cos tan exp ln sqrt.
fn diff_tree(rng: &mut Rng8, v: &str, depth: u32) -> Expr {
    if depth == 0 {
        return match pick(rng, &[(55, 0), (20, 1), (25, 2)]) {
            0 => sym(v),
            1 => int(rng.random_range(1..=9)),
            _ => linear(rng, v),
        };
    }
    match pick(rng, &[(22, 0), (20, 1), (8, 2), (20, 3), (30, 4)]) {
        0 => {
            let (a, b) = (diff_tree(rng, v, depth - 1), diff_tree(rng, v, depth - 1));
            if rng.random_bool(0.6) { add(a, b) } else { sub(a, b) }
        }
        1 => {
            if rng.random_bool(0.45) {
                mul(int(nonzero(rng, -9, 9)), diff_tree(rng, v, depth - 1))
            } else {
                mul(diff_tree(rng, v, depth - 1), diff_tree(rng, v, depth - 1))
            }
        }
        2 => {
            let den = if rng.random_bool(0.6) { linear(rng, v) } else { diff_tree(rng, v, depth - 1) };
            div(diff_tree(rng, v, depth - 1), den)
        }
        3 => {
            if rng.random_bool(0.6) {
                pow(sym(v), int(rng.random_range(2..=6)))
            } else {
                pow(diff_tree(rng, v, depth - 1), int(rng.random_range(2..=3)))
            }
        }
        _ => {
            let f = pick(
                rng,
                &[(24, Func::Sin), (24, Func::Cos), (20, Func::Exp), (14, Func::Ln), (12, Func::Sqrt), (6, Func::Tan)],
            );
            let arg = if rng.random_bool(0.55) { linear(rng, v) } else { diff_tree(rng, v, depth - 1) };
            call(f, arg)
        }
    }
}

/// `(derive f v)` for a random tree `f` in `v`.
fn level5(rng: &mut Rng8) -> Option<Expr> {
    let v = pick_var(rng);
    let depth = pick(rng, &[(25, 1), (45, 2), (30, 3)]);
    let f = diff_tree(rng, v, depth);
    if !contains_symbol(&f, v) || size(&f) > 16 || matches!(f, Expr::Value(_)) {
        return None;
    }
    Some(call_n(Func::Derive, vec![f, sym(v)]))
}

// ---------------------------------------------------------------- level 6

#[derive(Clone, Copy, PartialEq)]
enum Term6 {
    Power,
    Sin,
    Cos,
    Exp,
    Reciprocal,
    Sqrt,
    LinearPower,
    XExp,
    XTrig,
}

/// A coefficient: mostly a small integer, sometimes a fraction.
fn coefficient(rng: &mut Rng8) -> Expr {
    if rng.random_bool(0.8) {
        int(nonzero(rng, -9, 9))
    } else {
        small_ratio(rng)
    }
}

fn term6(rng: &mut Rng8, kind: Term6, v: &str) -> Expr {
    let x = || sym(v);
    let body = match kind {
        Term6::Power => match rng.random_range(0..=5) {
            0 => return coefficient(rng),
            1 => x(),
            n => pow(x(), int(n)),
        },
        Term6::Sin | Term6::Cos => {
            let k = nonzero(rng, -4, 4);
            let arg = if k == 1 { x() } else { mul(int(k), x()) };
            call(if kind == Term6::Sin { Func::Sin } else { Func::Cos }, arg)
        }
        Term6::Exp => {
            let k = nonzero(rng, -2, 2);
            call(Func::Exp, if k == 1 { x() } else { mul(int(k), x()) })
        }
        Term6::Reciprocal => {
            let a = rng.random_range(0..=3);
            return div(coefficient(rng), if a == 0 { x() } else { add(x(), int(a)) });
        }
        Term6::Sqrt => call(Func::Sqrt, x()),
        Term6::LinearPower => {
            let a = nonzero(rng, -3, 3);
            let b = nonzero(rng, -4, 4);
            pow(add(scaled(a, x()), int(b)), int(rng.random_range(2..=3)))
        }
        Term6::XExp => mul(x(), call(Func::Exp, x())),
        Term6::XTrig => mul(x(), call(if rng.random_bool(0.5) { Func::Sin } else { Func::Cos }, x())),
    };
    if rng.random_bool(0.3) {
        return body;
    }
    match coefficient(rng) {
        Expr::Value(crate::engine::Value::Integer(c)) => scaled(c, body),
        c => mul(c, body),
    }
}

/// A bound given in halves: an integer, or `(/ k 2)` for odd `k`.
fn half_bound(twice: i64) -> Expr {
    if twice % 2 == 0 {
        int(twice / 2)
    } else {
        div(int(twice), int(2))
    }
}

/// `(integrate f v lo hi)`: f a sum of 1-3 terms with elementary antiderivatives.
fn level6(rng: &mut Rng8) -> Option<Expr> {
    let v = pick_var(rng);
    let count = pick(rng, &[(45, 1), (40, 2), (15, 3)]);
    let mut kinds = Vec::new();
    let mut terms = Vec::new();
    for _ in 0..count {
        let kind = pick(
            rng,
            &[
                (34, Term6::Power),
                (12, Term6::Sin),
                (12, Term6::Cos),
                (12, Term6::Exp),
                (8, Term6::Reciprocal),
                (6, Term6::Sqrt),
                (8, Term6::LinearPower),
                (4, Term6::XExp),
                (4, Term6::XTrig),
            ],
        );
        kinds.push(kind);
        terms.push(term6(rng, kind, v));
    }
    let mut f = terms.pop().expect("count >= 1");
    while let Some(t) = terms.pop() {
        f = if rng.random_bool(0.7) { add(t, f) } else { sub(t, f) };
    }
    let needs_positive = kinds.iter().any(|k| matches!(k, Term6::Reciprocal | Term6::Sqrt));
    let trig_only = kinds.iter().all(|k| matches!(k, Term6::Sin | Term6::Cos));
    let (lo, hi) = if trig_only && rng.random_bool(0.3) {
        // Bounds in multiples of pi for trigonometric integrands.
        let hi = match rng.random_range(0..4) {
            0 => sym("pi"),
            1 => div(sym("pi"), int(2)),
            2 => div(sym("pi"), int(rng.random_range(3..=6))),
            _ => mul(int(2), sym("pi")),
        };
        let lo = if rng.random_bool(0.8) { int(0) } else { neg(div(sym("pi"), int(rng.random_range(2..=4)))) };
        (lo, hi)
    } else {
        // Integer bounds mostly; a half-integer bound 15% of the time.
        let halves = rng.random_bool(0.15);
        let step = if halves { 1 } else { 2 };
        let lo_min = if kinds.contains(&Term6::Reciprocal) { 1 } else if needs_positive { 0 } else { -3 };
        let lo2 = rng.random_range(lo_min * 2 / step..=3 * 2 / step) * step;
        let hi2 = lo2 + rng.random_range(1..=8 / step) * step;
        (half_bound(lo2), half_bound(hi2))
    };
    if size(&f) > 24 {
        return None;
    }
    Some(call_n(Func::Integrate, vec![f, sym(v), lo, hi]))
}

// ---------------------------------------------------------------- level 7

/// A root: mostly an integer, sometimes a fraction p/q.
fn planted_root(rng: &mut Rng8) -> (i64, i64) {
    if rng.random_bool(0.75) {
        (rng.random_range(-15..=15), 1)
    } else {
        let q: i64 = rng.random_range(2..=5);
        let p: i64 = loop {
            let p = rng.random_range(-20..=20);
            if p % q != 0 {
                break p;
            }
        };
        let g = gcd(p as i128, q as i128) as i64;
        (p / g, q / g)
    }
}

/// A random tree equal to `a*v + b` (a, b integers), in one of several shapes.
fn linear_form(rng: &mut Rng8, v: &str, a: i64, b: i64) -> Expr {
    let x = || sym(v);
    match pick(rng, &[(40, 0), (15, 1), (15, 2), (15, 3), (15, 4)]) {
        // a x + b, terms in either order
        0 => {
            let terms = if rng.random_bool(0.75) { vec![(a, x()), (b, int(1))] } else { vec![(b, int(1)), (a, x())] };
            sum_or_zero(rng, terms)
        }
        // a (x + b/a) when a divides b
        1 if a != 0 && b % a == 0 => {
            let c = b / a;
            let inner = if c >= 0 { add(x(), int(c)) } else { sub(x(), int(-c)) };
            scaled(a, inner)
        }
        // (a1 x + b1) + (a2 x + b2), split at random
        2 => {
            let a1 = nonzero(rng, -6, 6);
            let b1 = rng.random_range(-9..=9);
            let (a2, b2) = (a - a1, b - b1);
            let l = sum_or_zero(rng, vec![(a1, x()), (b1, int(1))]);
            match sum_or_zero(rng, vec![(a2, x()), (b2, int(1))]) {
                Expr::Value(crate::engine::Value::Integer(0)) => l,
                r => add(l, r),
            }
        }
        // k (x + c) + d
        3 => {
            let c = rng.random_range(-6..=6);
            let inner = if c >= 0 { add(x(), int(c)) } else { sub(x(), int(-c)) };
            let d = b - a * c;
            add(scaled(a, inner), int(d))
        }
        // (a x + b), with a subtraction of a scaled x
        _ => {
            let extra = nonzero(rng, 1, 5);
            sub(sum_or_zero(rng, vec![(a + extra, x()), (b, int(1))]), scaled(extra, x()))
        }
    }
}

/// `c*v^2 + d*v + f` written as a sum with some terms perhaps moved.
fn quadratic_terms(a: i64, b: i64, c: i64, v: &str) -> Vec<(i64, Expr)> {
    vec![(a, pow(sym(v), int(2))), (b, sym(v)), (c, int(1))]
}

fn sum_or_zero(rng: &mut Rng8, terms: Vec<(i64, Expr)>) -> Expr {
        signed_sum(rng, terms).unwrap_or_else(|| int(0))
}

/// `(solve (= lhs rhs) v)` built around planted roots.
fn level7(rng: &mut Rng8) -> Option<(Expr, Vec<f64>)> {
    let v = pick_var(rng);
    let x = || sym(v);
    let kind = pick(rng, &[(38, 0), (40, 1), (22, 2)]);
    let (lhs, rhs, mut roots): (Expr, Expr, Vec<f64>) = match kind {
        0 => {
            // Linear, x on one or both sides: A1 x + B1 = A2 x + B2 with root p/q.
            let (p, q) = planted_root(rng);
            let a1 = nonzero(rng, -12, 12) * q;
            let (a2, b1) = if rng.random_bool(0.35) {
                (loop {
                    let a2 = rng.random_range(-8..=8) * q;
                    if a2 != a1 {
                        break a2;
                    }
                }, rng.random_range(-20..=20))
            } else {
                (0, rng.random_range(-30..=30))
            };
            // (a1 - a2) * p/q + b1 = b2
            let b2 = (a1 - a2) / q * p + b1;
            let lhs = linear_form(rng, v, a1, b1);
            let rhs = if a2 == 0 { int(b2) } else { linear_form(rng, v, a2, b2) };
            (lhs, rhs, vec![p as f64 / q as f64])
        }
        1 => {
            // Quadratic around roots r1, r2 (integers, a fraction, or h +- sqrt(k)).
            match pick(rng, &[(55, 0), (20, 1), (25, 2)]) {
                0 | 1 => {
                    let r1 = rng.random_range(-9..=9);
                    let r2 = if rng.random_bool(0.1) { r1 } else { rng.random_range(-9..=9) };
                    let a = nonzero(rng, -4, 4);
                    let factored = rng.random_bool(0.2);
                    let lin = |r: i64| if r >= 0 { sub(x(), int(r)) } else { add(x(), int(-r)) };
                    let (b, c) = (-a * (r1 + r2), a * r1 * r2);
                    if factored {
                        (scaled(a, mul(lin(r1), lin(r2))), int(0), vec![r1 as f64, r2 as f64])
                    } else if rng.random_bool(0.6) {
                        (sum_or_zero(rng, quadratic_terms(a, b, c, v)), int(0), vec![r1 as f64, r2 as f64])
                    } else {
                        // Move the constant (and maybe the linear term) to the right.
                        let k = rng.random_range(-10..=10);
                        if rng.random_bool(0.5) {
                            (sum_or_zero(rng, vec![(a, pow(x(), int(2))), (b, x()), (k, int(1))]), int(k - c), vec![r1 as f64, r2 as f64])
                        } else {
                            (sum_or_zero(rng, vec![(a, pow(x(), int(2))), (k, int(1))]), sum_or_zero(rng, vec![(-b, x()), (k - c, int(1))]), vec![r1 as f64, r2 as f64])
                        }
                    }
                }
                _ => {
                    // (x - h)^2 = k with k > 0 not a square: irrational roots h +- sqrt(k).
                    let h = rng.random_range(-6..=6);
                    let k = loop {
                        let k = rng.random_range(2..=30);
                        let s = (k as f64).sqrt() as i64;
                        if s * s != k {
                            break k;
                        }
                    };
                    let a = nonzero(rng, 1, 3);
                    let inner = if h >= 0 { sub(x(), int(h)) } else { add(x(), int(-h)) };
                    let s = (k as f64).sqrt();
                    (scaled(a, pow(inner, int(2))), int(a * k), vec![h as f64 - s, h as f64 + s])
                }
            }
        }
        _ => match pick(rng, &[(25, 0), (20, 1), (25, 2), (20, 3), (10, 4)]) {
            0 => {
                // exp(x + b) = k
                let b = rng.random_range(-3..=3);
                let k = rng.random_range(1..=50);
                let arg = if b == 0 { x() } else { add(x(), int(b)) };
                (call(Func::Exp, arg), int(k), vec![(k as f64).ln() - b as f64])
            }
            1 => {
                // ln(x + b) = k
                let b = rng.random_range(-5..=5);
                let k = rng.random_range(-2..=3);
                let arg = if b == 0 { x() } else { add(x(), int(b)) };
                (call(Func::Ln, arg), int(k), vec![(k as f64).exp() - b as f64])
            }
            2 => {
                // sqrt(a x + b) = k
                let a = nonzero(rng, 1, 4);
                let k = rng.random_range(1..=9);
                let b = rng.random_range(-10..=10);
                (call(Func::Sqrt, add(scaled(a, x()), int(b))), int(k), vec![(k * k - b) as f64 / a as f64])
            }
            3 => {
                // Cubic with three distinct integer roots, expanded.
                let mut r = [0i64; 3];
                loop {
                    for ri in r.iter_mut() {
                        *ri = rng.random_range(-5..=5);
                    }
                    if r[0] != r[1] && r[1] != r[2] && r[0] != r[2] {
                        break;
                    }
                }
                let (s1, s2, s3) = (r[0] + r[1] + r[2], r[0] * r[1] + r[1] * r[2] + r[0] * r[2], r[0] * r[1] * r[2]);
                let terms = vec![(1, pow(x(), int(3))), (-s1, pow(x(), int(2))), (s2, x()), (-s3, int(1))];
                (sum_or_zero(rng, terms), int(0), r.iter().map(|&v| v as f64).collect())
            }
            _ => {
                // x^3 = k^3 (one real root)
                let k = nonzero(rng, -6, 6);
                (pow(x(), int(3)), int(k * k * k), vec![k as f64])
            }
        },
    };
    if !contains_symbol(&lhs, v) && !contains_symbol(&rhs, v) {
        return None;
    }
    roots.sort_by(f64::total_cmp);
    roots.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    let (lhs, rhs) = if rng.random_bool(0.15) && !matches!(rhs, Expr::Value(_)) { (rhs, lhs) } else { (lhs, rhs) };
    let eq = bin(BinOp::Eq, lhs, rhs);
    Some((call_n(Func::Solve, vec![eq, sym(v)]), roots))
}
