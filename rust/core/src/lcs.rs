//! Longest common subsequence over dense token ids, bit-parallel (Allison-Dix / Hyyro 2004).
//!
//! The pattern sequence is held as bit masks, one bit per pattern position (one `u64` per 64
//! positions); the text is scanned once, updating the row-difference vector `V` column by column:
//! `U = V & PM[c]; V = (V + U) | (V - U)`. A zero bit `i` in `V_j` means `t[i+1][j] - t[i][j] == 1`
//! in the classic DP table `t`, so the LCS length is the number of zero bits.
//!
//! `lcs_indices` reproduces rouge-score's `_lcs_table` + `_backtrack_norec` exactly: at a mismatch
//! the reference moves in the candidate iff `t[i][j-1] > t[i-1][j]`, which (because
//! `t[i][j] = max(t[i-1][j], t[i][j-1])` there) holds iff `t[i][j] - t[i-1][j] == 1`, i.e. iff bit
//! `i-1` of `V_j` is zero. So the backtrack only needs the stored columns `V_j`, `ceil(|r|/64)` words
//! each. Columns are stored in full when `|c| * words <= FULL_COLUMNS_WORDS`; beyond that only
//! every K-th column is kept (K ~ sqrt(|c|)) and each block of K columns is recomputed once during
//! the backtrack, so memory is `O((|c|/K + K) * |r|/64)` words (about 8 MB for a 100k x 100k pair)
//! at the cost of a second forward pass.

/// Text columns between two looks at the stop request in the multi-word scans.
const POLL_COLUMNS: usize = 4096;

/// Stored-column budget (in `u64` words) below which the backtrack keeps every column.
pub const FULL_COLUMNS_WORDS: usize = 1 << 20;

use crate::interrupt;

const NONE: u32 = u32::MAX;

/// Multi-word patterns use a dense `alphabet x words` mask table up to this many words (2 MiB);
/// beyond it, the sparse per-symbol entry lists.
pub const DENSE_PATTERN_WORDS: usize = 1 << 18;

/// Reusable buffers for LCS computations (keep one per thread; nothing is freed between calls).
#[derive(Default)]
pub struct LcsScratch {
    /// Single-word pattern masks, indexed by symbol id (all zero between calls).
    pm1: Vec<u64>,
    /// Multi-word patterns: symbol id -> pattern-local symbol (`NONE` between calls).
    sym: Vec<u32>,
    /// Pattern-local symbol -> range in `entries`.
    starts: Vec<u32>,
    /// `(word index, mask)` per pattern-local symbol, sorted by word.
    entries: Vec<(u32, u64)>,
    /// Last word seen per pattern-local symbol while building.
    last_word: Vec<u32>,
    /// Dense multi-word masks: `pmw[sym * words + w]` (all zero between calls), used when
    /// `dense` is set.
    pmw: Vec<u64>,
    dense: bool,
    /// Tests: always use the sparse multi-word table.
    force_sparse: bool,
    /// The pattern currently loaded (its length and word count).
    pat_len: usize,
    words: usize,
    pat_syms: Vec<u32>,
    v: Vec<u64>,
    /// Stored columns of the current block (`words` each) and checkpoints.
    cols: Vec<u64>,
    ckpt: Vec<u64>,
}

impl LcsScratch {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scratch that keeps multi-word patterns in the sparse table (its oracle in tests).
    #[cfg(test)]
    fn sparse() -> Self {
        LcsScratch {
            force_sparse: true,
            ..Self::default()
        }
    }

