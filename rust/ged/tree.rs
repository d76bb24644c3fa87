//! Exact ordered tree edit distance (Zhang & Shasha 1989), with the cheaper of
//! the left-path and right-path decompositions chosen per pair.
//!
//! Zhang–Shasha costs O(n1 n2) memory and sum_{k in KR1} |T1(k)| x
//! sum_{k in KR2} |T2(k)| steps (KR = keyroots). With left paths that is
//! O(n^2 min(depth, leaves)^2); running it on the mirrored trees (right paths)
//! instead and taking whichever count is smaller keeps balanced and
//! left- or right-leaning trees near O(n^2 log^2 n). The worst case (zig-zag
//! trees bad for both) remains O(n^4); APTED's heavy-path strategy would bound it
//! by O(n^3) but is not implemented here.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::sexpr::{parse_tree, Tree};
use crate::{Error, Result};

/// An edit mapping: (node of the first tree, node of the second) pairs; `None`
/// on the left is an insertion, on the right a deletion.
pub type TreeMapping = Vec<(Option<usize>, Option<usize>)>;

/// Largest n1 * n2 accepted (the distance table is n1 x n2 f64s).
pub const MAX_TABLE_CELLS: usize = 25_000_000;

/// Unit costs of the three tree edit operations (relabelling a node to the same
/// label is free).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TedCosts {
    pub insert: f64,
    pub delete: f64,
    pub relabel: f64,
}

impl Default for TedCosts {
    fn default() -> Self {
        TedCosts { insert: 1.0, delete: 1.0, relabel: 1.0 }
    }
}

impl TedCosts {
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("insert_cost", self.insert), ("delete_cost", self.delete), ("relabel_cost", self.relabel)] {
            check_cost(name, v)?;
        }
        Ok(())
    }
}

/// Costs must be finite and non-negative.
pub fn check_cost(name: &str, v: f64) -> Result<()> {
    if !v.is_finite() || v < 0.0 {
        return Err(Error::invalid(format!("{name} must be a finite number >= 0, got {v}")));
    }
    Ok(())
}

/// One tree in postorder, as Zhang–Shasha wants it.
struct Postorder {
    labels: Vec<u32>,
    /// Postorder index of each node's leftmost leaf descendant.
    lml: Vec<usize>,
    keyroots: Vec<usize>,
    /// Preorder id (index in the `Tree`) of each postorder node.
    pre: Vec<usize>,
}

impl Postorder {
    /// `mirror` reverses every child list, turning right paths into left paths.
    /// `children` in preorder ids (node 0 the root), `labels` interned per pair.
    fn new(children: &[Vec<usize>], labels: &[u32], mirror: bool) -> Postorder {
        let n = children.len();
        let mut post_labels = Vec::with_capacity(n);
        let mut lml = Vec::with_capacity(n);
        let mut pre = Vec::with_capacity(n);
        let mut post_of = vec![0usize; n];
        let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let kids = &children[node];
            if *next < kids.len() {
                let k = if mirror { kids[kids.len() - 1 - *next] } else { kids[*next] };
                *next += 1;
                stack.push((k, 0));
                continue;
            }
            stack.pop();
            let p = post_labels.len();
            post_of[node] = p;
            post_labels.push(labels[node]);
            pre.push(node);
            let first = if mirror { kids.last() } else { kids.first() };
            lml.push(first.map_or(p, |&c| lml[post_of[c]]));
        }
        // A keyroot is the highest node of its leftmost path.
        let mut highest = vec![usize::MAX; n];
        for (i, &l) in lml.iter().enumerate() {
            highest[l] = i;
        }
        let mut keyroots: Vec<usize> = highest.into_iter().filter(|&i| i != usize::MAX).collect();
        keyroots.sort_unstable();
        Postorder { labels: post_labels, lml, keyroots, pre }
    }

}

/// The number type of the dynamic program: `f64`, or `i64` when every cost is a
/// small dyadic fraction (then the costs are scaled to integers; integer add and
/// min are several times faster along the table's serial dependency chain, and
/// the sums, exact in both types, give identical results).
trait Cost: Copy + PartialEq + std::ops::Add<Output = Self> {
    const ZERO: Self;
    fn min(self, other: Self) -> Self;
}

impl Cost for f64 {
    const ZERO: f64 = 0.0;
    #[inline(always)]
    fn min(self, other: f64) -> f64 {
        f64::min(self, other)
    }
}

