//! Expression graphs and the edit distance between two expressions.
//!
//! The graph of an expression tree has a node per tree node, labelled by its
//! atom, and an edge parent -> child labelled by the argument position ("0",
//! "1", ...), except under a commutative operator (`+`, `*`): there every
//! operand edge carries the one label "operand", and the operands are joined
//! pairwise by clique edges. A clique edge is stored as two directed edges
//! labelled "clique", each costing clique_weight / 2 to insert or delete, so
//! adding or removing one undirected clique edge costs clique_weight.
//!
//! `auto` distance (the default, polynomial):
//! 1. a lower bound from label counts (node labels, edge labels);
//! 2. an upper bound: the exact graph edit cost of the node mapping found by
//!    ordered tree edit distance on both trees with commutative operands put in
//!    a canonical order (and, if that leaves a gap, in their written order);
//! 3. if the bounds meet, the value is exact (identical up to operand order, one
//!    relabelled, inserted or deleted leaf, ...); if not and both graphs have at
//!    most `AUTO_EXACT_NODES` nodes, a bounded exact search closes the gap;
//!    otherwise the upper bound is returned with `exact = false`.

use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use super::bipartite::bipartite_ged;
use super::exact::{exact_ged, SearchLimits};
use super::graph::{mapping_cost, GedOutcome, Graph, GraphCosts, EPS};
use super::sexpr::{count_atoms, parse_tree, parse_tree_lenient, Tree};
use super::tree::{check_cost, tree_edit_mapping_ids, TedCosts};
use crate::{Error, Result};

/// Edge label ids of expression graphs.
pub const CLIQUE: u32 = 0;
pub const OPERAND: u32 = 1;
/// The edge to argument k is labelled `POSITION0 + k`.
pub const POSITION0: u32 = 2;

/// In `auto`, graphs up to this many nodes get an exact search when the bounds differ.
pub const AUTO_EXACT_NODES: usize = 10;
/// Search-node budget of that exact search.
pub const AUTO_EXPANSIONS: u64 = 20_000;

pub fn is_commutative(op: &str) -> bool {
    op == "+" || op == "*"
}

pub fn edge_label_name(l: u32) -> String {
    match l {
        CLIQUE => "clique".to_string(),
        OPERAND => "operand".to_string(),
        k => (k - POSITION0).to_string(),
    }
}

/// The edges of an expression tree's graph (node ids = the tree's preorder ids).
pub fn expression_edges(t: &Tree) -> Vec<(usize, usize, u32)> {
    let mut edges = Vec::with_capacity(t.len());
    for (p, kids) in t.children.iter().enumerate() {
        if is_commutative(&t.labels[p]) {
            for &k in kids {
                edges.push((p, k, OPERAND));
            }
            for (x, &a) in kids.iter().enumerate() {
                for &b in &kids[x + 1..] {
                    edges.push((a, b, CLIQUE));
                    edges.push((b, a, CLIQUE));
                }
            }
        } else {
            for (pos, &k) in kids.iter().enumerate() {
                edges.push((p, k, POSITION0 + pos as u32));
            }
        }
    }
    edges
}

/// The graph of an expression as strings: node labels and (from, to, label) edges.
pub fn expression_graph(expr: &str) -> Result<(Vec<String>, Vec<(usize, usize, String)>)> {
    let t = parse_tree(expr)?;
    let edges = expression_edges(&t).into_iter().map(|(u, v, l)| (u, v, edge_label_name(l))).collect();
    Ok((t.labels, edges))
}

/// Edit costs of expression graphs (the `[loss]` section of the training config).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExprCosts {
    pub node_ins: f64,
    pub node_del: f64,
    pub node_sub: f64,
    pub edge_ins: f64,
    pub edge_del: f64,
    pub clique_weight: f64,
}

impl Default for ExprCosts {
    fn default() -> Self {
        ExprCosts { node_ins: 1.0, node_del: 1.0, node_sub: 1.0, edge_ins: 0.5, edge_del: 0.5, clique_weight: 2.0 }
    }
}

