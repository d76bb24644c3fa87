//! Python bindings for `crate::ged`: type conversion and GIL release only.

use pyo3::prelude::*;

use crate::ged::{self, ExprCosts, ExprMethod, LabelledCosts, Malformed, TedCosts};

/// (node_insertion, node_deletion, node_substitution, edge_insertion, edge_deletion, clique_weight)
type CostTuple = (f64, f64, f64, f64, f64, f64);

fn expr_costs(c: CostTuple) -> ExprCosts {
    ExprCosts { node_ins: c.0, node_del: c.1, node_sub: c.2, edge_ins: c.3, edge_del: c.4, clique_weight: c.5 }
}

#[pyfunction]
#[pyo3(signature = (a, b, insert_cost=1.0, delete_cost=1.0, relabel_cost=1.0))]
fn ged_tree_edit_distance(py: Python<'_>, a: &str, b: &str, insert_cost: f64, delete_cost: f64, relabel_cost: f64) -> PyResult<f64> {
    let c = TedCosts { insert: insert_cost, delete: delete_cost, relabel: relabel_cost };
    Ok(py.detach(|| ged::tree_edit_distance_str(a, b, &c))?)
}

/// Distance and mapping: pairs of preorder node ids, None for inserted/deleted.
#[pyfunction]
#[pyo3(signature = (a, b, insert_cost=1.0, delete_cost=1.0, relabel_cost=1.0))]
fn ged_tree_edit_mapping(
    py: Python<'_>,
    a: &str,
    b: &str,
    insert_cost: f64,
    delete_cost: f64,
    relabel_cost: f64,
) -> PyResult<(f64, Vec<(Option<usize>, Option<usize>)>)> {
    let c = TedCosts { insert: insert_cost, delete: delete_cost, relabel: relabel_cost };
    Ok(py.detach(|| -> crate::Result<_> {
        let ta = ged::parse_tree(a)?;
        let tb = ged::parse_tree(b)?;
        ged::tree_edit_mapping(&ta, &tb, &c)
    })?)
}

#[pyfunction]
#[pyo3(signature = (a, b, insert_cost=1.0, delete_cost=1.0, relabel_cost=1.0))]
fn ged_tree_edit_distance_batch(
    py: Python<'_>,
    a: Vec<String>,
    b: Vec<String>,
    insert_cost: f64,
    delete_cost: f64,
    relabel_cost: f64,
) -> PyResult<Vec<f64>> {
    let c = TedCosts { insert: insert_cost, delete: delete_cost, relabel: relabel_cost };
    Ok(py.detach(|| ged::tree_edit_distance_batch(&a, &b, &c))?)
}

/// Returns (distance, lower_bound, exact, mapping).
#[pyfunction]
#[pyo3(signature = (labels1, edges1, labels2, edges2, costs, exact, timeout=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn ged_graph_edit_distance(
    py: Python<'_>,
    labels1: Vec<String>,
    edges1: Vec<(usize, usize, String)>,
    labels2: Vec<String>,
    edges2: Vec<(usize, usize, String)>,
    costs: CostTuple,
    exact: bool,
    timeout: Option<f64>,
) -> PyResult<(f64, f64, bool, Vec<Option<usize>>)> {
    let c = LabelledCosts {
        node_ins: costs.0,
        node_del: costs.1,
        node_sub: costs.2,
        edge_ins: costs.3,
        edge_del: costs.4,
        edge_sub: costs.5,
    };
    let timeout = ged::timeout_from_secs(timeout)?;
    let r = py.detach(|| ged::graph_edit_distance((&labels1, &edges1), (&labels2, &edges2), &c, exact, timeout))?;
    Ok((r.distance, r.lower_bound, r.exact, r.mapping))
}

#[pyfunction]
fn ged_expression_graph(expr: &str) -> PyResult<(Vec<String>, Vec<(usize, usize, String)>)> {
    Ok(ged::expression_graph(expr)?)
}

/// Returns (value, lower_bound, exact, mapping).
#[pyfunction]
#[pyo3(signature = (a, b, costs, method="auto", timeout=None))]
fn ged_expression_ged(
    py: Python<'_>,
    a: &str,
    b: &str,
    costs: CostTuple,
    method: &str,
    timeout: Option<f64>,
) -> PyResult<(f64, f64, bool, Vec<Option<usize>>)> {
    let m = ExprMethod::parse(method)?;
    let timeout = ged::timeout_from_secs(timeout)?;
    let c = expr_costs(costs);
    let r = py.detach(|| ged::expression_ged(a, b, &c, m, timeout))?;
    Ok((r.value, r.lower_bound, r.exact, r.mapping))
}

/// Returns (values, lower_bounds, exact, malformed), one entry per pair.
#[pyfunction]
#[pyo3(signature = (a, b, costs, method="auto", malformed_penalty=false, timeout=None))]
#[allow(clippy::type_complexity)]
fn ged_expression_ged_batch(
    py: Python<'_>,
    a: Vec<String>,
    b: Vec<String>,
    costs: CostTuple,
    method: &str,
    malformed_penalty: bool,
    timeout: Option<f64>,
) -> PyResult<(Vec<f64>, Vec<f64>, Vec<bool>, Vec<bool>)> {
    let m = ExprMethod::parse(method)?;
    let timeout = ged::timeout_from_secs(timeout)?;
    let c = expr_costs(costs);
    let mode = if malformed_penalty { Malformed::Penalty } else { Malformed::Raise };
    let rs = py.detach(|| ged::expression_ged_batch(&a, &b, &c, m, mode, timeout))?;
    Ok((
        rs.iter().map(|r| r.value).collect(),
        rs.iter().map(|r| r.lower_bound).collect(),
        rs.iter().map(|r| r.exact).collect(),
        rs.iter().map(|r| r.malformed).collect(),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ged_tree_edit_distance, m)?)?;
    m.add_function(wrap_pyfunction!(ged_tree_edit_mapping, m)?)?;
    m.add_function(wrap_pyfunction!(ged_tree_edit_distance_batch, m)?)?;
    m.add_function(wrap_pyfunction!(ged_graph_edit_distance, m)?)?;
    m.add_function(wrap_pyfunction!(ged_expression_graph, m)?)?;
    m.add_function(wrap_pyfunction!(ged_expression_ged, m)?)?;
    m.add_function(wrap_pyfunction!(ged_expression_ged_batch, m)?)?;
    Ok(())
}
