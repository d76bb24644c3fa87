//! Property tests of the engine (proptest, deterministic seed):
//! parse/print round trips, simplify preserving value, derivatives matching
//! finite differences, definite integrals matching quadrature, and roots
//! satisfying their equations. Each property counts the cases it could
//! actually check and fails if too few were checkable, so none passes vacuously.

use super::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::cell::Cell;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(Config { cases, ..Config::default() }, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

fn x() -> Expr {
    Expr::sym("x")
}

fn at(e: &Expr, v: f64) -> crate::Result<f64> {
    evaluate(e, &[("x".to_string(), v)])
}

// ------------------------------------------------------------ strategies

/// Any leaf the parser can produce: integers, rationals, floats, symbols, constants.
fn any_leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (-1000i64..1000).prop_map(Expr::int),
        any::<i64>().prop_map(Expr::int),
        ((-50i64..50), (2i64..20)).prop_map(|(n, d)| Expr::rational(n, d)),
        (-1e6f64..1e6).prop_map(Expr::float),
        prop::sample::select(vec![1e-7, 2.5e-300, 1e300, 0.1, -0.0, 3.0]).prop_map(Expr::float),
        prop::sample::select(vec!["x", "y", "pi", "e", "var_2", "t"]).prop_map(Expr::sym),
    ]
}

/// Any tree of the arithmetic and function operators (not necessarily defined anywhere).
fn any_expr() -> impl Strategy<Value = Expr> {
    any_leaf().prop_recursive(6, 64, 2, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div, BinOp::Pow, BinOp::Mod]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, l, r)| Expr::bin(op, l, r)),
            inner.clone().prop_map(Expr::neg),
            (prop::sample::select(Func::ALL[..10].to_vec()), inner).prop_map(|(f, a)| Expr::call(f, a)),
        ]
    })
}

/// A smooth-ish function of `x`: + - * /, small integer powers, and
/// sin cos tan exp ln sqrt of subtrees; small integer and rational constants.
fn smooth_in_x() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => Just(x()),
        2 => (-9i64..10).prop_map(Expr::int),
        1 => ((-9i64..10), (2i64..6)).prop_map(|(n, d)| Expr::rational(n, d)),
        1 => Just(Expr::sym("pi")),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div]), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| Expr::bin(op, l, r)),
            (inner.clone(), 2i64..5).prop_map(|(b, n)| Expr::bin(BinOp::Pow, b, Expr::int(n))),
            inner.clone().prop_map(Expr::neg),
            (
                prop::sample::select(vec![Func::Sin, Func::Cos, Func::Tan, Func::Exp, Func::Ln, Func::Sqrt]),
                inner
            )
                .prop_map(|(f, a)| Expr::call(f, a)),
        ]
    })
}

const POINTS: [f64; 6] = [-2.3, -0.7, 0.35, 0.9, 1.7, 3.1];

// ------------------------------------------------------------ properties

#[test]
fn parse_print_round_trip() {
    runner(2000)
        .run(&any_expr(), |e| {
            let text = e.to_polish();
            let back = parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {}", err.message)))?;
            prop_assert_eq!(&back, &e, "{}", text);
            prop_assert_eq!(back.to_polish(), text);
            // The JSON form round-trips as well.
            let json = to_json(&e).map_err(|err| TestCaseError::fail(err.message))?;
            prop_assert_eq!(from_json(&json).map_err(|err| TestCaseError::fail(err.message))?, e);
            Ok(())
        })
        .unwrap();
}

