//! What one innermost operation (an operation on numbers) becomes in a step.
//!
//! Its value, unless a rule writes it as operations a first-level row teaches
//! (each rule cites the measurement that made it one, in docs/training.md):
//!
//! - an operation on a fraction, over integers: `1/4 + 1/6` -> `(6 + 4) / (4*6)`;
//!   the value at once was a cross product, a sum and a reduction in one step;
//! - a quotient of integers, one of them [`SMALL`] or more, as a fraction
//!   cancelled by their gcd: `168 / 7` -> `(cancel 168 7 (gcd 168 7))`, the gcd by
//!   Euclid's algorithm, each exact quotient by it `div`ided on its own, by a
//!   composite one prime at a time (`(div 504 18)` -> `(div (div 504 2) 9)`):
//!   the model then decides divisibility by remainders, not from the digits;
//! - a smaller quotient that is a fraction in lowest terms only after
//!   cancelling, cancelled by one common prime: `16 / 12` -> `8 / 6`;
//! - a product of two integers of several nonzero digits, as a sum of two
//!   products: `34 * 27` -> `4*27 + 30*27`;
//! - `a mod b` of integers, through its quotient: `187 mod 7` ->
//!   `(187 - 7*26) mod 7`, the same value for any integer quotient, so a wrong
//!   quotient costs steps, not the answer.

use super::rational::Q;
use crate::engine::limits::charge;
use crate::engine::{BinOp, Expr, Func, UnaryOp};
use crate::error::{Error, ErrorKind, Result};

/// Quotients of integers below it were right 739 times of 739 answered at once (docs/training.md).
pub const SMALL: i128 = 20;

/// The operation of a node (`None` for a leaf).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Bin(BinOp),
    Neg,
    Func(Func),
}

pub fn op_of(e: &Expr) -> Option<Op> {
    match e {
        Expr::Value(_) => None,
        Expr::BinOp { op, .. } => Some(Op::Bin(*op)),
        Expr::UnaryOp { op: UnaryOp::Neg, .. } => Some(Op::Neg),
        Expr::Function { func, .. } => Some(Op::Func(*func)),
    }
}

/// The node of `op` over `args`.
pub fn node(op: Op, mut args: Vec<Expr>) -> Expr {
    match op {
        Op::Bin(b) => {
            let right = args.pop().expect("a binary operation has two operands");
            Expr::bin(b, args.pop().expect("a binary operation has two operands"), right)
        }
        Op::Neg => Expr::neg(args.pop().expect("neg has one operand")),
        Op::Func(f) => Expr::func(f, args),
    }
}

fn int(i: i128) -> Result<Expr> {
    Q::int(i).leaf()
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::bin(op, a, b)
}

fn integer_args(op: Op, args: &[Q]) -> Result<Vec<i128>> {
    args.iter()
        .map(|q| match q.is_int() {
            true => Ok(q.num),
            false => Err(Error::new(ErrorKind::Domain, format!("domain error: {} takes integers, got {q}", name(op)))),
        })
        .collect()
}

fn name(op: Op) -> &'static str {
    match op {
        Op::Bin(b) => b.token(),
        Op::Neg => "neg",
        Op::Func(f) => f.token(),
    }
}

