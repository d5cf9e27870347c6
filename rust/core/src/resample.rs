//! Resampling over per-pair statistics: bootstrap resamples and approximate randomization trials,
//! streamed (no resamples x pairs matrix is ever built), each resample reduced to the column sums
//! the metric's score-from-statistics function takes.
//!
//! - Bootstrap draws are numpy's: [`Pcg64`] is numpy's `PCG64` bit generator (state, increment and
//!   its buffered 32-bit half) and [`Pcg64::below`] is `Generator.integers(0, n)` (Lemire's method,
//!   as numpy implements it), so resample `r` draws the indices `default_rng(seed).integers(0, n,
//!   size=(rows, n))[r]` does, and sacrebleu's `rng.choice(n, size=(rows, n))` with them.
//! - Approximate randomization swaps pair `i` of trial `t` when bit `i % 64` of SplitMix64 output
//!   number `t * ceil(n / 64) + i / 64` (keyed by the seed) is set: equal in distribution to
//!   sacrebleu's fair coin per pair, reproducible for a seed, and addressable, so any split of the
//!   trials or pairs over threads gives the same numbers.
//!
//! Results do not depend on the thread count: each resample or trial block is summed in a fixed
//! order.

use std::ops::{Add, AddAssign, Sub};

use rayon::prelude::*;

use crate::error::{MetricError, Result};
use crate::interrupt;

/// numpy's 128-bit PCG multiplier (`PCG_DEFAULT_MULTIPLIER_128`).
const PCG_MULT: u128 = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645;

/// numpy's `PCG64` (XSL-RR output) with its buffered upper half for 32-bit draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pcg64 {
    state: u128,
    inc: u128,
    has_u32: bool,
    u32_buf: u32,
}

impl Pcg64 {
    /// From the fields of numpy's `bit_generator.state` (`state`, `inc`, `has_uint32`, `uinteger`).
    pub fn from_numpy_state(state: u128, inc: u128, has_uint32: bool, uinteger: u32) -> Self {
        Self {
            state,
            inc,
            has_u32: has_uint32,
            u32_buf: uinteger,
        }
    }

    /// The fields of numpy's `bit_generator.state`, to continue the stream in numpy.
    pub fn numpy_state(&self) -> (u128, u128, bool, u32) {
        (self.state, self.inc, self.has_u32, self.u32_buf)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_mul(PCG_MULT).wrapping_add(self.inc);
        let hi = (self.state >> 64) as u64;
        let lo = self.state as u64;
        (hi ^ lo).rotate_right((self.state >> 122) as u32)
    }

    /// numpy's `pcg64_next32`: the low half of a 64-bit draw, its high half on the next call.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.has_u32 {
            self.has_u32 = false;
            return self.u32_buf;
        }
        let v = self.next_u64();
        self.has_u32 = true;
        self.u32_buf = (v >> 32) as u32;
        v as u32
    }

    /// `Generator.integers(0, n)` for `n >= 1`, draw for draw (numpy's `random_bounded_uint64_fill`).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        let rng = n.wrapping_sub(1);
        if rng == 0 {
            0
        } else if rng < u64::from(u32::MAX) {
            let excl = rng as u32 + 1;
            let mut m = u64::from(self.next_u32()) * u64::from(excl);
            let mut leftover = m as u32;
            if leftover < excl {
                let threshold = (u32::MAX - rng as u32) % excl;
                while leftover < threshold {
                    m = u64::from(self.next_u32()) * u64::from(excl);
                    leftover = m as u32;
                }
            }
            m >> 32
        } else if rng == u64::from(u32::MAX) {
            u64::from(self.next_u32())
        } else if rng == u64::MAX {
            self.next_u64()
        } else {
            let excl = rng + 1;
            let mut m = u128::from(self.next_u64()) * u128::from(excl);
            let mut leftover = m as u64;
            if leftover < excl {
                let threshold = (u64::MAX - rng) % excl;
                while leftover < threshold {
                    m = u128::from(self.next_u64()) * u128::from(excl);
                    leftover = m as u64;
                }
            }
            (m >> 64) as u64
        }
    }
}

