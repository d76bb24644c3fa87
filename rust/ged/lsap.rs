//! The linear sum assignment problem (Hungarian method with potentials,
//! shortest augmenting paths; O(n^2 m)).

/// Minimum-cost assignment of each of `n` rows to a distinct one of `m >= n`
/// columns; `cost` is row-major n x m with finite entries. Returns each row's
/// column and the total cost.
pub fn solve(n: usize, m: usize, cost: &[f64]) -> (Vec<usize>, f64) {
    assert!(n <= m && cost.len() == n * m, "lsap: need n <= m and an n x m matrix");
    let inf = f64::INFINITY;
    // 1-based potentials, column owners (p[j] = row, 0 = none) and the path.
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    let mut minv = vec![inf; m + 1];
    let mut used = vec![false; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        minv.iter_mut().for_each(|x| *x = inf);
        used.iter_mut().for_each(|x| *x = false);
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let row = &cost[(i0 - 1) * m..i0 * m];
            let mut delta = inf;
            let mut j1 = 0usize;
            for j in 1..=m {
                if !used[j] {
                    let cur = row[j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut assign = vec![0usize; n];
    for j in 1..=m {
        if p[j] != 0 {
            assign[p[j] - 1] = j - 1;
        }
    }
    let total = assign.iter().enumerate().map(|(i, &j)| cost[i * m + j]).sum();
    (assign, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(n: usize, m: usize, cost: &[f64]) -> f64 {
        fn go(i: usize, n: usize, m: usize, cost: &[f64], used: &mut Vec<bool>) -> f64 {
            if i == n {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for j in 0..m {
                if !used[j] {
                    used[j] = true;
                    best = best.min(cost[i * m + j] + go(i + 1, n, m, cost, used));
                    used[j] = false;
                }
            }
            best
        }
        go(0, n, m, cost, &mut vec![false; m])
    }

    proptest! {
        #[test]
        fn optimal_on_small_matrices(n in 1usize..5, extra in 0usize..3, seed in prop::collection::vec(0u8..20, 40)) {
            let m = n + extra;
            let cost: Vec<f64> = (0..n * m).map(|k| seed[k % seed.len()] as f64 * 0.5).collect();
            let (assign, total) = solve(n, m, &cost);
            let mut cols = assign.clone();
            cols.sort();
            cols.dedup();
            prop_assert_eq!(cols.len(), n);
            prop_assert!((total - brute(n, m, &cost)).abs() < 1e-9);
        }
    }
}
