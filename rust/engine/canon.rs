//! The simplifier: a canonical form for expressions.
//!
//! An [`Expr`] is read into a [`Node`] (by `super::simplify::to_canon`)
//! through smart constructors ([`add`], [`mul`], [`pow`], [`func`]) that keep
//! every node canonical:
//! - a sum is `constant + Σ coeff·term`, flattened, like terms merged, terms
//!   ordered by degree (highest first) then by a fixed total order;
//! - a product is `coeff · Π base^exp`, flattened, equal bases merged
//!   (`x·x = x^2`), factors in the fixed order; a number times a sum is
//!   distributed (`2(x+1) = 2x+2`);
//! - constants fold exactly (`(sin 0) = 0`, `(sqrt 4) = 2`, `(ln 1) = 0`),
//!   irrational values of exact numbers stay symbolic (`(sqrt 2)`, `(ln 2)`),
//!   floats fold to floats;
//! - `sqrt a` is `a^(1/2)`, `e^a` is `exp a`, `exp (ln a) = a`, `ln (exp a) = a`.
//!
//! Each constructor does a bounded amount of work on already-canonical
//! inputs (one merge pass and at most one re-merge), so simplification is a
//! single bottom-up pass and always terminates. [`to_expr`] prints a node
//! back: `x - 3` as `(- x 3)`, `x/2` as `(/ x 2)`, `x^(1/2)` as `(sqrt x)`.

use super::functions::function;
use super::expr::{BinOp, Expr, Func, Value};
use super::limits::charge;
use super::number::{division_by_zero, Num};
use crate::error::Result;
use std::cmp::Ordering;

/// The forms the simplifier keeps as they are (apart from simplifying inside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Held {
    Eq,
    Solve,
    Integrate,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Num(Num),
    Sym(String),
    /// `constant + Σ coeff·term`; at least one term, and at least two items.
    Add(Box<AddNode>),
    /// `coeff · Π base^exp`; never a lone factor `b^1` with coefficient 1.
    Mul(Box<MulNode>),
    /// A one-argument function other than sqrt (which is a power).
    Func(Func, Box<Node>),
    Mod(Box<Node>, Box<Node>),
    Held(Held, Vec<Node>),
}

#[derive(Debug, Clone)]
pub(crate) struct AddNode {
    pub constant: Num,
    /// (coefficient, term): a term is never a number, a sum, or a product with
    /// a coefficient other than 1.
    pub terms: Vec<(Num, Node)>,
}

#[derive(Debug, Clone)]
pub(crate) struct MulNode {
    pub coeff: Num,
    /// (base, exponent); bases distinct and ordered.
    pub factors: Vec<(Node, Node)>,
}

impl Node {
    pub fn int(i: i64) -> Node {
        Node::Num(Num::int(i))
    }
    pub fn sym(s: &str) -> Node {
        Node::Sym(s.to_string())
    }
    pub fn as_num(&self) -> Option<Num> {
        match self {
            Node::Num(n) => Some(*n),
            _ => None,
        }
    }
    pub fn is_zero(&self) -> bool {
        matches!(self, Node::Num(n) if n.is_zero())
    }
    pub fn is_one(&self) -> bool {
        matches!(self, Node::Num(n) if n.is_one())
    }

    /// True when the symbol `var` occurs in the node.
    pub fn contains(&self, var: &str) -> bool {
        match self {
            Node::Num(_) => false,
            Node::Sym(s) => s == var,
            Node::Add(a) => a.terms.iter().any(|(_, t)| t.contains(var)),
            Node::Mul(m) => m.factors.iter().any(|(b, e)| b.contains(var) || e.contains(var)),
            Node::Func(_, a) => a.contains(var),
            Node::Mod(a, b) => a.contains(var) || b.contains(var),
            Node::Held(_, args) => args.iter().any(|a| a.contains(var)),
        }
    }

