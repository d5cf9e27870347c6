//! TER exactly as sacrebleu 2.6 computes it (metrics/ter.py, metrics/lib_ter.py: a tercom port).
//!
//! Per reference: greedy shifts (each round picks the best shift under tercom's ranking, within
//! sacrebleu's limits) while they reduce the beam-restricted edit distance, then
//! `edits = shifts + edit distance`. Per segment: the fewest edits over the references and the
//! average reference length. Corpus: `100 * Σedits / Σavg_ref_len`.
//!
//! sacrebleu's prefix cache of edit-distance rows is transparent (a row depends only on the
//! hypothesis prefix, the reference and the hypothesis length, which shifts keep), so any reuse of
//! rows gives the same numbers; here a candidate restarts from the current hypothesis' row at
//! their common prefix, and candidates that provably cannot win stop early (they still count
//! against `MAX_SHIFT_CANDIDATES`, as in sacrebleu).

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::error::{MetricError, Result};
use crate::pystr::{py_lower, py_rstrip, py_split};
use crate::ter_tokenize::TercomTokenizer;

/// sacrebleu `_MAX_SHIFT_SIZE` (tercom).
pub const MAX_SHIFT_SIZE: usize = 10;
/// sacrebleu `_MAX_SHIFT_DIST` (tercom).
pub const MAX_SHIFT_DIST: usize = 50;
/// sacrebleu `_BEAM_WIDTH` (tercom).
pub const BEAM_WIDTH: usize = 25;
/// sacrebleu `_MAX_SHIFT_CANDIDATES`: shift candidates evaluated per (hypothesis, reference).
pub const MAX_SHIFT_CANDIDATES: usize = 1000;

/// Cells outside the beam (sacrebleu `_INT_INFINITY`); any value above every real cost works.
const INF: i32 = 1 << 29;

const OP_NOP: u8 = b' ';
const OP_SUB: u8 = b's';
const OP_INS: u8 = b'i';
const OP_DEL: u8 = b'd';
const OP_UNDEF: u8 = b'x';

/// Options of sacrebleu's `TER(...)`.
pub type TerConfig = TercomTokenizer;

/// Statistics of one segment as sacrebleu keeps them: the fewest edits over the references and
/// the average reference length (`sum(len(ref)) / n_refs`, a float).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TerStats {
    pub num_edits: f64,
    pub ref_length: f64,
}

/// A corpus TER: `score` in percent, the summed edits and the summed average reference lengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TerScore {
    pub score: f64,
    pub num_edits: f64,
    pub ref_length: f64,
}

/// sacrebleu `TER._compute_score_from_stats`.
pub fn score_from_stats(num_edits: f64, ref_length: f64) -> f64 {
    let score = if ref_length > 0.0 {
        num_edits / ref_length
    } else if num_edits > 0.0 {
        1.0 // empty reference(s), non-empty hypothesis
    } else {
        0.0
    };
    100.0 * score
}

/// Corpus TER of per-segment statistics, summed left to right like sacrebleu's `sum_of_lists`.
pub fn corpus_score(stats: &[TerStats]) -> TerScore {
    let (mut e, mut r) = (0.0f64, 0.0f64);
    for s in stats {
        e += s.num_edits;
        r += s.ref_length;
    }
    TerScore {
        score: score_from_stats(e, r),
        num_edits: e,
        ref_length: r,
    }
}

// ---------------------------------------------------------------------------------------------
// beam edit distance
// ---------------------------------------------------------------------------------------------

/// The beam of `BeamEditDistance._edit_distance` for one hypothesis length.
#[derive(Clone, Copy)]
struct Beam {
    n_h: usize,
    n_r: usize,
    ratio: f64,
    width: i64,
    // below this, the unrestricted distance is the beam's (`bitpar::exact_below`)
    exact_below: i32,
}

impl Beam {
    fn new(n_h: usize, n_r: usize) -> Self {
        let ratio = if n_h > 0 {
            n_r as f64 / n_h as f64
        } else {
            1.0
        };
        // "in some crazy sentences ... we may end up with zero overlap with previous row"
        let width = if (BEAM_WIDTH as f64) < ratio / 2.0 {
            (ratio / 2.0 + BEAM_WIDTH as f64).ceil() as i64
        } else {
            BEAM_WIDTH as i64
        };
        let mut beam = Self {
            n_h,
            n_r,
            ratio,
            width,
            exact_below: 0,
        };
        beam.exact_below = bitpar::exact_below(&beam);
        beam
    }