/// A row-major `(n, width)` matrix of per-pair statistics.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a, T> {
    pub data: &'a [T],
    pub width: usize,
}

impl<'a, T> Matrix<'a, T> {
    /// `data` holds `n` rows of `width` values.
    pub fn new(data: &'a [T], width: usize) -> Result<Self> {
        if width == 0 && !data.is_empty() || width > 0 && !data.len().is_multiple_of(width) {
            return Err(MetricError::value(format!(
                "{} values are not rows of width {width}",
                data.len()
            )));
        }
        Ok(Self { data, width })
    }

    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.width).unwrap_or(0)
    }

    /// Rows `start..end`.
    pub fn slice(&self, start: usize, end: usize) -> Self {
        Self {
            data: &self.data[start * self.width..end * self.width],
            width: self.width,
        }
    }

    #[inline]
    fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.width..(i + 1) * self.width]
    }
}

/// A statistic that sums: integer counts (exact) or floats (summed in pair order).
pub trait Stat:
    Copy + Default + Send + Sync + Add<Output = Self> + Sub<Output = Self> + AddAssign
{
    /// `self * count`.
    fn times(self, count: u32) -> Self;
}

impl Stat for i64 {
    #[inline]
    fn times(self, count: u32) -> Self {
        self * i64::from(count)
    }
}

impl Stat for f64 {
    #[inline]
    fn times(self, count: u32) -> Self {
        self * f64::from(count)
    }
}

/// The integer and float statistics of one set of pairs, resampled together (same draws).
#[derive(Debug, Clone, Default)]
pub struct Columns<'a> {
    pub ints: Vec<Matrix<'a, i64>>,
    pub floats: Vec<Matrix<'a, f64>>,
}

impl<'a> Columns<'a> {
    /// Pairs, after checking every matrix has the same number of rows.
    pub fn pairs(&self) -> Result<usize> {
        let mut n = None;
        let all = self
            .ints
            .iter()
            .map(Matrix::rows)
            .chain(self.floats.iter().map(Matrix::rows));
        for r in all {
            match n {
                None => n = Some(r),
                Some(m) if m != r => {
                    return Err(MetricError::value(format!(
                        "statistics of {m} and {r} pairs cannot be resampled together"
                    )))
                }
                _ => {}
            }
        }
        Ok(n.unwrap_or(0))
    }

    pub fn int_width(&self) -> usize {
        self.ints.iter().map(|m| m.width).sum()
    }

    pub fn float_width(&self) -> usize {
        self.floats.iter().map(|m| m.width).sum()
    }

    /// Rows `start..end` of every matrix.
    pub fn slice(&self, start: usize, end: usize) -> Self {
        Self {
            ints: self.ints.iter().map(|m| m.slice(start, end)).collect(),
            floats: self.floats.iter().map(|m| m.slice(start, end)).collect(),
        }
    }
}

/// Column sums of resamples: `rows x int_width` integers and `rows x float_width` floats, row-major,
/// matrices side by side in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub ints: Vec<i64>,
    pub floats: Vec<f64>,
}

impl Sums {
    fn append(&mut self, other: Sums) {
        self.ints.extend(other.ints);
        self.floats.extend(other.floats);
    }
}

// ------------------------------------------------------------------------------------------------
// bootstrap
// ------------------------------------------------------------------------------------------------

/// The generator's state at the start of each of `rows` resamples of `n` pairs; `rng` ends after
/// them. Sequential (rejections make draw counts data-dependent) and cheap next to the sums.
pub fn resample_starts(rng: &mut Pcg64, n: usize, rows: usize) -> Result<Vec<Pcg64>> {
    let mut starts = Vec::with_capacity(rows);
    for _ in 0..rows {
        interrupt::check()?;
        starts.push(*rng);
        for _ in 0..n {
            rng.below(n as u64);
        }
    }
    Ok(starts)
}

