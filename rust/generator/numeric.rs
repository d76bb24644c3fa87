//! A plain-f64 evaluator written apart from the engine, used as the independent
//! check on every row: values (levels 1-4), finite differences (level 5),
//! quadrature (level 6) and substitution of roots (level 7).
//!
//! It also tracks whether a value is *exact* (built from integers with
//! + - * / and integer powers only), so that `floor`/`ceil` of a transcendental
//! value that lands within rounding of an integer is refused instead of guessed.

use crate::engine::{BinOp, Expr, Func, UnaryOp, Value};

/// Why a point could not be evaluated. The generator rejects such candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    DivisionByZero,
    Domain,
    Overflow,
    Unbound,
    /// `floor`/`ceil` of an inexact value too close to an integer to decide.
    Ambiguous,
    Unsupported,
}

/// Largest magnitude any intermediate value may reach.
pub const MAX_MAGNITUDE: f64 = 1e12;

#[derive(Debug, Clone, Copy)]
pub struct Num {
    pub v: f64,
    pub exact: bool,
}

/// Evaluates `e` with `env` binding symbols (`pi` and `e` are constants unless bound).
pub fn eval(e: &Expr, env: &[(String, f64)]) -> Result<Num, NumError> {
    let n = eval_inner(e, env, 0)?;
    if !n.v.is_finite() || n.v.abs() > MAX_MAGNITUDE {
        return Err(NumError::Overflow);
    }
    Ok(n)
}

/// The value alone.
pub fn value(e: &Expr, env: &[(String, f64)]) -> Result<f64, NumError> {
    eval(e, env).map(|n| n.v)
}

/// Evaluates with a single variable bound to `x`.
pub fn value_at(e: &Expr, var: &str, x: f64) -> Result<f64, NumError> {
    let env = [(var.to_string(), x)];
    value(e, &env)
}

fn finite(v: f64, exact: bool) -> Result<Num, NumError> {
    if !v.is_finite() || v.abs() > MAX_MAGNITUDE {
        Err(NumError::Overflow)
    } else {
        Ok(Num { v, exact })
    }
}