    /// Loads `pat` (ids `< alphabet`) as the bit-parallel pattern.
    pub fn load_pattern(&mut self, pat: &[u32], alphabet: usize) {
        self.unload_pattern();
        self.pat_len = pat.len();
        self.words = pat.len().div_ceil(64);
        self.pat_syms.clear();
        self.pat_syms.extend_from_slice(pat);
        if self.words <= 1 {
            if self.pm1.len() < alphabet {
                self.pm1.resize(alphabet, 0);
            }
            for (i, &s) in pat.iter().enumerate() {
                self.pm1[s as usize] |= 1u64 << i;
            }
            return;
        }
        if !self.force_sparse && alphabet.saturating_mul(self.words) <= DENSE_PATTERN_WORDS {
            // Dense: one row of `words` masks per symbol, filled in one pass.
            self.dense = true;
            let w = self.words;
            if self.pmw.len() < alphabet * w {
                self.pmw.resize(alphabet * w, 0);
            }
            for (i, &s) in pat.iter().enumerate() {
                self.pmw[s as usize * w + i / 64] |= 1u64 << (i % 64);
            }
            return;
        }
        self.dense = false;
        if self.sym.len() < alphabet {
            self.sym.resize(alphabet, NONE);
        }
        // Pass 1: pattern-local symbols and the number of (word, mask) entries of each.
        self.last_word.clear();
        self.starts.clear();
        let mut nsym = 0u32;
        for (i, &s) in pat.iter().enumerate() {
            let w = (i / 64) as u32;
            let ls = &mut self.sym[s as usize];
            if *ls == NONE {
                *ls = nsym;
                nsym += 1;
                self.last_word.push(w);
                self.starts.push(1);
            } else if self.last_word[*ls as usize] != w {
                self.last_word[*ls as usize] = w;
                self.starts[*ls as usize] += 1;
            }
        }
        // Prefix sums: starts[k]..starts[k+1] is symbol k's range.
        let mut acc = 0u32;
        for c in self.starts.iter_mut() {
            let n = *c;
            *c = acc;
            acc += n;
        }
        self.starts.push(acc);
        self.entries.clear();
        self.entries.resize(acc as usize, (u32::MAX, 0));
        // Pass 2: fill, entries of one symbol come out sorted by word.
        let mut fill: Vec<u32> = std::mem::take(&mut self.last_word);
        fill.clear();
        fill.extend_from_slice(&self.starts[..nsym as usize]);
        for (i, &s) in pat.iter().enumerate() {
            let w = (i / 64) as u32;
            let ls = self.sym[s as usize] as usize;
            let pos = fill[ls] as usize;
            let start = self.starts[ls] as usize;
            if pos > start && self.entries[pos - 1].0 == w {
                self.entries[pos - 1].1 |= 1u64 << (i % 64);
            } else {
                self.entries[pos] = (w, 1u64 << (i % 64));
                fill[ls] += 1;
            }
        }
        self.last_word = fill;
    }

    /// Resets the per-symbol tables touched by the loaded pattern.
    fn unload_pattern(&mut self) {
        if self.words <= 1 {
            for &s in &self.pat_syms {
                if let Some(m) = self.pm1.get_mut(s as usize) {
                    *m = 0;
                }
            }
        } else if self.dense {
            let w = self.words;
            for &s in &self.pat_syms {
                if let Some(row) = self.pmw.get_mut(s as usize * w..(s as usize + 1) * w) {
                    row.fill(0);
                }
            }
        } else {
            for &s in &self.pat_syms {
                if let Some(m) = self.sym.get_mut(s as usize) {
                    *m = NONE;
                }
            }
        }
        self.pat_syms.clear();
        self.pat_len = 0;
        self.words = 0;
    }

    /// One column step of the multi-word recurrence for text symbol `c`. Returns false when `c`
    /// does not occur in the pattern (then `v` is unchanged).
    #[inline]
    fn step_multi(&self, v: &mut [u64], c: u32) -> bool {
        if self.dense {
            let w = v.len();
            let row = match self.pmw.get(c as usize * w..(c as usize + 1) * w) {
                Some(r) => r,
                None => return false,
            };
            let mut carry = 0u64;
            for (vw, &pm) in v.iter_mut().zip(row) {
                let x = *vw;
                let u = x & pm;
                let (s1, c1) = x.overflowing_add(u);
                let (s2, c2) = s1.overflowing_add(carry);
                carry = u64::from(c1 | c2);
                *vw = s2 | (x & !u);
            }
            return true;
        }
        let ls = match self.sym.get(c as usize) {
            Some(&ls) if ls != NONE => ls as usize,
            _ => return false,
        };
        let ents = &self.entries[self.starts[ls] as usize..self.starts[ls + 1] as usize];
        let mut e = 0;
        let mut carry = 0u64;
        for (w, vw) in v.iter_mut().enumerate() {
            let pm = match ents.get(e) {
                Some(&(ew, m)) if ew as usize == w => {
                    e += 1;
                    m
                }
                _ => 0,
            };
            let x = *vw;
            let u = x & pm;
            let (s1, c1) = x.overflowing_add(u);
            let (s2, c2) = s1.overflowing_add(carry);
            carry = u64::from(c1 | c2);
            *vw = s2 | (x & !u);
        }
        true
    }