impl Cost for i64 {
    const ZERO: i64 = 0;
    #[inline(always)]
    fn min(self, other: i64) -> i64 {
        Ord::min(self, other)
    }
}

#[derive(Clone, Copy)]
struct Ops<T> {
    insert: T,
    delete: T,
    relabel: T,
}

/// The power of two that turns every cost into an integer, if one does with
/// no sum reaching 2^50 (so f64 sums of these costs are exact too).
fn integer_scale(c: &TedCosts, n1: usize, n2: usize) -> Option<f64> {
    let max = c.insert.max(c.delete).max(c.relabel);
    (0..=20).map(|k| (1u64 << k) as f64).find(|&s| {
        [c.insert, c.delete, c.relabel].iter().all(|&v| (v * s).fract() == 0.0)
            && max * s * ((n1 + n2 + 1) as f64) < (1u64 << 50) as f64
    })
}

struct ZhangShasha<'a, T> {
    a: &'a Postorder,
    b: &'a Postorder,
    c: Ops<T>,
    /// Tree distances, `td[i * n2 + j]`.
    td: Vec<T>,
    /// Forest distance scratch table.
    fd: Vec<T>,
}

impl<'a, T: Cost> ZhangShasha<'a, T> {
    fn new(a: &'a Postorder, b: &'a Postorder, c: Ops<T>) -> Self {
        let (n1, n2) = (a.labels.len(), b.labels.len());
        ZhangShasha { a, b, c, td: vec![T::ZERO; n1 * n2], fd: vec![T::ZERO; (n1 + 1) * (n2 + 1)] }
    }

    fn run(&mut self) -> T {
        for &i in &self.a.keyroots {
            for &j in &self.b.keyroots {
                self.forest::<true>(i, j);
            }
        }
        self.td[self.td.len() - 1]
    }

    /// Fills the forest table of subtrees i and j (row stride = width). With
    /// `STORE`, writes the tree distances found on the two leftmost paths.
    fn forest<const STORE: bool>(&mut self, i: usize, j: usize) -> usize {
        let (a, b, c) = (self.a, self.b, self.c);
        let n2 = b.labels.len();
        let (li, lj) = (a.lml[i], b.lml[j]);
        let (rows, width) = (i - li + 2, j - lj + 2);
        let fd = &mut self.fd[..rows * width];
        let b_lml = &b.lml[lj..=j];
        let b_labels = &b.labels[lj..=j];
        fd[0] = T::ZERO;
        for y in 1..width {
            fd[y] = fd[y - 1] + c.insert;
        }
        for x in 1..rows {
            let di = li + x - 1;
            let (done, rest) = fd.split_at_mut(x * width);
            let prev = &done[(x - 1) * width..];
            let row = &mut rest[..width];
            row[0] = prev[0] + c.delete;
            let mut left = row[0];
            if a.lml[di] == li {
                let la = a.labels[di];
                let td_row = &mut self.td[di * n2 + lj..di * n2 + j + 1];
                for y in 1..width {
                    // The serial chain runs through `left` only: one add and one min.
                    let other = if b_lml[y - 1] == lj {
                        let rel = if la == b_labels[y - 1] { T::ZERO } else { c.relabel };
                        (prev[y] + c.delete).min(prev[y - 1] + rel)
                    } else {
                        let q = b_lml[y - 1] - lj;
                        (prev[y] + c.delete).min(done[q] + td_row[y - 1])
                    };
                    let v = other.min(left + c.insert);
                    if STORE && b_lml[y - 1] == lj {
                        td_row[y - 1] = v;
                    }
                    row[y] = v;
                    left = v;
                }
            } else {
                let p = (a.lml[di] - li) * width;
                let td_row = &self.td[di * n2 + lj..di * n2 + j + 1];
                let sub = &done[p..p + width];
                for y in 1..width {
                    let q = b_lml[y - 1] - lj;
                    let other = (prev[y] + c.delete).min(sub[q] + td_row[y - 1]);
                    let v = other.min(left + c.insert);
                    row[y] = v;
                    left = v;
                }
            }
        }
        width
    }

