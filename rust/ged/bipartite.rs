//! Approximate graph edit distance by bipartite assignment (Riesen & Bunke).
//!
//! Each node's cost is its own substitution/deletion/insertion cost plus half
//! of a lower bound on the cost of mapping its incident edges (outgoing to
//! outgoing, incoming to incoming). One LSAP over the (n1+n2)^2 matrix gives
//! - a lower bound: its optimum (every edge operation is split evenly between
//!   its two endpoints, so any edit path costs at least the assignment it
//!   induces), and
//! - an upper bound: the exact cost of the node mapping it chose.

use super::graph::{mapping_cost, GedOutcome, Graph, GraphCosts, EPS};
use super::lsap;
use crate::{Error, Result};

/// Largest n1 + n2 accepted (the solver is cubic).
pub const MAX_BIPARTITE_NODES: usize = 2_000;

pub fn bipartite_ged(g1: &Graph, g2: &Graph, c: &GraphCosts) -> Result<GedOutcome> {
    let (n1, n2) = (g1.len(), g2.len());
    let size = n1 + n2;
    if size > MAX_BIPARTITE_NODES {
        return Err(Error::limit(format!(
            "bipartite GED on graphs of {n1} and {n2} nodes: more than {MAX_BIPARTITE_NODES} nodes together"
        )));
    }
    if size == 0 {
        return Ok(GedOutcome { distance: 0.0, lower_bound: 0.0, exact: true, mapping: vec![] });
    }
    let (out1, in1) = g1.sorted_out_in();
    let (out2, in2) = g2.sorted_out_in();
    // Forbidden cells: larger than any real edit path, still finite for the solver.
    let max_node = c.node_ins.max(c.node_del).max(c.node_sub);
    let max_edge = c.edge_ins.iter().chain(&c.edge_del).fold(0.0f64, |a, &b| a.max(b)) * 2.0
        + c.edge_sub.unwrap_or(0.0);
    let forbidden = 1.0 + (size as f64) * (max_node + 1.0) + ((g1.edges.len() + g2.edges.len()) as f64) * (max_edge + 1.0);
    let mut m = vec![0.0f64; size * size];
    for u in 0..n1 {
        let row = &mut m[u * size..(u + 1) * size];
        for v in 0..n2 {
            let edges = c.edge_sorted_lb(&out1[u], &out2[v]) + c.edge_sorted_lb(&in1[u], &in2[v]);
            row[v] = c.node_pair(g1.labels[u], g2.labels[v]) + 0.5 * edges;
        }
        for (k, cell) in row[n2..].iter_mut().enumerate() {
            *cell = if k == u {
                let edges: f64 = out1[u].iter().chain(&in1[u]).map(|&l| c.edge_del[l as usize]).sum();
                c.node_del + 0.5 * edges
            } else {
                forbidden
            };
        }
    }
    for v in 0..n2 {
        let row = &mut m[(n1 + v) * size..(n1 + v + 1) * size];
        for (k, cell) in row[..n2].iter_mut().enumerate() {
            *cell = if k == v {
                let edges: f64 = out2[v].iter().chain(&in2[v]).map(|&l| c.edge_ins[l as usize]).sum();
                c.node_ins + 0.5 * edges
            } else {
                forbidden
            };
        }
        // Dummy-to-dummy cells stay 0.
    }
    let (assign, total) = lsap::solve(size, size, &m);
    let mapping: Vec<Option<usize>> = assign[..n1].iter().map(|&j| (j < n2).then_some(j)).collect();
    let distance = mapping_cost(g1, g2, &mapping, c);
    // The optimum never uses a forbidden cell (the pure delete/insert path is
    // cheaper); clamp anyway so the bound stays a bound.
    let lower_bound = total.min(distance);
    Ok(GedOutcome { distance, lower_bound, exact: distance - lower_bound <= EPS, mapping })
}
