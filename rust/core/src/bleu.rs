//! BLEU exactly as sacrebleu 2.6 computes it (`metrics/bleu.py`): per-segment sufficient statistics
//! `[sys_len, ref_len, correct_1..n, total_1..n]`, summed over a corpus, then `compute_bleu`.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use rustc_hash::FxHashMap;

use crate::error::{MetricError, Result};
use crate::ngram::{check_order, ngram_total};
use crate::pystr::{py_lower, py_rstrip, py_split};
use crate::sacre_tokenize::{rewrite_13a, spans_13a, Tokenizer};

/// sacrebleu `MAX_NGRAM_ORDER`.
pub const DEFAULT_MAX_NGRAM_ORDER: usize = 4;

/// sacrebleu `my_log(0.0)`: the floor that makes `exp` underflow to exactly 0.0.
const MY_LOG_ZERO: f64 = -9_999_999_999.0;

/// Whether Python's `sum()` of floats is Neumaier-compensated (CPython >= 3.12); sacrebleu sums
/// the log precisions with it, so the binding sets this from the running interpreter at import.
static PY_SUM_COMPENSATED: AtomicBool = AtomicBool::new(false);

/// Match the float `sum()` of the interpreter in this process (`true` for CPython >= 3.12).
pub fn set_python_sum_compensated(compensated: bool) {
    PY_SUM_COMPENSATED.store(compensated, Ordering::Relaxed);
}

/// CPython's `sum(xs)` of floats from 0: left to right, or with 3.12's Neumaier compensation
/// (bltinmodule.c `builtin_sum_impl`, including its final `if (c && isfinite(c))`).
fn python_float_sum(xs: impl Iterator<Item = f64>, compensated: bool) -> f64 {
    if !compensated {
        return xs.fold(0.0, |acc, x| acc + x);
    }
    let (mut f, mut c) = (0.0f64, 0.0f64);
    for x in xs {
        let t = f + x;
        c += if f.abs() >= x.abs() {
            (f - t) + x
        } else {
            (x - t) + f
        };
        f = t;
    }
    if c != 0.0 && c.is_finite() {
        f += c;
    }
    f
}

/// A sacrebleu smoothing method (`smooth_method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smooth {
    None,
    Floor,
    AddK,
    Exp,
}

impl Smooth {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "none" => Ok(Self::None),
            "floor" => Ok(Self::Floor),
            "add-k" => Ok(Self::AddK),
            "exp" => Ok(Self::Exp),
            _ => Err(MetricError::value(format!(
                "unknown smooth_method={name:?}; expected one of 'exp', 'floor', 'add-k', 'none'"
            ))),
        }
    }

    /// sacrebleu `BLEU.SMOOTH_DEFAULTS` (floor 0.1, add-k 1, others take no value).
    pub fn default_value(self) -> Option<f64> {
        match self {
            Self::Floor => Some(0.1),
            Self::AddK => Some(1.0),
            Self::None | Self::Exp => None,
        }
    }
}

/// What changes the statistics of a segment.
#[derive(Debug, Clone, Copy)]
pub struct BleuConfig {
    pub tokenizer: Tokenizer,
    pub lowercase: bool,
    pub max_order: usize,
}

impl BleuConfig {
    pub fn new(tokenize: &str, lowercase: bool, max_order: usize) -> Result<Self> {
        check_order("max_ngram_order", max_order, 1)?;
        Ok(Self {
            tokenizer: Tokenizer::parse(tokenize)?,
            lowercase,
            max_order,
        })
    }

    /// Length of one statistics vector: `2 + 2 * max_order`.
    pub fn n_stats(&self) -> usize {
        2 + 2 * self.max_order
    }
}

/// How the statistics become a score.
#[derive(Debug, Clone, Copy)]
pub struct BleuScoring {
    pub smooth: Smooth,
    /// The smoothing value already resolved against the defaults (unused by `exp`/`none`).
    pub smooth_value: f64,
    pub effective_order: bool,
    pub max_order: usize,
}

impl BleuScoring {
    pub fn new(
        smooth_method: &str,
        smooth_value: Option<f64>,
        effective_order: bool,
        max_order: usize,
    ) -> Result<Self> {
        check_order("max_ngram_order", max_order, 1)?;
        let smooth = Smooth::parse(smooth_method)?;
        // sacrebleu turns a negative floor into a math domain error and NaN into a NaN score;
        // no smoothing value outside [0, inf) means anything.
        if let Some(v) = smooth_value {
            if !(v.is_finite() && v >= 0.0) {
                return Err(MetricError::value(format!(
                    "smooth_value must be a finite number >= 0, got {v}"
                )));
            }
        }
        let smooth_value = smooth_value.or(smooth.default_value()).unwrap_or(0.0);
        Ok(Self {
            smooth,
            smooth_value,
            effective_order,
            max_order,
        })
    }
}

