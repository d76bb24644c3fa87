//! Python bindings for `crate::steps`: trees in as an `Expr` or Polish text, lines out as Polish text.

use super::engine::input;
use crate::{engine, steps};
use pyo3::prelude::*;

fn texts(lines: Vec<engine::Expr>) -> Vec<String> {
    lines.iter().map(engine::Expr::to_polish).collect()
}

#[pyfunction]
#[pyo3(signature = (expr, bindings=Vec::new()))]
fn steps_trace(py: Python<'_>, expr: &Bound<'_, PyAny>, bindings: Vec<(String, f64)>) -> PyResult<Vec<String>> {
    let inp = input(expr)?;
    Ok(py.detach(|| steps::trace(&inp.tree()?, &bindings).map(texts))?)
}

#[pyfunction]
fn steps_step(py: Python<'_>, expr: &Bound<'_, PyAny>) -> PyResult<String> {
    let inp = input(expr)?;
    Ok(py.detach(|| steps::step(&inp.tree()?).map(|e| e.to_polish()))?)
}

#[pyfunction]
#[pyo3(signature = (expr, bound=false))]
fn steps_sites(py: Python<'_>, expr: &Bound<'_, PyAny>, bound: bool) -> PyResult<Vec<Vec<usize>>> {
    let inp = input(expr)?;
    Ok(py.detach(|| inp.tree().map(|e| steps::line_sites(&e, bound)))?)
}

#[pyfunction]
#[pyo3(signature = (before, after, bindings=Vec::new()))]
fn steps_check(py: Python<'_>, before: &Bound<'_, PyAny>, after: &Bound<'_, PyAny>, bindings: Vec<(String, f64)>) -> PyResult<()> {
    let (b, a) = (input(before)?, input(after)?);
    Ok(py.detach(|| steps::check_step(&b.tree()?, &a.tree()?, &bindings))?)
}

#[pyfunction]
fn steps_corrections(py: Python<'_>, lines: Vec<String>, miss: i64) -> PyResult<Vec<Vec<String>>> {
    Ok(py.detach(|| {
        let trees = lines.iter().map(|l| engine::parse(l)).collect::<crate::Result<Vec<_>>>()?;
        steps::corrections(&trees, miss).map(|chains| chains.into_iter().map(texts).collect())
    })?)
}

#[pyfunction]
#[pyo3(signature = (problem, bindings=Vec::new()))]
fn steps_derivation(py: Python<'_>, problem: &Bound<'_, PyAny>, bindings: Vec<(String, f64)>) -> PyResult<Vec<String>> {
    let inp = input(problem)?;
    Ok(py.detach(|| steps::derivation(&inp.tree()?, &bindings).map(texts))?)
}

#[pyfunction]
#[pyo3(signature = (problem, before, after, bindings=Vec::new()))]
fn steps_check_line(
    py: Python<'_>,
    problem: &Bound<'_, PyAny>,
    before: &Bound<'_, PyAny>,
    after: &Bound<'_, PyAny>,
    bindings: Vec<(String, f64)>,
) -> PyResult<()> {
    let (p, b, a) = (input(problem)?, input(before)?, input(after)?);
    Ok(py.detach(|| steps::check_line(&p.tree()?, &bindings, &b.tree()?, &a.tree()?))?)
}

/// A checked trace's precision: (exact, tolerance), the tolerance 0 when exact.
#[pyfunction]
#[pyo3(signature = (problem, lines, bindings=Vec::new()))]
fn steps_check_derivation(
    py: Python<'_>,
    problem: &Bound<'_, PyAny>,
    lines: Vec<String>,
    bindings: Vec<(String, f64)>,
) -> PyResult<(bool, f64)> {
    let p = input(problem)?;
    let precision = py.detach(|| {
        let trees = lines.iter().map(|l| engine::parse(l)).collect::<crate::Result<Vec<_>>>()?;
        steps::check_derivation(&p.tree()?, &bindings, &trees)
    })?;
    Ok(match precision {
        steps::Precision::Exact => (true, 0.0),
        steps::Precision::Within(tol) => (false, tol),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(steps_trace, m)?)?;
    m.add_function(wrap_pyfunction!(steps_step, m)?)?;
    m.add_function(wrap_pyfunction!(steps_sites, m)?)?;
    m.add_function(wrap_pyfunction!(steps_check, m)?)?;
    m.add_function(wrap_pyfunction!(steps_corrections, m)?)?;
    m.add_function(wrap_pyfunction!(steps_derivation, m)?)?;
    m.add_function(wrap_pyfunction!(steps_check_line, m)?)?;
    m.add_function(wrap_pyfunction!(steps_check_derivation, m)?)?;
    m.add("STEPS_ROW_TOL", steps::decimal::ROW_TOL)?;
    Ok(())
}