impl ExprCosts {
    pub fn validate(&self) -> Result<()> {
        check_cost("node_insertion_cost", self.node_ins)?;
        check_cost("node_deletion_cost", self.node_del)?;
        check_cost("node_substitution_cost", self.node_sub)?;
        check_cost("edge_insertion_cost", self.edge_ins)?;
        check_cost("edge_deletion_cost", self.edge_del)?;
        check_cost("clique_weight", self.clique_weight)
    }

    /// Graph costs for edge labels below `edge_labels`; relabelling an edge
    /// costs its deletion plus the insertion of the other.
    pub fn graph_costs(&self, edge_labels: usize) -> GraphCosts {
        let n = edge_labels.max(POSITION0 as usize);
        let mut c = GraphCosts::uniform(self.node_ins, self.node_del, self.node_sub, self.edge_ins, self.edge_del, None, n);
        c.edge_ins[CLIQUE as usize] = self.clique_weight / 2.0;
        c.edge_del[CLIQUE as usize] = self.clique_weight / 2.0;
        c
    }

    /// Cost of building an expression's whole graph from nothing.
    pub fn insertion_cost(&self, t: &Tree) -> f64 {
        let edges: f64 = expression_edges(t)
            .iter()
            .map(|e| if e.2 == CLIQUE { self.clique_weight / 2.0 } else { self.edge_ins })
            .sum();
        t.len() as f64 * self.node_ins + edges
    }
}

/// How `expression_ged` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprMethod {
    /// Polynomial bounds, exact when they meet or the graphs are small (see module doc).
    Auto,
    /// The bipartite (LSAP) bounds combined with the `auto` bounds.
    Bipartite,
    /// Exact branch and bound (graphs of at most 128 nodes), optionally timed out.
    Exact,
}

impl ExprMethod {
    pub fn parse(s: &str) -> Result<ExprMethod> {
        match s {
            "auto" => Ok(ExprMethod::Auto),
            "bipartite" => Ok(ExprMethod::Bipartite),
            "exact" => Ok(ExprMethod::Exact),
            _ => Err(Error::invalid(format!("unknown method {s:?}: expected 'auto', 'bipartite' or 'exact'"))),
        }
    }
}

/// What a batch does with a first expression that does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    Raise,
    /// Score it by what a forgiving reader makes of it (`parse_tree_lenient`):
    /// GED(repaired tree, second) + node_deletion_cost per dropped atom +
    /// node_insertion_cost per parenthesis fix; with no atom at all, the
    /// insertion cost of the second expression's whole graph + the fixes. At
    /// most `atoms * node_deletion_cost + fixes * node_insertion_cost +
    /// insertion cost of the second graph` plus the repaired tree's edge deletions.
    Penalty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExprGedResult {
    /// The distance when `exact`, otherwise an upper bound (the cost of `mapping`).
    pub value: f64,
    pub lower_bound: f64,
    pub exact: bool,
    /// True when the first expression did not parse and `value` is the penalty.
    pub malformed: bool,
    /// Node of the first graph (preorder id) -> node of the second, or None.
    pub mapping: Vec<Option<usize>>,
}

/// Subtree hashes that ignore the order of commutative operands.
fn canonical_hashes(t: &Tree) -> Vec<u64> {
    let mut h = vec![0u64; t.len()];
    // Children have larger preorder ids than their parent.
    for i in (0..t.len()).rev() {
        let mut hasher = FxHasher::default();
        t.labels[i].hash(&mut hasher);
        let mut kids: Vec<u64> = t.children[i].iter().map(|&k| h[k]).collect();
        if is_commutative(&t.labels[i]) {
            kids.sort_unstable();
        }
        kids.hash(&mut hasher);
        h[i] = hasher.finish();
    }
    h
}

/// Child lists with commutative operands sorted by (label, canonical hash);
/// node ids are unchanged, so mappings refer to the original tree.
fn canonical_children(t: &Tree) -> Vec<Vec<usize>> {
    let h = canonical_hashes(t);
    let mut out = t.children.clone();
    for (i, kids) in out.iter_mut().enumerate() {
        if is_commutative(&t.labels[i]) {
            kids.sort_by(|&a, &b| t.labels[a].cmp(&t.labels[b]).then(h[a].cmp(&h[b])));
        }
    }
    out
}