fn eval_inner(e: &Expr, env: &[(String, f64)], depth: usize) -> Result<Num, NumError> {
    if depth > 200 {
        return Err(NumError::Overflow);
    }
    match e {
        Expr::Value(Value::Integer(i)) => finite(*i as f64, true),
        Expr::Value(Value::Rational(p, q)) => {
            if *q == 0 {
                return Err(NumError::DivisionByZero);
            }
            finite(*p as f64 / *q as f64, true)
        }
        Expr::Value(Value::Float(f)) => finite(*f, false),
        Expr::Value(Value::Symbol(s)) => {
            if let Some((_, v)) = env.iter().find(|(name, _)| name == s) {
                return finite(*v, true);
            }
            match s.as_str() {
                "pi" => Ok(Num { v: std::f64::consts::PI, exact: false }),
                "e" => Ok(Num { v: std::f64::consts::E, exact: false }),
                _ => Err(NumError::Unbound),
            }
        }
        Expr::UnaryOp { op: UnaryOp::Neg, operand } => {
            let a = eval_inner(operand, env, depth + 1)?;
            Ok(Num { v: -a.v, exact: a.exact })
        }
        Expr::BinOp { op, left, right } => {
            let a = eval_inner(left, env, depth + 1)?;
            let b = eval_inner(right, env, depth + 1)?;
            let exact = a.exact && b.exact;
            match op {
                BinOp::Add => finite(a.v + b.v, exact),
                BinOp::Sub => finite(a.v - b.v, exact),
                BinOp::Mul => finite(a.v * b.v, exact),
                BinOp::Div => {
                    if b.v == 0.0 {
                        return Err(NumError::DivisionByZero);
                    }
                    finite(a.v / b.v, exact)
                }
                BinOp::Pow => pow(a, b),
                BinOp::Mod => {
                    // Only used on non-negative integers with a positive divisor,
                    // where every convention agrees.
                    if b.v == 0.0 {
                        return Err(NumError::DivisionByZero);
                    }
                    finite(a.v.rem_euclid(b.v), exact)
                }
                BinOp::Eq => Err(NumError::Unsupported),
            }
        }
        Expr::Function { func, args } => {
            if args.len() != 1 {
                return Err(NumError::Unsupported);
            }
            let a = eval_inner(&args[0], env, depth + 1)?;
            let x = a.v;
            match func {
                Func::Sin => finite(x.sin(), false),
                Func::Cos => finite(x.cos(), false),
                Func::Tan => {
                    if x.cos().abs() < 1e-9 {
                        return Err(NumError::Domain);
                    }
                    finite(x.tan(), false)
                }
                Func::Exp => finite(x.exp(), false),
                Func::Ln => {
                    if x <= 0.0 {
                        return Err(NumError::Domain);
                    }
                    finite(x.ln(), false)
                }
                Func::Log => {
                    if x <= 0.0 {
                        return Err(NumError::Domain);
                    }
                    finite(x.log10(), false)
                }
                Func::Sqrt => {
                    if x < 0.0 {
                        return Err(NumError::Domain);
                    }
                    let r = x.sqrt();
                    finite(r, a.exact && r.fract() == 0.0 && r * r == x)
                }
                Func::Abs => finite(x.abs(), a.exact),
                Func::Floor | Func::Ceil => {
                    let r = if *func == Func::Floor { x.floor() } else { x.ceil() };
                    if !a.exact && (x - x.round()).abs() < 1e-9 {
                        return Err(NumError::Ambiguous);
                    }
                    finite(r, true)
                }
                // the curriculum writes no integer operators in its problems; step lines are checked by `steps`
                Func::Derive | Func::Integrate | Func::Solve | Func::Gcd | Func::Div | Func::Cancel => {
                    Err(NumError::Unsupported)
                }
            }
        }
    }
}

fn pow(a: Num, b: Num) -> Result<Num, NumError> {
    let (x, y) = (a.v, b.v);
    if y.fract() == 0.0 {
        if y.abs() > 64.0 {
            return Err(NumError::Overflow);
        }
        if x == 0.0 && y < 0.0 {
            return Err(NumError::DivisionByZero);
        }
        return finite(x.powi(y as i32), a.exact && b.exact);
    }
    if x < 0.0 {
        return Err(NumError::Domain);
    }
    if x == 0.0 && y < 0.0 {
        return Err(NumError::DivisionByZero);
    }
    finite(x.powf(y), false)
}

/// Derivative of `f` at `x` by a Richardson-extrapolated central difference
/// (error O(h^4)), with an estimate of its own error (the change when the
/// step is halved); `None` where `f` cannot be evaluated around `x`.
pub fn finite_difference(f: &Expr, var: &str, x: f64) -> Option<(f64, f64)> {
    let at = |t: f64| value_at(f, var, t).ok();
    let central = |h: f64| -> Option<f64> { Some((at(x + h)? - at(x - h)?) / (2.0 * h)) };
    let richardson = |h: f64| -> Option<f64> { Some((4.0 * central(h / 2.0)? - central(h)?) / 3.0) };
    let h = 4e-3 * x.abs().max(1.0);
    let coarse = richardson(h)?;
    let fine = richardson(h / 2.0)?;
    Some((fine, (fine - coarse).abs()))
}

// 15-point Gauss-Kronrod nodes and weights, with the embedded 7-point Gauss rule.
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

fn gauss_kronrod(f: &dyn Fn(f64) -> Option<f64>, a: f64, b: f64) -> Option<(f64, f64)> {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c)?;
    let mut kronrod = fc * WGK[7];
    let mut gauss = fc * WG[3];
    for j in 0..7 {
        let dx = h * XGK[j];
        let s = f(c - dx)? + f(c + dx)?;
        kronrod += WGK[j] * s;
        if j % 2 == 1 {
            gauss += WG[j / 2] * s;
        }
    }
    Some((kronrod * h, ((kronrod - gauss) * h).abs()))
}