/// `Σ_i counts[i] * row_i` with a `W`-wide accumulator held in registers.
fn weighted_sums_fixed<T: Stat, const W: usize>(m: &Matrix<'_, T>, counts: &[u32]) -> [T; W] {
    let mut acc = [T::default(); W];
    // Branch-free: a third of the counts are 0 at random, which a branch would mispredict.
    for (row, &c) in m.data.chunks_exact(W).zip(counts) {
        for j in 0..W {
            acc[j] += row[j].times(c);
        }
    }
    acc
}

fn weighted_sums<T: Stat>(m: &Matrix<'_, T>, counts: &[u32], out: &mut Vec<T>) {
    // The metrics' widths (ROUGE F per type, TER, BLEU-4, chrF 6+0 and 6+2) get a register accumulator.
    macro_rules! fixed {
        ($($w:literal),*) => {
            match m.width {
                $($w => {
                    out.extend_from_slice(&weighted_sums_fixed::<T, $w>(m, counts));
                    return;
                })*
                _ => {}
            }
        };
    }
    fixed!(1, 2, 3, 10, 18, 24);
    let start = out.len();
    out.resize(start + m.width, T::default());
    let acc = &mut out[start..];
    for (i, &c) in counts.iter().enumerate() {
        if c != 0 {
            for (a, &v) in acc.iter_mut().zip(m.row(i)) {
                *a += v.times(c);
            }
        }
    }
}

/// Column sums of the one resample drawn from `start` (`n` draws of `Generator.integers(0, n)`),
/// into `out`; `counts` is scratch space.
pub fn resample_sums(
    start: &Pcg64,
    cols: &Columns<'_>,
    counts: &mut Vec<u32>,
    out: &mut Sums,
) -> Result<()> {
    let n = cols.pairs()?;
    counts.clear();
    counts.resize(n, 0);
    let mut rng = *start;
    for _ in 0..n {
        counts[rng.below(n as u64) as usize] += 1;
    }
    for m in &cols.ints {
        weighted_sums(m, counts, &mut out.ints);
    }
    for m in &cols.floats {
        weighted_sums(m, counts, &mut out.floats);
    }
    Ok(())
}

/// Resamples summed per pass over the statistics by [`resample_block_sums`]: each row of
/// statistics read from memory serves this many resamples.
pub const RESAMPLE_BLOCK: usize = 8;

fn block_weighted_fixed<T: Stat, const W: usize>(
    m: &Matrix<'_, T>,
    counts: &[u32],
    r: usize,
    out: &mut [T],
    stride: usize,
    offset: usize,
) {
    let mut acc = [[T::default(); W]; RESAMPLE_BLOCK];
    for (row, c) in m
        .data
        .chunks_exact(W)
        .zip(counts.chunks_exact(RESAMPLE_BLOCK))
    {
        for k in 0..RESAMPLE_BLOCK {
            for j in 0..W {
                acc[k][j] += row[j].times(c[k]);
            }
        }
    }
    for (k, a) in acc.iter().enumerate().take(r) {
        out[k * stride + offset..k * stride + offset + W].copy_from_slice(a);
    }
}

fn block_weighted<T: Stat>(
    m: &Matrix<'_, T>,
    counts: &[u32],
    r: usize,
    out: &mut [T],
    stride: usize,
    offset: usize,
) {
    macro_rules! fixed {
        ($($w:literal),*) => {
            match m.width {
                $($w => return block_weighted_fixed::<T, $w>(m, counts, r, out, stride, offset),)*
                _ => {}
            }
        };
    }
    fixed!(1, 2, 3, 10, 18, 24);
    let w = m.width;
    for (i, c) in counts.chunks_exact(RESAMPLE_BLOCK).enumerate() {
        let row = m.row(i);
        for (k, &ck) in c.iter().enumerate().take(r) {
            let acc = &mut out[k * stride + offset..k * stride + offset + w];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += v.times(ck);
            }
        }
    }
}