/// Node mapping (first-graph node -> second-graph node) of an optimal tree edit
/// of the two trees given as child lists over the graphs' interned labels.
fn ted_mapping(ca: &[Vec<usize>], g1: &Graph, cb: &[Vec<usize>], g2: &Graph, c: &ExprCosts) -> Result<Vec<Option<usize>>> {
    let ted = TedCosts { insert: c.node_ins + c.edge_ins, delete: c.node_del + c.edge_del, relabel: c.node_sub };
    let (_, pairs) = tree_edit_mapping_ids((ca, &g1.labels), (cb, &g2.labels), &ted)?;
    let mut map = vec![None; ca.len()];
    for (x, y) in pairs {
        if let (Some(i), Some(j)) = (x, y) {
            map[i] = Some(j);
        }
    }
    Ok(map)
}

/// Both expression graphs with node labels interned together.
fn graphs<'t>(a: &'t Tree, b: &'t Tree) -> (Graph, Graph) {
    let mut ids: FxHashMap<&'t str, u32> = FxHashMap::default();
    let mut intern = |t: &'t Tree| -> Vec<u32> {
        t.labels
            .iter()
            .map(|l| {
                let next = ids.len() as u32;
                *ids.entry(l.as_str()).or_insert(next)
            })
            .collect()
    };
    let (la, lb) = (intern(a), intern(b));
    (Graph { labels: la, edges: expression_edges(a) }, Graph { labels: lb, edges: expression_edges(b) })
}

/// Label-count lower bound of the whole pair.
fn counts_lb(g1: &Graph, g2: &Graph, c: &GraphCosts) -> f64 {
    let mut counts: FxHashMap<u32, (usize, usize)> = FxHashMap::default();
    g1.labels.iter().for_each(|&l| counts.entry(l).or_default().0 += 1);
    g2.labels.iter().for_each(|&l| counts.entry(l).or_default().1 += 1);
    let common: usize = counts.values().map(|&(x, y)| x.min(y)).sum();
    let el = c.edge_ins.len();
    let (mut e1, mut e2) = (vec![0i32; el], vec![0i32; el]);
    g1.edges.iter().for_each(|e| e1[e.2 as usize] += 1);
    g2.edges.iter().for_each(|e| e2[e.2 as usize] += 1);
    c.node_lb(g1.len(), g2.len(), common) + c.edge_counts_lb(&e1, &e2)
}

/// Edit distance between two parsed expressions.
pub fn expression_ged_trees(
    a: &Tree,
    b: &Tree,
    costs: &ExprCosts,
    method: ExprMethod,
    timeout: Option<Duration>,
) -> Result<ExprGedResult> {
    costs.validate()?;
    let started = Instant::now();
    let (g1, g2) = graphs(a, b);
    let edge_labels = g1.edges.iter().chain(&g2.edges).map(|e| e.2 as usize + 1).max().unwrap_or(0);
    let c = costs.graph_costs(edge_labels);
    let lb = counts_lb(&g1, &g2, &c);
    let (ca, cb) = (canonical_children(a), canonical_children(b));
    let mut best = {
        let map = ted_mapping(&ca, &g1, &cb, &g2, costs)?;
        let d = mapping_cost(&g1, &g2, &map, &c);
        GedOutcome { distance: d, lower_bound: lb.min(d), exact: d - lb <= EPS, mapping: map }
    };
    let improve = |best: &mut GedOutcome, other: GedOutcome| {
        let lower = best.lower_bound.max(other.lower_bound);
        if other.distance < best.distance {
            *best = other;
        }
        best.lower_bound = lower.min(best.distance);
        best.exact = best.exact || best.distance - best.lower_bound <= EPS;
    };
    // The written order, unless it is the canonical one on both sides.
    if !best.exact && (ca != a.children || cb != b.children) {
        let map = ted_mapping(&a.children, &g1, &b.children, &g2, costs)?;
        let d = mapping_cost(&g1, &g2, &map, &c);
        improve(&mut best, GedOutcome { distance: d, lower_bound: lb, exact: false, mapping: map });
    }
    if !best.exact && method != ExprMethod::Auto {
        improve(&mut best, bipartite_ged(&g1, &g2, &c)?);
    }
    if !best.exact {
        let limits = match method {
            ExprMethod::Auto if g1.len().max(g2.len()) <= AUTO_EXACT_NODES => {
                Some(SearchLimits { deadline: None, max_expansions: Some(AUTO_EXPANSIONS) })
            }
            ExprMethod::Exact => Some(SearchLimits { deadline: timeout.map(|t| started + t), max_expansions: None }),
            _ => None,
        };
        if let Some(limits) = limits {
            let r = exact_ged(&g1, &g2, &c, Some(best.clone()), limits)?;
            improve(&mut best, r);
        }
    }
    Ok(ExprGedResult {
        value: best.distance,
        lower_bound: best.lower_bound,
        exact: best.exact,
        malformed: false,
        mapping: best.mapping,
    })
}