    /// LCS length of the loaded pattern against `text`.
    pub fn len_against(&mut self, text: &[u32]) -> usize {
        let m = self.pat_len;
        if m == 0 || text.is_empty() {
            return 0;
        }
        if self.words == 1 {
            let mut v = !0u64;
            for &c in text {
                let u = v & self.pm1.get(c as usize).copied().unwrap_or(0);
                v = v.wrapping_add(u) | (v & !u);
            }
            return m - (v & low_mask(m)).count_ones() as usize;
        }
        let mut v = std::mem::take(&mut self.v);
        v.clear();
        v.resize(self.words, !0u64);
        for (j, &c) in text.iter().enumerate() {
            // A stop request ends the scan; the caller discards the value (see `interrupt`).
            if j % POLL_COLUMNS == POLL_COLUMNS - 1 && interrupt::is_requested() {
                break;
            }
            self.step_multi(&mut v, c);
        }
        let zeros = count_zeros(&v, m);
        self.v = v;
        zeros
    }

    /// Indices into the loaded pattern (the reference sentence) of the LCS that rouge-score's
    /// `_backtrack_norec(_lcs_table(ref, can), ref, can)` returns, ascending, appended to `out`.
    pub fn indices_against(&mut self, text: &[u32], out: &mut Vec<u32>) {
        self.indices_with_budget(text, out, FULL_COLUMNS_WORDS)
    }

    /// `indices_against` as a bit mask (bit `i` = pattern index `i`), for patterns of at most
    /// 64 tokens. The backtrack takes one step per text column: the rows it climbs in a column
    /// (mismatch and `t[i][j-1] <= t[i-1][j]`) are skipped with one leading-zero count, and the
    /// diagonal move is taken without a branch.
    pub fn index_mask_against(&mut self, text: &[u32]) -> u64 {
        let m = self.pat_len;
        if m == 0 || text.is_empty() {
            return 0;
        }
        if self.words > 1 {
            let mut out = Vec::new();
            self.indices_against(text, &mut out);
            return out.iter().fold(0, |acc, &i| acc | 1u64 << (i % 64));
        }
        // Per column j: E = match mask of text[j-1], S = E | !V_j (rows where the walk stops).
        let mut cols = std::mem::take(&mut self.cols);
        cols.clear();
        let mut v = !0u64;
        for &c in text {
            let e = self.pm1.get(c as usize).copied().unwrap_or(0);
            let u = v & e;
            v = v.wrapping_add(u) | (v & !u);
            cols.push(e | !v);
            cols.push(e);
        }
        // `rows` holds the rows still above the walk (bits `< i`); `top` is the row it stops at.
        let mut marks = 0u64;
        let mut rows = low_mask(m);
        for col in cols.chunks_exact(2).rev() {
            let stop = col[0] & rows;
            if stop == 0 {
                break;
            }
            let top = (1u64 << 63) >> stop.leading_zeros();
            marks |= top & col[1];
            // Diagonal: continue below `top`; left: `top` itself stays open.
            rows = (top - 1) | (top & !col[1]);
        }
        self.cols = cols;
        marks
    }