/// Column sums of the resamples drawn from `starts` (at most [`RESAMPLE_BLOCK`]), one pass over
/// the statistics for all of them; `counts` is scratch space. Equal to [`resample_sums`] per row.
pub fn resample_block_sums(
    starts: &[Pcg64],
    cols: &Columns<'_>,
    counts: &mut Vec<u32>,
) -> Result<Sums> {
    let n = cols.pairs()?;
    let r = starts.len();
    if r > RESAMPLE_BLOCK {
        return Err(MetricError::value(format!(
            "at most {RESAMPLE_BLOCK} resamples per block, got {r}"
        )));
    }
    counts.clear();
    counts.resize(n * RESAMPLE_BLOCK, 0);
    for (k, s) in starts.iter().enumerate() {
        let mut rng = *s;
        for _ in 0..n {
            counts[rng.below(n as u64) as usize * RESAMPLE_BLOCK + k] += 1;
        }
    }
    let (iw, fw) = (cols.int_width(), cols.float_width());
    let mut out = Sums {
        ints: vec![0; r * iw],
        floats: vec![0.0; r * fw],
    };
    let mut off = 0;
    for m in &cols.ints {
        block_weighted(m, counts, r, &mut out.ints, iw, off);
        off += m.width;
    }
    off = 0;
    for m in &cols.floats {
        block_weighted(m, counts, r, &mut out.floats, fw, off);
        off += m.width;
    }
    Ok(out)
}

/// Column sums of `rows` consecutive resamples from `rng` (advanced past them), in parallel on the
/// current rayon pool.
pub fn bootstrap_sums(rng: &mut Pcg64, cols: &Columns<'_>, rows: usize) -> Result<Sums> {
    let n = cols.pairs()?;
    let starts = resample_starts(rng, n, rows)?;
    let parts: Vec<Result<Sums>> = starts
        .par_chunks(RESAMPLE_BLOCK)
        .map_init(Vec::new, |counts, block| {
            interrupt::check()?;
            resample_block_sums(block, cols, counts)
        })
        .collect();
    let mut out = Sums::default();
    for p in parts {
        out.append(p?);
    }
    Ok(out)
}