    /// Backtracks an optimal mapping (postorder ids) after `run`.
    fn mapping(&mut self) -> TreeMapping {
        let (a, b, c) = (self.a, self.b, self.c);
        let mut out = Vec::new();
        let mut pairs = vec![(a.labels.len() - 1, b.labels.len() - 1)];
        while let Some((i, j)) = pairs.pop() {
            let width = self.forest::<false>(i, j);
            let (li, lj) = (a.lml[i], b.lml[j]);
            let (mut x, mut y) = (i - li + 1, j - lj + 1);
            while x > 0 || y > 0 {
                let here = self.fd[x * width + y];
                if x > 0 && here == self.fd[(x - 1) * width + y] + c.delete {
                    out.push((Some(li + x - 1), None));
                    x -= 1;
                } else if y > 0 && here == self.fd[x * width + y - 1] + c.insert {
                    out.push((None, Some(lj + y - 1)));
                    y -= 1;
                } else {
                    let (di, dj) = (li + x - 1, lj + y - 1);
                    if a.lml[di] == li && b.lml[dj] == lj {
                        out.push((Some(di), Some(dj)));
                        x -= 1;
                        y -= 1;
                    } else {
                        // A whole subtree pair: resolve it later from its own table.
                        pairs.push((di, dj));
                        x = a.lml[di] - li;
                        y = b.lml[dj] - lj;
                    }
                }
            }
        }
        out
    }
}

/// Runs Zhang–Shasha in integers when the costs allow it, else in f64: the
/// distance, and the optimal mapping (postorder ids) when asked.
fn solve(pa: &Postorder, pb: &Postorder, c: &TedCosts, want_mapping: bool) -> (f64, TreeMapping) {
    fn go<T: Cost>(pa: &Postorder, pb: &Postorder, ops: Ops<T>, want: bool) -> (T, TreeMapping) {
        let mut zs = ZhangShasha::new(pa, pb, ops);
        let d = zs.run();
        (d, if want { zs.mapping() } else { Vec::new() })
    }
    match integer_scale(c, pa.labels.len(), pb.labels.len()) {
        Some(s) => {
            let ops = Ops { insert: (c.insert * s) as i64, delete: (c.delete * s) as i64, relabel: (c.relabel * s) as i64 };
            let (d, m) = go(pa, pb, ops, want_mapping);
            (d as f64 / s, m)
        }
        None => go(pa, pb, Ops { insert: c.insert, delete: c.delete, relabel: c.relabel }, want_mapping),
    }
}

/// Interns the labels of both trees into shared small integers.
fn intern_pair<'t>(a: &'t Tree, b: &'t Tree) -> (Vec<u32>, Vec<u32>) {
    let mut ids: FxHashMap<&'t str, u32> = FxHashMap::default();
    let mut intern = |t: &'t Tree| -> Vec<u32> {
        t.labels
            .iter()
            .map(|l| {
                let next = ids.len() as u32;
                *ids.entry(l.as_str()).or_insert(next)
            })
            .collect()
    };
    let la = intern(a);
    let lb = intern(b);
    (la, lb)
}

fn check_size(n1: usize, n2: usize) -> Result<()> {
    if n1.saturating_mul(n2) > MAX_TABLE_CELLS {
        return Err(Error::limit(format!(
            "tree edit distance of trees of {n1} and {n2} nodes needs more than {MAX_TABLE_CELLS} table cells"
        )));
    }
    Ok(())
}

/// Prepares both trees with the decomposition that needs less work.
fn prepare(ca: &[Vec<usize>], la: &[u32], cb: &[Vec<usize>], lb: &[u32]) -> (Postorder, Postorder) {
    let ((left_a, right_a), (left_b, right_b)) = (work(ca), work(cb));
    let mirror = right_a * right_b < left_a * left_b;
    (Postorder::new(ca, la, mirror), Postorder::new(cb, lb, mirror))
}

/// Zhang–Shasha's work factor of a tree (preorder child lists) for the left and
/// the right path decomposition: the sum of the keyroots' subtree sizes. The left
/// keyroots are the root and every node with a left sibling; mirrored for right.
fn work(children: &[Vec<usize>]) -> (f64, f64) {
    let n = children.len();
    let mut size = vec![1usize; n];
    // Preorder: children come after their parent.
    for v in (0..n).rev() {
        size[v] += children[v].iter().map(|&k| size[k]).sum::<usize>();
    }
    let (mut left, mut right) = (n as f64, n as f64);
    for kids in children {
        if let Some((_, rest)) = kids.split_first() {
            left += rest.iter().map(|&k| size[k] as f64).sum::<f64>();
        }
        if let Some((_, rest)) = kids.split_last() {
            right += rest.iter().map(|&k| size[k] as f64).sum::<f64>();
        }
    }
    (left, right)
}