/// sacrebleu `_get_closest_ref_len`: the closest reference length, ties go to the shorter.
pub fn closest_ref_len(hyp_len: usize, ref_lens: impl IntoIterator<Item = usize>) -> i64 {
    let mut best: Option<(usize, usize)> = None; // (diff, len)
    for r in ref_lens {
        let diff = hyp_len.abs_diff(r);
        best = match best {
            None => Some((diff, r)),
            Some((d, _)) if diff < d => Some((diff, r)),
            Some((d, l)) if diff == d && r < l => Some((d, r)),
            keep => keep,
        };
    }
    best.map_or(-1, |(_, l)| l as i64)
}

/// Token spans of several lines (one text buffer) interned to dense ids `0..len()`.
#[derive(Default)]
pub(crate) struct SpanInterner {
    pub text: Vec<u8>,
    pub spans: Vec<(usize, usize)>,
    table: Vec<InternSlot>,
    stamp: u32,
}

/// An open-addressing slot of `SpanInterner::intern`, live when `stamp` is the current one.
/// `key` is the token's first (up to) 8 bytes, packed little-endian and zero-masked past its
/// length, so tokens of at most 8 bytes compare as (`key`, `len`) without touching the text.
#[derive(Clone, Copy, Default)]
struct InternSlot {
    key: u64,
    start: usize,
    len: usize,
    id: u32,
    stamp: u32,
}

const INTERN_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// The first `min(len, 8)` bytes at `a` as a little-endian u64 (`text` has 8 bytes past any span).
#[inline(always)]
fn packed_prefix(text: &[u8], a: usize, len: usize) -> u64 {
    let w = u64::from_le_bytes(text[a..a + 8].try_into().unwrap());
    if len >= 8 {
        w
    } else {
        w & ((1u64 << (8 * len)) - 1)
    }
}

impl SpanInterner {
    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }

    /// Appends the id of every span to `out` (equal bytes, equal id, ids in order of first
    /// occurrence); returns the id count.
    pub fn intern(&mut self, out: &mut Vec<u32>) -> usize {
        let Self {
            text,
            spans,
            table,
            stamp,
        } = self;
        // Load factor at most 1/2.
        let want = (2 * spans.len()).next_power_of_two().max(64);
        if table.len() < want {
            table.clear();
            table.resize(want, InternSlot::default());
            *stamp = 0;
        }
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            table.fill(InternSlot::default());
            *stamp = 1;
        }
        let st = *stamp;
        let bits = table.len().trailing_zeros();
        let mask = table.len() - 1;
        let text_len = text.len();
        text.extend_from_slice(&[0u8; 8]);
        let mut next = 0u32;
        out.reserve(spans.len());
        for &(a, b) in spans.iter() {
            let len = b - a;
            let key = packed_prefix(text, a, len);
            let mut h = (key ^ len as u64).wrapping_mul(INTERN_MUL);
            if len > 8 {
                // the remaining 8-byte chunks, the last one overlapping
                let mut i = a + 8;
                while i < b {
                    let j = i.min(b - 8);
                    let c = u64::from_le_bytes(text[j..j + 8].try_into().unwrap());
                    h = (h.rotate_left(23) ^ c).wrapping_mul(INTERN_MUL);
                    i += 8;
                }
            }
            let mut k = (h >> (64 - bits)) as usize;
            let id = loop {
                let slot = &mut table[k];
                if slot.stamp != st {
                    *slot = InternSlot {
                        key,
                        start: a,
                        len,
                        id: next,
                        stamp: st,
                    };
                    next += 1;
                    break next - 1;
                }
                if slot.key == key
                    && slot.len == len
                    && (len <= 8 || text[slot.start..slot.start + len] == text[a..b])
                {
                    break slot.id;
                }
                k = (k + 1) & mask;
            };
            out.push(id);
        }
        text.truncate(text_len);
        next as usize
    }

    /// Appends `tok`, a subslice of `line` whose bytes start at `base` in `text`, as a span.
    #[inline]
    pub fn push_sub(&mut self, line: &str, base: usize, tok: &str) {
        let off = tok.as_ptr() as usize - line.as_ptr() as usize;
        self.spans.push((base + off, base + off + tok.len()));
    }
}

/// Largest `grams * alphabet` id table kept as a flat array (above it, a hash map).
const DENSE_LIMIT: usize = 1 << 18;

/// Exact n-gram matching over dense symbol ids, one order at a time.
///
/// The n-gram at position i gets a dense id from (id of its (n-1)-gram prefix, last symbol), so
/// every order is one table lookup per position, with no keys wider than two ids whatever the
/// order. An n-gram absent from the hypothesis or from every reference cannot match, nor can any
/// longer n-gram it starts, so its positions drop out of the higher orders (totals are counted
/// apart, from the lengths).
#[derive(Default)]
pub(crate) struct NgramEngine {
    /// Symbol ids of all sides, concatenated; side k is `seq[sides[k]..sides[k + 1]]`, side 0
    /// the hypothesis.
    pub seq: Vec<u32>,
    pub sides: Vec<usize>,
    /// Live positions (ascending within a side) and the id of their current-order n-gram.
    pos: Vec<u32>,
    gid: Vec<u32>,
    /// `pos[live[k]..live[k + 1]]` are the live positions of side k.
    live: Vec<usize>,
    table: Vec<u64>,
    stamp: u32,
    map: FxHashMap<u64, u32>,
    a: Vec<u32>,
    b: Vec<u32>,
    c: Vec<u32>,
    /// Single-reference path: live `(position, gram id)` of the reference and of the hypothesis,
    /// and the `[hypothesis, reference]` counts of the current and next order's grams.
    live_r: Vec<(u32, u32)>,
    live_h: Vec<(u32, u32)>,
    cnt: Vec<[u32; 2]>,
    cnt_next: Vec<[u32; 2]>,
    /// Single-reference id table: `stamp << 24 | id` (ids below 2^24).
    table32: Vec<u32>,
    stamp8: u32,
}

