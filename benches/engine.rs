//! criterion benchmarks of the symbolic engine: parse, simplify, derive,
//! evaluate, integrate and solve on expressions like the curriculum's.
//!
//! cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use grapheme_lab::engine::{self, Expr};

/// Level-5-like inputs (derivatives) and level-6/7 forms, small to medium.
const EXPRESSIONS: [&str; 6] = [
    "(^ x 2)",
    "(+ (* 3 (^ x 3)) (* 2 x))",
    "(* (sin (* 2 x)) (exp (- x 1)))",
    "(/ (ln (+ (* 2 x) 3)) (+ x 4))",
    "(- (sqrt (+ (^ x 2) 1)) (* 5 (cos (+ (* 3 x) 2))))",
    "(* (+ (^ x 3) (* -2 x)) (tan (+ x 1)))",
];

fn parsed() -> Vec<Expr> {
    EXPRESSIONS.iter().map(|t| engine::parse(t).unwrap()).collect()
}

fn benches(c: &mut Criterion) {
    let exprs = parsed();
    c.bench_function("parse (6 expressions)", |b| {
        b.iter(|| {
            for t in EXPRESSIONS {
                black_box(engine::parse(black_box(t)).unwrap());
            }
        })
    });
    c.bench_function("to_polish (6 expressions)", |b| {
        b.iter(|| {
            for e in &exprs {
                black_box(e.to_polish());
            }
        })
    });
    let unsimplified: Vec<Expr> = [
        "(+ (* 2 (+ x 1)) (- (* 3 x) (* 1 (+ 0 x))))",
        "(* (* (^ x 2) 3) (+ (* 2 x) (* x 2)))",
        "(+ (sin (+ (* 0 x) (* 2 x))) (- (* 4 (sin (* 2 x))) (* 2 (sin (* x 2)))))",
        "(/ (+ (* 6 x) 3) 3)",
    ]
    .iter()
    .map(|t| engine::parse(t).unwrap())
    .collect();
    c.bench_function("simplify (4 expressions)", |b| {
        b.iter(|| {
            for e in &unsimplified {
                black_box(engine::simplify(black_box(e)).unwrap());
            }
        })
    });
    c.bench_function("derive (6 expressions)", |b| {
        b.iter(|| {
            for e in &exprs {
                black_box(engine::derive(black_box(e), "x").unwrap());
            }
        })
    });
    let bindings = vec![("x".to_string(), 0.7)];
    c.bench_function("evaluate at x=0.7 (6 expressions)", |b| {
        b.iter(|| {
            for e in &exprs {
                black_box(engine::evaluate(black_box(e), &bindings).unwrap());
            }
        })
    });
    let integrands: Vec<Expr> = ["(+ (* 3 (^ x 2)) (* 2 x))", "(* 4 (cos (* 2 x)))", "(- (exp (* -2 x)) (/ 3 (+ x 2)))", "(* x (exp x))"]
        .iter()
        .map(|t| engine::parse(t).unwrap())
        .collect();
    c.bench_function("integrate on [0, 2] (3 closed forms + 1 quadrature)", |b| {
        b.iter(|| {
            for e in &integrands {
                black_box(engine::integrate(black_box(e), "x", 0.0, 2.0).unwrap());
            }
        })
    });
    let equations: Vec<Expr> = [
        "(= (+ (* 3 x) 7) (- x 5))",
        "(= (+ (* 2 (^ x 2)) (* -6 x)) 8)",
        "(= (- (+ (^ x 3) (* -2 (^ x 2))) (* 5 x)) -6)",
        "(= (exp (+ x 1)) 7)",
    ]
    .iter()
    .map(|t| engine::parse(t).unwrap())
    .collect();
    c.bench_function("solve (linear, quadratic, cubic, exp)", |b| {
        b.iter(|| {
            for e in &equations {
                black_box(engine::solve(black_box(e), "x").unwrap());
            }
        })
    });
    // the high powers that once took seconds (engine::solve's regression tests)
    let powers: Vec<Expr> = (3..=64).map(|n| engine::parse(&format!("(= (^ x {n}) 2)")).unwrap()).collect();
    c.bench_function("solve x^n = 2, n = 3..64", |b| {
        b.iter(|| {
            for e in &powers {
                black_box(engine::solve(black_box(e), "x").unwrap());
            }
        })
    });
}

criterion_group!(group, benches);
criterion_main!(group);