/// The exact ordered tree edit distance between two trees.
pub fn tree_edit_distance(a: &Tree, b: &Tree, costs: &TedCosts) -> Result<f64> {
    costs.validate()?;
    check_size(a.len(), b.len())?;
    let (la, lb) = intern_pair(a, b);
    let (pa, pb) = prepare(&a.children, &la, &b.children, &lb);
    Ok(solve(&pa, &pb, costs, false).0)
}

/// The distance and an optimal mapping, as (node of `a`, node of `b`) pairs of
/// preorder ids; `None` on the left is an insertion, on the right a deletion.
pub fn tree_edit_mapping(
    a: &Tree,
    b: &Tree,
    costs: &TedCosts,
) -> Result<(f64, TreeMapping)> {
    let (la, lb) = intern_pair(a, b);
    tree_edit_mapping_ids((&a.children, &la), (&b.children, &lb), costs)
}

/// `tree_edit_mapping` on trees given as preorder child lists and labels
/// already interned together (equal ids = equal labels).
pub fn tree_edit_mapping_ids(
    (ca, la): (&[Vec<usize>], &[u32]),
    (cb, lb): (&[Vec<usize>], &[u32]),
    costs: &TedCosts,
) -> Result<(f64, TreeMapping)> {
    costs.validate()?;
    check_size(ca.len(), cb.len())?;
    let (pa, pb) = prepare(ca, la, cb, lb);
    let (d, mapping) = solve(&pa, &pb, costs, true);
    let mapping = mapping
        .into_iter()
        .map(|(x, y)| (x.map(|i| pa.pre[i]), y.map(|j| pb.pre[j])))
        .collect();
    Ok((d, mapping))
}

/// Parses both s-expressions and returns their tree edit distance.
pub fn tree_edit_distance_str(a: &str, b: &str, costs: &TedCosts) -> Result<f64> {
    let ta = parse_tree(a).map_err(|e| Error::new(e.kind, format!("first tree: {}", e.message)))?;
    let tb = parse_tree(b).map_err(|e| Error::new(e.kind, format!("second tree: {}", e.message)))?;
    tree_edit_distance(&ta, &tb, costs)
}