    /// Columns `[lo, hi)` computed in row `i >= 1`.
    #[inline]
    fn cols(&self, i: usize) -> (usize, usize) {
        let diag = (i as f64 * self.ratio).floor() as i64;
        let lo = (diag - self.width).max(0) as usize;
        let hi = if i == self.n_h {
            self.n_r + 1
        } else {
            ((diag + self.width).min(self.n_r as i64 + 1)).max(0) as usize
        };
        (lo, hi.max(lo))
    }
}

/// Scratch space of one worker, reused across pairs.
#[derive(Default)]
pub struct TerScratch {
    // banded matrix of the current hypothesis: row i holds columns lo[i]..hi[i] at off[i]
    lo: Vec<usize>,
    hi: Vec<usize>,
    off: Vec<usize>,
    cost: Vec<i32>,
    bwd: Vec<i32>,
    trace: Vec<u8>,
    align: Vec<i64>,
    hyp_err_sum: Vec<u32>,
    ref_err_sum: Vec<u32>,
    rows: [Vec<i32>; 2],
    shifted: Vec<u32>,
    ids: Vec<u32>,
    ref_pos: RefPositions,
    words: Vec<Vec<u32>>,
    bp: bitpar::BitParallel,
    // (n_h, n_r) of the band laid out now: every round of a pair has the same one
    layout_of: Option<(usize, usize)>,
}

impl TerScratch {
    /// Lays out the band of a hypothesis of `n_h` words: row `i` holds columns `lo[i]..hi[i]`.
    fn layout(&mut self, beam: &Beam) {
        let (n_h, n_r) = (beam.n_h, beam.n_r);
        if self.layout_of == Some((n_h, n_r)) {
            // the row buffers are back to all-INF after every DP
            return;
        }
        self.layout_of = Some((n_h, n_r));
        self.lo.clear();
        self.hi.clear();
        self.off.clear();
        self.lo.push(0);
        self.hi.push(n_r + 1);
        self.off.push(0);
        let mut total = n_r + 1;
        for i in 1..=n_h {
            let (lo, hi) = beam.cols(i);
            self.lo.push(lo);
            self.hi.push(hi);
            self.off.push(total);
            total += hi - lo;
        }
        self.cost.resize(total, INF);
        for buf in &mut self.rows {
            buf.clear();
            buf.resize(n_r + 2, INF);
        }
    }