    fn indices_with_budget(&mut self, text: &[u32], out: &mut Vec<u32>, budget: usize) {
        let m = self.pat_len;
        let n = text.len();
        if m == 0 || n == 0 {
            return;
        }
        let start = out.len();
        if self.words == 1 {
            // Column j (1-based) at cols[j-1]; V_0 is all ones.
            let mut cols = std::mem::take(&mut self.cols);
            cols.clear();
            let mut v = !0u64;
            for &c in text {
                let u = v & self.pm1.get(c as usize).copied().unwrap_or(0);
                v = v.wrapping_add(u) | (v & !u);
                cols.push(v);
            }
            let pat = &self.pat_syms;
            let (mut i, mut j) = (m, n);
            while i > 0 && j > 0 {
                if pat[i - 1] == text[j - 1] {
                    out.push((i - 1) as u32);
                    i -= 1;
                    j -= 1;
                } else if cols[j - 1] >> (i - 1) & 1 == 0 {
                    j -= 1;
                } else {
                    i -= 1;
                }
            }
            self.cols = cols;
            out[start..].reverse();
            return;
        }
        let w = self.words;
        // Block size: every column if it fits the budget, else ~sqrt(n) columns per block.
        let k = if n.saturating_mul(w) <= budget {
            n
        } else {
            (n as f64).sqrt().ceil() as usize
        };
        let nblocks = n.div_ceil(k);
        let mut v = std::mem::take(&mut self.v);
        let mut cols = std::mem::take(&mut self.cols);
        let mut ckpt = std::mem::take(&mut self.ckpt);
        v.clear();
        v.resize(w, !0u64);
        cols.clear();
        ckpt.clear();
        let mut stopped = false;
        if nblocks == 1 {
            cols.reserve(n * w);
            for (j, &c) in text.iter().enumerate() {
                if j % POLL_COLUMNS == POLL_COLUMNS - 1 && interrupt::is_requested() {
                    stopped = true;
                    break;
                }
                self.step_multi(&mut v, c);
                cols.extend_from_slice(&v);
            }
        } else {
            // Checkpoint b holds V_{b*k}.
            for (j, &c) in text.iter().enumerate() {
                if j % POLL_COLUMNS == POLL_COLUMNS - 1 && interrupt::is_requested() {
                    stopped = true;
                    break;
                }
                if j % k == 0 {
                    ckpt.extend_from_slice(&v);
                }
                self.step_multi(&mut v, c);
            }
        }
        if stopped {
            // No backtrack over missing columns: the caller discards the result (`interrupt`).
            self.v = v;
            self.cols = cols;
            self.ckpt = ckpt;
            return;
        }
        let pat = std::mem::take(&mut self.pat_syms);
        let (mut i, mut j) = (m, n);
        let mut loaded_block = if nblocks == 1 { 0 } else { usize::MAX };
        while i > 0 && j > 0 {
            if pat[i - 1] == text[j - 1] {
                out.push((i - 1) as u32);
                i -= 1;
                j -= 1;
                continue;
            }
            let b = (j - 1) / k;
            if b != loaded_block {
                // Recompute columns b*k+1 ..= min((b+1)*k, n) from checkpoint b.
                v.clear();
                v.extend_from_slice(&ckpt[b * w..(b + 1) * w]);
                cols.clear();
                for &c in &text[b * k..((b + 1) * k).min(n)] {
                    self.step_multi(&mut v, c);
                    cols.extend_from_slice(&v);
                }
                loaded_block = b;
            }
            let col = &cols[(j - 1 - b * k) * w..(j - b * k) * w];
            let bit = (i - 1) % 64;
            if col[(i - 1) / 64] >> bit & 1 == 0 {
                j -= 1;
            } else {
                i -= 1;
            }
        }
        self.pat_syms = pat;
        self.v = v;
        self.cols = cols;
        self.ckpt = ckpt;
        out[start..].reverse();
    }
}

#[inline]
fn low_mask(m: usize) -> u64 {
    if m >= 64 {
        !0
    } else {
        (1u64 << m) - 1
    }
}

fn count_zeros(v: &[u64], m: usize) -> usize {
    let full = m / 64;
    let mut ones: usize = v[..full].iter().map(|x| x.count_ones() as usize).sum();
    if !m.is_multiple_of(64) {
        ones += (v[full] & low_mask(m % 64)).count_ones() as usize;
    }
    m - ones
}

