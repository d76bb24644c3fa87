//! Equation solving over the reals.
//!
//! `(= lhs rhs)` becomes `lhs - rhs = 0`, simplified. A polynomial in the
//! variable (after expanding products and integer powers) is solved exactly
//! up to degree 2 (exact rationals where the discriminant is a perfect
//! square) and, above that, by isolating roots between the real roots of its
//! derivative (found the same way, recursively) and bisecting each monotone
//! piece. Anything else is scanned on [-100, 100] (4,000 steps): sign changes
//! are bisected, local minima of |f| polished for double roots. Every root is
//! verified by substitution into the original equation before it is returned.

use super::calculus::{eval_node, polynomial};
use super::canon::{add, mul, to_canon, Node};
use super::compile::Program;
use super::expr::{check_limits, BinOp, Expr};
use super::number::Num;
use crate::error::{Error, ErrorKind, Result};

/// Half-width of the interval scanned for roots of non-polynomial equations.
pub const SCAN_RADIUS: f64 = 100.0;
/// Steps of that scan.
pub const SCAN_STEPS: usize = 4000;

/// The real roots of `equation` (`(= lhs rhs)`, or an expression meaning
/// `expr = 0`) in `var`, sorted ascending, each verified by substitution.
/// An equation true for every value (e.g. `(= x x)`) is an error; one with no
/// real root gives an empty list.
pub fn solve(equation: &Expr, var: &str) -> Result<Vec<f64>> {
    check_limits(equation)?;
    let (lhs, rhs) = match equation {
        Expr::BinOp { op: BinOp::Eq, left, right } => (to_canon(left)?, to_canon(right)?),
        other => (to_canon(other)?, Node::int(0)),
    };
    let f = add(vec![lhs.clone(), mul(vec![Node::int(-1), rhs.clone()])?])?;
    if f.contains_any_symbol() && !only_symbol(&f, var) {
        let mut others: Vec<String> = super::canon::to_expr(&f).symbols();
        others.retain(|s| s != var);
        return Err(Error::new(
            ErrorKind::Unbound,
            format!("solve: the equation has symbols other than {var}: {}", others.join(", ")),
        ));
    }
    if !f.contains(var) {
        let v = eval_node(&f, var, Num::ZERO)?;
        if v.is_zero() {
            return Err(Error::invalid(format!("solve: {equation} holds for every value of {var}")));
        }
        return Ok(vec![]);
    }
    let candidates = match polynomial(&f, var)? {
        Some(coeffs) => polynomial_roots(&coeffs)?,
        None => scan_roots(&f, var)?,
    };
    let mut roots: Vec<f64> = Vec::with_capacity(candidates.len());
    for r in candidates {
        if verify(&lhs, &rhs, &f, var, r) {
            roots.push(if r == 0.0 { 0.0 } else { r });
        }
    }
    roots.sort_by(f64::total_cmp);
    roots.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * a.abs().max(1.0));
    Ok(roots)
}

fn only_symbol(n: &Node, var: &str) -> bool {
    super::canon::to_expr(n).symbols().iter().all(|s| s == var)
}

/// Substitution check: |lhs - rhs| small against the size of the terms.
fn verify(lhs: &Node, rhs: &Node, f: &Node, var: &str, r: f64) -> bool {
    if !r.is_finite() {
        return false;
    }
    let x = Num::Float(r);
    let (Ok(l), Ok(h)) = (eval_node(lhs, var, x), eval_node(rhs, var, x)) else { return false };
    let (l, h) = (l.to_f64(), h.to_f64());
    let mut scale = l.abs().max(h.abs()).max(1.0);
    if let Node::Add(a) = f {
        let mut s = a.constant.to_f64().abs();
        for (c, t) in &a.terms {
            match eval_node(t, var, x) {
                Ok(v) => s += (c.to_f64() * v.to_f64()).abs(),
                Err(_) => return false,
            }
        }
        scale = scale.max(s);
    }
    (l - h).abs() <= 1e-9 * scale
}

/// Real roots of the polynomial Σ c_i x^i (lowest degree first).
fn polynomial_roots(coeffs: &[Num]) -> Result<Vec<f64>> {
    let mut c: Vec<Num> = coeffs.to_vec();
    while c.last().is_some_and(|k| k.is_zero()) {
        c.pop();
    }
    match c.len() {
        0 | 1 => Ok(vec![]),
        2 => Ok(vec![c[0].neg().div(c[1])?.to_f64()]),
        3 => Ok(quadratic(c[2], c[1], c[0])?),
        _ => {
            let f: Vec<f64> = c.iter().map(|k| k.to_f64()).collect();
            Ok(real_roots(&f))
        }
    }
}

