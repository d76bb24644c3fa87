//! A canonical node compiled to a small stack program over f64, for the
//! numeric loops (quadrature, root scans) that evaluate one expression at
//! thousands of points. Undefined points come out as NaN or ±inf; callers
//! treat any non-finite value as "undefined here" and ask the exact evaluator
//! for the message.

use super::canon::Node;
use super::expr::Func;
use super::number::Num;
use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, Copy)]
enum Op {
    Const(f64),
    Var,
    Add,
    Mul,
    MulConst(f64),
    PowI(i32),
    /// base^(p/q) with q odd: real for a negative base too.
    PowOddRoot(i64, i64),
    Pow,
    Call(Func),
    Mod,
}

/// The compiled form of one node in one variable.
pub(crate) struct Program {
    ops: Vec<Op>,
}

impl Program {
    pub fn compile(n: &Node, var: &str) -> Result<Program> {
        let mut ops = Vec::new();
        emit(n, var, &mut ops)?;
        Ok(Program { ops })
    }

    /// Budget steps of one evaluation: an operation here costs about an
    /// eighth of building a node.
    pub fn steps(&self) -> u64 {
        self.ops.len() as u64 / 8 + 1
    }

    /// The value at `x`; `stack` is scratch space reused across calls.
    pub fn eval(&self, x: f64, stack: &mut Vec<f64>) -> f64 {
        stack.clear();
        for op in &self.ops {
            match *op {
                Op::Const(c) => stack.push(c),
                Op::Var => stack.push(x),
                Op::Add => {
                    let b = stack.pop().unwrap_or(f64::NAN);
                    if let Some(a) = stack.last_mut() {
                        *a += b;
                    }
                }
                Op::Mul => {
                    let b = stack.pop().unwrap_or(f64::NAN);
                    if let Some(a) = stack.last_mut() {
                        *a *= b;
                    }
                }
                Op::MulConst(c) => {
                    if let Some(a) = stack.last_mut() {
                        *a *= c;
                    }
                }
                Op::PowI(k) => {
                    if let Some(a) = stack.last_mut() {
                        *a = a.powi(k);
                    }
                }
                Op::PowOddRoot(p, q) => {
                    if let Some(a) = stack.last_mut() {
                        let e = p as f64 / q as f64;
                        *a = if *a < 0.0 {
                            let m = (-*a).powf(e);
                            if p % 2 == 0 {
                                m
                            } else {
                                -m
                            }
                        } else {
                            a.powf(e)
                        };
                    }
                }
                Op::Pow => {
                    let e = stack.pop().unwrap_or(f64::NAN);
                    if let Some(a) = stack.last_mut() {
                        *a = if *a < 0.0 && e.fract() != 0.0 { f64::NAN } else { a.powf(e) };
                    }
                }
                Op::Call(f) => {
                    if let Some(a) = stack.last_mut() {
                        *a = call(f, *a);
                    }
                }
                Op::Mod => {
                    let m = stack.pop().unwrap_or(f64::NAN);
                    if let Some(a) = stack.last_mut() {
                        *a = if m == 0.0 { f64::NAN } else { *a - m * (*a / m).floor() };
                    }
                }
            }
        }
        stack.pop().unwrap_or(f64::NAN)
    }
}

fn call(f: Func, x: f64) -> f64 {
    match f {
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.tan(),
        Func::Exp => x.exp(),
        Func::Ln => {
            if x > 0.0 {
                x.ln()
            } else {
                f64::NAN
            }
        }
        Func::Log => {
            if x > 0.0 {
                x.log10()
            } else {
                f64::NAN
            }
        }
        Func::Sqrt => {
            if x >= 0.0 {
                x.sqrt()
            } else {
                f64::NAN
            }
        }
        Func::Abs => x.abs(),
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::Derive | Func::Integrate | Func::Solve | Func::Gcd | Func::Div | Func::Cancel => f64::NAN,
    }
}

fn emit(n: &Node, var: &str, ops: &mut Vec<Op>) -> Result<()> {
    match n {
        Node::Num(k) => ops.push(Op::Const(k.to_f64())),
        Node::Sym(s) => match s.as_str() {
            "pi" => ops.push(Op::Const(std::f64::consts::PI)),
            "e" => ops.push(Op::Const(std::f64::consts::E)),
            s if s == var => ops.push(Op::Var),
            s => return Err(Error::new(ErrorKind::Unbound, format!("unbound symbol '{s}': give it a value"))),
        },
        Node::Add(a) => {
            ops.push(Op::Const(a.constant.to_f64()));
            for (c, t) in &a.terms {
                emit(t, var, ops)?;
                if !c.is_one() {
                    ops.push(Op::MulConst(c.to_f64()));
                }
                ops.push(Op::Add);
            }
        }
        Node::Mul(m) => {
            ops.push(Op::Const(m.coeff.to_f64()));
            for (b, e) in &m.factors {
                emit(b, var, ops)?;
                match e {
                    Node::Num(Num::Rat(p, 1)) if i32::try_from(*p).is_ok() => ops.push(Op::PowI(*p as i32)),
                    Node::Num(Num::Rat(p, q)) if q % 2 == 1 => ops.push(Op::PowOddRoot(*p, *q)),
                    _ => {
                        emit(e, var, ops)?;
                        ops.push(Op::Pow);
                    }
                }
                ops.push(Op::Mul);
            }
        }
        Node::Func(f, a) => {
            emit(a, var, ops)?;
            ops.push(Op::Call(*f));
        }
        Node::Mod(a, b) => {
            emit(a, var, ops)?;
            emit(b, var, ops)?;
            ops.push(Op::Mod);
        }
        Node::Held(..) => {
            return Err(Error::invalid(format!(
                "{} has no numeric value here",
                super::canon::to_expr(n)
            )))
        }
    }
    Ok(())
}
