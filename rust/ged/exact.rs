//! Exact graph edit distance by depth-first branch and bound.
//!
//! The nodes of g1 are decided one at a time (most connected first, so edge
//! costs are known early): each becomes an unused node of g2 or is deleted; g2
//! nodes left at the end are inserted. A partial mapping's cost so far is exact
//! (nodes decided plus every edge between decided nodes); the remainder is bounded
//! below by label counts: the node labels still open on each side and the edge
//! labels not yet accounted for (see `GraphCosts::node_lb` / `edge_counts_lb`).
//! Children are tried cheapest bound first, and the search starts from the
//! bipartite upper bound, so it prunes hard from the first step.

use std::time::Instant;

use super::bipartite::bipartite_ged;
use super::graph::{GedOutcome, Graph, GraphCosts, EPS};
use crate::{Error, Result};

/// Largest graph the exact search accepts (its depth is n1).
pub const MAX_EXACT_NODES: usize = 128;

/// When to give up: a wall-clock deadline and/or a number of search nodes.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchLimits {
    pub deadline: Option<Instant>,
    pub max_expansions: Option<u64>,
}

const DELETED: usize = usize::MAX;

struct Search<'a> {
    c: &'a GraphCosts,
    n1: usize,
    n2: usize,
    lab1: &'a [u32],
    lab2: &'a [u32],
    adj1: Vec<u32>,
    adj2: Vec<u32>,
    /// Incident edges per node: (other endpoint, label), each edge once per node.
    inc1: Vec<Vec<(usize, u32)>>,
    inc2: Vec<Vec<(usize, u32)>>,
    order: Vec<usize>,
    /// Image of each g1 node (by node id), DELETED, or unset (only for undecided).
    image: Vec<usize>,
    decided1: Vec<bool>,
    used2: Vec<bool>,
    /// Open node-label counts and unaccounted edge-label counts per side.
    nodes1: Vec<i32>,
    nodes2: Vec<i32>,
    edges1: Vec<i32>,
    edges2: Vec<i32>,
    open1: usize,
    open2: usize,
    best: f64,
    best_image: Vec<usize>,
    expansions: u64,
    limits: SearchLimits,
    aborted: bool,
}

impl<'a> Search<'a> {
    fn lower_bound(&self) -> f64 {
        let common: usize = self.nodes1.iter().zip(&self.nodes2).map(|(&a, &b)| a.min(b).max(0) as usize).sum();
        self.c.node_lb(self.open1, self.open2, common) + self.c.edge_counts_lb(&self.edges1, &self.edges2)
    }

    /// Cost of deciding g1 node `u` as `v` (or DELETED), given the nodes decided so far.
    fn step_cost(&self, u: usize, v: usize) -> f64 {
        let (n1, n2, c) = (self.n1, self.n2, self.c);
        if v == DELETED {
            let mut cost = c.node_del;
            for &(w, l) in &self.inc1[u] {
                if w == u || self.decided1[w] {
                    cost += c.edge_del[l as usize];
                }
            }
            return cost;
        }
        let mut cost = c.node_pair(self.lab1[u], self.lab2[v]) + c.edge_pair(self.adj1[u * n1 + u], self.adj2[v * n2 + v]);
        for &w in &self.order {
            if !self.decided1[w] {
                continue;
            }
            let x = self.image[w];
            let (a, b) = (self.adj1[u * n1 + w], self.adj1[w * n1 + u]);
            if x == DELETED {
                cost += c.edge_delete(a) + c.edge_delete(b);
            } else {
                cost += c.edge_pair(a, self.adj2[v * n2 + x]) + c.edge_pair(b, self.adj2[x * n2 + v]);
            }
        }
        cost
    }

    fn apply(&mut self, u: usize, v: usize) {
        self.decided1[u] = true;
        self.image[u] = v;
        self.open1 -= 1;
        self.nodes1[self.lab1[u] as usize] -= 1;
        for &(w, l) in &self.inc1[u] {
            if self.decided1[w] {
                self.edges1[l as usize] -= 1;
            }
        }
        if v != DELETED {
            self.used2[v] = true;
            self.open2 -= 1;
            self.nodes2[self.lab2[v] as usize] -= 1;
            for &(w, l) in &self.inc2[v] {
                if self.used2[w] {
                    self.edges2[l as usize] -= 1;
                }
            }
        }
    }

    fn undo(&mut self, u: usize, v: usize) {
        if v != DELETED {
            for &(w, l) in &self.inc2[v] {
                if self.used2[w] {
                    self.edges2[l as usize] += 1;
                }
            }
            self.used2[v] = false;
            self.open2 += 1;
            self.nodes2[self.lab2[v] as usize] += 1;
        }
        for &(w, l) in &self.inc1[u] {
            if self.decided1[w] {
                self.edges1[l as usize] += 1;
            }
        }
        self.decided1[u] = false;
        self.image[u] = DELETED;
        self.open1 += 1;
        self.nodes1[self.lab1[u] as usize] += 1;
    }