/// a·x² + b·x + c = 0, exact when the coefficients and the square root of the
/// discriminant are rational.
fn quadratic(a: Num, b: Num, c: Num) -> Result<Vec<f64>> {
    let disc = b.mul(b).sub(Num::int(4).mul(a).mul(c));
    if disc.is_negative() {
        return Ok(vec![]);
    }
    let two_a = Num::int(2).mul(a);
    if disc.is_zero() {
        return Ok(vec![b.neg().div(two_a)?.to_f64()]);
    }
    if let Some(s) = disc.pow_exact(Num::Rat(1, 2))? {
        let r1 = b.neg().sub(s).div(two_a)?;
        let r2 = b.neg().add(s).div(two_a)?;
        return Ok(vec![r1.to_f64(), r2.to_f64()]);
    }
    // The numerically stable pair: q = -(b + sign(b)·√disc)/2, roots q/a and c/q.
    let (a, b, c) = (a.to_f64(), b.to_f64(), c.to_f64());
    if b == 0.0 {
        let r = (-c / a).sqrt();
        return Ok(vec![-r, r]);
    }
    let s = disc.to_f64().sqrt();
    let q = -0.5 * (b + if b >= 0.0 { s } else { -s });
    Ok(vec![q / a, c / q])
}

fn horner(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, k| acc * x + k)
}

/// Real roots of a float polynomial (lowest degree first), isolated between
/// the real roots of its derivative.
fn real_roots(c: &[f64]) -> Vec<f64> {
    let mut c = c.to_vec();
    while c.last().is_some_and(|k| *k == 0.0) {
        c.pop();
    }
    match c.len() {
        0 | 1 => return vec![],
        2 => return vec![-c[0] / c[1]],
        3 => {
            let (a, b, k) = (c[2], c[1], c[0]);
            let disc = b * b - 4.0 * a * k;
            if disc < 0.0 {
                return vec![];
            }
            let s = disc.sqrt();
            let q = -0.5 * (b + if b >= 0.0 { s } else { -s });
            return if q == 0.0 { vec![0.0] } else { vec![q / a, k / q] };
        }
        _ => {}
    }
    let lead = *c.last().expect("degree >= 3");
    let bound = 1.0 + c[..c.len() - 1].iter().map(|k| (k / lead).abs()).fold(0.0, f64::max);
    let deriv: Vec<f64> = c.iter().enumerate().skip(1).map(|(i, k)| i as f64 * k).collect();
    let mut crit: Vec<f64> = real_roots(&deriv).into_iter().filter(|x| x.abs() < bound).collect();
    crit.sort_by(f64::total_cmp);
    let mut points = vec![-bound];
    points.extend(crit.iter().copied());
    points.push(bound);
    let mut roots = Vec::new();
    for w in points.windows(2) {
        let (u, v) = (w[0], w[1]);
        let (pu, pv) = (horner(&c, u), horner(&c, v));
        if pu == 0.0 {
            roots.push(u);
        }
        if pu * pv < 0.0 {
            roots.push(bisect(|x| horner(&c, x), u, v, pu));
        }
    }
    if horner(&c, bound) == 0.0 {
        roots.push(bound);
    }
    // Double roots touch zero at a critical point.
    for x in crit {
        let scale: f64 = c.iter().enumerate().map(|(i, k)| (k * x.powi(i as i32)).abs()).sum();
        if horner(&c, x).abs() <= 1e-12 * scale.max(1.0) {
            roots.push(x);
        }
    }
    roots
}

/// Bisection on [u, v] where f changes sign (fu = f(u)), to f64 resolution.
fn bisect(mut f: impl FnMut(f64) -> f64, mut u: f64, mut v: f64, mut fu: f64) -> f64 {
    for _ in 0..200 {
        let m = 0.5 * (u + v);
        if m <= u.min(v) || m >= u.max(v) {
            break;
        }
        let fm = f(m);
        if fm == 0.0 {
            return m;
        }
        if (fm < 0.0) == (fu < 0.0) {
            u = m;
            fu = fm;
        } else {
            v = m;
        }
    }
    0.5 * (u + v)
}