impl NgramEngine {
    pub fn clear(&mut self) {
        self.seq.clear();
        self.sides.clear();
        self.sides.push(0);
    }

    /// Closes the side started after the previous call (or `clear`).
    pub fn end_side(&mut self) {
        self.sides.push(self.seq.len());
    }

    fn n_sides(&self) -> usize {
        self.sides.len() - 1
    }

    /// Order 1: every position is live, its gram id is its symbol.
    fn start(&mut self) {
        self.pos.clear();
        self.gid.clear();
        self.live.clear();
        self.live.push(0);
        for k in 0..self.n_sides() {
            let (s, e) = (self.sides[k], self.sides[k + 1]);
            self.pos.extend((s..e).map(|i| i as u32));
            self.gid.extend_from_slice(&self.seq[s..e]);
            self.live.push(self.pos.len());
        }
    }

    /// Keeps the positions whose order-`n` gram passes `keep` and that start an order-`n + 1`
    /// gram, then gives those grams dense ids; returns their count.
    fn advance(
        &mut self,
        n: usize,
        grams: usize,
        alphabet: usize,
        keep: impl Fn(u32) -> bool,
    ) -> usize {
        let mut w = 0usize;
        for k in 0..self.n_sides() {
            let end = self.sides[k + 1];
            let (lo, hi) = (self.live[k], self.live[k + 1]);
            self.live[k] = w;
            for j in lo..hi {
                let (i, g) = (self.pos[j], self.gid[j]);
                self.pos[w] = i;
                self.gid[w] = g;
                w += usize::from(keep(g) && i as usize + n < end);
            }
        }
        let last = self.n_sides();
        self.live[last] = w;
        self.pos.truncate(w);
        self.gid.truncate(w);
        let mut next = 0u32;
        match grams.checked_mul(alphabet).filter(|&s| s <= DENSE_LIMIT) {
            Some(size) => {
                if self.table.len() < size {
                    self.table.resize(size, 0);
                }
                self.stamp = self.stamp.wrapping_add(1);
                if self.stamp == 0 {
                    self.table.fill(0);
                    self.stamp = 1;
                }
                let stamp = u64::from(self.stamp);
                for (i, g) in self.pos.iter().zip(self.gid.iter_mut()) {
                    let sym = self.seq[*i as usize + n] as usize;
                    let slot = &mut self.table[*g as usize * alphabet + sym];
                    if *slot >> 32 == stamp {
                        *g = *slot as u32;
                    } else {
                        *slot = (stamp << 32) | u64::from(next);
                        *g = next;
                        next += 1;
                    }
                }
            }
            None => {
                self.map.clear();
                for (i, g) in self.pos.iter().zip(self.gid.iter_mut()) {
                    let key = (u64::from(*g) << 32) | u64::from(self.seq[*i as usize + n]);
                    let id = *self.map.entry(key).or_insert(next);
                    next += u32::from(id == next);
                    *g = id;
                }
            }
        }
        next as usize
    }

    fn zeroed(v: &mut Vec<u32>, len: usize) {
        v.clear();
        v.resize(len, 0);
    }

    /// BLEU: `matches[n-1] = sum_g min(hyp(g), max_k ref_k(g))` for `n` in `1..=matches.len()`
    /// (sacrebleu merges reference counts with max, bleu.py L363-370).
    pub fn max_ref_matches(&mut self, alphabet: usize, matches: &mut [i64]) {
        matches.fill(0);
        let n_sides = self.n_sides();
        if n_sides == 2 {
            return self.single_ref_matches(alphabet, matches);
        }
        self.start();
        let mut grams = alphabet;
        for n in 1..=matches.len() {
            if n > 1 {
                let (a, b) = (std::mem::take(&mut self.a), std::mem::take(&mut self.b));
                grams = self.advance(n - 1, grams, alphabet, |g| {
                    a[g as usize] > 0 && b[g as usize] > 0
                });
                self.a = a;
                self.b = b;
                if self.live[n_sides] == 0 {
                    break;
                }
            }
            Self::zeroed(&mut self.a, grams);
            Self::zeroed(&mut self.b, grams);
            let (a, b) = (&mut self.a, &mut self.b);
            if n_sides == 2 {
                for &g in &self.gid[self.live[1]..self.live[2]] {
                    b[g as usize] += 1;
                }
            } else {
                for k in 1..n_sides {
                    let gids = &self.gid[self.live[k]..self.live[k + 1]];
                    for &g in gids {
                        a[g as usize] += 1;
                    }
                    for &g in gids {
                        let g = g as usize;
                        b[g] = b[g].max(a[g]);
                        a[g] = 0;
                    }
                }
            }
            let mut m = 0i64;
            for &g in &self.gid[self.live[0]..self.live[1]] {
                let g = g as usize;
                a[g] += 1;
                m += i64::from(a[g] <= b[g]);
            }
            matches[n - 1] = m;
        }
    }

