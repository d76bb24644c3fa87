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