    /// Number of nodes (a number in a sum or product counts as one).
    pub fn size(&self) -> usize {
        match self {
            Node::Num(_) | Node::Sym(_) => 1,
            Node::Add(a) => 1 + a.terms.iter().map(|(_, t)| 1 + t.size()).sum::<usize>(),
            Node::Mul(m) => 1 + m.factors.iter().map(|(b, e)| b.size() + e.size()).sum::<usize>(),
            Node::Func(_, a) => 1 + a.size(),
            Node::Mod(a, b) => 1 + a.size() + b.size(),
            Node::Held(_, args) => 1 + args.iter().map(Node::size).sum::<usize>(),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Node::Num(_) => 0,
            Node::Sym(_) => 1,
            Node::Mul(_) => 2,
            Node::Add(_) => 3,
            Node::Func(..) => 4,
            Node::Mod(..) => 5,
            Node::Held(..) => 6,
        }
    }

    /// Polynomial degree used to order the terms of a sum (highest first).
    fn degree(&self) -> f64 {
        match self {
            Node::Sym(s) => {
                if s == "pi" || s == "e" {
                    0.0
                } else {
                    1.0
                }
            }
            Node::Mul(m) => m
                .factors
                .iter()
                .map(|(b, e)| match e {
                    Node::Num(n) => n.to_f64() * b.degree(),
                    _ => 0.0,
                })
                .sum(),
            Node::Add(a) => a.terms.iter().map(|(_, t)| t.degree()).fold(0.0, f64::max),
            _ => 0.0,
        }
    }
}

/// The fixed total order behind every canonical ordering.
pub(crate) fn cmp_node(a: &Node, b: &Node) -> Ordering {
    let r = a.rank().cmp(&b.rank());
    if r != Ordering::Equal {
        return r;
    }
    match (a, b) {
        (Node::Num(x), Node::Num(y)) => x.total_cmp(y),
        (Node::Sym(x), Node::Sym(y)) => {
            let cx = x == "pi" || x == "e";
            let cy = y == "pi" || y == "e";
            cy.cmp(&cx).then_with(|| x.cmp(y))
        }
        (Node::Mul(x), Node::Mul(y)) => {
            for ((bx, ex), (by, ey)) in x.factors.iter().zip(&y.factors) {
                let r = cmp_node(bx, by).then_with(|| cmp_node(ex, ey));
                if r != Ordering::Equal {
                    return r;
                }
            }
            x.factors.len().cmp(&y.factors.len()).then_with(|| x.coeff.total_cmp(&y.coeff))
        }
        (Node::Add(x), Node::Add(y)) => {
            for ((cx, tx), (cy, ty)) in x.terms.iter().zip(&y.terms) {
                let r = cmp_node(tx, ty).then_with(|| cx.total_cmp(cy));
                if r != Ordering::Equal {
                    return r;
                }
            }
            x.terms.len().cmp(&y.terms.len()).then_with(|| x.constant.total_cmp(&y.constant))
        }
        (Node::Func(f, x), Node::Func(g, y)) => f.cmp(g).then_with(|| cmp_node(x, y)),
        (Node::Mod(a1, b1), Node::Mod(a2, b2)) => cmp_node(a1, a2).then_with(|| cmp_node(b1, b2)),
        (Node::Held(h1, x), Node::Held(h2, y)) => h1.cmp(h2).then_with(|| {
            for (p, q) in x.iter().zip(y) {
                let r = cmp_node(p, q);
                if r != Ordering::Equal {
                    return r;
                }
            }
            x.len().cmp(&y.len())
        }),
        _ => Ordering::Equal,
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        cmp_node(self, other) == Ordering::Equal
    }
}

/// Splits a node into (numeric coefficient, the rest with coefficient 1).
pub(crate) fn split_coeff(n: Node) -> (Num, Node) {
    match n {
        Node::Num(k) => (k, Node::int(1)),
        Node::Mul(m) if !m.coeff.is_one() => {
            let MulNode { coeff, factors } = *m;
            (coeff, rebuild_mul(Num::ONE, factors))
        }
        other => (Num::ONE, other),
    }
}

