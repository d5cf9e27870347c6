//! ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as rouge-score 0.1.2 computes them.
//!
//! Per scored group (one prediction and its references) tokens are interned into dense local ids;
//! rouge-N counts n-grams over packed id keys (sorted and merged), rougeL uses the bit-parallel LCS
//! length, rougeLsum the bit-parallel union-LCS with the reference's backtrack tie-breaking.
//! Scratch space lives in a per-thread cache, so scoring a batch allocates almost nothing per pair.

use std::borrow::Borrow;
use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::error::{MetricError, Result};
use crate::interrupt;
use crate::lcs::{lcs_len, LcsScratch};
use crate::ngram::{clipped_overlap, count_ngrams, NgramCounts};
use crate::porter;
use crate::rouge_tokenize::{
    is_valid_token, scan_profile_tokens, scan_tokens, short_bytes, short_key, Event,
};

pub use crate::rouge_tokenize::Profile;

/// The scorer options that change the tokens: rouge-score's `use_stemmer` and the tokenizer
/// profile (`Profile::Default` is rouge-score's own tokenizer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RougeOptions {
    pub use_stemmer: bool,
    pub tokenizer: Profile,
}

impl RougeOptions {
    /// rouge-score's tokenizer, stemmed or not.
    pub fn stemmed(use_stemmer: bool) -> Self {
        Self {
            use_stemmer,
            tokenizer: Profile::Default,
        }
    }
}

/// Distinct rouge types: rouge1..rouge9, rougeL, rougeLsum.
pub const MAX_TYPES: usize = 11;

/// A rouge type as rouge-score names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RougeType {
    /// `rougeN`: clipped n-gram overlap, `1 <= n <= 9`.
    N(u8),
    /// `rougeL`: LCS of the whole token sequences.
    L,
    /// `rougeLsum`: summary-level union LCS over sentences.
    Lsum,
}

impl RougeType {
    /// Parses a type the way `RougeScorer.score` dispatches it (`re.match(r"rouge[0-9]$", t)`,
    /// whose `$` also matches before one trailing newline).
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "rougeL" => return Ok(RougeType::L),
            "rougeLsum" => return Ok(RougeType::Lsum),
            _ => {}
        }
        let core = name.strip_suffix('\n').unwrap_or(name);
        let b = core.as_bytes();
        if b.len() == 6 && core.starts_with("rouge") && b[5].is_ascii_digit() {
            let n = b[5] - b'0';
            if n == 0 {
                return Err(MetricError::value(format!(
                    "rougen requires positive n: {name}"
                )));
            }
            return Ok(RougeType::N(n));
        }
        Err(MetricError::value(format!(
            "Invalid rouge type: {name:?} (valid: rouge1..rouge9, rougeL, rougeLsum)"
        )))
    }
}

/// Precision, recall and F of one rouge type for one pair.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub fmeasure: f64,
    /// rouge-score returns the ints `Score(0, 0, 0)` here (rougeL/rougeLsum with an empty side).
    pub int_zero: bool,
}

/// rouge-score's `scoring.fmeasure`: `2 * P * R / (P + R)`, evaluated left to right in f64.
#[inline]
pub fn fmeasure(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

#[inline]
fn prf(hits: u64, pred_total: u64, ref_total: u64) -> Score {
    let precision = hits as f64 / pred_total.max(1) as f64;
    let recall = hits as f64 / ref_total.max(1) as f64;
    Score {
        precision,
        recall,
        fmeasure: fmeasure(precision, recall),
        int_zero: false,
    }
}

const INT_ZERO: Score = Score {
    precision: 0.0,
    recall: 0.0,
    fmeasure: 0.0,
    int_zero: true,
};

/// Text handed to the scorer, or tokens from a caller-side tokenizer (used verbatim).
pub enum Piece<S> {
    /// Tokenized here by the default tokenizer (stemmed when asked).
    Text(S),
    /// Tokens used as they are: no lowercasing, filtering or stemming.
    Tokens(Vec<S>),
}

/// One side of a pair.
pub enum Doc<S> {
    /// Raw text: default tokenizer; rougeLsum sentences are its `"\n"`-separated lines.
    Text(S),
    /// Pre-tokenized or pre-split parts: `whole` feeds rougeN/rougeL, `sents` feeds rougeLsum.
    /// Either may be `None` when no requested type needs it.
    Parts {
        whole: Option<Piece<S>>,
        sents: Option<Vec<Piece<S>>>,
    },
}

/// The scores of one prediction against its references, one per requested type.
#[derive(Clone, Copy, Debug, Default)]
pub struct GroupScores {
    pub scores: [Score; MAX_TYPES],
    pub len: usize,
}

impl GroupScores {
    pub fn as_slice(&self) -> &[Score] {
        &self.scores[..self.len]
    }
}

const DROP: u32 = u32::MAX;
/// Global ids kept per thread before the vocabulary is reset (bounds memory on huge corpora).
const VOCAB_LIMIT: usize = 1 << 21;

/// Open-addressing map from a non-zero `u128` key to a `u32` (linear probing, load <= 1/2):
/// one multiply and usually one comparison per lookup, on the hottest path (one per token).
#[derive(Default)]
struct U128Map {
    slots: Vec<(u128, u32)>,
    len: usize,
}

impl U128Map {
    #[inline]
    fn slot(&self, key: u128) -> usize {
        let h = ((key as u64) ^ ((key >> 64) as u64).rotate_left(29))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 32) as usize & (self.slots.len() - 1)
    }
    #[inline]
    fn get(&self, key: u128) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        loop {
            let (k, v) = self.slots[i];
            if k == key {
                return Some(v);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }
    fn insert(&mut self, key: u128, val: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            self.slots = vec![(0, 0); (old.len() * 2).max(1024)];
            self.len = 0;
            for (k, v) in old {
                if k != 0 {
                    self.insert(k, v);
                }
            }
        }
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        while self.slots[i].0 != 0 && self.slots[i].0 != key {
            i = (i + 1) & mask;
        }
        if self.slots[i].0 == 0 {
            self.len += 1;
        }
        self.slots[i] = (key, val);
    }
}

