//! End-to-end tests of the generator (determinism, uniqueness, splits, shards).

use super::sample::sample;
use super::seeding::candidate_rng;

#[test]
#[ignore]
fn dump_samples() {
    for level in 1..=7u8 {
        let mut refused = 0;
        let mut shown = 0;
        for i in 0..2000u64 {
            match sample(level, &mut candidate_rng(0, level, i)) {
                Some(p) => {
                    if shown < 12 {
                        println!("L{level} {} {:?} {:?}", p.input.to_polish(), p.bindings, p.planted_roots);
                        shown += 1;
                    }
                }
                None => refused += 1,
            }
        }
        println!("L{level} refused {refused}/2000");
    }
}

#[test]
#[ignore]
fn dump_rejections() {
    use super::verify::solve_and_verify;
    use std::collections::BTreeMap;
    for level in 1..=7u8 {
        let mut reasons: BTreeMap<String, (usize, String)> = BTreeMap::new();
        let mut ok = 0;
        let mut shown = 0;
        let t = std::time::Instant::now();
        for i in 0..2000u64 {
            let Some(p) = sample(level, &mut candidate_rng(0, level, i)) else { continue };
            match solve_and_verify(&p) {
                Ok((polish, a)) => {
                    ok += 1;
                    if shown < 6 {
                        println!("L{level} {polish} -> {:?} {:?} {:?}", a.expected_result, a.expected_symbolic, a.solutions);
                        shown += 1;
                    }
                }
                Err(e) => {
                    let k: String = e.chars().take(40).collect();
                    let entry = reasons.entry(k).or_insert((0, format!("{} :: {e}", p.input.to_polish())));
                    entry.0 += 1;
                }
            }
        }
        println!("L{level} ok {ok} in {:?}", t.elapsed());
        for (k, (n, ex)) in reasons {
            println!("L{level}   {n:5} {k} || {ex}");
        }
    }
}