/// A product from already merged, ordered factors (no further rewriting).
pub(crate) fn rebuild_mul(coeff: Num, mut factors: Vec<(Node, Node)>) -> Node {
    if factors.is_empty() {
        return Node::Num(coeff);
    }
    if coeff.is_one() && factors.len() == 1 && factors[0].1.is_one() {
        return factors.pop().expect("one factor").0;
    }
    Node::Mul(Box::new(MulNode { coeff, factors }))
}

/// `coeff · term` for a term of a sum.
fn scale(coeff: Num, term: Node) -> Node {
    if coeff.is_one() {
        return term;
    }
    match term {
        // Through rebuild_mul, so that -1 · (-x) is the symbol x, not a product of one factor.
        Node::Mul(m) => rebuild_mul(coeff.mul(m.coeff), m.factors),
        Node::Num(k) => Node::Num(coeff.mul(k)),
        other => Node::Mul(Box::new(MulNode { coeff, factors: vec![(other, Node::int(1))] })),
    }
}

/// The canonical sum of `items`.
pub(crate) fn add(items: Vec<Node>) -> Result<Node> {
    charge(items.len() as u64)?;
    let mut constant = Num::ZERO;
    let mut terms: Vec<(Num, Node)> = Vec::with_capacity(items.len() + 2);
    for item in items {
        match item {
            Node::Num(k) => constant = constant.add(k),
            Node::Add(a) => {
                charge(a.terms.len() as u64)?;
                constant = constant.add(a.constant);
                terms.extend(a.terms);
            }
            other => terms.push(split_coeff_term(other)),
        }
    }
    constant.check("a sum")?;
    terms.sort_by(|a, b| cmp_node(&a.1, &b.1));
    let mut merged: Vec<(Num, Node)> = Vec::with_capacity(terms.len());
    for (c, t) in terms {
        match merged.last_mut() {
            Some((c0, t0)) if *t0 == t => *c0 = c0.add(c),
            _ => merged.push((c, t)),
        }
    }
    merged.retain(|(c, _)| !c.is_zero());
    for (c, _) in &merged {
        c.check("a coefficient")?;
    }
    if merged.is_empty() {
        return Ok(Node::Num(constant));
    }
    if constant.is_zero() {
        constant = Num::ZERO;
        if merged.len() == 1 {
            let (c, t) = merged.pop().expect("one term");
            return Ok(scale(c, t));
        }
    }
    merged.sort_by(|a, b| b.1.degree().total_cmp(&a.1.degree()).then_with(|| cmp_node(&a.1, &b.1)));
    Ok(Node::Add(Box::new(AddNode { constant, terms: merged })))
}

fn split_coeff_term(n: Node) -> (Num, Node) {
    let (c, t) = split_coeff(n);
    (c, t)
}