/// Candidate roots of a non-polynomial f on [-SCAN_RADIUS, SCAN_RADIUS].
fn scan_roots(f: &Node, var: &str) -> Result<Vec<f64>> {
    let prog = Program::compile(f, var)?;
    let mut stack = Vec::with_capacity(16);
    let mut eval = |x: f64| prog.eval(x, &mut stack);
    let h = 2.0 * SCAN_RADIUS / SCAN_STEPS as f64;
    let xs: Vec<f64> = (0..=SCAN_STEPS).map(|i| -SCAN_RADIUS + i as f64 * h).collect();
    let ys: Vec<f64> = xs.iter().map(|&x| eval(x)).collect();
    let mut out = Vec::new();
    for i in 0..xs.len() {
        let y = ys[i];
        if !y.is_finite() {
            continue;
        }
        if y == 0.0 {
            out.push(xs[i]);
            continue;
        }
        if i + 1 < xs.len() && ys[i + 1].is_finite() && ys[i + 1] != 0.0 && (y < 0.0) != (ys[i + 1] < 0.0) {
            let prog = &prog;
            let mut st = Vec::with_capacity(16);
            out.push(bisect(|x| prog.eval(x, &mut st), xs[i], xs[i + 1], y));
        }
        // A local minimum of |f| without a sign change may be a double root.
        if i > 0 && i + 1 < xs.len() {
            let (a, b) = (ys[i - 1], ys[i + 1]);
            if a.is_finite() && b.is_finite() && y.abs() <= a.abs() && y.abs() < b.abs() && (a < 0.0) == (y < 0.0) && (b < 0.0) == (y < 0.0) {
                let mut st = Vec::with_capacity(16);
                out.push(golden_min_abs(|x| prog.eval(x, &mut st), xs[i - 1], xs[i + 1]));
            }
        }
    }
    Ok(out)
}

/// The minimiser of |f| on [a, b] by golden-section search.
fn golden_min_abs(mut f: impl FnMut(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c).abs(), f(d).abs());
    for _ in 0..100 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c).abs();
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d).abs();
        }
        if (b - a).abs() <= 1e-15 * a.abs().max(1.0) {
            break;
        }
    }
    0.5 * (a + b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    fn s(text: &str) -> Result<Vec<f64>> {
        solve(&parse(text).unwrap(), "x")
    }

    #[test]
    fn linear_and_quadratic_exact() {
        assert_eq!(s("(= (+ (* 2 x) 5) 13)").unwrap(), vec![4.0]);
        assert_eq!(s("(= (^ x 2) 4)").unwrap(), vec![-2.0, 2.0]);
        assert_eq!(s("(= (* (- x 1) (- x 3)) 0)").unwrap(), vec![1.0, 3.0]);
        assert_eq!(s("(= (^ x 2) -1)").unwrap(), Vec::<f64>::new());
        assert_eq!(s("(= (^ (- x 1) 2) 0)").unwrap(), vec![1.0]);
        let r = s("(= (^ x 2) 2)").unwrap();
        assert_eq!(r.len(), 2);
        assert!((r[1] - 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(s("(= x x)").unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(s("(= 1 2)").unwrap(), Vec::<f64>::new());
        assert_eq!(s("(= (+ x y) 1)").unwrap_err().kind, ErrorKind::Unbound);
    }

    #[test]
    fn higher_degree_and_numeric() {
        let r = s("(= (* (* (- x 1) (- x 2)) (- x 3)) 0)").unwrap();
        assert_eq!(r.len(), 3);
        for (a, b) in r.iter().zip([1.0, 2.0, 3.0]) {
            assert!((a - b).abs() < 1e-12, "{r:?}");
        }
        let r = s("(= (* (^ (- x 1) 2) (+ x 2)) 0)").unwrap();
        assert_eq!(r.len(), 2, "{r:?}");
        let r = s("(= (exp x) 2)").unwrap();
        assert_eq!(r.len(), 1);
        assert!((r[0] - 2f64.ln()).abs() < 1e-12);
        let r = s("(= (/ 1 x) 2)").unwrap();
        assert_eq!(r, vec![0.5]);
        let r = s("(= (cos x) 1)").unwrap();
        assert!(r.iter().any(|x| x.abs() < 1e-6), "{r:?}");
        let r = s("(= (sin x) 2)").unwrap();
        assert!(r.is_empty());
    }
}