fn parse_named(text: &str, which: &str) -> Result<Tree> {
    parse_tree(text).map_err(|e| Error::new(e.kind, format!("{which} expression: {}", e.message)))
}

/// Edit distance between two expressions given as s-expressions.
pub fn expression_ged(
    a: &str,
    b: &str,
    costs: &ExprCosts,
    method: ExprMethod,
    timeout: Option<Duration>,
) -> Result<ExprGedResult> {
    let (ta, tb) = (parse_named(a, "first")?, parse_named(b, "second")?);
    expression_ged_trees(&ta, &tb, costs, method, timeout)
}

/// The score of a first expression that does not parse (see `Malformed::Penalty`).
pub fn malformed_score(
    text: &str,
    target: &Tree,
    costs: &ExprCosts,
    method: ExprMethod,
    timeout: Option<Duration>,
) -> Result<f64> {
    match parse_tree_lenient(text) {
        Some(r) => {
            let fixes = r.paren_fixes as f64 * costs.node_ins + r.dropped_atoms as f64 * costs.node_del;
            Ok(fixes
                + match &r.tree {
                    Some(t) => expression_ged_trees(t, target, costs, method, timeout)?.value,
                    None => costs.insertion_cost(target),
                })
        }
        // A parser limit: delete every atom, build the target.
        None => Ok(count_atoms(text) as f64 * costs.node_del + costs.insertion_cost(target)),
    }
}