/// The canonical product of `items`.
pub(crate) fn mul(items: Vec<Node>) -> Result<Node> {
    let mut coeff = Num::ONE;
    let mut factors: Vec<(Node, Node)> = Vec::with_capacity(items.len() + 2);
    for item in items {
        push_factor(item, &mut coeff, &mut factors);
    }
    charge(factors.len() as u64 + 1)?;
    // Merging can turn a factor into a number or a product (2^(1/2)·2^(1/2) = 2),
    // whose factors may merge again: two passes are plenty for canonical inputs.
    for _pass in 0..2 {
        if coeff.is_zero() {
            return Ok(Node::Num(coeff));
        }
        factors.sort_by(|a, b| cmp_node(&a.0, &b.0).then_with(|| cmp_node(&a.1, &b.1)));
        let mut merged: Vec<(Node, Node)> = Vec::with_capacity(factors.len());
        let mut changed = false;
        for (b, e) in factors {
            match merged.last_mut() {
                Some((b0, e0)) if *b0 == b => {
                    let sum = add(vec![std::mem::replace(e0, Node::int(0)), e])?;
                    *e0 = sum;
                    changed = true;
                }
                _ => merged.push((b, e)),
            }
        }
        if !changed {
            factors = merged;
            break;
        }
        factors = Vec::with_capacity(merged.len());
        for (b, e) in merged {
            let p = pow(b, e)?;
            push_factor(p, &mut coeff, &mut factors);
        }
    }
    coeff.check("a product")?;
    if coeff.is_zero() {
        return Ok(Node::Num(coeff));
    }
    if factors.is_empty() {
        return Ok(Node::Num(coeff));
    }
    // A number times one sum is distributed: 2(x+1) = 2x + 2.
    if factors.len() == 1 && factors[0].1.is_one() && !coeff.is_one() {
        if let Node::Add(_) = factors[0].0 {
            let (Node::Add(a), _) = factors.pop().expect("one factor") else { unreachable!("matched above") };
            let AddNode { constant, terms } = *a;
            let terms = terms.into_iter().map(|(c, t)| (c.mul(coeff), t)).collect();
            return add_from_parts(constant.mul(coeff), terms);
        }
    }
    // With other factors too, the number goes into the first sum, so that the
    // printed form reads back unchanged: 2(x+1)sin x is (2x+2)sin x, because
    // `(* (* 2 (+ x 1)) (sin x))` would distribute on reading (so would -1:
    // `(/ (neg (- x 1)) x)` reads back as (1-x)/x).
    if !coeff.is_one() {
        if let Some(i) = factors.iter().position(|(b, e)| matches!(b, Node::Add(_)) && e.is_one()) {
            let (Node::Add(a), _) = factors.remove(i) else { unreachable!("matched above") };
            let AddNode { constant, terms } = *a;
            let terms = terms.into_iter().map(|(c, t)| (c.mul(coeff), t)).collect();
            let mut items = vec![add_from_parts(constant.mul(coeff), terms)?];
            for (b, e) in factors {
                items.push(pow(b, e)?);
            }
            return mul(items);
        }
    }
    Ok(rebuild_mul(coeff, factors))
}

/// A sum whose terms are already merged and ordered (scaling keeps both).
fn add_from_parts(constant: Num, terms: Vec<(Num, Node)>) -> Result<Node> {
    constant.check("a sum")?;
    for (c, _) in &terms {
        c.check("a coefficient")?;
    }
    let items: Vec<Node> = std::iter::once(Node::Num(constant)).chain(terms.into_iter().map(|(c, t)| scale(c, t))).collect();
    add(items)
}

fn push_factor(item: Node, coeff: &mut Num, factors: &mut Vec<(Node, Node)>) {
    match item {
        Node::Num(k) => *coeff = coeff.mul(k),
        Node::Mul(m) => {
            *coeff = coeff.mul(m.coeff);
            factors.extend(m.factors);
        }
        other => factors.push((other, Node::int(1))),
    }
}

fn is_int_num(n: &Node) -> bool {
    matches!(n, Node::Num(k) if k.is_integer())
}

