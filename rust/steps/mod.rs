//! The steps the brain writes, as engine rules over the engine's [`Expr`]:
//! one reduction step of an expression ([`step`]), the whole trace of a
//! problem ([`trace`]), the sites a line's next line rewrites ([`line_sites`]), whether a line
//! is one legal step of another ([`check_step`]), and the chains that recover
//! from a wrong quotient ([`corrections`]).
//!
//! Numbers are exact (i128 rationals, every operation checked; a leaf must fit
//! the engine's i64). Every entry point runs under the engine's step budget.
//! The rules are in [`rules`]; the generator ships each step row's trace in
//! its `steps` field and checks every line with [`check_step`].

mod check;
mod corrections;
mod cubic;
pub mod decimal;
mod derivation;
mod derivative;
mod derivative_rules;
mod equation;
mod exact_values;
mod integral;
mod line_sites;
mod linear;
mod rational;
mod reals;
mod rules;
mod series;
mod trace;

pub use check::{check_step, value, Path};
pub use corrections::corrections;
pub use derivation::{check_derivation, check_derivation_with_roots, check_line, derivation, derivation_to_root, Precision};
pub use line_sites::line_sites;
pub use linear::root_step;
pub use rational::Q;
pub use rules::SMALL;

use crate::engine::limits::with_budget;
use crate::engine::{check_limits, Expr};
use crate::error::Result;

/// One step of a tree of numbers: every innermost operation rewritten.
pub fn step(e: &Expr) -> Result<Expr> {
    with_budget(|| {
        check_limits(e)?;
        trace::step(e)
    })
}

/// The lines of solving `e` step by step, its value last (see [`trace::trace`]).
pub fn trace(e: &Expr, bindings: &[(String, f64)]) -> Result<Vec<Expr>> {
    with_budget(|| {
        check_limits(e)?;
        trace::trace(e, bindings)
    })
}

#[cfg(test)]
mod tests;