    /// One reference (sides 0 and 1): `matches[n-1] = sum_g min(hyp(g), ref(g))` for `n` in
    /// `1..=matches.len()` (`matches` zeroed). Like `advance`, but the live positions of each
    /// side are a list of (position, gram id) renumbered and counted in one pass per order, the
    /// counts of a new gram created with its id (no per-order zeroing); hypothesis positions whose
    /// gram is not in the reference drop out (reference positions only at order 1).
    fn single_ref_matches(&mut self, alphabet: usize, matches: &mut [i64]) {
        let Self {
            seq,
            sides,
            table32: table,
            stamp8: stamp,
            map,
            live_r,
            live_h,
            cnt,
            cnt_next,
            ..
        } = self;
        let Some(first) = matches.first_mut() else {
            return;
        };
        let (h_end, r_end) = (sides[1], sides[2]);
        cnt.clear();
        cnt.resize(alphabet, [0, 0]);
        for &s in &seq[h_end..r_end] {
            cnt[s as usize][1] += 1;
        }
        let mut m = 0i64;
        for &s in &seq[..h_end] {
            let c = &mut cnt[s as usize];
            c[0] += 1;
            m += i64::from(c[0] <= c[1]);
        }
        *first = m;
        if matches.len() == 1 {
            return;
        }
        // The order-1 live positions, filtered as `single_ref_step` would.
        for (list, lo, hi) in [(&mut *live_r, h_end, r_end), (&mut *live_h, 0, h_end)] {
            list.clear();
            list.resize(hi - lo, (0, 0));
            let mut w = 0usize;
            for (i, &s) in seq.iter().enumerate().take(hi).skip(lo) {
                let c = cnt[s as usize];
                list[w] = (i as u32, s);
                w += usize::from((c[0] != 0) & (c[1] != 0) & (i + 1 < hi));
            }
            list.truncate(w);
        }
        for (n, out) in matches.iter_mut().enumerate().skip(1) {
            if live_r.is_empty() || live_h.is_empty() {
                break;
            }
            let grams = cnt.len();
            let dense = grams
                .checked_mul(alphabet)
                .filter(|&s| s <= DENSE_LIMIT && live_r.len() + live_h.len() < 1 << 24);
            let lists = (&mut *live_r, &mut *live_h);
            let ends = (h_end, r_end);
            *out = match dense {
                Some(size) => {
                    if table.len() < size {
                        table.resize(size, 0);
                    }
                    *stamp += 1;
                    if *stamp == 256 {
                        table.fill(0);
                        *stamp = 1;
                    }
                    let st = *stamp;
                    single_ref_step(seq, lists, cnt_next, n, ends, |g, s, next| {
                        let slot = &mut table[g as usize * alphabet + s as usize];
                        let id = if *slot >> 24 == st {
                            *slot & 0xFF_FFFF
                        } else {
                            next
                        };
                        *slot = (st << 24) | id;
                        id
                    })
                }
                None => {
                    map.clear();
                    single_ref_step(seq, lists, cnt_next, n, ends, |g, s, next| {
                        *map.entry((u64::from(g) << 32) | u64::from(s))
                            .or_insert(next)
                    })
                }
            };
            std::mem::swap(cnt, cnt_next);
        }
    }

    /// chrF: `out[k * max_order + n - 1] = sum_g min(hyp(g), ref_k(g))` for reference k.
    pub fn per_ref_matches(&mut self, alphabet: usize, max_order: usize, out: &mut Vec<i64>) {
        let n_sides = self.n_sides();
        let n_refs = n_sides - 1;
        out.clear();
        out.resize(n_refs * max_order, 0);
        if n_refs == 1 {
            return self.single_ref_matches(alphabet, out);
        }
        self.start();
        let mut grams = alphabet;
        for n in 1..=max_order {
            if n > 1 {
                let (a, b, c) = (
                    std::mem::take(&mut self.a),
                    std::mem::take(&mut self.b),
                    std::mem::take(&mut self.c),
                );
                grams = if n_refs == 1 {
                    // a and b still hold the counts of the only reference pass
                    self.advance(n - 1, grams, alphabet, |g| {
                        a[g as usize] > 0 && b[g as usize] > 0
                    })
                } else {
                    self.advance(n - 1, grams, alphabet, |g| c[g as usize] == 3)
                };
                (self.a, self.b, self.c) = (a, b, c);
                if self.live[n_sides] == 0 {
                    break;
                }
            }
            Self::zeroed(&mut self.a, grams);
            Self::zeroed(&mut self.b, grams);
            let (a, b, c) = (&mut self.a, &mut self.b, &mut self.c);
            let hyp = &self.gid[self.live[0]..self.live[1]];
            if n_refs > 1 {
                // flags: 1 = in the hypothesis, 2 = in a reference
                c.clear();
                c.resize(grams, 0);
                for &g in hyp {
                    c[g as usize] = 1;
                }
            }
            for k in 1..=n_refs {
                let refs = &self.gid[self.live[k]..self.live[k + 1]];
                for &g in refs {
                    b[g as usize] += 1;
                }
                let mut m = 0i64;
                for &g in hyp {
                    let g = g as usize;
                    a[g] += 1;
                    m += i64::from(a[g] <= b[g]);
                }
                out[(k - 1) * max_order + n - 1] = m;
                if n_refs > 1 {
                    for &g in refs {
                        c[g as usize] |= 2;
                        b[g as usize] = 0;
                    }
                    for &g in hyp {
                        a[g as usize] = 0;
                    }
                }
            }
        }
    }
}

