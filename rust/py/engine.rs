//! Python bindings for `crate::engine`: the `Expr` class and `engine_*` functions.
//! Text inputs go through the `*_text` paths so that errors carry byte positions.

use crate::engine::{self, Answer};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

/// An expression of GRAPHEME's engine. `Expr("(+ 2 3)")` parses; `==` and
/// `hash` compare canonical (simplified) forms, so `Expr("(+ x 1)") == Expr("(+ 1 x)")`.
#[pyclass(name = "Expr", module = "grapheme_lab._core", frozen)]
pub struct PyExpr {
    pub inner: engine::Expr,
    canonical: OnceLock<String>,
}

impl PyExpr {
    pub fn new(inner: engine::Expr) -> Self {
        PyExpr { inner, canonical: OnceLock::new() }
    }

    /// The simplified Polish text, or the text itself when it does not simplify
    /// (e.g. `(ln 0)`).
    fn canonical_text(&self) -> &str {
        self.canonical.get_or_init(|| match engine::simplify(&self.inner) {
            Ok(s) => s.to_polish(),
            Err(_) => self.inner.to_polish(),
        })
    }
}

#[pymethods]
impl PyExpr {
    #[new]
    fn py_new(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyExpr::new(py.detach(|| engine::parse(text))?))
    }

    /// The Polish-notation text; `parse(e.to_polish()) == e` structurally.
    fn to_polish(&self) -> String {
        self.inner.to_polish()
    }

    fn __str__(&self) -> String {
        self.inner.to_polish()
    }

    fn __repr__(&self) -> String {
        format!("Expr({:?})", self.inner.to_polish())
    }

    /// The seed's JSON form as Python objects (dicts, lists, numbers, strings).
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = engine::to_json(&self.inner)?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// Reads the JSON form (a dict, or a JSON string).
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text: String = if let Ok(s) = data.cast::<PyString>() {
            s.to_str()?.to_owned()
        } else {
            py.import("json")?.call_method1("dumps", (data,))?.extract()?
        };
        Ok(PyExpr::new(py.detach(|| engine::from_json(&text))?))
    }

    /// The canonical (simplified) Polish text used by `==` and `hash`.
    fn canonical(&self) -> String {
        self.canonical_text().to_owned()
    }

    /// Whether the two trees are identical (not merely equal in canonical form).
    fn same_tree(&self, other: &Bound<'_, PyExpr>) -> bool {
        self.inner == other.get().inner
    }

    /// Free symbols (other than pi and e), sorted.
    fn symbols(&self) -> Vec<String> {
        self.inner.symbols()
    }

    /// Number of nodes.
    fn size(&self) -> usize {
        self.inner.size()
    }

    /// Nesting depth (a leaf is 1).
    fn depth(&self) -> usize {
        self.inner.depth()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        match other.cast::<PyExpr>() {
            Ok(o) => Ok(pyo3::types::PyBool::new(py, self.canonical_text() == o.get().canonical_text())
                .to_owned()
                .into_any()
                .unbind()),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __hash__(&self) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        self.canonical_text().hash(&mut h);
        h.finish()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let cls = slf.get_type().into_any();
        Ok((cls, (slf.get().inner.to_polish(),)))
    }
}

/// An `Expr` or a text; for texts, the text is kept for error positions.
pub(crate) enum Input {
    Tree(engine::Expr),
    Text(String),
}

pub(crate) fn input(obj: &Bound<'_, PyAny>) -> PyResult<Input> {
    if let Ok(e) = obj.cast::<PyExpr>() {
        return Ok(Input::Tree(e.get().inner.clone()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Input::Text(s.to_str()?.to_owned()));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "expected an Expr or a str, got {}",
        obj.get_type().name()?
    )))
}

impl Input {
    pub(crate) fn tree(self) -> crate::Result<engine::Expr> {
        match self {
            Input::Tree(e) => Ok(e),
            Input::Text(t) => engine::parse(&t),
        }
    }
}

#[pyfunction]
fn engine_parse(py: Python<'_>, text: &str) -> PyResult<PyExpr> {
    Ok(PyExpr::new(py.detach(|| engine::parse(text))?))
}

