//! Directed graphs with labelled nodes and edges, the cost model of graph edit
//! distance, the exact cost of a node mapping, and the label-count lower bounds
//! shared by the exact search and the bipartite approximation.

use rustc_hash::FxHashMap;

use super::tree::check_cost;
use crate::{Error, Result};

/// "No edge" in dense adjacency tables.
pub const NO_EDGE: u32 = u32::MAX;

/// A directed graph; labels are small integers interned per compared pair.
/// At most one edge per ordered node pair (self-loops allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    pub labels: Vec<u32>,
    pub edges: Vec<(usize, usize, u32)>,
}

impl Graph {
    /// Checks that every edge names existing nodes and no ordered pair repeats.
    pub fn new(labels: Vec<u32>, edges: Vec<(usize, usize, u32)>, name: &str) -> Result<Graph> {
        let n = labels.len();
        let mut seen: FxHashMap<(usize, usize), ()> = FxHashMap::default();
        for (k, &(u, v, _)) in edges.iter().enumerate() {
            if u >= n || v >= n {
                return Err(Error::invalid(format!(
                    "{name}: edge {k} ({u}, {v}) names a missing node (the graph has {n} nodes)"
                )));
            }
            if seen.insert((u, v), ()).is_some() {
                return Err(Error::invalid(format!(
                    "{name}: edge {k} ({u}, {v}) repeats an edge (one edge per ordered node pair)"
                )));
            }
        }
        Ok(Graph { labels, edges })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Dense adjacency: `adj[u * n + v]` is the label of edge u->v or NO_EDGE.
    pub fn dense(&self) -> Vec<u32> {
        let n = self.len();
        let mut adj = vec![NO_EDGE; n * n];
        for &(u, v, l) in &self.edges {
            adj[u * n + v] = l;
        }
        adj
    }

    /// Per node, the labels of its outgoing and incoming edges, each sorted.
    pub fn sorted_out_in(&self) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
        let mut out = vec![Vec::new(); self.len()];
        let mut inc = vec![Vec::new(); self.len()];
        for &(u, v, l) in &self.edges {
            out[u].push(l);
            inc[v].push(l);
        }
        for x in out.iter_mut().chain(inc.iter_mut()) {
            x.sort_unstable();
        }
        (out, inc)
    }
}

/// Graph edit costs. Node costs are uniform; edge insertion and deletion may
/// depend on the edge label (clique edges cost differently); substituting a node
/// or an edge by one with the same label is free.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphCosts {
    pub node_ins: f64,
    pub node_del: f64,
    pub node_sub: f64,
    /// Indexed by edge label id.
    pub edge_ins: Vec<f64>,
    pub edge_del: Vec<f64>,
    /// Cost of relabelling an edge; `None` means delete + insert.
    pub edge_sub: Option<f64>,
}

impl GraphCosts {
    /// Uniform costs for every edge label below `edge_labels`.
    pub fn uniform(
        node_ins: f64,
        node_del: f64,
        node_sub: f64,
        edge_ins: f64,
        edge_del: f64,
        edge_sub: Option<f64>,
        edge_labels: usize,
    ) -> GraphCosts {
        GraphCosts {
            node_ins,
            node_del,
            node_sub,
            edge_ins: vec![edge_ins; edge_labels],
            edge_del: vec![edge_del; edge_labels],
            edge_sub,
        }
    }

    pub fn validate(&self) -> Result<()> {
        check_cost("node_insertion_cost", self.node_ins)?;
        check_cost("node_deletion_cost", self.node_del)?;
        check_cost("node_substitution_cost", self.node_sub)?;
        for &c in &self.edge_ins {
            check_cost("edge_insertion_cost", c)?;
        }
        for &c in &self.edge_del {
            check_cost("edge_deletion_cost", c)?;
        }
        if let Some(s) = self.edge_sub {
            check_cost("edge_substitution_cost", s)?;
        }
        Ok(())
    }

    /// Room for edge labels up to `edge_labels` (extra labels get the last costs).
    pub fn ensure_edge_labels(&mut self, edge_labels: usize) {
        while self.edge_ins.len() < edge_labels {
            let (i, d) = (*self.edge_ins.last().unwrap_or(&1.0), *self.edge_del.last().unwrap_or(&1.0));
            self.edge_ins.push(i);
            self.edge_del.push(d);
        }
    }