/// Per-thread token vocabulary: token bytes -> global id, and raw token -> id of its stem.
/// Tokens of at most 16 bytes without NUL (nearly all) are keyed by their zero-padded bytes as a
/// `u128`; longer ones by their bytes.
#[derive(Default)]
struct Vocab {
    short: U128Map,
    long: FxHashMap<Box<[u8]>, u32>,
    short_stems: U128Map,
    long_stems: FxHashMap<Box<[u8]>, u32>,
}

impl Vocab {
    fn len(&self) -> usize {
        self.short.len + self.long.len()
    }

    /// Id of a short token by its `u128` key (the hot path: one probe on a hit).
    #[inline(always)]
    fn short_id(&mut self, k: u128) -> u32 {
        match self.short.get(k) {
            Some(g) => g,
            None => self.new_short(k),
        }
    }

    #[cold]
    #[inline(never)]
    fn new_short(&mut self, k: u128) -> u32 {
        let g = self.len() as u32;
        self.short.insert(k, g);
        g
    }

    /// Id of a token longer than 16 bytes or containing NUL, by its bytes.
    #[cold]
    #[inline(never)]
    fn long_id(&mut self, tok: &[u8]) -> u32 {
        if let Some(&g) = self.long.get(tok) {
            return g;
        }
        let g = self.len() as u32;
        self.long.insert(tok.into(), g);
        g
    }

    /// Id of any token.
    #[inline]
    fn id(&mut self, tok: &[u8]) -> u32 {
        match short_key(tok) {
            Some(k) => self.short_id(k),
            None => self.long_id(tok),
        }
    }

    /// Id of a short default-tokenizer token after rouge-score's stemming step: the id of its
    /// Porter stem, or `DROP` if the stem is not `^[a-z0-9]+$` (the reference filters after
    /// stemming); tokens of at most 3 characters are not stemmed and keep their own id. Cached
    /// (`stem` is pure), one lookup for every token whatever its length.
    #[inline(always)]
    fn stem_short(&mut self, k: u128) -> u32 {
        match self.short_stems.get(k) {
            Some(g) => g,
            None => self.new_stem_short(k),
        }
    }

    #[cold]
    #[inline(never)]
    fn new_stem_short(&mut self, k: u128) -> u32 {
        let (arr, n) = short_bytes(k);
        // rouge-score stems only tokens longer than 3 characters.
        let g = if n > 3 {
            self.stem_uncached(&arr[..n])
        } else {
            self.short_id(k)
        };
        self.short_stems.insert(k, g);
        g
    }

    /// `stem_short` for a long token (by its bytes).
    #[cold]
    #[inline(never)]
    fn stem_long(&mut self, tok: &[u8]) -> u32 {
        if let Some(&g) = self.long_stems.get(tok) {
            return g;
        }
        let g = self.stem_uncached(tok);
        self.long_stems.insert(tok.into(), g);
        g
    }

    fn stem_uncached(&mut self, tok: &[u8]) -> u32 {
        match std::str::from_utf8(tok) {
            // Only ASCII letter/digit tokens are stemmed (the default tokenizer makes no other).
            Ok(s) if !is_valid_token(s) => self.id(tok),
            Ok(s) => {
                let st = porter::stem(s);
                if is_valid_token(&st) {
                    self.id(st.as_bytes())
                } else {
                    DROP
                }
            }
            Err(_) => DROP,
        }
    }
}

/// Global id -> dense id local to the current group (generation-stamped, never cleared).
#[derive(Default)]
struct LocalIds {
    /// `(generation, local id)` per global id: one load per lookup.
    slots: Vec<(u32, u32)>,
    gen: u32,
    k: u32,
}

impl LocalIds {
    fn begin(&mut self) {
        self.k = 0;
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.slots.iter_mut().for_each(|s| s.0 = 0);
            self.gen = 1;
        }
    }
    #[cold]
    #[inline(never)]
    fn grow(&mut self, g: usize) {
        let n = (g + 1).max(self.slots.len() * 2).max(1024);
        self.slots.resize(n, (0, 0));
    }
    /// Branch-free: whether a token is new to the group is unpredictable.
    #[inline(always)]
    fn of(&mut self, gid: u32) -> u32 {
        let g = gid as usize;
        if g >= self.slots.len() {
            self.grow(g);
        }
        let (gen, k) = (self.gen, self.k);
        let slot = &mut self.slots[g];
        let new = slot.0 != gen;
        let local = if new { k } else { slot.1 };
        *slot = (gen, local);
        self.k = k + u32::from(new);
        local
    }
}

