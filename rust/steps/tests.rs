use super::*;
use crate::engine::parse;
use proptest::prelude::*;

fn p(text: &str) -> Expr {
    parse(text).unwrap()
}

fn lines(text: &str, bindings: &[(&str, f64)]) -> Vec<String> {
    let b: Vec<(String, f64)> = bindings.iter().map(|(n, x)| (n.to_string(), *x)).collect();
    trace(&p(text), &b).unwrap().iter().map(Expr::to_polish).collect()
}

#[test]
fn each_rule_on_an_example() {
    assert_eq!(lines("(+ (* 2 3) (- 7 4))", &[]), ["(+ 6 3)", "9"]);
    assert_eq!(lines("(+ 1/4 1/6)", &[]), ["(/ (+ 6 4) (* 4 6))", "(/ 10 24)", "(cancel 10 24 (gcd 24 10))", "(cancel 10 24 (gcd 10 (- 24 (* 10 2))))", "(cancel 10 24 (gcd 10 (- 24 20)))", "(cancel 10 24 (gcd 10 4))", "(cancel 10 24 2)", "(cancel (div 10 2) (div 24 2) 1)", "(cancel 5 12 1)", "5/12"]);
    assert_eq!(lines("(* 34 27)", &[])[0], "(+ (* 4 27) (* 30 27))");
    assert_eq!(lines("(mod 187 7)", &[])[0], "(mod (- 187 (* 7 26)) 7)");
    assert_eq!(lines("(/ 16 12)", &[]), ["(/ 8 6)", "(/ 4 3)", "4/3"]);
    assert_eq!(lines("(div 504 18)", &[]), ["(div (div 504 2) 9)", "(div 252 9)", "(div (div 252 3) 3)", "(div 84 3)", "28"]);
    assert_eq!(lines("(div 7 2)", &[]), ["3"], "an inexact quotient is floored at once");
    assert_eq!(lines("(+ x 3)", &[("x", 2.5)]), ["(+ 5/2 3)", "(/ (+ 5 (* 3 2)) 2)", "(/ (+ 5 6) 2)", "(/ 11 2)", "11/2"]);
    assert_eq!(lines("(solve (= (+ (* 2 x) 4) 0) x)", &[])[0], "(/ (- (+ (* 2 0) 4) 0) (- (- (+ (* 2 0) 4) 0) (- (+ (* 2 1) 4) 0)))");
    assert_eq!(lines("(solve (= (+ (* 2 x) 4) 0) x)", &[]).last().unwrap(), "-2");
    assert!(lines("7", &[]).is_empty());
}

#[test]
fn what_has_no_trace_is_an_error_that_says_why() {
    let e = trace(&p("(solve (= (^ x 2) 4) x)"), &[]).unwrap_err();
    assert!(e.message.contains("not a linear equation"), "{}", e.message);
    assert_eq!(trace(&p("(+ x 1)"), &[]).unwrap_err().kind, crate::ErrorKind::Unbound);
    assert_eq!(trace(&p("(/ 1 0)"), &[]).unwrap_err().kind, crate::ErrorKind::DivisionByZero);
    assert!(trace(&p("(sin 1)"), &[]).unwrap_err().message.contains("no step works out sin"));
    assert!(trace(&p("(^ 2 1/2)"), &[]).is_err());
    assert_eq!(trace(&p("(* 9223372036854775807 9223372036854775807)"), &[]).unwrap_err().kind, crate::ErrorKind::Overflow);
    // a huge prime gcd: trial division is bounded by the step budget, not left to run
    let e = trace(&p("(/ 9223372036854775783 9223372036854775783)"), &[]);
    assert!(e.is_ok() || e.unwrap_err().kind == crate::ErrorKind::Limit);
}

#[test]
fn check_step_accepts_rules_and_values_and_rejects_the_rest() {
    let ok = |b: &str, a: &str| check_step(&p(b), &p(a), &[]);
    ok("(+ (* 2 3) (- 7 4))", "(+ 6 3)").unwrap();
    ok("(mod 187 7)", "(mod (- 187 (* 7 25)) 7)").expect("a wrong quotient is a legal step");
    ok("(/ 168 7)", "24").unwrap();
    let e = ok("(+ (* 2 3) (- 7 4))", "(+ 6 4)").unwrap_err();
    assert!(e.message.contains("its value is 4, not 3"), "{}", e.message);
    let e = ok("(+ (* 2 3) (- 7 4))", "(- 6 3)").unwrap_err();
    assert!(e.message.contains("changes more"), "{}", e.message);
    assert!(ok("(+ (* 2 3) (- 7 4))", "(+ (* 2 3) 3)").unwrap_err().message.contains("not rewritten"));
    assert!(ok("9", "9").unwrap_err().message.contains("nothing a step rewrites"));
    let b = [("x".to_string(), 2.0)];
    check_step(&p("(+ x 3)"), &p("(+ 2 3)"), &b).unwrap();
    assert!(check_step(&p("(+ x 3)"), &p("(+ 3 3)"), &b).is_err());
    check_step(&p("(solve (= (* 2 x) 4) x)"), &p("2"), &[]).unwrap();
    assert!(check_step(&p("(solve (= (* 2 x) 4) x)"), &p("3"), &[]).is_err());
    assert_eq!(line_sites(&p("(+ (* 2 3) (- 7 (* 1 4)))"), false), vec![vec![0], vec![1, 1]]);
    assert_eq!(line_sites(&p("(+ x (* y 2))"), true), vec![vec![0], vec![1, 0]]);
}