/// The exact value of `op` on numbers, with the engine's meaning (`mod` and
/// `div` floored, `cancel` checks its third operand). A power needs an integer
/// exponent of at most 64: a step writes no roots.
pub fn apply(op: Op, a: &[Q]) -> Result<Q> {
    let arity = |n: usize| match a.len() == n {
        true => Ok(()),
        false => Err(Error::new(ErrorKind::Arity, format!("'{}' takes {n} operands, got {}", name(op), a.len()))),
    };
    match op {
        Op::Neg => {
            arity(1)?;
            a[0].neg()
        }
        Op::Bin(b) => {
            arity(2)?;
            match b {
                BinOp::Add => a[0].add(a[1]),
                BinOp::Sub => a[0].sub(a[1]),
                BinOp::Mul => a[0].mul(a[1]),
                BinOp::Div => a[0].div(a[1]),
                BinOp::Mod => a[0].modulo(a[1]),
                BinOp::Pow if a[1].is_int() && a[1].num.abs() <= 64 => a[0].pow(a[1].num),
                BinOp::Pow => Err(Error::invalid(format!("no step takes the power {} (an integer of at most 64)", a[1]))),
                BinOp::Eq => Err(Error::invalid("an equation has no value")),
            }
        }
        Op::Func(f @ (Func::Gcd | Func::Div | Func::Cancel)) => {
            arity(f.arities()[0])?;
            let n = integer_args(op, a)?;
            match f {
                Func::Gcd => Ok(Q::int(crate::engine::number::gcd(n[0], n[1]))),
                Func::Div => a[0].floor_div(a[1]),
                _ if n[2] == 0 || n[0] % n[2] != 0 || n[1] % n[2] != 0 => Err(Error::new(
                    ErrorKind::Domain,
                    format!("domain error: cancel needs {} to divide {} and {}", n[2], n[0], n[1]),
                )),
                _ => a[0].div(a[1]),
            }
        }
        Op::Func(f) => Err(Error::invalid(format!("no step works out {} exactly", f.token()))),
    }
}

/// What the innermost operation `op` on the numbers `args` becomes in a step.
pub fn rewrite(op: Op, args: &[Q]) -> Result<Expr> {
    charge(1)?;
    let integers = args.iter().all(|q| q.is_int());
    let n: Vec<i128> = args.iter().map(|q| q.num).collect(); // the integers, when they are
    if matches!(op, Op::Bin(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div)) && !integers {
        let Op::Bin(b) = op else { unreachable!("matched above") };
        return over_integers(b, args[0], args[1]);
    }
    let small = integers && n.iter().all(|i| i.abs() < SMALL);
    if op == Op::Bin(BinOp::Div) && integers && !small && n[0] != 0 && n[1].abs() > 1 {
        let (hi, lo) = (n[0].abs().max(n[1].abs()), n[0].abs().min(n[1].abs()));
        let gcd = Expr::func(Func::Gcd, vec![int(hi)?, int(lo)?]);
        return Ok(Expr::func(Func::Cancel, vec![int(n[0])?, int(n[1])?, gcd]));
    }
    if op == Op::Bin(BinOp::Div) && small && n[1] != 0 && n[0] % n[1] != 0 {
        let p = smallest_common_prime(n[0], n[1])?;
        if p > 1 {
            return Ok(bin(BinOp::Div, int(n[0] / p)?, int(n[1] / p)?));
        }
    }
    if op == Op::Func(Func::Gcd) && integers && !small && n[1] != 0 {
        return euclid(args[0], args[1], 0);
    }
    if op == Op::Func(Func::Cancel) && integers && n[2].abs() > 1 {
        let g = int(n[2])?;
        let div = |x: i128| Ok::<_, Error>(Expr::func(Func::Div, vec![int(x)?, g.clone()]));
        return Ok(Expr::func(Func::Cancel, vec![div(n[0])?, div(n[1])?, int(1)?]));
    }
    // exact quotients only (the rules write no others): one by a composite goes a prime at a
    // time; at once, quotients of 10 or more by a composite were right 41-60% of the time, by a prime 85-95%
    if op == Op::Func(Func::Div) && integers && n[0] != 0 && n[1] != 0 && n[0] % n[1] == 0 {
        let p = smallest_common_prime(n[0], n[1])?;
        if p < n[1].abs() {
            return Ok(Expr::func(Func::Div, vec![Expr::func(Func::Div, vec![int(n[0])?, int(p)?]), int(n[1] / p)?]));
        }
    }
    if op == Op::Bin(BinOp::Mul) && nonzero_digits(n[0]).min(nonzero_digits(n[1])) >= 2 {
        return split_product(n[0], n[1]);
    }
    if op == Op::Bin(BinOp::Mod) && integers && n[1] != 0 {
        let q = args[0].floor_div(args[1])?;
        if !q.is_zero() {
            return remainder(args[0], args[1], q);
        }
    }
    apply(op, args)?.leaf()
}

/// The product `p * q` as a step writes it: no product by 1.
fn times(p: i128, q: i128) -> Result<Expr> {
    match (p, q) {
        (1, q) => int(q),
        (p, 1) => int(p),
        (p, q) => Ok(bin(BinOp::Mul, int(p)?, int(q)?)),
    }
}