    /// Full beam DP over `h` (costs only; `op_at` recovers sacrebleu's operations from them);
    /// returns the edit distance and leaves the band for `alignment` and the candidates. Rows
    /// are also kept in two full-width buffers (`buf[j + 1]` is column `j`, INF outside the
    /// band), so the inner loop needs no range checks.
    /// Rows `1..=from` are kept from the last call, whose hypothesis had the same first `from`
    /// words and the same length (a row depends only on the prefix above it).
    fn full_dp(&mut self, h: &[u32], r: &[u32], beam: &Beam, from: usize) -> i32 {
        let (n_h, n_r) = (h.len(), r.len());
        self.layout(beam);
        let [a, b] = &mut self.rows;
        let (mut prev, mut cur) = (a, b);
        let from = from.min(n_h);
        if from == 0 {
            for j in 0..=n_r {
                prev[j + 1] = j as i32;
                self.cost[j] = j as i32;
            }
        } else {
            let (plo, phi, poff) = (self.lo[from], self.hi[from], self.off[from]);
            prev[plo + 1..phi + 1].copy_from_slice(&self.cost[poff..poff + phi - plo]);
        }
        for i in from + 1..=n_h {
            let (lo, hi, off) = (self.lo[i], self.hi[i], self.off[i]);
            if i >= 2 {
                // forget row i-2, which this buffer held
                cur[self.lo[i - 2] + 1..self.hi[i - 2] + 1].fill(INF);
            }
            let mut j0 = lo;
            if lo == 0 {
                let c = prev[1] + 1;
                cur[1] = c;
                self.cost[off] = c;
                j0 = 1;
            }
            if j0 < hi {
                let left = cur[j0];
                let word = h[i - 1];
                let base = off + j0 - lo;
                let len = hi - j0;
                let diag = &prev[j0..hi];
                let up = &prev[j0 + 1..hi + 1];
                let refs = &r[j0 - 1..hi - 1];
                let costs = &mut self.cost[base..base + len];
                let out = &mut cur[j0 + 1..hi + 1];
                // one pass, zipped slices (no index checks): the serial chain is one add and
                // one `min` a cell. Unreachable cells may exceed INF by a few units: harmless,
                // no path uses them.
                let mut left = left;
                for ((((c, o), &d), &u), &w) in costs
                    .iter_mut()
                    .zip(out.iter_mut())
                    .zip(diag)
                    .zip(up)
                    .zip(refs)
                {
                    left = (d + i32::from(word != w)).min(u + 1).min(left + 1);
                    *c = left;
                    *o = left;
                }
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        // both buffers back to all-INF for the candidates
        prev.fill(INF);
        cur.fill(INF);
        self.cost[self.off[n_h] + n_r - self.lo[n_h]]
    }

    /// Cost of cell `(i, j)` of the band, INF outside it.
    #[inline]
    fn cost_at(&self, i: usize, j: usize) -> i32 {
        if self.lo[i] <= j && j < self.hi[i] {
            self.cost[self.off[i] + j - self.lo[i]]
        } else {
            INF
        }
    }

    /// The operation sacrebleu stores at cell `(i, j)`: the first of substitution/no-op,
    /// deletion, insertion whose cost is strictly below the running best (starting at INF).
    fn op_at(&self, i: usize, j: usize, h: &[u32], r: &[u32]) -> u8 {
        if i == 0 {
            return OP_INS;
        }
        if j == 0 {
            return OP_DEL;
        }
        let (sub_cost, sub_op) = if h[i - 1] == r[j - 1] {
            (0, OP_NOP)
        } else {
            (1, OP_SUB)
        };
        let (mut best, mut op) = (INF, OP_UNDEF);
        let diag = self.cost_at(i - 1, j - 1) + sub_cost;
        if best > diag {
            (best, op) = (diag, sub_op);
        }
        let up = self.cost_at(i - 1, j) + 1;
        if best > up {
            (best, op) = (up, OP_DEL);
        }
        if best > self.cost_at(i, j - 1) + 1 {
            op = OP_INS;
        }
        op
    }

    /// The trace of the last `full_dp`, flipped (sacrebleu `_flip_trace`), turned into the
    /// alignment and error prefix sums of `trace_to_alignment`.
    fn alignment(&mut self, h: &[u32], r: &[u32]) -> Result<()> {
        let (n_h, n_r) = (h.len(), r.len());
        self.trace.clear();
        let (mut i, mut j) = (n_h, n_r);
        while i > 0 || j > 0 {
            let op = self.op_at(i, j, h, r);
            self.trace.push(op);
            match op {
                OP_SUB | OP_NOP => {
                    i -= 1;
                    j -= 1;
                }
                OP_INS => j -= 1,
                OP_DEL => i -= 1,
                _ => return Err(MetricError::value("TER: unknown edit operation in trace")),
            }
        }
        self.align.clear();
        self.align.resize(n_r, -1);
        self.hyp_err_sum.clear();
        self.ref_err_sum.clear();
        self.hyp_err_sum.reserve(n_h + 1);
        self.ref_err_sum.reserve(n_r + 1);
        self.hyp_err_sum.push(0);
        self.ref_err_sum.push(0);
        let (mut pos_h, mut pos_r) = (-1i64, -1i64);
        let (mut hs, mut rs) = (0u32, 0u32);
        for &op in self.trace.iter().rev() {
            match op {
                OP_NOP | OP_SUB => {
                    let e = u32::from(op == OP_SUB);
                    pos_h += 1;
                    pos_r += 1;
                    self.align[pos_r as usize] = pos_h;
                    hs += e;
                    rs += e;
                    self.hyp_err_sum.push(hs);
                    self.ref_err_sum.push(rs);
                }
                // a deletion from the hypothesis is an insertion once flipped
                OP_DEL => {
                    pos_h += 1;
                    hs += 1;
                    self.hyp_err_sum.push(hs);
                }
                _ => {
                    pos_r += 1;
                    self.align[pos_r as usize] = pos_h;
                    rs += 1;
                    self.ref_err_sum.push(rs);
                }
            }
        }
        Ok(())
    }

    /// Backward beam DP of the last `full_dp`'s hypothesis: `bwd[i][j]` is the cheapest way from
    /// cell `(i, j)` to the end through the same cells (the beam depends only on the lengths).
    fn backward_dp(&mut self, h: &[u32], r: &[u32]) {
        let (n_h, n_r) = (h.len(), r.len());
        self.bwd.clear();
        self.bwd.resize(self.cost.len(), INF);
        // `below[j]` is column j of row i+1 (INF outside its band; index n_r+1 stays INF)
        let [a, b] = &mut self.rows;
        let (mut below, mut cur) = (a, b);
        for i in (0..=n_h).rev() {
            let (lo, hi, off) = (self.lo[i], self.hi[i], self.off[i]);
            if i + 2 <= n_h {
                // forget row i+2, which this buffer held
                cur[self.lo[i + 2]..self.hi[i + 2]].fill(INF);
            }
            let mut right = INF;
            let mut j = hi;
            if hi == n_r + 1 {
                // last column: no diagonal step left
                let c = if i == n_h {
                    0
                } else {
                    (below[n_r] + 1).min(INF)
                };
                cur[n_r] = c;
                self.bwd[off + n_r - lo] = c;
                right = c;
                j = n_r;
            }
            if i < n_h && lo < j {
                let word = h[i];
                let len = j - lo;
                let diag = &below[lo + 1..j + 1];
                let down = &below[lo..j];
                let refs = &r[lo..j];
                let out = &mut cur[lo..j];
                let dst = &mut self.bwd[off..off + len];
                // c[k] = min(step[k], c[k+1] + 1) = min over m >= k of step[m] + (m - k): a
                // running minimum of step[m] + m keeps the serial chain to one `min`
                let mut run = right.saturating_add(len as i32);
                for k in (0..len).rev() {
                    let step = (diag[k] + i32::from(word != refs[k])).min(down[k] + 1);
                    run = run.min(step + k as i32);
                    let c = run - k as i32;
                    out[k] = c;
                    dst[k] = c;
                }
            } else if i == n_h {
                for jj in (lo..j).rev() {
                    let c = (right + 1).min(INF);
                    cur[jj] = c;
                    self.bwd[off + jj - lo] = c;
                    right = c;
                }
            }
            std::mem::swap(&mut below, &mut cur);
        }
        below.fill(INF);
        cur.fill(INF);
    }

    /// Edit distance of `self.shifted`, which equals the hypothesis of the last `full_dp` outside
    /// `p..e`: forward rows `p+1..=e` from the stored row `p`, joined at row `e` with the backward
    /// DP (any path crosses row `e`, and both halves see the same beam cells).
    /// Without `join`, `e` must be the last row and the distance is read off it.
    fn shifted_cost(&mut self, r: &[u32], p: usize, e: usize, join: bool) -> i32 {
        let [a, b] = &mut self.rows;
        let (mut prev, mut cur) = (a, b);
        // `buf[j + 1]` is column j (INF outside the band)
        let (plo, phi, poff) = (self.lo[p], self.hi[p], self.off[p]);
        prev[plo + 1..phi + 1].copy_from_slice(&self.cost[poff..poff + phi - plo]);
        for i in p + 1..=e {
            let (lo, hi) = (self.lo[i], self.hi[i]);
            if i >= p + 2 {
                // forget row i-2, which this buffer held
                cur[self.lo[i - 2] + 1..self.hi[i - 2] + 1].fill(INF);
            }
            let mut j0 = lo;
            if lo == 0 {
                cur[1] = prev[1] + 1;
                j0 = 1;
            }
            if j0 < hi {
                let word = self.shifted[i - 1];
                let mut left = cur[j0];
                let out = &mut cur[j0 + 1..hi + 1];
                let diag = &prev[j0..hi];
                let up = &prev[j0 + 1..hi + 1];
                let refs = &r[j0 - 1..hi - 1];
                for (((o, &d), &u), &w) in out.iter_mut().zip(diag).zip(up).zip(refs) {
                    left = (d + i32::from(word != w)).min(u + 1).min(left + 1);
                    *o = left;
                }
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        let (elo, ehi, eoff) = (self.lo[e], self.hi[e], self.off[e]);
        let best = if join {
            prev[elo + 1..ehi + 1]
                .iter()
                .zip(&self.bwd[eoff..eoff + ehi - elo])
                .map(|(f, b)| f + b)
                .min()
                .unwrap_or(INF)
        } else {
            prev[ehi]
        };
        // leave both buffers all-INF for the next call: they hold rows e and e-1 (if computed)
        prev[elo + 1..ehi + 1].fill(INF);
        if e > p {
            let k = e - 1;
            cur[self.lo[k] + 1..self.hi[k] + 1].fill(INF);
        }
        best.min(INF)
    }
}

/// The reference positions of every word id, ascending (the order tercom scans them in):
/// a counting sort over the ids of one pair.
#[derive(Default)]
struct RefPositions {
    start: Vec<usize>,
    pos: Vec<usize>,
}

impl RefPositions {
    /// Returns the number of word ids (one above the largest).
    fn build(&mut self, r: &[u32], h: &[u32]) -> usize {
        let n_ids = r
            .iter()
            .chain(h)
            .map(|&w| w as usize + 1)
            .max()
            .unwrap_or(0);
        self.start.clear();
        self.start.resize(n_ids + 1, 0);
        for &w in r {
            self.start[w as usize + 1] += 1;
        }
        for k in 1..=n_ids {
            self.start[k] += self.start[k - 1];
        }
        self.pos.clear();
        self.pos.resize(r.len(), 0);
        let mut fill = self.start.clone();
        for (j, &w) in r.iter().enumerate() {
            self.pos[fill[w as usize]] = j;
            fill[w as usize] += 1;
        }
        n_ids
    }

    #[inline]
    fn of(&self, w: u32) -> &[usize] {
        let w = w as usize;
        &self.pos[self.start[w]..self.start[w + 1]]
    }
}

/// sacrebleu `_perform_shift(words, start, length, target)` (Python slicing, so clamped).
fn perform_shift(words: &[u32], start: usize, length: usize, target: usize, out: &mut Vec<u32>) {
    let n = words.len();
    let sl = |a: usize, b: usize| &words[a.min(n)..b.min(n).max(a.min(n))];
    out.clear();
    if target < start {
        out.extend_from_slice(sl(0, target));
        out.extend_from_slice(sl(start, start + length));
        out.extend_from_slice(sl(target, start));
        out.extend_from_slice(sl(start + length, n));
    } else if target > start + length {
        out.extend_from_slice(sl(0, start));
        out.extend_from_slice(sl(start + length, target));
        out.extend_from_slice(sl(start, start + length));
        out.extend_from_slice(sl(target, n));
    } else {
        out.extend_from_slice(sl(0, start));
        out.extend_from_slice(sl(start + length, length + target));
        out.extend_from_slice(sl(start, start + length));
        out.extend_from_slice(sl(length + target, n));
    }
}

/// The best shift of one round: (score gain, length, start_h, target).
#[derive(Clone, Copy)]
struct Candidate {
    gain: i32,
    length: usize,
    start_h: usize,
    target: usize,
}

impl Candidate {
    /// sacrebleu ranks by the tuple `(gain, length, -start_h, -target)`, the larger wins.
    fn key(&self) -> (i32, usize, i64, i64) {
        (
            self.gain,
            self.length,
            -(self.start_h as i64),
            -(self.target as i64),
        )
    }
}

/// sacrebleu `_shift`: the best shift of `h` (or none) and the updated candidate count.
/// Returns `(pre_score, best)`; `pre_score` is the edit distance of `h`.
fn best_shift(
    s: &mut TerScratch,
    h: &[u32],
    r: &[u32],
    ref_pos: &RefPositions,
    beam: &Beam,
    from: usize,
    checked: &mut usize,
) -> Result<(i32, Option<Candidate>)> {
    let (n_h, n_r) = (h.len(), r.len());
    let pre_score = s.full_dp(h, r, beam, from);
    s.alignment(h, r)?;
    // a shift changes the distance by at most 2 * MAX_SHIFT_SIZE: below the bound, most
    // candidates get their exact cost from the bit-parallel distance
    let exact_below = beam.exact_below;
    let use_bp = pre_score < exact_below;
    if use_bp {
        s.bp.rows(h, n_r, from);
    } else {
        s.bp.invalidate();
    }
    // only rounds with a candidate need the backward DP
    let mut have_backward = false;
    let mut round_candidates = 0usize;
    let mut best: Option<Candidate> = None;
    for start_h in 0..n_h {
        for &start_r in ref_pos.of(h[start_h]) {
            if start_r.abs_diff(start_h) > MAX_SHIFT_DIST {
                continue;
            }
            let mut length = 0;
            while length < MAX_SHIFT_SIZE && h[start_h + length] == r[start_r + length] {
                length += 1;
                if s.hyp_err_sum[start_h + length] - s.hyp_err_sum[start_h] != 0
                    && s.ref_err_sum[start_r + length] - s.ref_err_sum[start_r] != 0
                    && !(start_h as i64 <= s.align[start_r]
                        && s.align[start_r] < (start_h + length) as i64)
                {
                    let mut prev_idx: i64 = -1;
                    for offset in -1i64..length as i64 {
                        let k = start_r as i64 + offset;
                        // k < n_r always holds here (the match fits), so `k in align`
                        let idx = if k == -1 { 0 } else { s.align[k as usize] + 1 };
                        if idx == prev_idx {
                            continue;
                        }
                        prev_idx = idx;
                        let target = idx as usize;
                        perform_shift(h, start_h, length, target, &mut s.shifted);
                        *checked += 1;
                        let p = h
                            .iter()
                            .zip(s.shifted.iter())
                            .take_while(|(x, y)| x == y)
                            .count();
                        let fast = if use_bp && p < n_h {
                            Some(s.bp.distance_from(p, &s.shifted)).filter(|&d| d < exact_below)
                        } else {
                            None
                        };
                        let cost = if p == n_h {
                            pre_score
                        } else if let Some(d) = fast {
                            d
                        } else {
                            let suffix = h
                                .iter()
                                .rev()
                                .zip(s.shifted.iter().rev())
                                .take_while(|(x, y)| x == y)
                                .count();
                            round_candidates += 1;
                            // the backward DP pays off once a round has a few candidates,
                            // or at once on long segments (windows are short against the row)
                            if !have_backward && (round_candidates >= 3 || n_h > 48) {
                                s.backward_dp(h, r);
                                have_backward = true;
                            }
                            if have_backward {
                                s.shifted_cost(r, p, n_h - suffix, true)
                            } else {
                                s.shifted_cost(r, p, n_h, false)
                            }
                        };
                        let cand = Candidate {
                            gain: pre_score - cost,
                            length,
                            start_h,
                            target,
                        };
                        if best.is_none_or(|b| cand.key() > b.key()) {
                            best = Some(cand);
                        }
                    }
                    if *checked >= MAX_SHIFT_CANDIDATES {
                        return Ok((pre_score, best));
                    }
                }
                if n_h == start_h + length || n_r == start_r + length {
                    break;
                }
            }
        }
    }
    Ok((pre_score, best))
}

/// sacrebleu `translation_edit_rate(words_hyp, words_ref)`: `(edits, ref_len)` over word ids.
pub fn translation_edit_rate(s: &mut TerScratch, hyp: &[u32], r: &[u32]) -> Result<(usize, usize)> {
    let (n_h, n_r) = (hyp.len(), r.len());
    if n_r == 0 {
        return Ok((n_h, 0));
    }
    let beam = Beam::new(n_h, n_r);
    let mut words = std::mem::take(&mut s.ids);
    words.clear();
    words.extend_from_slice(hyp);
    let mut ref_pos = std::mem::take(&mut s.ref_pos);
    let n_ids = ref_pos.build(r, hyp);
    s.bp.build(r, n_ids);
    let mut checked = 0usize;
    let mut shifts = 0usize;
    // rows above the first word a shift moved are kept from the round before
    let mut from = 0usize;
    let mut shifted = Vec::new();
    let edit_distance = loop {
        let (pre_score, best) = best_shift(s, &words, r, &ref_pos, &beam, from, &mut checked)?;
        // sacrebleu drops the round that reaches the candidate limit, gain or not
        let Some(b) = best.filter(|b| checked < MAX_SHIFT_CANDIDATES && b.gain > 0) else {
            break pre_score;
        };
        perform_shift(&words, b.start_h, b.length, b.target, &mut shifted);
        from = words
            .iter()
            .zip(&shifted)
            .take_while(|(x, y)| x == y)
            .count();
        std::mem::swap(&mut words, &mut shifted);
        shifts += 1;
    };
    s.ids = words;
    s.ref_pos = ref_pos;
    Ok((shifts + edit_distance as usize, n_r))
}

// ---------------------------------------------------------------------------------------------
// segments and batches
// ---------------------------------------------------------------------------------------------

/// Interns the words of a hypothesis and its references to ids (equal words, equal ids).
fn intern<'a>(
    map: &mut FxHashMap<&'a str, u32>,
    words: impl Iterator<Item = &'a str>,
    out: &mut Vec<u32>,
) {
    out.clear();
    for w in words {
        let next = map.len() as u32;
        out.push(*map.entry(w).or_insert(next));
    }
}

/// Python `split()` of an ASCII text, by bytes (`py_split` decodes characters).
fn ascii_split(t: &str) -> impl Iterator<Item = &str> {
    let b = t.as_bytes();
    let space = |c: u8| matches!(c, 0x09..=0x0D | 0x1C..=0x20);
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && !space(b[i]) {
            i += 1;
        }
        (start < i).then(|| &t[start..i])
    })
}

/// `sent` as sacrebleu's `TER` preprocesses it; its words are Python `split()` of this.
fn preprocessed<'a>(cfg: &TerConfig, sent: &'a str) -> Cow<'a, str> {
    if cfg.is_plain() {
        // no normalization: tokenizing is lowercasing and `' '.join(split())`
        let s = py_rstrip(sent);
        if cfg.case_sensitive {
            Cow::Borrowed(s)
        } else {
            py_lower(s)
        }
    } else {
        Cow::Owned(cfg.preprocess(sent))
    }
}

