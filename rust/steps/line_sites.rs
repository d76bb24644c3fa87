//! The sites of a line of any trace: what its next line rewrites, each on its
//! own (the brain is asked them one by one and its answers are spliced back).
//!
//! From the root down, a site's inside not searched:
//! - a whole `solve`, `integrate` or equation `(= l r)`: one site, the line;
//! - a `derive` node (level 5 rewrites each by one rule);
//! - what a step of numbers rewrites ([`reals`](super::reals)): an operation on
//!   numbers, `pi` and `e`, an exact value such as `(sin (/ pi 6))`;
//! - with bindings, every symbol (a level-3 row's first line).
//!
//! For arithmetic (levels 1-3) these are [`check::sites`](super::check::sites):
//! the innermost operations.

use super::check::{sites as bound_sites, Path};
use super::decimal::kids;
use super::reals::is_site;
use crate::engine::{BinOp, Expr, Func};

/// A line rewritten whole by its next line.
fn is_whole(e: &Expr) -> bool {
    matches!(e, Expr::Function { func: Func::Solve | Func::Integrate, .. } | Expr::BinOp { op: BinOp::Eq, .. })
}

/// The paths of the sites of `line`, in prefix order (`bound`: bindings follow it).
pub fn line_sites(line: &Expr, bound: bool) -> Vec<Path> {
    if bound {
        return bound_sites(line, true);
    }
    if is_whole(line) {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    collect(line, &mut Vec::new(), &mut out);
    out
}

fn collect(e: &Expr, path: &mut Path, out: &mut Vec<Path>) {
    if matches!(e, Expr::Function { func: Func::Derive, .. }) || is_site(e) {
        out.push(path.clone());
        return;
    }
    for (i, c) in kids(e).enumerate() {
        path.push(i);
        collect(c, path, out);
        path.pop();
    }
}