/// `x op y` with a fraction operand as one division of integer operations:
/// `a/b + c/d` -> `(a*d + c*b) / (b*d)` (`(a + c) / b` over one denominator),
/// `a/b * c/d` -> `(a*c) / (b*d)`, `a/b / (c/d)` -> `(a*d) / (b*c)`.
fn over_integers(op: BinOp, x: Q, y: Q) -> Result<Expr> {
    let (a, b, c, d) = (x.num, x.den, y.num, y.den);
    let (num, den) = match op {
        BinOp::Add | BinOp::Sub if b == d => (bin(op, int(a)?, int(c)?), int(b)?),
        BinOp::Add | BinOp::Sub => (bin(op, times(a, d)?, times(c, b)?), times(b, d)?),
        BinOp::Mul => (times(a, c)?, times(b, d)?),
        _ => (times(a, d)?, times(b, c)?),
    };
    Ok(if den == Expr::int(1) { num } else { bin(BinOp::Div, num, den) })
}

fn nonzero_digits(n: i128) -> usize {
    n.unsigned_abs().to_string().bytes().filter(|&c| c != b'0').count()
}

/// `a * b` as a sum of two products, the factor with fewer nonzero digits cut
/// into its lowest nonzero digit and the rest (`34 * 27` -> `4*27 + 30*27`);
/// two-digit by two-digit products at once were right about half the time.
fn split_product(a: i128, b: i128) -> Result<Expr> {
    let cut_left = nonzero_digits(a) <= nonzero_digits(b);
    let (x, other) = if cut_left { (a, b) } else { (b, a) };
    let mut place = 1i128;
    while (x.abs() / place) % 10 == 0 {
        place *= 10;
    }
    let low = x.abs() / place % 10 * place * x.signum();
    let (low, rest, other) = (int(low)?, int(x - low)?, int(other)?);
    Ok(if cut_left {
        bin(BinOp::Add, bin(BinOp::Mul, low, other.clone()), bin(BinOp::Mul, rest, other))
    } else {
        bin(BinOp::Add, bin(BinOp::Mul, other.clone(), low), bin(BinOp::Mul, other, rest))
    })
}

/// The smallest prime dividing both `a` and `b` (1 when they are coprime, 0 when both are 0).
fn smallest_common_prime(a: i128, b: i128) -> Result<i128> {
    let g = crate::engine::number::gcd(a, b);
    let mut p = 2i128;
    while p * p <= g {
        if p % 16 == 0 {
            charge(1)?; // a large prime gcd takes many trials: the budget bounds them
        }
        if g % p == 0 {
            return Ok(p);
        }
        p += 1;
    }
    Ok(g)
}

/// A step of Euclid's algorithm: `gcd(a, b)` -> `gcd(b, a - b*q)`, the same gcd
/// for any integer `q`, so a wrong quotient (`miss`) costs steps, not the
/// answer. `q` is `floor(a/b)`; when it is 0 the operands swap, and negative
/// ones lose their sign first.
pub fn euclid(a: Q, b: Q, miss: i128) -> Result<Expr> {
    if a.num < 0 || b.num < 0 {
        return Ok(Expr::func(Func::Gcd, vec![a.abs()?.leaf()?, b.abs()?.leaf()?]));
    }
    let q = a.floor_div(b)?.num + miss;
    let minus = if q == 0 { a.leaf()? } else { bin(BinOp::Sub, a.leaf()?, times(b.num, q)?) };
    Ok(Expr::func(Func::Gcd, vec![b.leaf()?, minus]))
}

/// `a mod b` written through a quotient `q`: `(a - b*q) mod b`, the same value
/// for any integer `q`. With the right `q` the next remainder is its own value;
/// with a wrong one it is a remainder of a small number, and the chain goes on.
pub fn remainder(a: Q, b: Q, q: Q) -> Result<Expr> {
    let product = bin(BinOp::Mul, b.leaf()?, q.leaf()?);
    Ok(bin(BinOp::Mod, bin(BinOp::Sub, a.leaf()?, product), b.leaf()?))
}