#[test]
fn simplify_preserves_value_and_is_idempotent() {
    let checked = Cell::new(0usize);
    runner(1500)
        .run(&smooth_in_x(), |e| {
            let Ok(s) = simplify(&e) else {
                // Simplify may refuse only what is undefined as written (e.g. a constant (ln 0)).
                prop_assert!(POINTS.iter().all(|&p| at(&e, p).is_err()), "simplify failed on {}", e.to_polish());
                return Ok(());
            };
            prop_assert_eq!(simplify(&s).unwrap().to_polish(), s.to_polish(), "not idempotent on {}", e.to_polish());
            for &p in &POINTS {
                let Ok(v) = at(&e, p) else { continue };
                if !v.is_finite() || v.abs() > 1e8 {
                    continue;
                }
                let w = at(&s, p).map_err(|err| {
                    TestCaseError::fail(format!("{} defined at {p} but {} is not: {}", e.to_polish(), s.to_polish(), err.message))
                })?;
                prop_assert!(close(v, w, 1e-7), "{} = {v} but {} = {w} at x={p}", e.to_polish(), s.to_polish());
                checked.set(checked.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(checked.get() > 1500, "only {} points checked", checked.get());
}

/// f'(x) by Richardson-extrapolated central differences, with an error estimate.
fn finite_difference(f: &Expr, p: f64) -> Option<(f64, f64)> {
    let central = |h: f64| -> Option<f64> { Some((at(f, p + h).ok()? - at(f, p - h).ok()?) / (2.0 * h)) };
    let h = 1e-3 * p.abs().max(1.0);
    let (d1, d2) = (central(h)?, central(h / 2.0)?);
    let richardson = (4.0 * d2 - d1) / 3.0;
    let (d3, d4) = (central(h / 4.0)?, central(h / 8.0)?);
    let finer = (4.0 * d4 - d3) / 3.0;
    Some((finer, (finer - richardson).abs()))
}

#[test]
fn derivative_matches_finite_difference() {
    let checked = Cell::new(0usize);
    runner(1000)
        .run(&smooth_in_x(), |f| {
            let d = match derive(&f, "x") {
                Ok(d) => d,
                // Derive may refuse only what is undefined as written (e.g. a constant (ln 0)).
                Err(err) => {
                    prop_assert!(POINTS.iter().all(|&p| at(&f, p).is_err()), "derive failed on {}: {}", f.to_polish(), err.message);
                    return Ok(());
                }
            };
            for &p in &POINTS {
                let Some((fd, err)) = finite_difference(&f, p) else { continue };
                // Near a pole or a kink the difference quotient decides nothing.
                if !fd.is_finite() || err > 1e-6 * fd.abs().max(1.0) || fd.abs() > 1e6 {
                    continue;
                }
                let dv = at(&d, p).map_err(|err| {
                    TestCaseError::fail(format!("d/dx {} = {} undefined at {p}: {}", f.to_polish(), d.to_polish(), err.message))
                })?;
                prop_assert!(close(dv, fd, 1e-5), "d/dx {} = {} gives {dv} at x={p}, differences give {fd}", f.to_polish(), d.to_polish());
                checked.set(checked.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(checked.get() > 1000, "only {} points checked", checked.get());
}

/// Integrands with elementary antiderivatives: sums of c·x^n, c·sin(kx),
/// c·cos(kx), c·exp(kx), c/(x+a) and c·(ax+b)^n.
fn integrand() -> impl Strategy<Value = Expr> {
    let coef = (-9i64..10).prop_filter("nonzero", |c| *c != 0).prop_map(Expr::int);
    let k = (-4i64..5).prop_filter("nonzero", |k| *k != 0);
    let term = prop_oneof![
        (coef.clone(), 0i64..6).prop_map(|(c, n)| Expr::bin(BinOp::Mul, c, Expr::bin(BinOp::Pow, x(), Expr::int(n)))),
        (coef.clone(), k.clone(), prop::sample::select(vec![Func::Sin, Func::Cos, Func::Exp]))
            .prop_map(|(c, k, f)| Expr::bin(BinOp::Mul, c, Expr::call(f, Expr::bin(BinOp::Mul, Expr::int(k), x())))),
        (coef.clone(), 4i64..8).prop_map(|(c, a)| Expr::bin(BinOp::Div, c, Expr::bin(BinOp::Add, x(), Expr::int(a)))),
        (coef, k, 1i64..4, 2i64..4).prop_map(|(c, a, b, n)| {
            let lin = Expr::bin(BinOp::Add, Expr::bin(BinOp::Mul, Expr::int(a), x()), Expr::int(b));
            Expr::bin(BinOp::Mul, c, Expr::bin(BinOp::Pow, lin, Expr::int(n)))
        }),
    ];
    prop::collection::vec(term, 1..4)
        .prop_map(|terms| terms.into_iter().reduce(|a, b| Expr::bin(BinOp::Add, a, b)).expect("at least one term"))
}

#[test]
fn integral_matches_quadrature() {
    runner(500)
        .run(&(integrand(), -3i64..3, 1i64..4), |(f, lo, width)| {
            let (lo, hi) = (lo as f64, (lo + width) as f64);
            prop_assert!(antiderivative(&f, "x").unwrap().is_some(), "no antiderivative for {}", f.to_polish());
            let exact = integrate(&f, "x", lo, hi).map_err(|err| TestCaseError::fail(format!("{}: {}", f.to_polish(), err.message)))?;
            let (q, q_err) = quadrature(&f, "x", lo, hi).map_err(|err| TestCaseError::fail(err.message))?;
            prop_assert!(q_err <= 1e-8 * q.abs().max(1.0), "quadrature error {q_err} for {}", f.to_polish());
            prop_assert!(close(exact, q, 1e-8), "integral of {} on [{lo}, {hi}]: {exact} exact, {q} by quadrature", f.to_polish());
            Ok(())
        })
        .unwrap();
}

/// Equations with known real roots: expanded products of (x - r_i) with 1-3
/// integer roots and a leading coefficient, and exp/ln/sqrt equations.
fn equation() -> impl Strategy<Value = (Expr, Vec<f64>)> {
    let poly = (prop::collection::btree_set(-8i64..9, 1..4), (-3i64..4).prop_filter("nonzero", |a| *a != 0)).prop_map(|(roots, a)| {
        // Coefficients of a * prod (x - r), highest degree first.
        let mut coef = vec![a];
        for &r in &roots {
            let mut next = coef.clone();
            next.push(0);
            for (i, c) in coef.iter().enumerate() {
                next[i + 1] -= r * c;
            }
            coef = next;
        }
        let degree = coef.len() - 1;
        let lhs = coef
            .iter()
            .enumerate()
            .map(|(i, &c)| Expr::bin(BinOp::Mul, Expr::int(c), Expr::bin(BinOp::Pow, x(), Expr::int((degree - i) as i64))))
            .reduce(|a, b| Expr::bin(BinOp::Add, a, b))
            .expect("degree >= 1");
        (Expr::bin(BinOp::Eq, lhs, Expr::int(0)), roots.iter().map(|&r| r as f64).collect())
    });
    let transcendental = (1i64..40, -3i64..4, prop::sample::select(vec![Func::Exp, Func::Ln, Func::Sqrt])).prop_map(|(k, b, f)| {
        // Roots inside [-100, 100], where solve searches numerically.
        let k = match f {
            Func::Ln => k % 4,
            Func::Sqrt => k % 9 + 1,
            _ => k,
        };
        let arg = Expr::bin(BinOp::Add, x(), Expr::int(b));
        let root = match f {
            Func::Exp => (k as f64).ln() - b as f64,
            Func::Ln => (k as f64).exp() - b as f64,
            _ => (k * k - b) as f64,
        };
        (Expr::bin(BinOp::Eq, Expr::call(f, arg), Expr::int(k)), vec![root])
    });
    prop_oneof![3 => poly, 1 => transcendental]
}

#[test]
fn roots_satisfy_the_equation() {
    runner(800)
        .run(&equation(), |(eq, planted)| {
            let roots = solve(&eq, "x").map_err(|err| TestCaseError::fail(format!("{}: {}", eq.to_polish(), err.message)))?;
            let Expr::BinOp { left, right, .. } = &eq else { unreachable!() };
            for &r in &roots {
                let (l, rr) = (at(left, r).unwrap(), at(right, r).unwrap());
                prop_assert!(close(l, rr, 1e-8), "{}: root {r} gives {l} = {rr}", eq.to_polish());
            }
            prop_assert_eq!(roots.len(), planted.len(), "{}: roots {:?}, planted {:?}", eq.to_polish(), roots, planted);
            for (r, p) in roots.iter().zip(&planted) {
                prop_assert!(close(*r, *p, 1e-9), "{}: roots {:?}, planted {:?}", eq.to_polish(), roots, planted);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn json_floats_round_trip_exactly() {
    // serde_json's default float reader can be 1 ulp off; the engine needs exact round trips.
    let e = Expr::call(Func::Sin, Expr::float(249374.31170957006));
    assert_eq!(from_json(&to_json(&e).unwrap()).unwrap(), e);
}

#[test]
fn simplify_regressions() {
    for text in ["(* (* (sin x) (+ x 1)) 2)", "(neg (* (+ x 1) (sin x)))", "(* -3 (* (+ x 2) (+ x 1)))", "(+ (sin (neg x)) (sin x))", "(- (sin x) (/ (+ -1 x) x))", "(/ (^ 1/2 2) (+ 1 x))", "(/ (* 3/4 (sin x)) (+ 1 x))"] {
        let once = simplify(&parse(text).unwrap()).unwrap();
        let twice = simplify(&parse(&once.to_polish()).unwrap()).unwrap();
        assert_eq!(twice.to_polish(), once.to_polish(), "{text}");
    }
}

#[test]
fn odd_functions_of_a_negated_argument_integrate() {
    // sin(-x) is read as -sin(x); its argument must be the plain symbol again.
    for text in ["(sin (* -1 x))", "(cos (* -1 x))", "(tan (neg x))"] {
        assert!(antiderivative(&parse(text).unwrap(), "x").unwrap().is_some(), "{text}");
    }
    assert_eq!(simplify(&parse("(+ (sin (neg x)) (sin x))").unwrap()).unwrap().to_polish(), "0");
}

// ------------------------------------------------------------ hostile input

/// Trees built to make the engine work hard: high integer powers of sums and
/// products, huge and tiny numbers, nested forms.
fn hostile_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        Just(x()),
        (-20i64..20).prop_map(Expr::int),
        prop::sample::select(vec![28i64, 55, 64, 65, 99, 1000, i64::MAX, i64::MIN + 1]).prop_map(Expr::int),
        ((-50i64..50), (2i64..20)).prop_map(|(n, d)| Expr::rational(n, d)),
        prop::sample::select(vec![1e-300, 1e300, 0.5, 2.5]).prop_map(Expr::float),
    ];
    leaf.prop_recursive(5, 40, 2, |inner| {
        prop_oneof![
            (prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div]), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| Expr::bin(op, l, r)),
            (inner.clone(), prop::sample::select(vec![2i64, 3, 7, 20, 28, 30, 55, 64, 65, 200])).prop_map(|(b, k)| Expr::bin(BinOp::Pow, b, Expr::int(k))),
            (prop::sample::select(vec![Func::Sin, Func::Exp, Func::Ln, Func::Sqrt]), inner.clone()).prop_map(|(f, a)| Expr::call(f, a)),
            inner.prop_map(|e| Expr::func(Func::Derive, vec![e, x()])),
        ]
    })
}

/// A form of `run` around a hostile tree: solve, derive, integrate or plain.
fn hostile_form() -> impl Strategy<Value = Expr> {
    (hostile_expr(), hostile_expr(), 0..4u8).prop_map(|(a, b, form)| match form {
        0 => Expr::func(Func::Solve, vec![Expr::bin(BinOp::Eq, a, b), x()]),
        1 => Expr::func(Func::Derive, vec![a, x()]),
        2 => Expr::func(Func::Integrate, vec![a, x(), Expr::int(0), Expr::int(1)]),
        _ => a,
    })
}

/// The engine never panics and never runs long on hostile input: every call
/// returns (a value or an error) within a second. (The memory side is
/// measured by `benches/engine_fuzz.py` in a child process under a cap.)
#[test]
fn hostile_input_returns_quickly() {
    let worst = Cell::new((0.0f64, String::new()));
    runner(300)
        .run(&hostile_form(), |e| {
            let start = std::time::Instant::now();
            let _ = run(&e);
            let _ = simplify(&e);
            let took = start.elapsed().as_secs_f64();
            let w = worst.take();
            worst.set(if took > w.0 { (took, e.to_polish()) } else { w });
            prop_assert!(took < 1.0, "{} took {took:.2} s", e.to_polish());
            Ok(())
        })
        .unwrap();
    let (took, text) = worst.take();
    eprintln!("hostile input: worst {took:.3} s for {text}");
}