/// Per group (pairs `bounds[g]..bounds[g + 1]`) the column sums of `rows` resamples drawn from a
/// fresh `start` (each group as if resampled alone with the same seed), groups one after the other.
pub fn group_bootstrap_sums(
    start: &Pcg64,
    cols: &Columns<'_>,
    bounds: &[usize],
    rows: usize,
) -> Result<Sums> {
    let mut counts = Vec::new();
    let mut out = Sums::default();
    for w in bounds.windows(2) {
        interrupt::check()?;
        let g = cols.slice(w[0], w[1]);
        let n = w[1] - w[0];
        let mut rng = *start;
        for _ in 0..rows {
            let s = rng;
            for _ in 0..n {
                rng.below(n as u64);
            }
            resample_sums(&s, &g, &mut counts, &mut out)?;
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------------
// approximate randomization
// ------------------------------------------------------------------------------------------------

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Output `k` of the SplitMix64 stream keyed by `key` (Steele, Lea & Flood 2014).
#[inline]
pub fn splitmix64(key: u64, k: u64) -> u64 {
    let mut z = key.wrapping_add(k.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The swap bits of pairs `64 * word..64 * word + 64` in trial `trial` of a test over `n` pairs.
#[inline]
pub fn swap_word(key: u64, n: usize, trial: u64, word: usize) -> u64 {
    let words = n.div_ceil(64) as u64;
    splitmix64(key, trial.wrapping_mul(words).wrapping_add(word as u64))
}

/// Pairs per pair block of [`ar_sums`]: fixed, so float sums do not depend on the thread count.
pub const AR_BLOCK: usize = 1 << 13;

/// `sums[t] += Σ_{i swapped in trial t} (bl[i] - sys[i])` over pairs `first..first + m.rows()` of a
/// test over `n` pairs (`first` a multiple of 64), eight pairs per table lookup.
#[allow(clippy::too_many_arguments)]
fn ar_block<T: Stat>(
    bl: &Matrix<'_, T>,
    sys: &Matrix<'_, T>,
    first: usize,
    n: usize,
    key: u64,
    trials: std::ops::Range<u64>,
    sums: &mut [T],
    stride: usize,
    offset: usize,
) -> Result<()> {
    let w = bl.width;
    let rows = bl.rows();
    if w == 0 {
        return Ok(());
    }
    // table[q][s]: Σ of (bl - sys) over the pairs of byte q of the word whose bits are set in s.
    let mut table = vec![T::default(); 8 * 256 * w];
    let mut chunk = 0;
    while chunk < rows {
        interrupt::check()?;
        let end = (chunk + 64).min(rows);
        table.iter_mut().for_each(|v| *v = T::default());
        for q in 0..8 {
            let base = q * 256 * w;
            for bit in 0..8 {
                let i = chunk + 8 * q + bit;
                let step = 1usize << bit;
                // A pair past the end (never in a trial: n bounds the test) adds nothing.
                let present = i < end;
                for sub in 0..step {
                    let from = base + sub * w;
                    let to = base + (sub + step) * w;
                    for j in 0..w {
                        table[to + j] = if present {
                            table[from + j] + (bl.data[i * w + j] - sys.data[i * w + j])
                        } else {
                            table[from + j]
                        };
                    }
                }
            }
        }
        let word = (first + chunk) / 64;
        macro_rules! fixed {
            ($($w:literal),*) => {
                match w {
                    $($w => ar_trials_fixed::<T, $w>(&table, key, n, word, trials.clone(), sums, stride, offset),)*
                    _ => ar_trials(&table, w, key, n, word, trials.clone(), sums, stride, offset),
                }
            };
        }
        fixed!(1, 2, 3, 10, 18, 24);
        chunk = end;
    }
    Ok(())
}

/// Adds the table rows each trial's swap byte picks to the trial's sums (any width).
#[allow(clippy::too_many_arguments)]
fn ar_trials<T: Stat>(
    table: &[T],
    w: usize,
    key: u64,
    n: usize,
    word: usize,
    trials: std::ops::Range<u64>,
    sums: &mut [T],
    stride: usize,
    offset: usize,
) {
    for (k, t) in trials.enumerate() {
        let bits = swap_word(key, n, t, word);
        let acc = &mut sums[k * stride + offset..k * stride + offset + w];
        for q in 0..8 {
            let s = ((bits >> (8 * q)) & 0xFF) as usize;
            let row = &table[(q * 256 + s) * w..(q * 256 + s + 1) * w];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += v;
            }
        }
    }
}

/// [`ar_trials`] for width `W`, the trial's sums held in registers over the eight lookups.
#[allow(clippy::too_many_arguments)]
fn ar_trials_fixed<T: Stat, const W: usize>(
    table: &[T],
    key: u64,
    n: usize,
    word: usize,
    trials: std::ops::Range<u64>,
    sums: &mut [T],
    stride: usize,
    offset: usize,
) {
    let words = n.div_ceil(64) as u64;
    for (k, t) in trials.enumerate() {
        let bits = splitmix64(key, t.wrapping_mul(words).wrapping_add(word as u64));
        let mut acc = [T::default(); W];
        for q in 0..8 {
            let s = ((bits >> (8 * q)) & 0xFF) as usize;
            let base = (q * 256 + s) * W;
            let row = &table[base..base + W];
            for j in 0..W {
                acc[j] += row[j];
            }
        }
        let out = &mut sums[k * stride + offset..k * stride + offset + W];
        for j in 0..W {
            out[j] += acc[j];
        }
    }
}

/// For pairs `first..first + AR_BLOCK` (clipped to `n`) of a test of `sys` against `bl`, the swapped
/// sums `Σ_{i swapped} (bl[i] - sys[i])` of each trial in `trials`: the shuffled systems are then
/// `sys_total + S` and `bl_total - S`.
pub fn ar_block_sums(
    bl: &Columns<'_>,
    sys: &Columns<'_>,
    first: usize,
    key: u64,
    trials: std::ops::Range<u64>,
) -> Result<Sums> {
    let n = bl.pairs()?;
    if sys.pairs()? != n || bl.ints.len() != sys.ints.len() || bl.floats.len() != sys.floats.len() {
        return Err(MetricError::value(
            "baseline and system statistics differ in shape",
        ));
    }
    if !first.is_multiple_of(64) {
        return Err(MetricError::value("pair blocks start at a multiple of 64"));
    }
    let end = (first + AR_BLOCK).min(n);
    let (iw, fw) = (bl.int_width(), bl.float_width());
    let mut out = empty_sums(bl, (trials.end - trials.start) as usize);
    let mut off = 0;
    for (b, s) in bl.ints.iter().zip(&sys.ints) {
        if b.width != s.width {
            return Err(MetricError::value(
                "baseline and system statistics differ in width",
            ));
        }
        let (b, s) = (b.slice(first, end), s.slice(first, end));
        ar_block(
            &b,
            &s,
            first,
            n,
            key,
            trials.clone(),
            &mut out.ints,
            iw,
            off,
        )?;
        off += b.width;
    }
    off = 0;
    for (b, s) in bl.floats.iter().zip(&sys.floats) {
        if b.width != s.width {
            return Err(MetricError::value(
                "baseline and system statistics differ in width",
            ));
        }
        let (b, s) = (b.slice(first, end), s.slice(first, end));
        ar_block(
            &b,
            &s,
            first,
            n,
            key,
            trials.clone(),
            &mut out.floats,
            fw,
            off,
        )?;
        off += b.width;
    }
    Ok(out)
}

/// Adds block sums in block order (fixed, so float results do not depend on the thread count).
pub fn add_sums(total: &mut Sums, part: &Sums) {
    for (a, b) in total.ints.iter_mut().zip(&part.ints) {
        *a += *b;
    }
    for (a, b) in total.floats.iter_mut().zip(&part.floats) {
        *a += *b;
    }
}

fn empty_sums(bl: &Columns<'_>, k: usize) -> Sums {
    Sums {
        ints: vec![0; k * bl.int_width()],
        floats: vec![0.0; k * bl.float_width()],
    }
}

/// [`ar_sums`] on the calling thread (for many small tests run side by side, one per group).
pub fn ar_sums_serial(
    bl: &Columns<'_>,
    sys: &Columns<'_>,
    key: u64,
    trials: std::ops::Range<u64>,
) -> Result<Sums> {
    let n = bl.pairs()?;
    let mut total = empty_sums(bl, (trials.end - trials.start) as usize);
    for b in 0..n.div_ceil(AR_BLOCK) {
        add_sums(
            &mut total,
            &ar_block_sums(bl, sys, b * AR_BLOCK, key, trials.clone())?,
        );
    }
    Ok(total)
}

/// Swapped sums of trials `trials` over all pairs (see [`ar_block_sums`]), in parallel over pair
/// blocks on the current rayon pool.
pub fn ar_sums(
    bl: &Columns<'_>,
    sys: &Columns<'_>,
    key: u64,
    trials: std::ops::Range<u64>,
) -> Result<Sums> {
    let n = bl.pairs()?;
    let mut total = empty_sums(bl, (trials.end - trials.start) as usize);
    let parts: Vec<Result<Sums>> = (0..n.div_ceil(AR_BLOCK))
        .into_par_iter()
        .map(|b| ar_block_sums(bl, sys, b * AR_BLOCK, key, trials.clone()))
        .collect();
    for p in parts {
        add_sums(&mut total, &p?);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy: `default_rng(12345).bit_generator.state`.
    fn numpy_12345() -> Pcg64 {
        Pcg64::from_numpy_state(
            33261208707367790463622745601869196757,
            268209174141567072605526753992732310247,
            false,
            0,
        )
    }

    #[test]
    fn draws_equal_numpy() {
        // numpy: default_rng(12345).integers(0, 10, size=12) and then .integers(0, 2**40, size=2)
        let mut r = numpy_12345();
        let got: Vec<u64> = (0..12).map(|_| r.below(10)).collect();
        assert_eq!(got, NUMPY_10.to_vec());
        let big: Vec<u64> = (0..2).map(|_| r.below(1 << 40)).collect();
        assert_eq!(big, NUMPY_BIG.to_vec());
    }

    const NUMPY_10: [u64; 12] = [6, 2, 7, 3, 2, 7, 6, 6, 9, 3, 8, 3];
    const NUMPY_BIG: [u64; 2] = [657847431569, 205316408374];

    fn naive_ar(bl: &[i64], sys: &[i64], w: usize, key: u64, trials: u64) -> Vec<i64> {
        let n = bl.len() / w;
        let mut out = vec![0; trials as usize * w];
        for t in 0..trials {
            for i in 0..n {
                if swap_word(key, n, t, i / 64) >> (i % 64) & 1 == 1 {
                    for j in 0..w {
                        out[t as usize * w + j] += bl[i * w + j] - sys[i * w + j];
                    }
                }
            }
        }
        out
    }

    #[test]
    fn ar_tables_equal_the_naive_sum() {
        for n in [0usize, 1, 7, 63, 64, 65, 200, AR_BLOCK + 70] {
            let w = 3;
            let bl: Vec<i64> = (0..n * w).map(|i| (i * 7 % 13) as i64).collect();
            let sys: Vec<i64> = (0..n * w).map(|i| (i * 5 % 11) as i64).collect();
            let c = |d| Columns {
                ints: vec![Matrix::new(d, w).unwrap()],
                floats: vec![],
            };
            let got = ar_sums(&c(&bl), &c(&sys), 99, 3..9).unwrap();
            let want = naive_ar(&bl, &sys, w, 99, 9);
            assert_eq!(got.ints, want[3 * w..].to_vec(), "n={n}");
        }
    }

    #[test]
    fn bootstrap_rows_equal_the_naive_gather() {
        let n = 50;
        let w = 2;
        let data: Vec<i64> = (0..n * w).map(|i| (i * i % 17) as i64).collect();
        let f: Vec<f64> = (0..n).map(|i| i as f64 / 8.0).collect();
        let cols = Columns {
            ints: vec![Matrix::new(&data, w).unwrap()],
            floats: vec![Matrix::new(&f, 1).unwrap()],
        };
        let mut rng = numpy_12345();
        let got = bootstrap_sums(&mut rng, &cols, 4).unwrap();
        let mut r = numpy_12345();
        for row in 0..4 {
            let (mut s, mut x) = (vec![0i64; w], 0.0);
            for _ in 0..n {
                let i = r.below(n as u64) as usize;
                s[0] += data[i * w];
                s[1] += data[i * w + 1];
                x += f[i];
            }
            assert_eq!(&got.ints[row * w..row * w + w], &s[..]);
            assert_eq!(got.floats[row], x);
        }
        assert_eq!(rng, r);
        let g = group_bootstrap_sums(&numpy_12345(), &cols, &[0, n], 4).unwrap();
        assert_eq!(g, got);
    }
}