    #[inline]
    pub fn node_pair(&self, a: u32, b: u32) -> f64 {
        if a == b {
            0.0
        } else {
            self.node_sub
        }
    }

    #[inline]
    pub fn edge_delete(&self, l: u32) -> f64 {
        if l == NO_EDGE {
            0.0
        } else {
            self.edge_del[l as usize]
        }
    }

    #[inline]
    pub fn edge_insert(&self, l: u32) -> f64 {
        if l == NO_EDGE {
            0.0
        } else {
            self.edge_ins[l as usize]
        }
    }

    /// Cost of edge slot `a` (in g1) becoming edge slot `b` (in g2), either
    /// possibly NO_EDGE.
    #[inline]
    pub fn edge_pair(&self, a: u32, b: u32) -> f64 {
        if a == b {
            0.0
        } else if a == NO_EDGE {
            self.edge_ins[b as usize]
        } else if b == NO_EDGE {
            self.edge_del[a as usize]
        } else {
            match self.edge_sub {
                Some(s) => s,
                None => self.edge_del[a as usize] + self.edge_ins[b as usize],
            }
        }
    }

    fn uniform_edges(&self) -> Option<(f64, f64)> {
        let i = *self.edge_ins.first()?;
        let d = *self.edge_del.first()?;
        let same = self.edge_ins.iter().all(|&x| x == i) && self.edge_del.iter().all(|&x| x == d);
        same.then_some((i, d))
    }

    /// Lower bound on matching `n1` items to `n2` items of which `common` can
    /// pair with an equal label, at uniform costs (exact for label multisets).
    pub fn uniform_lb(n1: usize, n2: usize, common: usize, del: f64, ins: f64, sub: f64) -> f64 {
        let (a1, a2) = ((n1 - common) as f64, (n2 - common) as f64);
        if sub < del + ins {
            let k = a1.min(a2);
            k * sub + (a1 - k) * del + (a2 - k) * ins
        } else {
            a1 * del + a2 * ins
        }
    }

    /// Lower bound on the node cost of mapping two label multisets.
    #[inline]
    pub fn node_lb(&self, n1: usize, n2: usize, common: usize) -> f64 {
        Self::uniform_lb(n1, n2, common, self.node_del, self.node_ins, self.node_sub)
    }

    /// Lower bound on the cost of mapping one edge-label multiset onto another,
    /// given per-label counts `c1`, `c2`. At uniform costs it is exact for the
    /// multisets; otherwise every item that cannot pair with an equal label pays
    /// at least the cheaper of its deletion/insertion or half a substitution.
    pub fn edge_counts_lb(&self, c1: &[i32], c2: &[i32]) -> f64 {
        let (mut n1, mut n2, mut common) = (0usize, 0usize, 0usize);
        let (mut left1, mut left2) = (0.0, 0.0);
        let half = self.edge_sub.map(|s| s / 2.0);
        for l in 0..c1.len().max(c2.len()) {
            let a = c1.get(l).copied().unwrap_or(0).max(0) as usize;
            let b = c2.get(l).copied().unwrap_or(0).max(0) as usize;
            n1 += a;
            n2 += b;
            let m = a.min(b);
            common += m;
            let (d, i) = (self.edge_del[l], self.edge_ins[l]);
            left1 += (a - m) as f64 * half.map_or(d, |h| d.min(h));
            left2 += (b - m) as f64 * half.map_or(i, |h| i.min(h));
        }
        self.finish_edge_lb(n1, n2, common, left1 + left2)
    }

    /// The same bound from two sorted label lists.
    pub fn edge_sorted_lb(&self, s1: &[u32], s2: &[u32]) -> f64 {
        let half = self.edge_sub.map(|s| s / 2.0);
        let (mut i, mut j, mut common) = (0, 0, 0);
        let mut left = 0.0;
        let cost1 = |l: u32| {
            let d = self.edge_del[l as usize];
            half.map_or(d, |h| d.min(h))
        };
        let cost2 = |l: u32| {
            let c = self.edge_ins[l as usize];
            half.map_or(c, |h| c.min(h))
        };
        while i < s1.len() && j < s2.len() {
            if s1[i] == s2[j] {
                common += 1;
                i += 1;
                j += 1;
            } else if s1[i] < s2[j] {
                left += cost1(s1[i]);
                i += 1;
            } else {
                left += cost2(s2[j]);
                j += 1;
            }
        }
        left += s1[i..].iter().map(|&l| cost1(l)).sum::<f64>();
        left += s2[j..].iter().map(|&l| cost2(l)).sum::<f64>();
        self.finish_edge_lb(s1.len(), s2.len(), common, left)
    }