/// A tokenized side: whole-text ids and sentence ids with sentence end offsets.
#[derive(Default)]
struct TokDoc {
    whole: Vec<u32>,
    sents: Vec<u32>,
    ends: Vec<u32>,
    /// Raw text: the sentences are the whole-text tokens cut at newlines.
    sents_are_whole: bool,
}

impl TokDoc {
    fn clear(&mut self) {
        self.whole.clear();
        self.sents.clear();
        self.ends.clear();
        self.sents_are_whole = false;
    }
    fn sent_tokens(&self) -> &[u32] {
        if self.sents_are_whole {
            &self.whole
        } else {
            &self.sents
        }
    }
    /// Non-empty sentences (empty ones contribute nothing to the union LCS).
    fn sentences(&self) -> impl Iterator<Item = &[u32]> {
        let toks = self.sent_tokens();
        let mut start = 0usize;
        self.ends.iter().filter_map(move |&e| {
            let e = e as usize;
            let s = &toks[start..e];
            start = e;
            (!s.is_empty()).then_some(s)
        })
    }
}

#[derive(Default)]
struct Scratch {
    vocab: Vocab,
    locals: LocalIds,
    buf: Vec<u8>,
    keys: Vec<u128>,
    longs: Vec<u32>,
    pred: TokDoc,
    refd: TokDoc,
    ngrams: NgramScratch,
    lcs: LcsScratch,
    idx: Vec<u32>,
    marks: Vec<bool>,
    cnt_r: Vec<u32>,
    cnt_c: Vec<u32>,
    sent_index: SentIndex,
}