/// The canonical power `base ^ exp`.
pub(crate) fn pow(base: Node, exp: Node) -> Result<Node> {
    charge(1)?;
    if let Node::Num(e) = &exp {
        if e.is_zero() {
            return Ok(Node::Num(if e.is_exact() { Num::ONE } else { Num::Float(1.0) }));
        }
        if e.is_one() {
            return Ok(base);
        }
    }
    match (&base, &exp) {
        (Node::Num(b), Node::Num(e)) => {
            if let Some(exact) = b.pow_exact(*e)? {
                return Ok(Node::Num(exact.check("a power")?));
            }
            if !b.is_exact() || !e.is_exact() {
                return Ok(Node::Num(b.pow(*e)?));
            }
            // An irrational power of an exact number stays symbolic: (sqrt 2).
            return Ok(Node::Mul(Box::new(MulNode { coeff: Num::ONE, factors: vec![(base, exp)] })));
        }
        (Node::Num(b), _) if b.is_one() => return Ok(Node::int(1)),
        (Node::Sym(s), _) if s == "e" => return func(Func::Exp, exp),
        _ => {}
    }
    if let Node::Mul(m) = &base {
        if is_int_num(&exp) {
            // (c·Π b^e)^n = c^n · Π b^(e·n) for an integer n.
            let Node::Mul(m) = base else { unreachable!("matched above") };
            let Node::Num(n) = exp else { unreachable!("integer exponent") };
            let MulNode { coeff, factors } = *m;
            let mut items = Vec::with_capacity(factors.len() + 1);
            items.push(Node::Num(coeff.pow(n)?));
            for (b, e) in factors {
                items.push(pow(b, mul(vec![e, Node::Num(n)])?)?);
            }
            return mul(items);
        }
        // (b^a)^r = b^(a·r) when a is a non-integer number (b >= 0 wherever b^a is real).
        if m.coeff.is_one() && m.factors.len() == 1 {
            if let Node::Num(a) = &m.factors[0].1 {
                if !a.is_integer() {
                    let Node::Mul(m) = base else { unreachable!("matched above") };
                    let (b, a) = m.factors.into_iter().next().expect("one factor");
                    return pow(b, mul(vec![a, exp])?);
                }
            }
        }
    }
    if let (Node::Num(b), Node::Num(e)) = (&base, &exp) {
        if b.is_zero() && e.is_negative() {
            return Err(division_by_zero());
        }
    }
    Ok(Node::Mul(Box::new(MulNode { coeff: Num::ONE, factors: vec![(base, exp)] })))
}

/// `k` when the node is `k·pi` for a rational `k` (or `pi` itself, or 0).
fn pi_multiple(n: &Node) -> Option<Num> {
    match n {
        Node::Num(k) if k.is_exact() && k.is_zero() => Some(Num::ZERO),
        Node::Sym(s) if s == "pi" => Some(Num::ONE),
        Node::Mul(m) if m.coeff.is_exact() && m.factors.len() == 1 => match &m.factors[0] {
            (Node::Sym(s), e) if s == "pi" && e.is_one() => Some(m.coeff),
            _ => None,
        },
        _ => None,
    }
}

/// A product with a negative numeric coefficient, negated (for odd/even symmetry).
fn negated_if_negative(n: &Node) -> Option<Node> {
    match n {
        Node::Mul(m) if m.coeff.is_negative() => Some(scale(Num::MINUS_ONE, n.clone())),
        _ => None,
    }
}