    fn out_of_budget(&mut self) -> bool {
        self.expansions += 1;
        if let Some(max) = self.limits.max_expansions {
            if self.expansions > max {
                self.aborted = true;
            }
        }
        if self.expansions % 512 == 0 {
            if let Some(d) = self.limits.deadline {
                if Instant::now() >= d {
                    self.aborted = true;
                }
            }
        }
        self.aborted
    }

    fn dfs(&mut self, depth: usize, so_far: f64) {
        if self.out_of_budget() {
            return;
        }
        if depth == self.n1 {
            // Insert what is left of g2.
            let rest: f64 = self.edges2.iter().enumerate().map(|(l, &k)| k as f64 * self.c.edge_ins[l]).sum();
            let total = so_far + self.open2 as f64 * self.c.node_ins + rest;
            if total < self.best - EPS {
                self.best = total;
                self.best_image = self.image.clone();
            }
            return;
        }
        let u = self.order[depth];
        let mut children: Vec<(f64, f64, usize)> = Vec::with_capacity(self.n2 + 1);
        let free: Vec<usize> = (0..self.n2).filter(|&v| !self.used2[v]).chain(std::iter::once(DELETED)).collect();
        for v in free {
            let step = self.step_cost(u, v);
            if so_far + step >= self.best - EPS {
                continue;
            }
            self.apply(u, v);
            let bound = so_far + step + self.lower_bound();
            self.undo(u, v);
            if bound < self.best - EPS {
                children.push((bound, step, v));
            }
        }
        children.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (bound, step, v) in children {
            if bound >= self.best - EPS || self.aborted {
                break;
            }
            self.apply(u, v);
            self.dfs(depth + 1, so_far + step);
            self.undo(u, v);
        }
    }
}

/// Most connected first: start from the highest degree, then repeatedly take
/// the node with most edges to those already taken.
fn search_order(n: usize, inc: &[Vec<(usize, u32)>]) -> Vec<usize> {
    let mut taken = vec![false; n];
    let mut links = vec![0usize; n];
    let mut order = Vec::with_capacity(n);
    for _ in 0..n {
        let u = (0..n)
            .filter(|&u| !taken[u])
            .max_by_key(|&u| (links[u], inc[u].len(), std::cmp::Reverse(u)))
            .expect("a node is left");
        taken[u] = true;
        order.push(u);
        for &(w, _) in &inc[u] {
            links[w] += 1;
        }
    }
    order
}

fn incident(g: &Graph) -> Vec<Vec<(usize, u32)>> {
    let mut inc = vec![Vec::new(); g.len()];
    for &(u, v, l) in &g.edges {
        inc[u].push((v, l));
        if u != v {
            inc[v].push((u, l));
        }
    }
    inc
}

