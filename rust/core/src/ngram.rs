//! The n-gram machinery shared by ROUGE-N, BLEU and chrF: order checks, the span interner and
//! matching engine of BLEU / chrF (dense ids, one table lookup per position and order), and the
//! hash-map n-gram counts of ROUGE-N.

use rustc_hash::FxHashMap;

use crate::error::{MetricError, Result};

/// Largest n-gram order accepted for BLEU `max_ngram_order` and chrF `char_order`/`word_order`.
/// Orders longer than every input are still valid (they count no n-grams); this bound only keeps
/// the per-pair statistics (`2 + 2n` or `3n` integers) from being sized by an unchecked argument.
pub const MAX_ORDER: usize = 256;

/// Checks an n-gram order option against `min..=MAX_ORDER`, naming it in the error.
pub fn check_order(name: &str, value: usize, min: usize) -> Result<usize> {
    if value < min || value > MAX_ORDER {
        return Err(MetricError::value(format!(
            "{name} must be between {min} and {MAX_ORDER}, got {value}"
        )));
    }
    Ok(value)
}

/// Counts of the n-grams of one sequence, keyed by the id slice.
pub type NgramCounts<'s> = FxHashMap<&'s [u32], u32>;

/// Counts the `n`-grams of `ids` into `out` (cleared first). No n-grams when `ids.len() < n`.
pub fn count_ngrams<'s>(ids: &'s [u32], n: usize, out: &mut NgramCounts<'s>) {
    out.clear();
    if n == 0 || ids.len() < n {
        return;
    }
    for w in ids.windows(n) {
        *out.entry(w).or_insert(0) += 1;
    }
}

/// Number of n-grams in a sequence of `len` tokens: `max(0, len - n + 1)`.
pub fn ngram_total(len: usize, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (len + 1).saturating_sub(n)
    }
}

/// Clipped overlap `sum_g min(a[g], b[g])`.
pub fn clipped_overlap(a: &NgramCounts<'_>, b: &NgramCounts<'_>) -> u64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .map(|(g, &c)| u64::from(c.min(large.get(g).copied().unwrap_or(0))))
        .sum()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_overlap() {
        // the=0, cat=1
        let a = [0u32, 0, 0, 1];
        let b = [0u32, 1, 0];
        let (mut ca, mut cb) = (NgramCounts::default(), NgramCounts::default());
        count_ngrams(&a, 1, &mut ca);
        count_ngrams(&b, 1, &mut cb);
        assert_eq!(clipped_overlap(&ca, &cb), 3);
        count_ngrams(&a, 2, &mut ca);
        count_ngrams(&b, 2, &mut cb);
        // bigrams: a has (the,the)x2 (the,cat); b has (the,cat) (cat,the).
        assert_eq!(clipped_overlap(&ca, &cb), 1);
        assert_eq!(ngram_total(3, 4), 0);
        assert_eq!(ngram_total(4, 4), 1);
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
}
