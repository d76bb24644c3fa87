//! Edit distances: exact ordered tree edit distance, exact and approximate
//! graph edit distance, and the edit distance between expression graphs (the
//! GED training signal). Trees and expressions are s-expressions parsed here,
//! independent of the symbolic engine.

pub mod bipartite;
pub mod exact;
pub mod expr;
pub mod graph;
pub mod lsap;
pub mod sexpr;
pub mod tree;

pub use bipartite::bipartite_ged;
pub use exact::{exact_ged, SearchLimits};
pub use expr::{
    expression_ged, expression_ged_batch, expression_ged_trees, expression_graph, ExprCosts, ExprGedResult,
    ExprMethod, Malformed,
};
pub use graph::{mapping_cost, GedOutcome, Graph, GraphCosts};
pub use sexpr::{parse_tree, Tree};
pub use tree::{
    tree_edit_distance, tree_edit_distance_batch, tree_edit_distance_str, tree_edit_mapping, tree_edit_mapping_ids, TedCosts,
};

use std::time::Duration;

use rustc_hash::FxHashMap;

use crate::{Error, Result};

/// A timeout in seconds, checked: finite and >= 0.
pub fn timeout_from_secs(t: Option<f64>) -> Result<Option<Duration>> {
    match t {
        None => Ok(None),
        Some(s) if s.is_finite() && s >= 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(Error::invalid(format!("timeout must be a number of seconds >= 0, got {s}"))),
    }
}

/// Costs of `graph_edit_distance` on string-labelled graphs (all uniform).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelledCosts {
    pub node_ins: f64,
    pub node_del: f64,
    pub node_sub: f64,
    pub edge_ins: f64,
    pub edge_del: f64,
    pub edge_sub: f64,
}

/// Without a timeout, exact search is refused above this many nodes per graph
/// (its time is exponential in the worst case).
pub const MAX_EXACT_NODES_UNTIMED: usize = 16;

/// A string-labelled directed graph: node labels and (from, to, label) edges.
pub type LabelledGraph<'a> = (&'a [String], &'a [(usize, usize, String)]);

/// Graph edit distance between string-labelled graphs: exact (branch and
/// bound, optionally timed out) or the bipartite bounds.
pub fn graph_edit_distance<'a>(
    g1: LabelledGraph<'a>,
    g2: LabelledGraph<'a>,
    costs: &LabelledCosts,
    exact: bool,
    timeout: Option<Duration>,
) -> Result<GedOutcome> {
    let started = std::time::Instant::now();
    let mut node_ids: FxHashMap<&'a str, u32> = FxHashMap::default();
    let mut edge_ids: FxHashMap<&'a str, u32> = FxHashMap::default();
    let mut build = |(labels, edges): LabelledGraph<'a>, name: &str| -> Result<Graph> {
        let l = labels
            .iter()
            .map(|s| {
                let next = node_ids.len() as u32;
                *node_ids.entry(s.as_str()).or_insert(next)
            })
            .collect();
        let e = edges
            .iter()
            .map(|(u, v, s)| {
                let next = edge_ids.len() as u32;
                (*u, *v, *edge_ids.entry(s.as_str()).or_insert(next))
            })
            .collect();
        Graph::new(l, e, name)
    };
    let a = build(g1, "first graph")?;
    let b = build(g2, "second graph")?;
    let c = GraphCosts::uniform(
        costs.node_ins,
        costs.node_del,
        costs.node_sub,
        costs.edge_ins,
        costs.edge_del,
        Some(costs.edge_sub),
        edge_ids.len().max(1),
    );
    c.validate()?;
    if !exact {
        return bipartite_ged(&a, &b, &c);
    }
    if timeout.is_none() && a.len().max(b.len()) > MAX_EXACT_NODES_UNTIMED {
        return Err(Error::limit(format!(
            "exact GED on graphs of {} and {} nodes without a timeout: above {MAX_EXACT_NODES_UNTIMED} nodes pass a timeout or use the approximation",
            a.len(),
            b.len()
        )));
    }
    let limits = SearchLimits { deadline: timeout.map(|t| started + t), max_expansions: None };
    exact_ged(&a, &b, &c, None, limits)
}