/// The canonical one-argument function `f(arg)` (not sqrt: that is a power).
pub(crate) fn func(f: Func, arg: Node) -> Result<Node> {
    charge(1)?;
    if f == Func::Sqrt {
        return pow(arg, Node::Num(Num::Rat(1, 2)));
    }
    if let Node::Num(x) = arg {
        let r = function(f, x)?;
        // Exact inputs stay exact: an irrational value such as (ln 2) stays symbolic.
        if r.is_exact() || !x.is_exact() {
            return Ok(Node::Num(r));
        }
        return Ok(Node::Func(f, Box::new(arg)));
    }
    match f {
        Func::Sin | Func::Cos | Func::Tan => {
            if let Some(k) = pi_multiple(&arg) {
                // sin(k·pi), cos(k·pi), tan(k·pi) for integer and half-integer k.
                let twice = k.mul(Num::int(2));
                if let Some(t) = twice.as_int() {
                    let even = t.rem_euclid(2) == 0;
                    let quarter = t.rem_euclid(4); // k mod 2, in halves
                    let v = match (f, even) {
                        (Func::Sin, true) => Some(0),
                        (Func::Sin, false) => Some(if quarter == 1 { 1 } else { -1 }),
                        (Func::Cos, true) => Some(if quarter == 0 { 1 } else { -1 }),
                        (Func::Cos, false) => Some(0),
                        (Func::Tan, true) => Some(0),
                        _ => None,
                    };
                    match v {
                        Some(v) => return Ok(Node::int(v)),
                        None => {
                            return Err(super::number::domain(format!(
                                "domain error: tan is undefined at {} pi",
                                super::number::fmt_num(k)
                            )))
                        }
                    }
                }
            }
            if let Some(pos) = negated_if_negative(&arg) {
                let inner = Node::Func(f, Box::new(pos));
                return Ok(if f == Func::Cos { inner } else { scale(Num::MINUS_ONE, inner) });
            }
        }
        Func::Exp => {
            if let Node::Func(Func::Ln, inner) = arg {
                return Ok(*inner);
            }
        }
        Func::Ln => match &arg {
            Node::Func(Func::Exp, _) => {
                let Node::Func(_, inner) = arg else { unreachable!("matched above") };
                return Ok(*inner);
            }
            Node::Sym(s) if s == "e" => return Ok(Node::int(1)),
            _ => {}
        },
        Func::Abs => {
            if let Node::Func(Func::Abs, _) = arg {
                return Ok(arg);
            }
            if let Node::Mul(m) = &arg {
                if m.coeff.is_negative() || !m.coeff.is_one() {
                    let (c, rest) = split_coeff(arg.clone());
                    return mul(vec![Node::Num(c.abs()), func(Func::Abs, rest)?]);
                }
                // |b^(2k)| = b^(2k)
                if m.factors.iter().all(|(_, e)| matches!(e, Node::Num(k) if k.as_int().is_some_and(|i| i % 2 == 0))) {
                    return Ok(arg);
                }
            }
        }
        Func::Floor | Func::Ceil => {
            if let Node::Func(g, _) = &arg {
                if matches!(g, Func::Floor | Func::Ceil) {
                    return Ok(arg);
                }
            }
        }
        _ => {}
    }
    Ok(Node::Func(f, Box::new(arg)))
}

/// `a mod b`.
pub(crate) fn modulo(a: Node, b: Node) -> Result<Node> {
    match (&a, &b) {
        (Node::Num(x), Node::Num(y)) => Ok(Node::Num(x.modulo(*y)?)),
        (_, Node::Num(y)) if y.is_zero() => Err(division_by_zero()),
        _ => Ok(Node::Mod(Box::new(a), Box::new(b))),
    }
}

/// `k · n` for any node.
pub(crate) fn scale_node(k: Num, n: Node) -> Result<Node> {
    mul(vec![Node::Num(k), n])
}

/// Prints a canonical node back as an expression.
pub(crate) fn to_expr(n: &Node) -> Expr {
    match n {
        Node::Num(k) => num_expr(*k),
        Node::Sym(s) => Expr::sym(s),
        Node::Add(a) => {
            let mut acc: Option<Expr> = None;
            for (c, t) in &a.terms {
                acc = Some(match acc {
                    None => term_expr(*c, t),
                    Some(prev) if c.is_negative() => Expr::bin(BinOp::Sub, prev, term_expr(c.neg(), t)),
                    Some(prev) => Expr::bin(BinOp::Add, prev, term_expr(*c, t)),
                });
            }
            let acc = acc.expect("a sum has terms");
            let k = a.constant;
            if k.is_zero() {
                acc
            } else if k.is_negative() {
                Expr::bin(BinOp::Sub, acc, num_expr(k.neg()))
            } else {
                Expr::bin(BinOp::Add, acc, num_expr(k))
            }
        }
        Node::Mul(m) => product_expr(m.coeff, &m.factors),
        Node::Func(f, a) => Expr::call(*f, to_expr(a)),
        Node::Mod(a, b) => Expr::bin(BinOp::Mod, to_expr(a), to_expr(b)),
        Node::Held(h, args) => {
            let mut args: Vec<Expr> = args.iter().map(to_expr).collect();
            match h {
                Held::Eq => {
                    let r = args.pop().expect("two sides");
                    let l = args.pop().expect("two sides");
                    Expr::bin(BinOp::Eq, l, r)
                }
                Held::Solve => Expr::func(Func::Solve, args),
                Held::Integrate => Expr::func(Func::Integrate, args),
            }
        }
    }
}

