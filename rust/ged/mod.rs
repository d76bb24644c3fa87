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
pub use tree::{tree_edit_distance, tree_edit_distance_batch, tree_edit_distance_str, tree_edit_mapping, TedCosts};