/// sacrebleu `TER._compute_segment_statistics` on raw texts: fewest edits over the references,
/// average reference length.
pub fn segment_stats(
    cfg: &TerConfig,
    s: &mut TerScratch,
    hyp: &str,
    refs: &[&str],
) -> Result<TerStats> {
    if refs.is_empty() {
        return Err(MetricError::value(
            "TER needs at least one reference per segment",
        ));
    }
    let mut words = std::mem::take(&mut s.words);
    words.resize_with(refs.len() + 1, Vec::new);
    let texts: Vec<Cow<'_, str>> = std::iter::once(hyp)
        .chain(refs.iter().copied())
        .map(|t| preprocessed(cfg, t))
        .collect();
    // about one distinct word per 6 bytes of text: rarely a rehash
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let mut map: FxHashMap<&str, u32> =
        FxHashMap::with_capacity_and_hasher(bytes / 6 + 8, Default::default());
    for (k, t) in texts.iter().enumerate() {
        if t.is_ascii() {
            intern(&mut map, ascii_split(t), &mut words[k]);
        } else {
            intern(&mut map, py_split(t), &mut words[k]);
        }
    }
    let mut best = usize::MAX;
    let mut ref_lengths = 0usize;
    let (hyp_ids, ref_ids) = words.split_at(1);
    for r in ref_ids.iter().take(refs.len()) {
        let (edits, len) = translation_edit_rate(s, &hyp_ids[0], r)?;
        ref_lengths += len;
        best = best.min(edits);
    }
    s.words = words;
    Ok(TerStats {
        num_edits: best as f64,
        ref_length: ref_lengths as f64 / refs.len() as f64,
    })
}