/// Live `(position, gram id)` of one side.
type LiveList = Vec<(u32, u32)>;

/// One order of `NgramEngine::single_ref_matches`: turns the live order-`n` grams of both sides
/// into order-`n + 1` grams with `lookup(gram, next symbol, id for a new gram)`, counts them into
/// `cnt_next`, and returns the matches of order `n + 1`. Every pass is branch free.
///
/// On entry `live_h` holds only hypothesis positions whose gram is in both sides and that start
/// an order-`n + 1` gram. The hypothesis pass comes last, when the reference counts of order
/// `n + 1` are complete, so it filters its positions for the next order as it goes.
#[inline(always)]
fn single_ref_step(
    seq: &[u32],
    (live_r, live_h): (&mut LiveList, &mut LiveList),
    cnt_next: &mut Vec<[u32; 2]>,
    n: usize,
    (h_end, r_end): (usize, usize),
    mut lookup: impl FnMut(u32, u32, u32) -> u32,
) -> i64 {
    // Reference positions that cannot extend are the last ones (the order-1 list comes
    // filtered). The others stay whether or not their gram is in the hypothesis: one that is
    // not only makes grams that are not either, which count nothing, and checking costs a pass.
    while live_r.last().is_some_and(|&(i, _)| i as usize + n >= r_end) {
        live_r.pop();
    }
    // At most one new id per live position.
    cnt_next.clear();
    cnt_next.resize(live_r.len() + live_h.len(), [0, 0]);
    let mut next = 0u32;
    for e in live_r.iter_mut() {
        let id = lookup(e.1, seq[e.0 as usize + n], next);
        next += u32::from(id == next);
        cnt_next[id as usize][1] += 1;
        e.1 = id;
    }
    let mut m = 0i64;
    let mut w = 0usize;
    for j in 0..live_h.len() {
        let (i, g) = live_h[j];
        let id = lookup(g, seq[i as usize + n], next);
        next += u32::from(id == next);
        let c = &mut cnt_next[id as usize];
        c[0] += 1;
        m += i64::from(c[0] <= c[1]);
        live_h[w] = (i, id);
        w += usize::from((c[1] != 0) & (i as usize + n + 1 < h_end));
    }
    live_h.truncate(w);
    cnt_next.truncate(next as usize);
    m
}

/// Per-thread buffers reused across segments (cleared, never shrunk).
#[derive(Default)]
struct BleuScratch {
    interner: SpanInterner,
    tmp: String,
    line_ends: Vec<usize>,
    engine: NgramEngine,
}

thread_local! {
    static BLEU_SCRATCH: RefCell<BleuScratch> = RefCell::new(BleuScratch::default());
}

/// sacrebleu `BLEU._preprocess_segment` then `split()`: appends the tokens of `line` as spans.
fn push_tokens(cfg: &BleuConfig, line: &str, it: &mut SpanInterner, tmp: &mut String) {
    let lowered;
    let line = if cfg.lowercase {
        lowered = py_lower(line);
        &*lowered
    } else {
        line
    };
    let line = py_rstrip(line);
    let base = it.text.len();
    if cfg.tokenizer == Tokenizer::Thirteen {
        let first = it.spans.len();
        it.text.extend_from_slice(line.as_bytes());
        let mut found = spans_13a(&it.text[base..], base, &mut it.spans);
        if found.rewrite {
            // The scan saw a byte 13a's replacements look at: tokenize the rewritten line instead.
            it.text.truncate(base);
            it.spans.truncate(first);
            it.text.extend_from_slice(rewrite_13a(line).as_bytes());
            found = spans_13a(&it.text[base..], base, &mut it.spans);
        }
        if found.non_ascii {
            // Non-ASCII: split the spans again at Unicode whitespace (str.split()).
            let raw: Vec<(usize, usize)> = it.spans.drain(first..).collect();
            for (a, b) in raw {
                match std::str::from_utf8(&it.text[a..b]) {
                    Ok(tok) => {
                        for piece in py_split(tok) {
                            let off = piece.as_ptr() as usize - tok.as_ptr() as usize;
                            it.spans.push((a + off, a + off + piece.len()));
                        }
                    }
                    Err(_) => it.spans.push((a, b)),
                }
            }
        }
    } else {
        cfg.tokenizer.tokenize(line, tmp);
        it.text.extend_from_slice(tmp.as_bytes());
        for tok in py_split(tmp) {
            it.push_sub(tmp, base, tok);
        }
    }
}