pub(crate) fn num_expr(k: Num) -> Expr {
    match k {
        Num::Rat(n, 1) => Expr::int(n),
        Num::Rat(n, d) => Expr::Value(Value::Rational(n, d)),
        Num::Float(x) => Expr::float(x),
    }
}

fn term_expr(c: Num, t: &Node) -> Expr {
    match t {
        Node::Mul(m) => product_expr(c.mul(m.coeff), &m.factors),
        other => product_expr(c, std::slice::from_ref(&(other.clone(), Node::int(1)))),
    }
}

fn power_expr(b: &Node, e: &Node) -> Expr {
    match e {
        Node::Num(k) if k.is_one() => to_expr(b),
        Node::Num(Num::Rat(1, 2)) => Expr::call(Func::Sqrt, to_expr(b)),
        _ => Expr::bin(BinOp::Pow, to_expr(b), to_expr(e)),
    }
}

fn fold(op: BinOp, items: Vec<Expr>) -> Expr {
    let mut it = items.into_iter();
    let first = it.next().expect("at least one item");
    it.fold(first, |acc, x| Expr::bin(op, acc, x))
}

/// `coeff · Π b^e` as `(* c a b)`, `(neg a)`, or `(/ num den)` when there are
/// negative exponents or a fractional coefficient.
fn product_expr(coeff: Num, factors: &[(Node, Node)]) -> Expr {
    let mut num_parts = Vec::new();
    let mut den_parts = Vec::new();
    for (b, e) in factors {
        match e {
            Node::Num(k) if k.is_negative() => den_parts.push(power_expr(b, &Node::Num(k.neg()))),
            _ => num_parts.push(power_expr(b, e)),
        }
    }
    // 1/(4(x+1)) is printed (/ 1/4 (+ x 1)): `(* 4 (+ x 1))` would distribute on reading.
    let sum_below = factors.iter().any(|(b, e)| matches!(b, Node::Add(_)) && matches!(e, Node::Num(k) if k.is_minus_one()));
    let (top, bottom) = match coeff {
        Num::Rat(p, q) if !sum_below => (Num::int(p), q),
        f => (f, 1),
    };
    let numerator = if num_parts.is_empty() {
        num_expr(top)
    } else if top.is_one() {
        fold(BinOp::Mul, num_parts)
    } else if top.is_minus_one() {
        Expr::neg(fold(BinOp::Mul, num_parts))
    } else {
        num_parts.insert(0, num_expr(top));
        fold(BinOp::Mul, num_parts)
    };
    if bottom == 1 && den_parts.is_empty() {
        return numerator;
    }
    if bottom != 1 {
        den_parts.insert(0, Expr::int(bottom));
    }
    Expr::bin(BinOp::Div, numerator, fold(BinOp::Mul, den_parts))
}

impl Node {
    /// True when any symbol other than `pi` and `e` occurs.
    pub fn contains_any_symbol(&self) -> bool {
        match self {
            Node::Num(_) => false,
            Node::Sym(s) => s != "pi" && s != "e",
            Node::Add(a) => a.terms.iter().any(|(_, t)| t.contains_any_symbol()),
            Node::Mul(m) => m.factors.iter().any(|(b, e)| b.contains_any_symbol() || e.contains_any_symbol()),
            Node::Func(_, a) => a.contains_any_symbol(),
            Node::Mod(a, b) => a.contains_any_symbol() || b.contains_any_symbol(),
            Node::Held(_, args) => args.iter().any(|a| a.contains_any_symbol()),
        }
    }
}