/// Tree edit distances of many pairs, in parallel (rayon's pool). The first
/// error (by index) is returned, naming the pair.
pub fn tree_edit_distance_batch<S: AsRef<str> + Sync>(a: &[S], b: &[S], costs: &TedCosts) -> Result<Vec<f64>> {
    costs.validate()?;
    if a.len() != b.len() {
        return Err(Error::invalid(format!(
            "batch lengths differ: {} first trees, {} second trees",
            a.len(),
            b.len()
        )));
    }
    a.par_iter()
        .zip(b.par_iter())
        .enumerate()
        .map(|(k, (x, y))| {
            tree_edit_distance_str(x.as_ref(), y.as_ref(), costs)
                .map_err(|e| Error::new(e.kind, format!("pair {k}: {}", e.message)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ted(a: &str, b: &str) -> f64 {
        tree_edit_distance_str(a, b, &TedCosts::default()).unwrap()
    }

    /// Plain recursive forest edit distance (exponential memo-free, tiny trees only).
    fn brute(a: &[(String, Vec<usize>)], fa: Vec<usize>, b: &[(String, Vec<usize>)], fb: Vec<usize>, c: &TedCosts) -> f64 {
        if fa.is_empty() && fb.is_empty() {
            return 0.0;
        }
        let size = |t: &[(String, Vec<usize>)], f: &[usize]| -> f64 {
            let mut s = 0.0;
            let mut st = f.to_vec();
            while let Some(n) = st.pop() {
                s += 1.0;
                st.extend(t[n].1.iter().copied());
            }
            s
        };
        if fa.is_empty() {
            return size(b, &fb) * c.insert;
        }
        if fb.is_empty() {
            return size(a, &fa) * c.delete;
        }
        // Rightmost roots.
        let (v, w) = (*fa.last().unwrap(), *fb.last().unwrap());
        let mut fa_del = fa[..fa.len() - 1].to_vec();
        fa_del.extend(a[v].1.iter().copied());
        let mut fb_ins = fb[..fb.len() - 1].to_vec();
        fb_ins.extend(b[w].1.iter().copied());
        let d1 = brute(a, fa_del, b, fb.clone(), c) + c.delete;
        let d2 = brute(a, fa.clone(), b, fb_ins, c) + c.insert;
        let rel = if a[v].0 == b[w].0 { 0.0 } else { c.relabel };
        let d3 = brute(a, a[v].1.clone(), b, b[w].1.clone(), c)
            + brute(a, fa[..fa.len() - 1].to_vec(), b, fb[..fb.len() - 1].to_vec(), c)
            + rel;
        d1.min(d2).min(d3)
    }

    fn as_nodes(t: &Tree) -> Vec<(String, Vec<usize>)> {
        t.labels.iter().cloned().zip(t.children.iter().cloned()).collect()
    }

    fn arb_tree() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec!["a", "b", "c"]).prop_map(|s| s.to_string());
        leaf.prop_recursive(4, 9, 3, |inner| {
            (prop::sample::select(vec!["a", "b", "f"]), prop::collection::vec(inner, 1..=3))
                .prop_map(|(h, kids)| format!("({h} {})", kids.join(" ")))
        })
    }

    #[test]
    fn known_distances() {
        assert_eq!(ted("a", "a"), 0.0);
        assert_eq!(ted("a", "b"), 1.0);
        assert_eq!(ted("(f a b)", "(f b a)"), 2.0);
        assert_eq!(ted("(f a b)", "(f a)"), 1.0);
        assert_eq!(ted("(a (b c d) e)", "(a c d e)"), 1.0);
        // The classic Zhang–Shasha example.
        assert_eq!(ted("(f (d a (c b)) e)", "(f (c (d a b)) e)"), 2.0);
        let c = TedCosts { insert: 2.0, delete: 3.0, relabel: 10.0 };
        assert_eq!(tree_edit_distance_str("a", "b", &c).unwrap(), 5.0);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(tree_edit_distance_str("(a", "a", &TedCosts::default()).is_err());
        let c = TedCosts { insert: -1.0, ..Default::default() };
        assert!(tree_edit_distance_str("a", "a", &c).is_err());
        assert!(tree_edit_distance_batch(&["a"], &["a", "b"], &TedCosts::default()).is_err());
        let err = tree_edit_distance_batch(&["a", "(b"], &["a", "b"], &TedCosts::default()).unwrap_err();
        assert!(err.message.starts_with("pair 1:"), "{}", err.message);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn matches_brute_force_and_mapping_cost(a in arb_tree(), b in arb_tree(),
                                                ins in 0.5f64..3.0, del in 0.5f64..3.0, rel in 0.0f64..4.0,
                                                dyadic in any::<bool>()) {
            // Dyadic costs take the integer dynamic program, others the f64 one.
            let q = |v: f64| if dyadic { (v * 4.0).round() / 4.0 } else { v };
            let (ins, del, rel) = (q(ins), q(del), q(rel));
            let c = TedCosts { insert: ins, delete: del, relabel: rel };
            let (ta, tb) = (parse_tree(&a).unwrap(), parse_tree(&b).unwrap());
            let d = tree_edit_distance(&ta, &tb, &c).unwrap();
            let (na, nb) = (as_nodes(&ta), as_nodes(&tb));
            let want = brute(&na, vec![0], &nb, vec![0], &c);
            prop_assert!((d - want).abs() < 1e-9, "{} vs {}: {} != {}", a, b, d, want);
            // The mapping's own cost is the distance.
            let (d2, m) = tree_edit_mapping(&ta, &tb, &c).unwrap();
            prop_assert_eq!(d, d2);
            let mut cost = 0.0;
            for (x, y) in &m {
                cost += match (x, y) {
                    (Some(i), Some(j)) => if ta.labels[*i] == tb.labels[*j] { 0.0 } else { rel },
                    (Some(_), None) => del,
                    (None, Some(_)) => ins,
                    (None, None) => unreachable!(),
                };
            }
            prop_assert!((cost - d).abs() < 1e-9);
            prop_assert_eq!(m.len(), ta.len() + tb.len() - m.iter().filter(|(x, y)| x.is_some() && y.is_some()).count());
            // Symmetry (with insert and delete swapped).
            let back = tree_edit_distance(&tb, &ta, &TedCosts { insert: del, delete: ins, relabel: rel }).unwrap();
            prop_assert!((back - d).abs() < 1e-9);
        }
    }
}