/// Writes the statistics of one segment (`out.len() == cfg.n_stats()`).
/// `refs` must not be empty (sacrebleu fails on a segment without references).
pub fn segment_stats(cfg: &BleuConfig, hyp: &str, refs: &[&str], out: &mut [i64]) {
    BLEU_SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut sc) => segment_stats_with(cfg, hyp, refs, out, &mut sc),
        Err(_) => segment_stats_with(cfg, hyp, refs, out, &mut BleuScratch::default()),
    })
}

fn segment_stats_with(
    cfg: &BleuConfig,
    hyp: &str,
    refs: &[&str],
    out: &mut [i64],
    sc: &mut BleuScratch,
) {
    let n_max = cfg.max_order;
    let BleuScratch {
        interner,
        tmp,
        line_ends,
        engine,
    } = sc;
    interner.clear();
    line_ends.clear();
    for line in std::iter::once(hyp).chain(refs.iter().copied()) {
        push_tokens(cfg, line, interner, tmp);
        line_ends.push(interner.spans.len());
    }
    engine.clear();
    let vocab = interner.intern(&mut engine.seq);
    engine.sides.extend_from_slice(line_ends);

    let hyp_len = line_ends[0];
    out[0] = hyp_len as i64;
    out[1] = closest_ref_len(hyp_len, line_ends.windows(2).map(|w| w[1] - w[0]));
    for n in 1..=n_max {
        out[1 + n + n_max] = ngram_total(hyp_len, n) as i64;
    }
    engine.max_ref_matches(vocab, &mut out[2..2 + n_max]);
}

/// The outcome of sacrebleu `BLEU.compute_bleu`.
#[derive(Debug, Clone, PartialEq)]
pub struct BleuScore {
    pub score: f64,
    /// `correct` after sacrebleu's smoothing touched it (add-k adds k to orders > 1).
    pub counts: Vec<f64>,
    pub totals: Vec<f64>,
    pub precisions: Vec<f64>,
    pub bp: f64,
    pub sys_len: i64,
    pub ref_len: i64,
}

/// sacrebleu `BLEU.compute_bleu`, same operations in the same order (bleu.py L212-293).
/// `stats` is one (summed) vector `[sys_len, ref_len, correct_1..n, total_1..n]`.
pub fn compute_bleu(stats: &[i64], sc: &BleuScoring) -> Result<BleuScore> {
    let n_max = sc.max_order;
    if stats.len() != 2 + 2 * n_max {
        return Err(MetricError::value(format!(
            "BLEU statistics must have 2 + 2 * max_ngram_order = {} values, got {}",
            2 + 2 * n_max,
            stats.len()
        )));
    }
    let (sys_len, ref_len) = (stats[0], stats[1]);
    let mut correct: Vec<f64> = stats[2..2 + n_max].iter().map(|&c| c as f64).collect();
    let mut total: Vec<f64> = stats[2 + n_max..].iter().map(|&t| t as f64).collect();

    let mut bp = 1.0;
    if sys_len < ref_len {
        bp = if sys_len > 0 {
            (1.0 - ref_len as f64 / sys_len as f64).exp()
        } else {
            0.0
        };
    }
    let mut precisions = vec![0.0f64; n_max];

    // Early stop if there are no matches (sacrebleu #141).
    if stats[2..2 + n_max].iter().all(|&c| c == 0) {
        return Ok(BleuScore {
            score: 0.0,
            counts: correct,
            totals: total,
            precisions,
            bp,
            sys_len,
            ref_len,
        });
    }

    let k = sc.smooth_value;
    let mut smooth_mteval = 1.0f64;
    let mut eff_order = n_max;
    for n in 1..=n_max {
        let i = n - 1;
        if sc.smooth == Smooth::AddK && n > 1 {
            // sacrebleu adds k even to orders the hypothesis does not have.
            correct[i] += k;
            total[i] += k;
        }
        if total[i] == 0.0 {
            break;
        }
        if sc.effective_order {
            eff_order = n;
        }
        if correct[i] == 0.0 {
            match sc.smooth {
                Smooth::Exp => {
                    smooth_mteval *= 2.0;
                    precisions[i] = 100.0 / (smooth_mteval * total[i]);
                }
                Smooth::Floor => precisions[i] = 100.0 * k / total[i],
                Smooth::None | Smooth::AddK => {}
            }
        } else {
            precisions[i] = 100.0 * correct[i] / total[i];
        }
    }

    let log_sum = python_float_sum(
        precisions[..eff_order]
            .iter()
            .map(|&p| if p == 0.0 { MY_LOG_ZERO } else { p.ln() }),
        PY_SUM_COMPENSATED.load(Ordering::Relaxed),
    );
    let score = bp * (log_sum / eff_order as f64).exp();
    Ok(BleuScore {
        score,
        counts: correct,
        totals: total,
        precisions,
        bp,
        sys_len,
        ref_len,
    })
}