/// Adaptive Gauss-Kronrod (7-15) quadrature of `f` over [lo, hi] in `var`:
/// `Some((value, error estimate))`, or `None` where `f` is undefined somewhere
/// it was sampled or the tolerance is not reached within the interval budget.
pub fn quadrature(f: &Expr, var: &str, lo: f64, hi: f64, rel_tol: f64) -> Option<(f64, f64)> {
    let g = |t: f64| value_at(f, var, t).ok();
    let mut intervals = vec![(lo, hi, gauss_kronrod(&g, lo, hi)?)];
    for _ in 0..400 {
        let total: f64 = intervals.iter().map(|iv| iv.2 .0).sum();
        let err: f64 = intervals.iter().map(|iv| iv.2 .1).sum();
        if err <= rel_tol * total.abs().max(1.0) {
            return Some((total, err));
        }
        // Split the interval with the largest error.
        let (i, _) = intervals
            .iter()
            .enumerate()
            .max_by(|x, y| x.1 .2 .1.total_cmp(&y.1 .2 .1))?;
        let (a, b, _) = intervals.swap_remove(i);
        let m = 0.5 * (a + b);
        intervals.push((a, m, gauss_kronrod(&g, a, m)?));
        intervals.push((m, b, gauss_kronrod(&g, m, b)?));
    }
    None
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
    fn func(f: Func, a: Expr) -> Expr {
        Expr::Function { func: f, args: vec![a] }
    }

    #[test]
    fn arithmetic_and_exactness() {
        let e = bin(BinOp::Add, bin(BinOp::Mul, int(2), int(3)), int(4));
        let n = eval(&e, &[]).unwrap();
        assert_eq!(n.v, 10.0);
        assert!(n.exact);
        assert_eq!(eval(&bin(BinOp::Div, int(1), int(0)), &[]).unwrap_err(), NumError::DivisionByZero);
        assert!(!eval(&func(Func::Sin, int(1)), &[]).unwrap().exact);
    }

    #[test]
    fn floor_of_inexact_integer_is_ambiguous() {
        // 2 * sin(pi/6) is 1 in exact arithmetic but 0.999.. in f64.
        let e = func(
            Func::Floor,
            bin(BinOp::Mul, int(2), func(Func::Sin, bin(BinOp::Div, sym("pi"), int(6)))),
        );
        assert_eq!(eval(&e, &[]).unwrap_err(), NumError::Ambiguous);
        assert_eq!(value(&func(Func::Floor, bin(BinOp::Div, int(7), int(2))), &[]).unwrap(), 3.0);
    }

    #[test]
    fn finite_difference_matches_known_derivative() {
        let f = func(Func::Sin, bin(BinOp::Mul, int(3), sym("x")));
        for &x in &[0.3, 1.1, -2.0] {
            let (d, err) = finite_difference(&f, "x", x).unwrap();
            assert!((d - 3.0 * (3.0 * x).cos()).abs() < 1e-9, "{d}");
            assert!(err < 1e-8, "{err}");
        }
    }

    #[test]
    fn quadrature_matches_known_integrals() {
        let x2 = bin(BinOp::Pow, sym("x"), int(2));
        let (v, _) = quadrature(&x2, "x", 0.0, 1.0, 1e-12).unwrap();
        assert!((v - 1.0 / 3.0).abs() < 1e-13);
        let inv = bin(BinOp::Div, int(1), sym("x"));
        let (v, _) = quadrature(&inv, "x", 1.0, 5.0, 1e-12).unwrap();
        assert!((v - 5f64.ln()).abs() < 1e-11);
        // The midpoint of [-1, 1] is a node: 1/x is refused there.
        assert!(quadrature(&inv, "x", -1.0, 1.0, 1e-12).is_none());
    }
}