#[pyfunction]
#[pyo3(signature = (expr, bindings=Vec::new()))]
fn engine_evaluate(py: Python<'_>, expr: &Bound<'_, PyAny>, bindings: Vec<(String, f64)>) -> PyResult<f64> {
    let inp = input(expr)?;
    Ok(py.detach(|| match inp {
        Input::Tree(e) => engine::evaluate(&e, &bindings),
        Input::Text(t) => engine::evaluate_text(&t, &bindings),
    })?)
}

#[pyfunction]
fn engine_simplify(py: Python<'_>, expr: &Bound<'_, PyAny>) -> PyResult<PyExpr> {
    let inp = input(expr)?;
    Ok(PyExpr::new(py.detach(|| engine::simplify(&inp.tree()?))?))
}

#[pyfunction]
fn engine_derive(py: Python<'_>, expr: &Bound<'_, PyAny>, var: &str) -> PyResult<PyExpr> {
    let inp = input(expr)?;
    Ok(PyExpr::new(py.detach(|| engine::derive(&inp.tree()?, var))?))
}

#[pyfunction]
fn engine_antiderivative(py: Python<'_>, expr: &Bound<'_, PyAny>, var: &str) -> PyResult<Option<PyExpr>> {
    let inp = input(expr)?;
    Ok(py.detach(|| engine::antiderivative(&inp.tree()?, var))?.map(PyExpr::new))
}

#[pyfunction]
fn engine_integrate(py: Python<'_>, expr: &Bound<'_, PyAny>, var: &str, lo: f64, hi: f64) -> PyResult<f64> {
    let inp = input(expr)?;
    Ok(py.detach(|| engine::integrate(&inp.tree()?, var, lo, hi))?)
}

#[pyfunction]
fn engine_quadrature(py: Python<'_>, expr: &Bound<'_, PyAny>, var: &str, lo: f64, hi: f64) -> PyResult<(f64, f64)> {
    let inp = input(expr)?;
    Ok(py.detach(|| engine::quadrature(&inp.tree()?, var, lo, hi))?)
}

#[pyfunction]
fn engine_solve(py: Python<'_>, equation: &Bound<'_, PyAny>, var: &str) -> PyResult<Vec<f64>> {
    let inp = input(equation)?;
    Ok(py.detach(|| engine::solve(&inp.tree()?, var))?)
}

#[pyfunction]
fn engine_equivalent(py: Python<'_>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    let (a, b) = (input(a)?, input(b)?);
    Ok(py.detach(|| engine::equivalent(&a.tree()?, &b.tree()?))?)
}

#[pyfunction]
fn engine_run<'py>(py: Python<'py>, expr: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let inp = input(expr)?;
    let answer = py.detach(|| match inp {
        Input::Tree(e) => engine::run(&e),
        Input::Text(t) => engine::run_text(&t),
    })?;
    Ok(match answer {
        Answer::Number(x) => x.into_pyobject(py)?.into_any(),
        Answer::Symbolic(e) => Bound::new(py, PyExpr::new(e))?.into_any(),
        Answer::Roots(r) => PyList::new(py, r)?.into_any(),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyExpr>()?;
    m.add_function(wrap_pyfunction!(engine_parse, m)?)?;
    m.add_function(wrap_pyfunction!(engine_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(engine_simplify, m)?)?;
    m.add_function(wrap_pyfunction!(engine_derive, m)?)?;
    m.add_function(wrap_pyfunction!(engine_antiderivative, m)?)?;
    m.add_function(wrap_pyfunction!(engine_integrate, m)?)?;
    m.add_function(wrap_pyfunction!(engine_quadrature, m)?)?;
    m.add_function(wrap_pyfunction!(engine_solve, m)?)?;
    m.add_function(wrap_pyfunction!(engine_equivalent, m)?)?;
    m.add_function(wrap_pyfunction!(engine_run, m)?)?;
    m.add("ENGINE_MAX_DEPTH", engine::MAX_DEPTH)?;
    m.add("ENGINE_MAX_NODES", engine::MAX_NODES)?;
    m.add("ENGINE_OPERATORS", engine::expr::OPERATORS.to_vec())?;
    m.add("ENGINE_CONSTANTS", engine::expr::CONSTANTS.to_vec())?;
    Ok(())
}
