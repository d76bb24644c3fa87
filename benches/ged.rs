//! criterion benchmarks for the edit distances, on seeded random inputs.
//!
//!     cargo bench --bench ged
//!
//! - ted/pair_120: one tree edit distance, two random trees of about 120 nodes;
//! - ted/batch_256: 256 such pairs in one parallel batch call;
//! - exact_ged/nodes_5_7: exact graph edit distance, random labelled digraphs of 5-7 nodes;
//! - expr/batch_1024: 1,024 expression pairs of 20-40 nodes (a target and a mutated
//!   copy, as minimum-risk training scores them), `auto` method, one batch call.
//!
//! benches/ged_peer.py measures the same things against apted, networkx and
//! single calls from Python.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use grapheme_lab::ged::{
    expression_ged_batch, graph_edit_distance, tree_edit_distance, tree_edit_distance_batch, ExprCosts, ExprMethod,
    LabelledCosts, Malformed, TedCosts, parse_tree,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random s-expression tree of exactly `n` nodes, labels from `labels`.
fn random_tree(rng: &mut ChaCha8Rng, n: usize, labels: &[&str]) -> String {
    // Random parent array (each node's parent is an earlier node), then print.
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); n];
    for v in 1..n {
        let p = rng.random_range(v.saturating_sub(8)..v);
        kids[p].push(v);
    }
    let label: Vec<&str> = (0..n).map(|_| labels[rng.random_range(0..labels.len())]).collect();
    fn print(v: usize, kids: &[Vec<usize>], label: &[&str], out: &mut String) {
        if kids[v].is_empty() {
            out.push_str(label[v]);
            return;
        }
        out.push('(');
        out.push_str(label[v]);
        for &k in &kids[v] {
            out.push(' ');
            print(k, kids, label, out);
        }
        out.push(')');
    }
    let mut s = String::new();
    print(0, &kids, &label, &mut s);
    s
}

/// A random expression of exactly `n` nodes (as benches/ged_peer.py makes them).
fn random_expr(rng: &mut ChaCha8Rng, n: usize) -> String {
    const LEAVES: [&str; 6] = ["x", "y", "z", "1", "2", "3"];
    const OPS: [(&str, usize); 7] = [("+", 2), ("*", 2), ("-", 2), ("/", 2), ("^", 2), ("sin", 1), ("+", 3)];
    if n == 1 {
        return LEAVES[rng.random_range(0..LEAVES.len())].to_string();
    }
    let ops: Vec<_> = OPS.iter().filter(|o| o.1 < n).collect();
    let (op, arity) = *ops[rng.random_range(0..ops.len())];
    // Split the n - 1 remaining nodes into `arity` positive parts.
    let mut cuts: Vec<usize> = rand::seq::index::sample(rng, n - 2, arity - 1).into_iter().map(|c| c + 1).collect();
    cuts.sort_unstable();
    cuts.push(n - 1);
    let mut s = format!("({op}");
    let mut prev = 0;
    for c in cuts {
        s.push(' ');
        s.push_str(&random_expr(rng, c - prev));
        prev = c;
    }
    s.push(')');
    s
}

/// The expression with one random subtree replaced by a fresh random one.
fn mutate(rng: &mut ChaCha8Rng, expr: &str) -> String {
    let mut t = parse_tree(expr).unwrap();
    let victim = rng.random_range(0..t.len());
    // Cut the victim's subtree off (unreachable nodes are not printed) and mark it.
    t.children[victim].clear();
    t.labels[victim] = "@".to_string();
    let size = rng.random_range(1..=6);
    let fresh = random_expr(rng, size);
    t.to_sexpr().replacen('@', &fresh, 1)
}

fn benches(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let labels = ["a", "b", "c", "d", "e"];
    let trees: Vec<(String, String)> =
        (0..256).map(|_| (random_tree(&mut rng, 120, &labels), random_tree(&mut rng, 120, &labels))).collect();
    let parsed: Vec<_> = trees.iter().map(|(a, b)| (parse_tree(a).unwrap(), parse_tree(b).unwrap())).collect();
    let costs = TedCosts::default();
    let mut g = c.benchmark_group("ted");
    let mut k = 0;
    g.bench_function("pair_120", |bch| {
        bch.iter(|| {
            k = (k + 1) % parsed.len();
            black_box(tree_edit_distance(&parsed[k].0, &parsed[k].1, &costs).unwrap())
        })
    });
    let (la, lb): (Vec<String>, Vec<String>) = trees.iter().cloned().unzip();
    g.bench_function("batch_256", |bch| bch.iter(|| black_box(tree_edit_distance_batch(&la, &lb, &costs).unwrap())));
    g.finish();

    let graphs: Vec<_> = (0..64)
        .map(|_| {
            let mut g = || {
                let n = rng.random_range(5..=7);
                let labels: Vec<String> = (0..n).map(|_| ["A", "B", "C"][rng.random_range(0..3)].to_string()).collect();
                let mut edges = Vec::new();
                for u in 0..n {
                    for v in 0..n {
                        if u != v && rng.random_bool(0.3) {
                            edges.push((u, v, ["p", "q"][rng.random_range(0..2)].to_string()));
                        }
                    }
                }
                (labels, edges)
            };
            (g(), g())
        })
        .collect();
    let gc = LabelledCosts { node_ins: 1.0, node_del: 1.0, node_sub: 1.0, edge_ins: 1.0, edge_del: 1.0, edge_sub: 1.0 };
    let mut k = 0;
    c.bench_function("exact_ged/nodes_5_7", |bch| {
        bch.iter(|| {
            k = (k + 1) % graphs.len();
            let ((l1, e1), (l2, e2)) = &graphs[k];
            black_box(graph_edit_distance((l1, e1), (l2, e2), &gc, true, None).unwrap())
        })
    });

    let targets: Vec<String> = (0..1024)
        .map(|_| {
            let n = rng.random_range(20..=40);
            random_expr(&mut rng, n)
        })
        .collect();
    // Mutated copies, redrawn until they too have at most 40 nodes.
    let samples: Vec<String> = targets
        .iter()
        .map(|t| loop {
            let m = mutate(&mut rng, t);
            if parse_tree(&m).unwrap().len() <= 40 {
                break m;
            }
        })
        .collect();
    let ec = ExprCosts::default();
    c.bench_function("expr/batch_1024", |bch| {
        bch.iter(|| {
            black_box(expression_ged_batch(&samples, &targets, &ec, ExprMethod::Auto, Malformed::Raise, None).unwrap())
        })
    });
}

criterion_group!(group, benches);
criterion_main!(group);