/// Sentence TER of one pair (sacrebleu `TER.sentence_score(hyp, refs).score`).
pub fn sentence_score(cfg: &TerConfig, hyp: &str, refs: &[&str]) -> Result<f64> {
    let st = segment_stats(cfg, &mut TerScratch::default(), hyp, refs)?;
    Ok(score_from_stats(st.num_edits, st.ref_length))
}

mod bitpar;
#[cfg(test)]
use crate::reference::ter as oracle;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ter(hyp: &str, refs: &[&str]) -> f64 {
        sentence_score(&TerConfig::default(), hyp, refs).unwrap()
    }

    #[test]
    fn sacrebleu_vectors() {
        // sacrebleu test/test_ter.py
        assert_eq!(ter("a b c", &["a b c"]), 0.0);
        assert_eq!(ter("a b c", &["d e f"]), 100.0);
        assert_eq!(ter("", &["a"]), 100.0);
        assert_eq!(ter("a", &[""]), 100.0);
        assert_eq!(ter("", &[""]), 0.0);
        assert_eq!(ter("d e f g h a b c", &["a b c d e f g h"]), 12.5);
    }

    #[test]
    fn perform_shift_like_python() {
        let w = [0u32, 1, 2, 3, 4, 5];
        let mut out = Vec::new();
        perform_shift(&w, 3, 2, 1, &mut out);
        assert_eq!(out, [0, 3, 4, 1, 2, 5]);
        perform_shift(&w, 0, 2, 4, &mut out);
        assert_eq!(out, [2, 3, 0, 1, 4, 5]);
        perform_shift(&w, 2, 2, 3, &mut out);
        assert_eq!(out, [0, 1, 4, 2, 3, 5]);
        perform_shift(&w, 3, 2, 5, &mut out);
        assert_eq!(out, [0, 1, 2, 5, 3, 4]);
    }

    fn words(max_len: usize, vocab: u32) -> impl Strategy<Value = Vec<u32>> {
        prop::collection::vec(0..vocab, 0..max_len)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn matches_oracle_short(h in words(30, 6), r in words(30, 6)) {
            let mut s = TerScratch::default();
            prop_assert_eq!(translation_edit_rate(&mut s, &h, &r).unwrap(), oracle::translation_edit_rate(&h, &r));
        }

        #[test]
        fn matches_oracle_unequal_lengths(h in words(140, 8), r in words(12, 8)) {
            let mut s = TerScratch::default();
            prop_assert_eq!(translation_edit_rate(&mut s, &h, &r).unwrap(), oracle::translation_edit_rate(&h, &r));
            prop_assert_eq!(translation_edit_rate(&mut s, &r, &h).unwrap(), oracle::translation_edit_rate(&r, &h));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(60))]
        #[test]
        fn matches_oracle_shuffled(r in words(70, 12), seed in any::<u64>(), drop in 0usize..5) {
            // a permutation of the reference (with a few words dropped) exercises many shifts
            let mut h = r.clone();
            let mut x = seed | 1;
            for i in (1..h.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                h.swap(i, (x % (i as u64 + 1)) as usize);
            }
            h.truncate(h.len().saturating_sub(drop));
            let mut s = TerScratch::default();
            prop_assert_eq!(translation_edit_rate(&mut s, &h, &r).unwrap(), oracle::translation_edit_rate(&h, &r));
        }
    }

    /// `r` edited at about `rate` percent of its words (substitutions, deletions, insertions) and
    /// a block moved: distances around the bit-parallel bound (about 50 on equal lengths), so
    /// candidates take both the bit-parallel and the banded path, over several 64-word blocks.
    fn edited(r: &[u32], seed: u64, rate: u64, vocab: u32) -> Vec<u32> {
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut h = Vec::with_capacity(r.len() + 8);
        for &w in r {
            match next() % 100 {
                k if k < rate / 3 => {}
                k if k < 2 * rate / 3 => h.push((next() % u64::from(vocab)) as u32),
                k if k < rate => h.extend([w, (next() % u64::from(vocab)) as u32]),
                _ => h.push(w),
            }
        }
        if h.len() > 8 {
            let len = 1 + (next() % 6) as usize;
            let from = (next() as usize) % (h.len() - len);
            let block: Vec<u32> = h.drain(from..from + len).collect();
            let to = (next() as usize) % (h.len() + 1);
            h.splice(to..to, block);
        }
        h
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn matches_oracle_long_edited(r in words(150, 30), seed in any::<u64>(), rate in 5u64..70) {
            let h = edited(&r, seed, rate, 30);
            let mut s = TerScratch::default();
            prop_assert_eq!(translation_edit_rate(&mut s, &h, &r).unwrap(), oracle::translation_edit_rate(&h, &r));
        }
    }

    proptest! {
        #[test]
        fn ascii_split_is_py_split(t in "[ a-c.\t\n\x0b\x0c\r\x1c-\x1f]{0,40}") {
            prop_assert_eq!(ascii_split(&t).collect::<Vec<_>>(), py_split(&t).collect::<Vec<_>>());
        }
    }

    #[test]
    fn beam_above_unrestricted_distance() {
        // 118 words against 2: the beam hides the cheapest path, so the unrestricted (bit-parallel)
        // distance is too low here and must not be used
        let mut h = vec![0u32; 118];
        for (i, w) in [
            (28, 1),
            (52, 5),
            (92, 2),
            (94, 2),
            (95, 2),
            (96, 2),
            (97, 2),
            (98, 2),
            (101, 2),
        ] {
            h[i] = w;
        }
        let r = [5u32, 1];
        let mut s = TerScratch::default();
        assert_eq!(
            translation_edit_rate(&mut s, &h, &r).unwrap(),
            oracle::translation_edit_rate(&h, &r)
        );
        assert_eq!(
            translation_edit_rate(&mut s, &r, &h).unwrap(),
            oracle::translation_edit_rate(&r, &h)
        );
    }
}