/// Sentence BLEU of one segment: its own statistics through `compute_bleu`.
pub fn sentence_bleu(cfg: &BleuConfig, sc: &BleuScoring, hyp: &str, refs: &[&str]) -> Result<f64> {
    let mut stats = vec![0i64; cfg.n_stats()];
    segment_stats(cfg, hyp, refs, &mut stats);
    Ok(compute_bleu(&stats, sc)?.score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(tok: &str, hyp: &str, refs: &[&str]) -> Vec<i64> {
        let cfg = BleuConfig::new(tok, false, 4).unwrap();
        let mut out = vec![0; cfg.n_stats()];
        segment_stats(&cfg, hyp, refs, &mut out);
        out
    }

    fn score(stats: &[i64], smooth: &str, value: Option<f64>, eff: bool) -> f64 {
        compute_bleu(stats, &BleuScoring::new(smooth, value, eff, 4).unwrap())
            .unwrap()
            .score
    }

    #[test]
    fn python_float_sum_matches_cpython() {
        // sum([1e16, 1.0, -1e16]) and the log precisions of one pair: 3.11 vs 3.12/3.13 results.
        let xs = [1e16, 1.0, -1e16];
        assert_eq!(python_float_sum(xs.into_iter(), false), 0.0);
        assert_eq!(python_float_sum(xs.into_iter(), true), 1.0);
        let p = [
            52.0f64,
            21.73913043478261,
            9.090909090909092,
            2.380952380952381,
        ];
        let logs = || p.iter().map(|x| x.ln());
        assert_eq!(python_float_sum(logs(), false), 10.105133081968916);
        assert_eq!(python_float_sum(logs(), true), 10.105133081968914);
    }

    #[test]
    fn sacrebleu_vectors() {
        // research note section 3.4/3.5 and sacrebleu test_bleu.py
        let s = stats("none", "a b c", &["a b d"]);
        assert_eq!(score(&s, "exp", None, false), 0.0);
        assert_eq!(score(&s, "exp", None, true), 55.03212081491043);
        assert_eq!(score(&s, "floor", None, true), 32.182979486854336);
        assert_eq!(score(&s, "add-k", None, true), 68.65890479690394);
        assert_eq!(score(&s, "none", None, true), 0.0);
        let s = stats(
            "13a",
            "the cat sat on the mat. It was happy.",
            &["the cat\tsat\non the mat.\nIt was happy."],
        );
        assert_eq!(score(&s, "exp", None, false), 100.00000000000004);
        let s = stats(
            "13a",
            "am I am a character sequence",
            &["I am a symbol string sequence a a"],
        );
        assert_eq!(&s[2..], &[4, 2, 1, 0, 6, 5, 4, 3]);
    }

    #[test]
    fn closest_ties_shorter() {
        assert_eq!(closest_ref_len(5, [7, 3]), 3);
        assert_eq!(closest_ref_len(5, [3, 7]), 3);
        assert_eq!(closest_ref_len(5, [6, 4, 5]), 5);
    }

    /// The straightforward statistics: regex-faithful tokenizer, `str.split()`, n-gram counts
    /// keyed by token slices, clipped against the max over references (sacrebleu's algorithm).
    fn oracle(cfg: &BleuConfig, hyp: &str, refs: &[&str]) -> Vec<i64> {
        use std::collections::HashMap;
        let toks = |s: &str| -> Vec<String> {
            let mut buf = String::new();
            cfg.tokenizer.preprocess(s, cfg.lowercase, &mut buf);
            py_split(&buf).map(str::to_owned).collect()
        };
        let counts = |t: &[String], n: usize| {
            let mut m: HashMap<Vec<String>, i64> = HashMap::new();
            for w in t.windows(n) {
                *m.entry(w.to_vec()).or_default() += 1;
            }
            m
        };
        let h = toks(hyp);
        let rs: Vec<Vec<String>> = refs.iter().map(|r| toks(r)).collect();
        let n_max = cfg.max_order;
        let mut out = vec![0i64; cfg.n_stats()];
        out[0] = h.len() as i64;
        out[1] = closest_ref_len(h.len(), rs.iter().map(Vec::len));
        for n in 1..=n_max {
            let hc = counts(&h, n);
            let mut best: HashMap<Vec<String>, i64> = HashMap::new();
            for r in &rs {
                for (g, c) in counts(r, n) {
                    let e = best.entry(g).or_default();
                    *e = (*e).max(c);
                }
            }
            out[1 + n] = hc
                .iter()
                .map(|(g, &c)| c.min(best.get(g).copied().unwrap_or(0)))
                .sum();
            out[1 + n + n_max] = ngram_total(h.len(), n) as i64;
        }
        out
    }

    fn fast(cfg: &BleuConfig, hyp: &str, refs: &[&str]) -> Vec<i64> {
        let mut out = vec![0i64; cfg.n_stats()];
        segment_stats(cfg, hyp, refs, &mut out);
        out
    }

    // Characters that exercise every 13a rule, whitespace kinds and non-ASCII letters/spaces.
    // The second alternative: 13a's replacements (entities, `<skipped>`, line breaks).
    const ALPHABET: &str = "[ab1.,\\-&<;:'\"( \t\n\u{a0}\u{3000}\u{1c}é中ΣA]{0,24}|(&quot;|&amp;|&lt;|&gt;|&|<|<skipped>|-\n|\n|a|1|\\.|,| |-){0,10}";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(3000)))]
        #[test]
        fn matches_oracle(
            hyp in ALPHABET,
            refs in proptest::collection::vec(ALPHABET, 1..4),
            tok in 0usize..5,
            lc in proptest::prelude::any::<bool>(),
            order in 1usize..6,
        ) {
            let name = ["13a", "intl", "zh", "char", "none"][tok];
            let cfg = BleuConfig::new(name, lc, order).unwrap();
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(fast(&cfg, &hyp, &refs), oracle(&cfg, &hyp, &refs));
        }

    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(100)))]
        #[test]
        fn fuzz_bleu_matches_oracle(
            hyp in crate::fuzz::fuzz_text(),
            refs in proptest::collection::vec(crate::fuzz::fuzz_text(), 1..4),
            tok in 0usize..5,
            lc in proptest::prelude::any::<bool>(),
            order in proptest::prop_oneof![1usize..7, 7usize..=crate::ngram::MAX_ORDER],
        ) {
            let cfg = BleuConfig::new(crate::fuzz::TOKENIZERS[tok], lc, order).unwrap();
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            let stats = fast(&cfg, &hyp, &refs);
            proptest::prop_assert_eq!(&stats, &oracle(&cfg, &hyp, &refs));
            for sm in ["exp", "floor", "add-k", "none"] {
                let sc = BleuScoring::new(sm, None, true, order).unwrap();
                let s = compute_bleu(&stats, &sc).unwrap().score;
                // exp(ln(100)) may land one ulp above 100, as in sacrebleu.
                proptest::prop_assert!(s.is_finite() && (0.0..=100.0 + 1e-9).contains(&s), "{} {}", sm, s);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(3000)))]
        #[test]
        fn thirteen_a_spans_match_regexes(
            line in "[ab1.,\\-&<;\"( \t\n\u{a0}é]{0,40}|.{0,30}|(&quot;|&amp;|&lt;|&gt;|&|<|<skipped>|-\n|\n|a|1|\\.|,| |-|é){0,16}|([a-zA-Z'\u{1}\u{7f}]{0,19}[ .,\\-1&é]{0,2}){0,8}"
        ) {
            let cfg = BleuConfig::new("13a", false, 4).unwrap();
            let mut it = SpanInterner::default();
            let mut tmp = String::new();
            push_tokens(&cfg, &line, &mut it, &mut tmp);
            let got: Vec<&[u8]> = it.spans.iter().map(|&(a, b)| &it.text[a..b]).collect();
            let want = Tokenizer::Thirteen.tokenize_joined(&line, false);
            let want: Vec<&[u8]> = py_split(&want).map(str::as_bytes).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(2000)))]
        /// The packed-key interner against byte-slice keys: spans of every length around the
        /// 8-byte key (NUL bytes too, which the zero padding of short keys must not confuse).
        #[test]
        fn interner_matches_byte_keys(
            text in proptest::collection::vec(proptest::sample::select(vec![0u8, b'a', b'b', 0xff]), 0..64),
            cuts in proptest::collection::vec((0usize..64, 0usize..20), 0..200),
        ) {
            use std::collections::HashMap;
            let mut it = SpanInterner {
                text: text.clone(),
                ..Default::default()
            };
            for &(a, l) in &cuts {
                let a = a.min(text.len());
                it.spans.push((a, (a + l).min(text.len())));
            }
            let mut want = Vec::new();
            let mut ids: HashMap<&[u8], u32> = HashMap::new();
            for &(a, b) in &it.spans {
                let n = ids.len() as u32;
                want.push(*ids.entry(&text[a..b]).or_insert(n));
            }
            let mut got = Vec::new();
            // twice: the second round runs on a table left over from the first (stamps)
            for _ in 0..2 {
                got.clear();
                let vocab = it.intern(&mut got);
                proptest::prop_assert_eq!(&got, &want);
                proptest::prop_assert_eq!(vocab, ids.len());
                proptest::prop_assert_eq!(&it.text, &text);
            }
        }
    }

    #[test]
    fn long_segments_use_the_hash_table_path() {
        // 3000 distinct tokens: grams * vocabulary exceeds DENSE_LIMIT at order 2.
        let hyp: Vec<String> = (0..3000).map(|i| format!("w{}", i % 2900)).collect();
        let r: Vec<String> = (0..3000).map(|i| format!("w{}", (i * 7) % 2950)).collect();
        let (hyp, r) = (hyp.join(" "), r.join(" "));
        let cfg = BleuConfig::new("13a", false, 4).unwrap();
        assert_eq!(
            fast(&cfg, &hyp, &[&r, &hyp]),
            oracle(&cfg, &hyp, &[&r, &hyp])
        );
        assert_eq!(fast(&cfg, &hyp, &[&r]), oracle(&cfg, &hyp, &[&r]));
    }
}