    fn finish_edge_lb(&self, n1: usize, n2: usize, common: usize, half_split: f64) -> f64 {
        match self.uniform_edges() {
            Some((ins, del)) => {
                let sub = self.edge_sub.unwrap_or(del + ins);
                Self::uniform_lb(n1, n2, common, del, ins, sub).max(half_split)
            }
            None => half_split,
        }
    }
}

/// The exact edit cost of a node mapping `map[u] = Some(v)` (u of g1 to v of
/// g2) or `None` (u deleted); g2 nodes not mapped to are inserted. Edges follow
/// their endpoints: an edge whose image exists is kept or relabelled, otherwise
/// deleted; edges of g2 that are no image are inserted.
pub fn mapping_cost(g1: &Graph, g2: &Graph, map: &[Option<usize>], c: &GraphCosts) -> f64 {
    let mut cost = 0.0;
    let mut hit = vec![false; g2.len()];
    for (u, m) in map.iter().enumerate() {
        match m {
            Some(v) => {
                hit[*v] = true;
                cost += c.node_pair(g1.labels[u], g2.labels[*v]);
            }
            None => cost += c.node_del,
        }
    }
    cost += hit.iter().filter(|h| !**h).count() as f64 * c.node_ins;
    let edges2: FxHashMap<(usize, usize), u32> = g2.edges.iter().map(|&(u, v, l)| ((u, v), l)).collect();
    let mut used = 0.0;
    for &(u, v, l) in &g1.edges {
        match (map[u], map[v]) {
            (Some(x), Some(y)) => match edges2.get(&(x, y)) {
                Some(&l2) => {
                    cost += c.edge_pair(l, l2);
                    used += c.edge_ins[l2 as usize];
                }
                None => cost += c.edge_del[l as usize],
            },
            _ => cost += c.edge_del[l as usize],
        }
    }
    // Every g2 edge not matched above is inserted.
    let all_ins: f64 = g2.edges.iter().map(|&(_, _, l)| c.edge_ins[l as usize]).sum();
    cost + (all_ins - used)
}

/// Result of a graph edit distance computation.
#[derive(Debug, Clone, PartialEq)]
pub struct GedOutcome {
    /// The cost of `mapping`: the distance when `exact`, an upper bound otherwise.
    pub distance: f64,
    pub lower_bound: f64,
    pub exact: bool,
    /// `mapping[u]`: the g2 node that g1 node u becomes, or None (deleted).
    pub mapping: Vec<Option<usize>>,
}

/// Tolerance for comparing sums of costs.
pub const EPS: f64 = 1e-9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_cost_counts_every_operation() {
        let g1 = Graph::new(vec![0, 1], vec![(0, 1, 0)], "g1").unwrap();
        let g2 = Graph::new(vec![0, 2, 1], vec![(0, 1, 1), (1, 2, 0)], "g2").unwrap();
        let c = GraphCosts::uniform(1.0, 2.0, 3.0, 0.5, 0.25, Some(0.125), 2);
        // 0->0, 1->2: node ok, ok; edge (0,1)->(0,2) missing: delete 0.25;
        // insert node 1 (1.0) and edges (0,1), (1,2) (0.5 each).
        assert_eq!(mapping_cost(&g1, &g2, &[Some(0), Some(2)], &c), 0.25 + 1.0 + 1.0);
        // 0->0, 1->1: relabel node 3.0, relabel edge 0.125, insert node 2 + edge (1,2).
        assert_eq!(mapping_cost(&g1, &g2, &[Some(0), Some(1)], &c), 3.0 + 0.125 + 1.0 + 0.5);
        assert_eq!(mapping_cost(&g1, &g2, &[None, None], &c), 2.0 * 2.0 + 0.25 + 3.0 + 1.0);
    }

    #[test]
    fn rejects_missing_nodes_and_repeated_edges() {
        assert!(Graph::new(vec![0], vec![(0, 1, 0)], "g").is_err());
        assert!(Graph::new(vec![0, 0], vec![(0, 1, 0), (0, 1, 1)], "g").is_err());
    }
}
