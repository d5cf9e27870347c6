//! Bit-parallel (Myers / Hyyrö) unrestricted word edit distance, used for shift candidates where
//! it provably equals sacrebleu's beam-restricted one.
//!
//! Why it is exact there: the beam DP is the cheapest path through in-beam cells only, so it is
//! never below the unrestricted distance `D`, and equal to it when some cheapest unrestricted
//! path stays in the beam. A path through cell `(i, j)` costs at least
//! `|i - j| + |(n_h - i) - (n_r - j)|`; `exact_below` is the least such bound over the cells
//! outside the beam, so `D < exact_below` means every cheapest path is inside it.

use super::Beam;

/// The least cost of any path through a cell outside `beam` (`i32::MAX` when there is none).
pub(super) fn exact_below(beam: &Beam) -> i32 {
    let (n_h, n_r) = (beam.n_h as i64, beam.n_r as i64);
    let d = n_r - n_h;
    let mut best = i64::from(i32::MAX);
    for i in 1..=beam.n_h {
        let (lo, hi) = beam.cols(i);
        let i = i as i64;
        // convex in j, least at j = i (and j = i + d): the nearest column of each interval
        let bound = |a: i64, b: i64| {
            let j = i.clamp(a, b);
            (j - i).abs() + (j - i - d).abs()
        };
        if lo > 0 {
            best = best.min(bound(0, lo as i64 - 1));
        }
        if (hi as i64) <= n_r {
            best = best.min(bound(hi as i64, n_r));
        }
    }
    best as i32
}

/// Myers' vectors of one reference (`peq`: per word id, the reference positions holding it) and
/// the rows of the current hypothesis (vertical deltas after each word, and `D[i][n_r]`).
#[derive(Default)]
pub(super) struct BitParallel {
    blocks: usize,
    last_mask: u64,
    peq: Vec<u64>,
    pv: Vec<u64>,
    mv: Vec<u64>,
    score: Vec<i32>,
    tmp_pv: Vec<u64>,
    tmp_mv: Vec<u64>,
    // whether `pv`/`mv`/`score` hold the rows of a hypothesis of this reference
    rows_valid: bool,
}

/// One 64-row block of one column step (edlib's `calculateBlock`): `hin` is the horizontal delta
/// entering at the block's first row; returns the one leaving at row `mask`.
#[inline(always)]
fn step(pv: &mut u64, mv: &mut u64, eq: u64, hin: i32, mask: u64) -> i32 {
    let (p, m) = (*pv, *mv);
    let hin_neg = u64::from(hin < 0);
    let xv = eq | m;
    let eq = eq | hin_neg;
    let xh = ((eq & p).wrapping_add(p) ^ p) | eq;
    let ph = m | !(xh | p);
    let mh = p & xh;
    let hout = i32::from(ph & mask != 0) - i32::from(mh & mask != 0);
    let ph = (ph << 1) | u64::from(hin > 0);
    let mh = (mh << 1) | hin_neg;
    *pv = mh | !(xv | ph);
    *mv = ph & xv;
    hout
}

impl BitParallel {
    /// Prepares for reference `r` (word ids below `n_ids`).
    pub(super) fn build(&mut self, r: &[u32], n_ids: usize) {
        let n_r = r.len();
        self.rows_valid = false;
        self.blocks = n_r.div_ceil(64).max(1);
        self.last_mask = 1u64 << ((n_r.max(1) - 1) % 64);
        self.peq.clear();
        self.peq.resize(n_ids * self.blocks, 0);
        for (j, &w) in r.iter().enumerate() {
            self.peq[w as usize * self.blocks + j / 64] |= 1u64 << (j % 64);
        }
    }

    /// Forgets the kept rows (a round that did not compute them).
    pub(super) fn invalidate(&mut self) {
        self.rows_valid = false;
    }

    /// Advances the state `pv`/`mv` by the word `w`; returns the change of `D[.][n_r]`.
    #[inline(always)]
    fn advance(&self, pv: &mut [u64], mv: &mut [u64], w: u32) -> i32 {
        let blocks = self.blocks;
        let eq = &self.peq[w as usize * blocks..(w as usize + 1) * blocks];
        if blocks == 1 {
            return step(&mut pv[0], &mut mv[0], eq[0], 1, self.last_mask);
        }
        let mut h = 1;
        for (b, ((p, m), &e)) in pv.iter_mut().zip(mv.iter_mut()).zip(eq).enumerate() {
            let mask = if b + 1 == blocks {
                self.last_mask
            } else {
                1u64 << 63
            };
            h = step(p, m, e, h, mask);
        }
        h
    }