#[test]
fn line_sites_of_each_kind_of_line() {
    let s = |t: &str| line_sites(&p(t), false);
    assert_eq!(s("(solve (= (* 2 x) 4) x)"), vec![Vec::<usize>::new()]);
    assert_eq!(s("(integrate (* 7 x) x -2 0)"), vec![Vec::<usize>::new()]);
    assert_eq!(s("(= (^ (- t 3) 2) (/ 87 3))"), vec![Vec::<usize>::new()]);
    // an exact value is one site though its inside is no number; pi and e elsewhere are sites
    assert_eq!(s("(+ (sin (/ pi 6)) (* 2 e))"), vec![vec![0], vec![1, 1]]);
    assert_eq!(s("(* (ln (exp -1)) (sqrt 2.5))"), vec![vec![0], vec![1]]);
    assert_eq!(s("(+ (derive (sin x) x) (derive (* 2 x) x))"), vec![vec![0], vec![1]]);
    assert_eq!(s("(+ x (* 2 3))"), vec![vec![1]]);
    assert!(s("7").is_empty());
}

/// Rows -> step lines as the Python rules wrote them before they moved here
/// (tests/data/steps_golden.jsonl, from brain/vocab.py at commit 8f359a6).
#[test]
fn traces_and_corrections_equal_the_python_rules_they_replace() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/steps_golden.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let (mut rows, mut with_steps) = (0, 0);
    for line in text.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        rows += 1;
        let bindings: Vec<(String, f64)> = row["bindings"].as_array().unwrap().iter()
            .map(|b| (b[0].as_str().unwrap().to_string(), b[1].as_f64().unwrap())).collect();
        let got = trace(&p(row["input_polish"].as_str().unwrap()), &bindings);
        let Some(want) = row["steps"].as_array() else {
            // no steps: no trace, or one that does not come to the row's answer
            if let Ok(got) = got {
                let last = value(got.last().unwrap()).unwrap();
                let v = last.num as f64 / last.den as f64;
                let mut answers = vec![row["expected_result"].as_f64().unwrap()];
                answers.extend(row["solutions"].as_array().into_iter().flatten().map(|s| s.as_f64().unwrap()));
                assert!(answers.iter().all(|w| (v - w).abs() > 1e-9 * w.abs().max(1.0)), "{row}");
            }
            continue;
        };
        with_steps += 1;
        let got = got.unwrap_or_else(|e| panic!("{row}: {e}"));
        let want: Vec<&str> = want.iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(got.iter().map(Expr::to_polish).collect::<Vec<_>>(), want, "{row}");
        for miss in [-1i64, 1] {
            let chains: Vec<Vec<String>> = corrections(&got, miss).unwrap().iter()
                .map(|c| c.iter().map(Expr::to_polish).collect()).collect();
            let want: Vec<Vec<String>> = serde_json::from_value(row["corrections"][miss.to_string()].clone()).unwrap();
            assert_eq!(chains, want, "{row} miss {miss}");
        }
    }
    assert!(rows >= 240 && with_steps >= 200, "{rows} rows, {with_steps} with steps");
}

fn arithmetic() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![(-60i64..200).prop_map(Expr::int), (-9i64..10, 1i64..9).prop_map(|(n, d)| Expr::rational(n, d))];
    leaf.prop_recursive(4, 16, 2, |inner| {
        (prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div, BinOp::Mod]), inner.clone(), inner)
            .prop_map(|(op, a, b)| Expr::bin(op, a, b))
    })
}

use crate::engine::BinOp;

/// `e` with its `k`-th number leaf (prefix order, cyclically) one larger.
fn bump(e: &Expr, k: &mut usize) -> Expr {
    match e {
        Expr::Value(crate::engine::Value::Integer(i)) => {
            let hit = *k == 0;
            *k = k.wrapping_sub(1);
            if hit { Expr::int(i + 1) } else { e.clone() }
        }
        Expr::BinOp { op, left, right } => {
            let l = bump(left, k);
            Expr::bin(*op, l, bump(right, k))
        }
        Expr::Function { func, args } => Expr::func(*func, args.iter().map(|a| bump(a, k)).collect()),
        _ => e.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn check_step_accepts_every_line_of_a_trace_and_rejects_a_changed_value(e in arithmetic(), k in 0usize..8) {
        let Ok(lines) = trace(&e, &[]) else { return Ok(()) };
        let mut before = e.clone();
        for after in &lines {
            prop_assert!(check_step(&before, after, &[]).is_ok(), "{before} -> {after}");
            before = after.clone();
        }
        if let Some(first) = lines.first() {
            let bumped = bump(first, &mut k.clone());
            let changed = value(&bumped).map_or(true, |v| v != value(first).unwrap());
            if changed {
                prop_assert!(check_step(&e, &bumped, &[]).is_err(), "{e} -> {bumped}");
            }
        }
    }
}