/// LCS length of `a` and `b` (ids `< alphabet`); the shorter one becomes the bit pattern.
pub fn lcs_len(a: &[u32], b: &[u32], alphabet: usize, s: &mut LcsScratch) -> usize {
    let (pat, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    s.load_pattern(pat, alphabet);
    s.len_against(text)
}

/// rouge-score's `lcs_ind(ref, can)`: ascending indices into `r` of the backtracked LCS.
pub fn lcs_indices(r: &[u32], c: &[u32], alphabet: usize, s: &mut LcsScratch, out: &mut Vec<u32>) {
    s.load_pattern(r, alphabet);
    s.indices_against(c, out);
}

// The naive oracles live in `crate::reference::lcs`; re-exported for the tests that name them here.
#[cfg(test)]
pub(crate) use crate::reference::lcs::{lcs_indices_naive, lcs_table_naive};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn alpha(a: &[u32], b: &[u32]) -> usize {
        a.iter()
            .chain(b)
            .copied()
            .max()
            .map_or(0, |x| x as usize + 1)
    }

    #[test]
    fn tie_breaking_vectors() {
        // rouge-score: lcs_ind(['x','y','x'], ['x']) == [2]
        let mut s = LcsScratch::new();
        let mut out = Vec::new();
        lcs_indices(&[0, 1, 0], &[0], 2, &mut s, &mut out);
        assert_eq!(out, vec![2]);
        assert_eq!(lcs_indices_naive(&[0, 1, 0], &[0]), vec![2]);
        out.clear();
        lcs_indices(&[0, 1, 0], &[0, 1], 2, &mut s, &mut out);
        assert_eq!(out, vec![0, 1]);
    }

    #[test]
    fn long_inputs() {
        let a: Vec<u32> = (0..5000).map(|i| (i * 7 % 13) as u32).collect();
        let b: Vec<u32> = (0..4000).map(|i| (i * 5 % 11) as u32).collect();
        let mut s = LcsScratch::new();
        let t = lcs_table_naive(&a, &b);
        assert_eq!(lcs_len(&a, &b, 13, &mut s), t[a.len()][b.len()] as usize);
        let mut out = Vec::new();
        lcs_indices(&a, &b, 13, &mut s, &mut out);
        assert_eq!(out, lcs_indices_naive(&a, &b));
    }

    #[test]
    fn checkpointed_backtrack() {
        // |c| * words above the full-column budget forces the block recomputation path.
        let r: Vec<u32> = (0..700).map(|i| (i * 31 % 17) as u32).collect();
        let c: Vec<u32> = (0..3000).map(|i| (i * 13 % 19) as u32).collect();
        let mut s = LcsScratch::new();
        let expect = lcs_indices_naive(&r, &c);
        for budget in [1, 100, 5000, FULL_COLUMNS_WORDS] {
            let mut out = Vec::new();
            s.load_pattern(&r, 19);
            s.indices_with_budget(&c, &mut out, budget);
            assert_eq!(out, expect);
        }
    }

    fn seqs() -> impl Strategy<Value = (Vec<u32>, Vec<u32>)> {
        (1u32..12, 0usize..300, 0usize..300).prop_flat_map(|(k, la, lb)| {
            (
                prop::collection::vec(0..k, la..=la),
                prop::collection::vec(0..k, lb..=lb),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::fuzz::cases(300)))]
        #[test]
        fn fuzz_lcs_matches_dp((a, b) in seqs(), budget in 1usize..64) {
            let t = lcs_table_naive(&a, &b);
            let want = lcs_indices_naive(&a, &b);
            for mut s in [LcsScratch::new(), LcsScratch::sparse()] {
                let al = alpha(&a, &b);
                prop_assert_eq!(lcs_len(&a, &b, al, &mut s), t[a.len()][b.len()] as usize);
                let mut out = Vec::new();
                lcs_indices(&a, &b, al, &mut s, &mut out);
                prop_assert_eq!(&out, &want);
                out.clear();
                s.load_pattern(&a, al);
                s.indices_with_budget(&b, &mut out, budget);
                prop_assert_eq!(&out, &want);
            }
        }

        #[test]
        fn len_matches_dp((a, b) in seqs()) {
            let t = lcs_table_naive(&a, &b);
            for mut s in [LcsScratch::new(), LcsScratch::sparse()] {
                prop_assert_eq!(lcs_len(&a, &b, alpha(&a, &b), &mut s), t[a.len()][b.len()] as usize);
            }
        }

        #[test]
        fn indices_match_backtrack((a, b) in seqs()) {
            for mut s in [LcsScratch::new(), LcsScratch::sparse()] {
                let mut out = Vec::new();
                lcs_indices(&a, &b, alpha(&a, &b), &mut s, &mut out);
                prop_assert_eq!(out, lcs_indices_naive(&a, &b));
            }
        }

        #[test]
        fn index_mask_matches_backtrack((a, b) in seqs()) {
            let mut s = LcsScratch::new();
            let a = &a[..a.len().min(64)];
            s.load_pattern(a, alpha(a, &b));
            let want = lcs_indices_naive(a, &b).iter().fold(0u64, |m, &i| m | 1 << i);
            prop_assert_eq!(s.index_mask_against(&b), want);
        }

        #[test]
        fn checkpoint_blocks_match((a, b) in seqs(), budget in 1usize..40) {
            for mut s in [LcsScratch::new(), LcsScratch::sparse()] {
                let mut out = Vec::new();
                s.load_pattern(&a, alpha(&a, &b));
                s.indices_with_budget(&b, &mut out, budget);
                prop_assert_eq!(out, lcs_indices_naive(&a, &b));
            }
        }

        #[test]
        fn scratch_reuse_is_clean(pairs in prop::collection::vec(seqs(), 1..6), sparse: bool) {
            let mut s = if sparse { LcsScratch::sparse() } else { LcsScratch::new() };
            for (a, b) in pairs {
                let al = alpha(&a, &b);
                let t = lcs_table_naive(&a, &b);
                prop_assert_eq!(lcs_len(&a, &b, al, &mut s), t[a.len()][b.len()] as usize);
                let mut out = Vec::new();
                lcs_indices(&a, &b, al, &mut s, &mut out);
                prop_assert_eq!(out, lcs_indices_naive(&a, &b));
            }
        }
    }
}