/// Exact GED, starting from `start` (an upper bound and its mapping) or from the
/// bipartite bounds. If a limit stops the search first, the result is the best
/// mapping found (`exact == false`) with the best lower bound known.
pub fn exact_ged(
    g1: &Graph,
    g2: &Graph,
    c: &GraphCosts,
    start: Option<GedOutcome>,
    limits: SearchLimits,
) -> Result<GedOutcome> {
    let (n1, n2) = (g1.len(), g2.len());
    if n1.max(n2) > MAX_EXACT_NODES {
        return Err(Error::limit(format!(
            "exact GED on graphs of {n1} and {n2} nodes: at most {MAX_EXACT_NODES} nodes per graph (use the approximation)"
        )));
    }
    let start = match start {
        Some(s) => s,
        None => bipartite_ged(g1, g2, c)?,
    };
    if start.exact {
        return Ok(start);
    }
    let node_labels = g1.labels.iter().chain(&g2.labels).map(|&l| l as usize + 1).max().unwrap_or(0);
    let edge_labels = g1.edges.iter().chain(&g2.edges).map(|e| e.2 as usize + 1).max().unwrap_or(0);
    let mut nodes1 = vec![0i32; node_labels];
    let mut nodes2 = vec![0i32; node_labels];
    g1.labels.iter().for_each(|&l| nodes1[l as usize] += 1);
    g2.labels.iter().for_each(|&l| nodes2[l as usize] += 1);
    let mut edges1 = vec![0i32; edge_labels];
    let mut edges2 = vec![0i32; edge_labels];
    g1.edges.iter().for_each(|e| edges1[e.2 as usize] += 1);
    g2.edges.iter().for_each(|e| edges2[e.2 as usize] += 1);
    let inc1 = incident(g1);
    let inc2 = incident(g2);
    let order = search_order(n1, &inc1);
    let mut s = Search {
        c,
        n1,
        n2,
        lab1: &g1.labels,
        lab2: &g2.labels,
        adj1: g1.dense(),
        adj2: g2.dense(),
        inc1,
        inc2,
        order,
        image: vec![DELETED; n1],
        decided1: vec![false; n1],
        used2: vec![false; n2],
        nodes1,
        nodes2,
        edges1,
        edges2,
        open1: n1,
        open2: n2,
        best: start.distance,
        best_image: Vec::new(),
        expansions: 0,
        limits,
        aborted: false,
    };
    let root_bound = s.lower_bound().max(start.lower_bound);
    s.dfs(0, 0.0);
    let mapping = if s.best_image.is_empty() {
        start.mapping
    } else {
        s.best_image.iter().map(|&v| (v != DELETED).then_some(v)).collect()
    };
    let exact = !s.aborted;
    let lower_bound = if exact { s.best } else { root_bound.min(s.best) };
    Ok(GedOutcome { distance: s.best, lower_bound, exact, mapping })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ged::graph::mapping_cost;
    use proptest::prelude::*;

    /// Every injective partial mapping, tried one by one.
    fn brute(g1: &Graph, g2: &Graph, c: &GraphCosts) -> f64 {
        fn go(u: usize, g1: &Graph, g2: &Graph, c: &GraphCosts, map: &mut Vec<Option<usize>>, used: &mut Vec<bool>) -> f64 {
            if u == g1.len() {
                return mapping_cost(g1, g2, map, c);
            }
            map[u] = None;
            let mut best = go(u + 1, g1, g2, c, map, used);
            for v in 0..g2.len() {
                if !used[v] {
                    used[v] = true;
                    map[u] = Some(v);
                    best = best.min(go(u + 1, g1, g2, c, map, used));
                    used[v] = false;
                }
            }
            map[u] = None;
            best
        }
        go(0, g1, g2, c, &mut vec![None; g1.len()], &mut vec![false; g2.len()])
    }

    fn arb_graph(max_nodes: usize) -> impl Strategy<Value = Graph> {
        (0..=max_nodes).prop_flat_map(|n| {
            let labels = prop::collection::vec(0u32..3, n);
            let edges = prop::collection::vec((0..n.max(1), 0..n.max(1), 0u32..2), 0..=(n * 2));
            (labels, edges).prop_map(move |(labels, edges)| {
                let mut seen = std::collections::HashSet::new();
                let edges = if n == 0 { vec![] } else { edges.into_iter().filter(|e| seen.insert((e.0, e.1))).collect() };
                Graph::new(labels, edges, "g").unwrap()
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]
        #[test]
        fn exact_matches_brute_force_and_bounds_hold(g1 in arb_graph(5), g2 in arb_graph(5),
                                                     ni in 0.5f64..2.0, nd in 0.5f64..2.0, ns in 0.0f64..3.0,
                                                     ei in 0.25f64..1.5, ed in 0.25f64..1.5, es in prop::option::of(0.0f64..2.0),
                                                     clique in 0.5f64..3.0) {
            let mut c = GraphCosts::uniform(ni, nd, ns, ei, ed, es, 2);
            // Label 1 plays the clique edge: its own insertion/deletion cost.
            c.edge_ins[1] = clique;
            c.edge_del[1] = clique;
            let want = brute(&g1, &g2, &c);
            let approx = bipartite_ged(&g1, &g2, &c).unwrap();
            prop_assert!(approx.lower_bound <= want + 1e-9, "lb {} > {}", approx.lower_bound, want);
            prop_assert!(approx.distance >= want - 1e-9);
            prop_assert!((mapping_cost(&g1, &g2, &approx.mapping, &c) - approx.distance).abs() < 1e-9);
            let got = exact_ged(&g1, &g2, &c, None, SearchLimits::default()).unwrap();
            prop_assert!(got.exact);
            prop_assert!((got.distance - want).abs() < 1e-9, "{} != {}", got.distance, want);
            prop_assert!((mapping_cost(&g1, &g2, &got.mapping, &c) - want).abs() < 1e-9);
        }
    }

    #[test]
    fn a_budget_stops_the_search_with_valid_bounds() {
        let n = 12;
        let g1 = Graph::new((0..n).map(|i| i % 3).collect(), (0..n).map(|i| (i as usize, (i as usize + 1) % n as usize, 0)).collect(), "g1").unwrap();
        let g2 = Graph::new((0..n).map(|i| (i + 1) % 4).collect(), (0..n).map(|i| (i as usize, (i as usize * 5 + 2) % n as usize, 0)).filter(|e| e.0 != e.1).collect(), "g2").unwrap();
        let c = GraphCosts::uniform(1.0, 1.0, 1.0, 1.0, 1.0, Some(1.0), 1);
        let r = exact_ged(&g1, &g2, &c, None, SearchLimits { deadline: None, max_expansions: Some(50) }).unwrap();
        assert!(!r.exact);
        assert!(r.lower_bound <= r.distance);
        assert!((mapping_cost(&g1, &g2, &r.mapping, &c) - r.distance).abs() < 1e-9);
    }
}
