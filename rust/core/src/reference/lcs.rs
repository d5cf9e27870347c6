//! Naive LCS, ports of rouge-score's `_lcs_table` and `_backtrack_norec`: the oracles the
//! bit-parallel kernels of `crate::lcs` are tested against.

/// Naive O(|a||b|) DP table, a port of rouge-score's `_lcs_table` .
pub fn lcs_table_naive(r: &[u32], c: &[u32]) -> Vec<Vec<u32>> {
    let mut t = vec![vec![0u32; c.len() + 1]; r.len() + 1];
    for i in 1..=r.len() {
        for j in 1..=c.len() {
            t[i][j] = if r[i - 1] == c[j - 1] {
                t[i - 1][j - 1] + 1
            } else {
                t[i - 1][j].max(t[i][j - 1])
            };
        }
    }
    t
}

/// Naive port of rouge-score's `_backtrack_norec` over `lcs_table_naive`.
pub fn lcs_indices_naive(r: &[u32], c: &[u32]) -> Vec<u32> {
    let t = lcs_table_naive(r, c);
    let (mut i, mut j) = (r.len(), c.len());
    let mut out = Vec::new();
    while i > 0 && j > 0 {
        if r[i - 1] == c[j - 1] {
            out.push((i - 1) as u32);
            i -= 1;
            j -= 1;
        } else if t[i][j - 1] > t[i - 1][j] {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    out.reverse();
    out
}