    /// Unrestricted distance of `h` to the reference, keeping the state after every word; the
    /// states after the first `from` words are kept from the last call when it was for this
    /// reference, a hypothesis of the same length with those same first words.
    pub(super) fn rows(&mut self, h: &[u32], n_r: usize, from: usize) -> i32 {
        let blocks = self.blocks;
        let mut pv = std::mem::take(&mut self.pv);
        let mut mv = std::mem::take(&mut self.mv);
        let mut score = std::mem::take(&mut self.score);
        let from = if self.rows_valid && score.len() == h.len() + 1 {
            from.min(h.len())
        } else {
            0
        };
        if from == 0 {
            pv.clear();
            mv.clear();
            score.clear();
            pv.resize((h.len() + 1) * blocks, !0);
            mv.resize((h.len() + 1) * blocks, 0);
            score.push(n_r as i32);
        } else {
            score.truncate(from + 1);
        }
        let mut d = score[from];
        for (i, &w) in h.iter().enumerate().skip(from) {
            let (done, next) = pv.split_at_mut((i + 1) * blocks);
            next[..blocks].copy_from_slice(&done[i * blocks..]);
            let (mdone, mnext) = mv.split_at_mut((i + 1) * blocks);
            mnext[..blocks].copy_from_slice(&mdone[i * blocks..]);
            d += self.advance(&mut next[..blocks], &mut mnext[..blocks], w);
            score.push(d);
        }
        self.pv = pv;
        self.mv = mv;
        self.score = score;
        self.rows_valid = true;
        d
    }

    /// Unrestricted distance of `h2`, whose first `p` words are those of the last `rows` call.
    pub(super) fn distance_from(&mut self, p: usize, h2: &[u32]) -> i32 {
        let blocks = self.blocks;
        let mut d = self.score[p];
        if blocks == 1 {
            let (mut pv, mut mv) = (self.pv[p], self.mv[p]);
            let mask = self.last_mask;
            for &w in &h2[p..] {
                d += step(&mut pv, &mut mv, self.peq[w as usize], 1, mask);
            }
            return d;
        }
        let mut pv = std::mem::take(&mut self.tmp_pv);
        let mut mv = std::mem::take(&mut self.tmp_mv);
        pv.clear();
        mv.clear();
        pv.extend_from_slice(&self.pv[p * blocks..(p + 1) * blocks]);
        mv.extend_from_slice(&self.mv[p * blocks..(p + 1) * blocks]);
        for &w in &h2[p..] {
            d += self.advance(&mut pv, &mut mv, w);
        }
        self.tmp_pv = pv;
        self.tmp_mv = mv;
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn levenshtein(h: &[u32], r: &[u32]) -> i32 {
        let mut row: Vec<i32> = (0..=r.len() as i32).collect();
        for (i, &x) in h.iter().enumerate() {
            let mut diag = row[0];
            row[0] = i as i32 + 1;
            for j in 1..=r.len() {
                let c = (diag + i32::from(x != r[j - 1]))
                    .min(row[j] + 1)
                    .min(row[j - 1] + 1);
                diag = row[j];
                row[j] = c;
            }
        }
        row[r.len()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn myers_is_levenshtein(h in prop::collection::vec(0u32..6, 0..160),
                                r in prop::collection::vec(0u32..6, 1..160),
                                p in 0usize..160) {
            let mut bp = BitParallel::default();
            bp.build(&r, 6);
            prop_assert_eq!(bp.rows(&h, r.len(), 0), levenshtein(&h, &r));
            // a suffix changed after word p
            let p = p.min(h.len());
            let mut h2 = h.clone();
            h2[p..].reverse();
            prop_assert_eq!(bp.distance_from(p, &h2), levenshtein(&h2, &r));
            // the rows of h2, the first p kept from h
            prop_assert_eq!(bp.rows(&h2, r.len(), p), levenshtein(&h2, &r));
            prop_assert_eq!(bp.distance_from(h2.len(), &h2), levenshtein(&h2, &r));
        }
    }
}