/// Many pairs in parallel. With `Malformed::Penalty` a first expression that
/// does not parse (or exceeds a parser limit) scores the penalty instead of
/// failing; the second expressions must always parse. `timeout` is per pair.
pub fn expression_ged_batch<S: AsRef<str> + Sync>(
    a: &[S],
    b: &[S],
    costs: &ExprCosts,
    method: ExprMethod,
    malformed: Malformed,
    timeout: Option<Duration>,
) -> Result<Vec<ExprGedResult>> {
    costs.validate()?;
    if a.len() != b.len() {
        return Err(Error::invalid(format!(
            "batch lengths differ: {} first expressions, {} second expressions",
            a.len(),
            b.len()
        )));
    }
    a.par_iter()
        .zip(b.par_iter())
        .enumerate()
        .map(|(k, (x, y))| {
            let at = |e: Error| Error::new(e.kind, format!("pair {k}: {}", e.message));
            let tb = parse_named(y.as_ref(), "second").map_err(at)?;
            let ta = match (parse_named(x.as_ref(), "first"), malformed) {
                (Ok(t), _) => t,
                (Err(e), Malformed::Raise) => return Err(at(e)),
                (Err(_), Malformed::Penalty) => {
                    let value = malformed_score(x.as_ref(), &tb, costs, method, timeout).map_err(at)?;
                    return Ok(ExprGedResult { value, lower_bound: value, exact: false, malformed: true, mapping: vec![] });
                }
            };
            let mut r = expression_ged_trees(&ta, &tb, costs, method, timeout).map_err(at)?;
            r.mapping = Vec::new();
            Ok(r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ged(a: &str, b: &str, m: ExprMethod) -> ExprGedResult {
        expression_ged(a, b, &ExprCosts::default(), m, None).unwrap()
    }

    #[test]
    fn commutative_operands_are_unordered() {
        for m in [ExprMethod::Auto, ExprMethod::Bipartite, ExprMethod::Exact] {
            let r = ged("(+ x 2)", "(+ 2 x)", m);
            assert_eq!((r.value, r.exact), (0.0, true));
            let r = ged("(* (+ a b) (sin c))", "(* (sin c) (+ b a))", m);
            assert_eq!((r.value, r.exact), (0.0, true));
            let r = ged("(- x 2)", "(- 2 x)", m);
            assert!(r.value > 0.0 && (r.exact || m == ExprMethod::Bipartite), "{r:?}");
            // Either relabel both leaves (1 + 1) or relabel both position edges (0.5+0.5 each).
            assert_eq!(r.value, 2.0);
        }
    }

    #[test]
    fn graph_shape() {
        let (labels, edges) = expression_graph("(+ x (- 2 y) z)").unwrap();
        assert_eq!(labels, vec!["+", "x", "-", "2", "y", "z"]);
        assert!(edges.contains(&(0, 1, "operand".into())));
        assert!(edges.contains(&(2, 3, "0".into())));
        assert!(edges.contains(&(2, 4, "1".into())));
        assert!(edges.contains(&(1, 5, "clique".into())));
        assert!(edges.contains(&(5, 1, "clique".into())));
        assert_eq!(edges.len(), 3 + 6 + 2);
    }

    #[test]
    fn penalty_for_malformed_hypotheses() {
        let c = ExprCosts::default();
        let r = expression_ged_batch(&["(+ x", "(+ x 1)"], &["(+ x 1)", "(+ 1 x)"], &c, ExprMethod::Auto, Malformed::Penalty, None).unwrap();
        assert!(r[0].malformed);
        // Read as (+ x) with one paren fix: insert node 1, its operand edge and a clique edge.
        assert_eq!(r[0].value, 1.0 + 1.0 + 0.5 + 2.0);
        assert_eq!(r[1].value, 0.0);
        let r = expression_ged_batch(&["", ") )"], &["(+ x 1)", "x"], &c, ExprMethod::Auto, Malformed::Penalty, None).unwrap();
        // Nothing to read: build the whole target (3 nodes, 2 operand edges, one clique edge) + fixes.
        assert_eq!(r[0].value, 3.0 + 1.0 + 2.0);
        assert_eq!(r[1].value, 1.0 + 2.0);
        assert!(expression_ged_batch(&["(+ x"], &["x"], &c, ExprMethod::Auto, Malformed::Raise, None).is_err());
        assert!(expression_ged_batch(&["x"], &["(x"], &c, ExprMethod::Auto, Malformed::Penalty, None).is_err());
        assert!(expression_ged_batch(&["x"], &["x", "y"], &c, ExprMethod::Auto, Malformed::Penalty, None).is_err());
        let neg = ExprCosts { clique_weight: -1.0, ..c };
        assert!(expression_ged("x", "y", &neg, ExprMethod::Auto, None).is_err());
    }

    fn arb_expr() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec!["x", "y", "1", "2"]).prop_map(|s| s.to_string());
        leaf.prop_recursive(3, 8, 3, |inner| {
            (prop::sample::select(vec!["+", "*", "-", "sin"]), prop::collection::vec(inner, 1..=3))
                .prop_map(|(h, kids)| format!("({h} {})", kids.join(" ")))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]
        #[test]
        fn auto_bounds_contain_the_exact_distance(a in arb_expr(), b in arb_expr()) {
            let exact = ged(&a, &b, ExprMethod::Exact);
            prop_assert!(exact.exact);
            for m in [ExprMethod::Auto, ExprMethod::Bipartite] {
                let r = ged(&a, &b, m);
                prop_assert!(r.lower_bound <= exact.value + 1e-9);
                prop_assert!(r.value >= exact.value - 1e-9);
                if r.exact {
                    prop_assert!((r.value - exact.value).abs() < 1e-9);
                }
            }
            // Symmetric costs: symmetric distance.
            let back = ged(&b, &a, ExprMethod::Exact);
            prop_assert!((back.value - exact.value).abs() < 1e-9);
        }
    }
}