/// Calls `f` on the prediction sentences that may share an LCS with reference sentence `r`
/// (number `ri`): all of them, or with `indexed` only those holding one of its tokens, each once,
/// in no particular order (the union does not depend on it), until `f` returns true.
fn visit_candidates(
    pred: &TokDoc,
    ix: &mut SentIndex,
    indexed: bool,
    r: &[u32],
    ri: u32,
    mut f: impl FnMut(&[u32]) -> bool,
) -> Result<()> {
    if !indexed {
        // At most `LSUM_INDEX_MIN_SENTS` sentences: no stop check needed inside.
        for c in pred.sentences() {
            if f(c) {
                break;
            }
        }
        return Ok(());
    }
    let toks = pred.sent_tokens();
    // When `r`'s tokens are in most sentences anyway, a plain scan beats the index lookups.
    let listed: usize = r
        .iter()
        .map(|&t| (ix.post_start[t as usize + 1] - ix.post_start[t as usize]) as usize)
        .sum();
    if listed >= ix.sents.len() / 2 {
        for block in ix.sents.chunks(1024) {
            interrupt::check()?;
            for &(x, y) in block {
                if f(&toks[x as usize..y as usize]) {
                    return Ok(());
                }
            }
        }
        return Ok(());
    }
    let mut visited = 0usize;
    for &t in r {
        let t = t as usize;
        let (a, b) = (ix.post_start[t] as usize, ix.post_start[t + 1] as usize);
        for &si in &ix.post[a..b] {
            let seen = &mut ix.seen[si as usize];
            if *seen == ri {
                continue;
            }
            *seen = ri;
            visited += 1;
            if visited.is_multiple_of(1024) {
                interrupt::check()?;
            }
            let (x, y) = ix.sents[si as usize];
            if f(&toks[x as usize..y as usize]) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Above this many prediction sentences, rougeLsum looks candidates up by token (`SentIndex`).
const LSUM_INDEX_MIN_SENTS: usize = 8;

/// Inverted index of the prediction's sentences (reused buffers).
#[derive(Default)]
struct SentIndex {
    /// Non-empty sentences as token ranges of `sent_tokens()`.
    sents: Vec<(u32, u32)>,
    /// CSR postings: token -> sentences holding it.
    post_start: Vec<u32>,
    post: Vec<u32>,
    /// Last sentence seen per token (dedup while building).
    last: Vec<u32>,
    /// Last reference sentence that visited each prediction sentence (each visited once).
    seen: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Sentinels in the key stream: short-token keys hold only letters/digits, so never 0 or 1.
const LONG_KEY: u128 = 0;
const NEWLINE_KEY: u128 = 1;

/// A sentence ends at a newline unless it would be empty.
#[cold]
fn newline_end(ends: &mut Vec<u32>, len: usize) {
    if ends.last().map_or(0, |&x| x as usize) != len {
        ends.push(len as u32);
    }
}

struct Tokenizing<'a> {
    vocab: &'a mut Vocab,
    keys: &'a mut Vec<u128>,
    longs: &'a mut Vec<u32>,
    locals: &'a mut LocalIds,
    buf: &'a mut Vec<u8>,
    stem: bool,
    profile: Profile,
}

impl Tokenizing<'_> {
    /// Tokenizes `text` into `out`; pushes an end offset at each newline into `ends`.
    /// Two passes: the scanner only collects keys (long tokens and newlines as sentinels), then
    /// a tight loop interns them, so neither loop calls out per token.
    fn text(&mut self, text: &str, out: &mut Vec<u32>, mut ends: Option<&mut Vec<u32>>) {
        let (vocab, stem) = (&mut *self.vocab, self.stem);
        let (keys, longs) = (&mut *self.keys, &mut *self.longs);
        keys.clear();
        longs.clear();
        let mut sink = |ev: Event<'_>| match ev {
            Event::Short(k) => keys.push(k),
            Event::Long(t) => {
                keys.push(LONG_KEY);
                longs.push(if stem {
                    vocab.stem_long(t)
                } else {
                    vocab.long_id(t)
                });
            }
            Event::Newline => keys.push(NEWLINE_KEY),
        };
        // The default profile calls its scanner directly: the hot path stays as it was.
        if self.profile == Profile::Default {
            scan_tokens(text, self.buf, ends.is_some(), &mut sink);
        } else {
            scan_profile_tokens(self.profile, text, self.buf, ends.is_some(), &mut sink);
        }
        let locals = &mut *self.locals;
        let mut longs = longs.iter();
        for &k in keys.iter() {
            let g = if k > NEWLINE_KEY {
                if stem {
                    vocab.stem_short(k)
                } else {
                    vocab.short_id(k)
                }
            } else if k == LONG_KEY {
                longs.next().copied().unwrap_or(DROP)
            } else {
                if let Some(e) = ends.as_deref_mut() {
                    newline_end(e, out.len());
                }
                continue;
            };
            if g != DROP {
                out.push(locals.of(g));
            }
        }
    }

    fn piece<S: AsRef<str>>(&mut self, p: &Piece<S>, out: &mut Vec<u32>) {
        match p {
            Piece::Text(s) => self.text(s.as_ref(), out, None),
            Piece::Tokens(toks) => {
                for t in toks {
                    let g = self.vocab.id(t.as_ref().as_bytes());
                    out.push(self.locals.of(g));
                }
            }
        }
    }

    fn doc<S: AsRef<str>>(&mut self, d: &Doc<S>, need: Need, out: &mut TokDoc) -> Result<()> {
        out.clear();
        match d {
            Doc::Text(s) => {
                let mut ends = std::mem::take(&mut out.ends);
                self.text(s.as_ref(), &mut out.whole, need.sents.then_some(&mut ends));
                ends.push(out.whole.len() as u32);
                out.ends = ends;
                out.sents_are_whole = true;
            }
            Doc::Parts { whole, sents } => {
                if need.whole {
                    let w = whole.as_ref().ok_or_else(|| {
                        MetricError::value("whole-text tokens are missing for rougeN/rougeL")
                    })?;
                    self.piece(w, &mut out.whole);
                }
                if need.sents {
                    let ss = sents
                        .as_ref()
                        .ok_or_else(|| MetricError::value("sentences are missing for rougeLsum"))?;
                    for p in ss {
                        self.piece(p, &mut out.sents);
                        out.ends.push(out.sents.len() as u32);
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
struct Need {
    whole: bool,
    sents: bool,
}

/// Key spaces up to this size are counted in a flat array (1 MiB of `u32` per thread).
const DENSE_NGRAM_KEYS: u64 = 1 << 18;

/// Reusable n-gram counting state.
#[derive(Default)]
struct NgramScratch {
    dense: Vec<u32>,
    hashed: FxHashMap<u64, u32>,
}

/// Calls `f` with the exact mixed-radix key `sum ids[i+j] * k^(n-1-j)` of every n-gram
/// (`k^n` fits in u64; wrapping arithmetic is exact modulo 2^64 and the true key is below it).
#[inline]
fn for_each_key(ids: &[u32], n: usize, k: u64, kn: u64, mut f: impl FnMut(u64)) {
    let mut key = 0u64;
    for (i, &id) in ids.iter().enumerate() {
        key = key.wrapping_mul(k).wrapping_add(u64::from(id));
        if i >= n {
            key = key.wrapping_sub(u64::from(ids[i - n]).wrapping_mul(kn));
        }
        if i + 1 >= n {
            f(key);
        }
    }
}

/// Takes one remaining count of `key` if any (branch-free: hits are unpredictable). Returns 0 or 1.
#[inline(always)]
fn take_one(dense: &mut [u32], key: u64) -> u64 {
    let c = &mut dense[key as usize];
    let h = u32::from(*c > 0);
    *c -= h;
    u64::from(h)
}

/// Clipped n-gram overlap `sum_g min(pred[g], ref[g])` of two id sequences (ids `< k`): count
/// the prediction's n-grams, then each reference n-gram takes one remaining count if any.
fn ngram_hits(pred: &[u32], refr: &[u32], n: usize, k: usize, s: &mut NgramScratch) -> u64 {
    if pred.len() < n || refr.len() < n {
        return 0;
    }
    let k64 = k as u64;
    let mut hits = 0u64;
    match k64.checked_pow(n as u32) {
        Some(kn) if kn <= DENSE_NGRAM_KEYS => {
            if s.dense.len() < kn as usize {
                s.dense.resize(kn as usize, 0);
            }
            let dense = &mut s.dense;
            if n == 1 {
                pred.iter().for_each(|&t| dense[t as usize] += 1);
                refr.iter().for_each(|&t| hits += take_one(dense, t as u64));
                pred.iter().for_each(|&t| dense[t as usize] = 0);
            } else {
                for_each_key(pred, n, k64, kn, |key| dense[key as usize] += 1);
                for_each_key(refr, n, k64, kn, |key| hits += take_one(dense, key));
                for_each_key(pred, n, k64, kn, |key| dense[key as usize] = 0);
            }
        }
        Some(kn) => {
            let map = &mut s.hashed;
            map.clear();
            for_each_key(pred, n, k64, kn, |key| *map.entry(key).or_insert(0) += 1);
            for_each_key(refr, n, k64, kn, |key| {
                if let Some(c) = map.get_mut(&key) {
                    if *c > 0 {
                        *c -= 1;
                        hits += 1;
                    }
                }
            });
        }
        None => {
            // Key space beyond u64 (huge alphabet and large n): hash the id slices.
            let (mut ca, mut cb) = (NgramCounts::default(), NgramCounts::default());
            count_ngrams(pred, n, &mut ca);
            count_ngrams(refr, n, &mut cb);
            hits = clipped_overlap(&ca, &cb);
        }
    }
    hits
}

impl Scratch {
    fn score_type(&mut self, t: RougeType) -> Result<Score> {
        let k = self.locals.k as usize;
        let (pred, refd) = (&self.pred, &self.refd);
        match t {
            RougeType::N(n) => {
                let n = n as usize;
                let hits = ngram_hits(&pred.whole, &refd.whole, n, k, &mut self.ngrams);
                let pt = (pred.whole.len() + 1).saturating_sub(n) as u64;
                let rt = (refd.whole.len() + 1).saturating_sub(n) as u64;
                Ok(prf(hits, pt, rt))
            }
            RougeType::L => {
                if pred.whole.is_empty() || refd.whole.is_empty() {
                    return Ok(INT_ZERO);
                }
                let l = lcs_len(&pred.whole, &refd.whole, k, &mut self.lcs) as u64;
                Ok(prf(l, pred.whole.len() as u64, refd.whole.len() as u64))
            }
            RougeType::Lsum => self.lsum(),
        }
    }

    /// Indexes the prediction's sentences by token (`post[post_start[t]..post_start[t + 1]]`
    /// lists the sentences holding token `t`, each once), so a reference sentence is only
    /// compared with the sentences it shares a token with: the others have an empty LCS.
    fn index_pred_sentences(&mut self, k: usize) {
        let pred = &self.pred;
        let ix = &mut self.sent_index;
        ix.sents.clear();
        // The same non-empty sentences, in the same order, as `TokDoc::sentences`.
        let mut start = 0u32;
        for &e in &pred.ends {
            if e > start {
                ix.sents.push((start, e));
            }
            start = e;
        }
        ix.post_start.clear();
        ix.post_start.resize(k + 2, 0);
        ix.last.clear();
        ix.last.resize(k, u32::MAX);
        let toks = pred.sent_tokens();
        for (si, &(a, b)) in ix.sents.iter().enumerate() {
            for &t in &toks[a as usize..b as usize] {
                if ix.last[t as usize] != si as u32 {
                    ix.last[t as usize] = si as u32;
                    ix.post_start[t as usize + 2] += 1;
                }
            }
        }
        for t in 2..ix.post_start.len() {
            ix.post_start[t] += ix.post_start[t - 1];
        }
        ix.post.clear();
        ix.post.resize(ix.post_start[k + 1] as usize, 0);
        ix.last.fill(u32::MAX);
        for (si, &(a, b)) in ix.sents.iter().enumerate() {
            for &t in &toks[a as usize..b as usize] {
                if ix.last[t as usize] != si as u32 {
                    ix.last[t as usize] = si as u32;
                    let slot = &mut ix.post_start[t as usize + 1];
                    ix.post[*slot as usize] = si as u32;
                    *slot += 1;
                }
            }
        }
        ix.seen.clear();
        ix.seen.resize(ix.sents.len(), u32::MAX);
    }

    /// rouge-score `_summary_level_lcs(ref_sents, pred_sents)`.
    fn lsum(&mut self) -> Result<Score> {
        let k = self.locals.k as usize;
        let (m, n) = (self.refd.sent_tokens().len(), self.pred.sent_tokens().len());
        if m == 0 || n == 0 {
            return Ok(INT_ZERO);
        }
        if self.cnt_r.len() < k {
            self.cnt_r.resize(k, 0);
            self.cnt_c.resize(k, 0);
        }
        for &t in self.refd.sent_tokens() {
            self.cnt_r[t as usize] += 1;
        }
        for &t in self.pred.sent_tokens() {
            self.cnt_c[t as usize] += 1;
        }
        // A few prediction sentences: compare with all of them; many: only those sharing a token.
        let indexed = self.pred.ends.len() > LSUM_INDEX_MIN_SENTS;
        if indexed {
            self.index_pred_sentences(k);
        }
        let hits = self.lsum_hits(k, indexed);
        for &t in self.refd.sent_tokens() {
            self.cnt_r[t as usize] = 0;
        }
        for &t in self.pred.sent_tokens() {
            self.cnt_c[t as usize] = 0;
        }
        // R = hits / m, P = hits / n as in the reference.
        Ok(prf(hits?, n as u64, m as u64))
    }

    /// The union-LCS hit count of `lsum` (the token counters are set up by the caller).
    fn lsum_hits(&mut self, k: usize, indexed: bool) -> Result<u64> {
        let mut hits = 0u64;
        // Union sorted ascending; ROUGE-1.5.5's no-double-counting via token counters.
        let take = |t: u32, cnt_c: &mut [u32], cnt_r: &mut [u32], hits: &mut u64| {
            let t = t as usize;
            let h = u32::from(cnt_c[t] > 0 && cnt_r[t] > 0);
            cnt_c[t] -= h;
            cnt_r[t] -= h;
            *hits += u64::from(h);
        };
        let Scratch {
            pred,
            refd,
            lcs,
            idx,
            marks,
            cnt_r,
            cnt_c,
            sent_index,
            ..
        } = self;
        for (ri, r) in refd.sentences().enumerate() {
            interrupt::check()?;
            lcs.load_pattern(r, k);
            // Once every position of `r` is in the union, no other sentence can change it.
            if r.len() <= 64 {
                let all = u64::MAX >> (64 - r.len());
                let mut m = 0u64;
                visit_candidates(pred, sent_index, indexed, r, ri as u32, |c| {
                    m |= lcs.index_mask_against(c);
                    m == all
                })?;
                while m != 0 {
                    take(r[m.trailing_zeros() as usize], cnt_c, cnt_r, &mut hits);
                    m &= m - 1;
                }
            } else {
                marks.clear();
                marks.resize(r.len(), false);
                let mut marked = 0usize;
                visit_candidates(pred, sent_index, indexed, r, ri as u32, |c| {
                    idx.clear();
                    lcs.indices_against(c, idx);
                    for &i in idx.iter() {
                        marked += usize::from(!marks[i as usize]);
                        marks[i as usize] = true;
                    }
                    marked == r.len()
                })?;
                for (i, &mk) in marks.iter().enumerate() {
                    if mk {
                        take(r[i], cnt_c, cnt_r, &mut hits);
                    }
                }
            }
        }
        Ok(hits)
    }

    fn group<S: AsRef<str>, D: Borrow<Doc<S>>>(
        &mut self,
        pred: &Doc<S>,
        refs: impl IntoIterator<Item = D>,
        types: &[RougeType],
        opts: RougeOptions,
        out: &mut [Score],
    ) -> Result<()> {
        let (stem, profile) = (opts.use_stemmer, opts.tokenizer);
        if out.len() != types.len() {
            return Err(MetricError::value(format!(
                "{} output slots for {} rouge types",
                out.len(),
                types.len()
            )));
        }
        if self.vocab.len() > VOCAB_LIMIT {
            self.vocab = Vocab::default();
            self.locals = LocalIds::default();
        }
        self.locals.begin();
        let need = Need {
            whole: types.iter().any(|t| *t != RougeType::Lsum),
            sents: types.contains(&RougeType::Lsum),
        };
        let mut tk = Tokenizing {
            vocab: &mut self.vocab,
            keys: &mut self.keys,
            longs: &mut self.longs,
            locals: &mut self.locals,
            buf: &mut self.buf,
            stem,
            profile,
        };
        tk.doc(pred, need, &mut self.pred)?;
        let mut nrefs = 0;
        for (ri, r) in refs.into_iter().enumerate() {
            nrefs += 1;
            let mut tk = Tokenizing {
                vocab: &mut self.vocab,
                keys: &mut self.keys,
                longs: &mut self.longs,
                locals: &mut self.locals,
                buf: &mut self.buf,
                stem,
                profile,
            };
            tk.doc(r.borrow(), need, &mut self.refd)?;
            for (ti, &t) in types.iter().enumerate() {
                let s = self.score_type(t)?;
                // An LCS scan cut short by a stop request returned a partial value: drop it.
                interrupt::check()?;
                // score_multi: np.argmax over F, the first reference wins ties.
                if ri == 0 || s.fmeasure > out[ti].fmeasure {
                    out[ti] = s;
                }
            }
        }
        if nrefs == 0 {
            return Err(MetricError::value("no references"));
        }
        Ok(())
    }
}

/// Scores `pred` against `refs` (rouge-score `score` for one reference, `score_multi` for
/// several: per type the reference with the highest F, first on ties) for each of `types`.
pub fn score_group<S: AsRef<str>>(
    pred: &Doc<S>,
    refs: &[Doc<S>],
    types: &[RougeType],
    opts: RougeOptions,
) -> Result<GroupScores> {
    if types.len() > MAX_TYPES {
        return Err(MetricError::value(format!(
            "at most {MAX_TYPES} distinct rouge types"
        )));
    }
    let mut g = GroupScores {
        len: types.len(),
        ..Default::default()
    };
    score_group_into(pred, refs, types, opts, &mut g.scores[..types.len()])?;
    Ok(g)
}

/// `score_group` writing the scores into `out` (one slot per type, `out.len() == types.len()`),
/// with the references from any iterator (a batch builds no per-pair `Doc` vectors).
pub fn score_group_into<S: AsRef<str>, D: Borrow<Doc<S>>>(
    pred: &Doc<S>,
    refs: impl IntoIterator<Item = D>,
    types: &[RougeType],
    opts: RougeOptions,
    out: &mut [Score],
) -> Result<()> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => s.group(pred, refs, types, opts, out),
        Err(_) => Scratch::default().group(pred, refs, types, opts, out),
    })
}

/// `RougeScorer(types, use_stemmer).score(target, prediction)` on raw texts (with the tokenizer
/// profile of `opts`).
pub fn score_texts(
    target: &str,
    prediction: &str,
    types: &[RougeType],
    opts: RougeOptions,
) -> Result<GroupScores> {
    score_group(&Doc::Text(prediction), &[Doc::Text(target)], types, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::{cases, fuzz_text};
    use crate::lcs::{lcs_indices_naive, lcs_table_naive};
    use crate::rouge_tokenize::tokenize;
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashMap};

    const ALL: [RougeType; 4] = [
        RougeType::N(1),
        RougeType::N(2),
        RougeType::L,
        RougeType::Lsum,
    ];

    fn sc(t: &str, p: &str) -> Vec<(f64, f64, f64, bool)> {
        score_texts(t, p, &ALL, RougeOptions::default())
            .unwrap()
            .as_slice()
            .iter()
            .map(|s| (s.precision, s.recall, s.fmeasure, s.int_zero))
            .collect()
    }

    #[test]
    fn parse_types() {
        assert_eq!(RougeType::parse("rouge9").unwrap(), RougeType::N(9));
        assert_eq!(RougeType::parse("rouge1\n").unwrap(), RougeType::N(1));
        for bad in ["rouge0", "rouge10", "rougeX", "rougel", "", "rougeLsum "] {
            assert!(RougeType::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn research_vectors() {
        let z = (0.0, 0.0, 0.0, false);
        let iz = (0.0, 0.0, 0.0, true);
        assert_eq!(sc("testing one two", ""), vec![z, z, iz, iz]);
        assert_eq!(sc("", "w1"), vec![z, z, iz, iz]);
        assert_eq!(sc("w1 w2 w3 w4 w5", "/"), vec![z, z, iz, iz]);
        let r = sc("testing one two", "testing");
        assert_eq!(r[0], (1.0, 0.3333333333333333, 0.5, false));
        assert_eq!(r[2], (1.0, 0.3333333333333333, 0.5, false));
        let r = sc("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5");
        assert_eq!(r[0], (0.4, 0.8, 0.5333333333333333, false));
        assert_eq!(r[1], (0.1111111111111111, 0.25, 0.15384615384615383, false));
        assert_eq!(r[2], (0.4, 0.8, 0.5333333333333333, false));
        assert_eq!(r[3], (0.4, 0.8, 0.5333333333333333, false));
        let r = sc("x y x", "x\nx y");
        assert_eq!(r[2].2, 0.6666666666666666);
        assert_eq!(r[3], (1.0, 1.0, 1.0, false));
        let r = sc("a b c\n\n\n...\nd e", "a b\n \nd e c");
        assert_eq!(r[2], (0.8, 0.8, 0.8000000000000002, false));
        assert_eq!(r[3], (1.0, 1.0, 1.0, false));
    }

    #[test]
    fn multi_reference_first_wins_ties() {
        // Upstream: score_multi(["first text", "first something"], "text first").
        let refs = [Doc::Text("first text"), Doc::Text("first something")];
        let g = score_group(
            &Doc::Text("text first"),
            &refs,
            &[RougeType::N(1), RougeType::N(2), RougeType::L],
            RougeOptions::default(),
        )
        .unwrap();
        let f: Vec<f64> = g.as_slice().iter().map(|s| s.fmeasure).collect();
        assert_eq!(f, vec![1.0, 0.0, 0.5]);
    }

    // ---- naive oracle: a direct port of rouge_scorer.py over string tokens ----
    fn naive_ngrams(t: &[String], n: usize) -> HashMap<Vec<String>, u64> {
        let mut m = HashMap::new();
        if t.len() >= n {
            for w in t.windows(n) {
                *m.entry(w.to_vec()).or_insert(0) += 1;
            }
        }
        m
    }

    fn naive_score(target: &str, pred: &str, ty: RougeType) -> (f64, f64, f64, bool) {
        let tt = tokenize(target, false);
        let pt = tokenize(pred, false);
        let f = |p: f64, r: f64| fmeasure(p, r);
        match ty {
            RougeType::N(n) => {
                let (a, b) = (naive_ngrams(&tt, n as usize), naive_ngrams(&pt, n as usize));
                let inter: u64 = a
                    .iter()
                    .map(|(g, c)| (*c).min(*b.get(g).unwrap_or(&0)))
                    .sum();
                let p = inter as f64 / (b.values().sum::<u64>().max(1)) as f64;
                let r = inter as f64 / (a.values().sum::<u64>().max(1)) as f64;
                (p, r, f(p, r), false)
            }
            RougeType::L => {
                if tt.is_empty() || pt.is_empty() {
                    return (0.0, 0.0, 0.0, true);
                }
                let (ti, pi) = ids(&tt, &pt);
                let l = lcs_table_naive(&ti, &pi)[ti.len()][pi.len()] as f64;
                let (p, r) = (l / pt.len() as f64, l / tt.len() as f64);
                (p, r, f(p, r), false)
            }
            RougeType::Lsum => {
                let sents = |s: &str| -> Vec<Vec<String>> {
                    s.split('\n')
                        .filter(|x| !x.is_empty())
                        .map(|x| tokenize(x, false))
                        .collect()
                };
                let (rs, cs) = (sents(target), sents(pred));
                let m: usize = rs.iter().map(Vec::len).sum();
                let n: usize = cs.iter().map(Vec::len).sum();
                if rs.is_empty() || cs.is_empty() || m == 0 || n == 0 {
                    return (0.0, 0.0, 0.0, true);
                }
                let mut cr: HashMap<&String, i64> = HashMap::new();
                let mut cc: HashMap<&String, i64> = HashMap::new();
                rs.iter()
                    .flatten()
                    .for_each(|t| *cr.entry(t).or_default() += 1);
                cs.iter()
                    .flatten()
                    .for_each(|t| *cc.entry(t).or_default() += 1);
                let mut hits = 0u64;
                for r in &rs {
                    let mut u = BTreeSet::new();
                    for c in &cs {
                        let (ri, ci) = ids(r, c);
                        u.extend(lcs_indices_naive(&ri, &ci));
                    }
                    for i in u {
                        let t = &r[i as usize];
                        if cc.get(t).copied().unwrap_or(0) > 0
                            && cr.get(t).copied().unwrap_or(0) > 0
                        {
                            hits += 1;
                            *cc.get_mut(t).unwrap() -= 1;
                            *cr.get_mut(t).unwrap() -= 1;
                        }
                    }
                }
                let (p, r) = (hits as f64 / n as f64, hits as f64 / m as f64);
                (p, r, f(p, r), false)
            }
        }
    }

    fn ids(a: &[String], b: &[String]) -> (Vec<u32>, Vec<u32>) {
        let mut m: HashMap<String, u32> = HashMap::new();
        let mut f = |s: &[String]| -> Vec<u32> {
            s.iter()
                .map(|t| {
                    let n = m.len() as u32;
                    *m.entry(t.clone()).or_insert(n)
                })
                .collect()
        };
        let x = f(a);
        (x, f(b))
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just("a"),
                Just("b"),
                Just("c"),
                Just("The"),
                Just("d1"),
                Just("\n"),
                Just("."),
                Just("é"),
                Just("\u{130}x")
            ],
            0..90,
        )
        .prop_map(|v| v.join(" "))
    }

    /// Many sentences (the indexed rougeLsum path), some longer than 64 tokens, some sharing no
    /// token with the other side.
    fn many_sentences() -> impl Strategy<Value = String> {
        let sentence = prop_oneof![
            4 => prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "d", "e", "x9", "é"]), 0..6),
            1 => prop::collection::vec(prop::sample::select(vec!["a", "b", "zz", "q"]), 60..80),
            1 => prop::collection::vec(prop::sample::select(vec!["u", "v", "w"]), 1..4),
        ];
        prop::collection::vec(sentence, 0..40).prop_map(|ss| {
            ss.iter()
                .map(|s| s.join(" "))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(200)))]
        #[test]
        fn fuzz_lsum_many_sentences_matches_naive(t in many_sentences(), p in many_sentences()) {
            let got = score_texts(&t, &p, &[RougeType::Lsum], RougeOptions::default()).unwrap();
            let s = got.as_slice()[0];
            prop_assert_eq!((s.precision, s.recall, s.fmeasure, s.int_zero), naive_score(&t, &p, RougeType::Lsum));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(400)))]
        #[test]
        fn fuzz_rouge_matches_naive_port(t in fuzz_text(), p in fuzz_text(), stem in any::<bool>()) {
            let types = [RougeType::N(1), RougeType::N(2), RougeType::N(4), RougeType::L, RougeType::Lsum];
            let got = score_texts(&t, &p, &types, RougeOptions::stemmed(stem)).unwrap();
            if !stem {
                for (ty, s) in types.iter().zip(got.as_slice()) {
                    prop_assert_eq!((s.precision, s.recall, s.fmeasure, s.int_zero), naive_score(&t, &p, *ty), "{:?}", ty);
                }
            }
        }

        #[test]
        fn matches_naive_port(t in text(), p in text()) {
            let types = [RougeType::N(1), RougeType::N(2), RougeType::N(3), RougeType::N(9), RougeType::L, RougeType::Lsum];
            let got = score_texts(&t, &p, &types, RougeOptions::default()).unwrap();
            for (ty, s) in types.iter().zip(got.as_slice()) {
                prop_assert_eq!((s.precision, s.recall, s.fmeasure, s.int_zero), naive_score(&t, &p, *ty), "{:?}", ty);
            }
        }
    }
}
