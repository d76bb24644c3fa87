//! The engine's limits: fixed bounds on its input, and one step budget per
//! call that turns any runaway computation into an error.
//!
//! Input text, nesting and node count are checked before any work starts.
//! Work that grows with the input in ways those bounds do not cap (expression
//! swell from nested `derive`, polynomial expansion, quadrature, root scans,
//! root finding) draws on a step budget: each public entry point ([`with_budget`])
//! gives its thread [`STEP_BUDGET`] steps, the costly loops [`charge`] what
//! they do, and the charge that overdraws returns a [`Limit`](ErrorKind::Limit)
//! error. No bignums: numbers are i64 rationals or f64, so digits are bounded
//! by their types.

use crate::error::{Error, ErrorKind, Result};
use std::cell::Cell;

/// Deepest nesting of parentheses accepted in text.
pub const MAX_DEPTH: usize = 200;
/// Most nodes in one parsed expression.
pub const MAX_NODES: usize = 100_000;
/// Longest input text in bytes.
pub const MAX_TEXT_BYTES: usize = 1 << 20;
/// Deepest tree the engine's functions accept (the parser stops at
/// [`MAX_DEPTH`]; results such as derivatives may be a little deeper).
pub const MAX_TREE_DEPTH: usize = 400;
/// Most degree a polynomial is expanded to (above it, `solve` scans numerically).
pub const MAX_POLY_DEGREE: usize = 64;
/// Steps one engine call may take. A step is about one node built (around
/// 100 ns) or eight operations of a compiled evaluation, so the budget stops
/// any call inside half a second; ordinary problems use a few thousand steps.
pub const STEP_BUDGET: u64 = 4_000_000;

thread_local! {
    /// Steps left to the engine call running on this thread; `None` outside one.
    static STEPS_LEFT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Runs one engine call under a fresh step budget. A call made from inside
/// another (e.g. `evaluate` of a `derive` form) shares the outer budget. A call
/// that overdrew its budget fails even where some inner step swallowed the
/// error (a root dropped because its check failed must not look like "no root").
pub fn with_budget<T>(call: impl FnOnce() -> Result<T>) -> Result<T> {
    if STEPS_LEFT.with(Cell::get).is_some() {
        return call();
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            STEPS_LEFT.with(|s| s.set(None));
        }
    }
    STEPS_LEFT.with(|s| s.set(Some(STEP_BUDGET)));
    let _reset = Reset;
    let out = call();
    if out.is_ok() && STEPS_LEFT.with(Cell::get) == Some(0) {
        return Err(exhausted());
    }
    out
}

/// Takes `steps` from the running call's budget; an error once it is spent.
/// Outside an engine call (no budget set) it does nothing.
pub fn charge(steps: u64) -> Result<()> {
    STEPS_LEFT.with(|s| match s.get() {
        None => Ok(()),
        Some(left) if left > steps => {
            s.set(Some(left - steps));
            Ok(())
        }
        Some(_) => {
            s.set(Some(0));
            Err(exhausted())
        }
    })
}

fn exhausted() -> Error {
    Error::new(
        ErrorKind::Limit,
        format!("the computation needs more than the engine's budget of {STEP_BUDGET} steps (the expression grows too large)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_per_call_and_shared_by_nested_calls() {
        assert!(charge(u64::MAX).is_ok(), "no budget outside a call");
        let r = with_budget(|| {
            charge(STEP_BUDGET / 2)?;
            with_budget(|| charge(STEP_BUDGET / 2))
        });
        assert_eq!(r.unwrap_err().kind, ErrorKind::Limit);
        // A swallowed overdraft still fails the call.
        let r = with_budget(|| {
            let _ = charge(STEP_BUDGET + 1);
            Ok(1)
        });
        assert_eq!(r.unwrap_err().kind, ErrorKind::Limit);
        assert!(with_budget(|| charge(STEP_BUDGET - 1)).is_ok(), "a fresh call gets a fresh budget");
    }
}
