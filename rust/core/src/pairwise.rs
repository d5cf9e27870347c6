//! Pairwise matrices: every candidate against every reference (MBR decoding, self-BLEU,
//! diversity), each cell equal to scoring that pair alone with the sentence API.
//!
//! Each text is tokenized once. Its n-grams get ids from one table shared by all texts (an
//! order-n gram is the pair (id of its (n-1)-gram prefix, id of its last token)), so the clipped
//! count of a pair is one walk over the reference's `(gram, count)` list against the candidate's
//! counts scattered into a dense array (once per row). The counts then go through the very
//! `compute_bleu` / `f_score` / P-R-F arithmetic of the sentence API.

use std::ops::Range;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::bleu::{closest_ref_len, compute_bleu, BleuConfig, BleuScoring};
use crate::chrf::{f_score, ChrfConfig};
use crate::error::{MetricError, Result};
use crate::lcs::LcsScratch;
use crate::ngram::ngram_total;
use crate::pystr::{is_py_space, py_lower, py_split};
use crate::rouge::{fmeasure, RougeType};
use crate::rouge_tokenize::{self, Profile};
use crate::ter::{score_from_stats, translation_edit_rate, TerConfig, TerScratch};

/// Which of rouge-score's `Score` fields a ROUGE matrix holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Precision,
    Recall,
    Fmeasure,
}

impl Measure {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "precision" => Ok(Self::Precision),
            "recall" => Ok(Self::Recall),
            "fmeasure" => Ok(Self::Fmeasure),
            _ => Err(MetricError::value(format!(
                "unknown measure={name:?}; expected 'fmeasure', 'precision' or 'recall'"
            ))),
        }
    }
}

/// The sentence metric of a matrix, with its options.
#[derive(Clone, Copy, Debug)]
pub enum PairMetric {
    /// sacrebleu `sentence_bleu(candidate, [reference])`.
    Bleu(BleuConfig, BleuScoring),
    /// sacrebleu `CHRF(...).sentence_score(candidate, [reference])`.
    Chrf(ChrfConfig),
    /// rouge-score `RougeScorer([rouge_type], use_stemmer).score(reference, candidate)` (with
    /// the tokenizer profile `tokenizer`).
    Rouge {
        rouge_type: RougeType,
        use_stemmer: bool,
        measure: Measure,
        tokenizer: Profile,
    },
    /// sacrebleu `TER(...).sentence_score(candidate, [reference])` (lower is better).
    Ter(TerConfig),
}

/// First-order prefixes: a token id never equals one of these, so order-1 grams of the two
/// token spaces of chrF++ (characters, words) never share an id.
const ROOT: u32 = u32::MAX;
const CHAR_ROOT: u32 = u32::MAX - 1;

/// The n-grams of one text: `(gram id, count)` sorted by id, grouped by order.
#[derive(Default, Debug, Clone)]
struct Grams {
    grams: Vec<(u32, u32)>,
    /// Group `k` is `grams[ends[k]..ends[k + 1]]`.
    ends: Vec<u32>,
    /// Positions (n-grams with repetition) of group `k`: `max(0, len - n + 1)`.
    totals: Vec<u32>,
    /// Tokens of the text (BLEU `sys_len`/`ref_len`).
    len: u32,
}

impl Grams {
    fn group(&self, k: usize) -> &[(u32, u32)] {
        &self.grams[self.ends[k] as usize..self.ends[k + 1] as usize]
    }
}

/// Gram ids shared by all texts of one matrix.
#[derive(Default)]
struct GramTable {
    ids: FxHashMap<(u32, u32), u32>,
    prev: Vec<u32>,
    tmp: Vec<u32>,
}

impl GramTable {
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Room for `positions` new ids: no rehashing while adding.
    fn reserve(&mut self, positions: usize) {
        self.ids.reserve(positions);
    }

    /// Appends the groups of orders `first..=last` of `toks` to `out` (orders below `first` are
    /// only walked through to build the prefixes).
    fn add(&mut self, toks: &[u32], root: u32, first: usize, last: usize, out: &mut Grams) {
        if out.ends.is_empty() {
            out.ends.push(0);
        }
        self.prev.clear();
        self.prev.resize(toks.len(), root);
        for n in 1..=last {
            let count = ngram_total(toks.len(), n);
            self.tmp.clear();
            for p in 0..count {
                let next = self.ids.len() as u32;
                let id = *self
                    .ids
                    .entry((self.prev[p], toks[p + n - 1]))
                    .or_insert(next);
                self.prev[p] = id;
                self.tmp.push(id);
            }
            if n < first {
                continue;
            }
            self.tmp.sort_unstable();
            // Runs never merge across groups: the group starts at the last end.
            let start = *out.ends.last().unwrap_or(&0) as usize;
            for &g in &self.tmp {
                match out.grams[start..].last_mut() {
                    Some((last_g, c)) if *last_g == g => *c += 1,
                    _ => out.grams.push((g, 1)),
                }
            }
            out.ends.push(out.grams.len() as u32);
            out.totals.push(count as u32);
        }
    }
}

/// Gram positions of orders `1..=max_order` in sequences of `lens` tokens (an upper bound on the
/// new ids they bring; exact, so an absurd order reserves nothing it does not need).
fn positions(lens: impl Iterator<Item = usize>, max_order: usize) -> usize {
    lens.map(|l| (1..=max_order.min(l)).map(|n| l + 1 - n).sum::<usize>())
        .sum()
}

/// Interns strings to dense ids.
#[derive(Default)]
struct Vocab {
    ids: FxHashMap<String, u32>,
}

impl Vocab {
    fn ids<'a>(&mut self, toks: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
        toks.into_iter()
            .map(|t| {
                let next = self.ids.len() as u32;
                match self.ids.get(t) {
                    Some(&id) => id,
                    None => {
                        self.ids.insert(t.to_owned(), next);
                        next
                    }
                }
            })
            .collect()
    }
}

/// sacrebleu chrF `_remove_punctuation` words of `sent` (the chrF engine's own splitter).
fn chrf_words(sent: &str) -> Vec<&str> {
    let mut out = Vec::new();
    crate::chrf::words(sent, |w| out.push(w));
    out
}

/// The prepared texts of one matrix.
enum Side {
    Grams(Vec<Grams>),
    /// rougeL: the token ids of each text.
    Tokens(Vec<Vec<u32>>),
    /// rougeLsum: the non-empty sentences of each text (and their concatenation).
    Sentences(Vec<(Vec<Vec<u32>>, Vec<u32>)>),
    /// TER: the word ids of each preprocessed text.
    Words(Vec<Vec<u32>>),
}

/// Candidates and references, tokenized once, ready to fill any rows of the matrix.
pub struct Pairwise {
    metric: PairMetric,
    side: Side,
    rows: usize,
    cols: usize,
    /// Index of the first reference among the prepared texts (0 when the candidates are also
    /// the references).
    col0: usize,
    /// Distinct gram (or token) ids over all texts.
    alphabet: usize,
    /// `references=None`: the candidates are also the references.
    square: bool,
}

impl Pairwise {
    /// Prepares `candidates` x `references` (x `candidates` when `references` is `None`).
    pub fn new<S: AsRef<str> + Sync>(
        metric: PairMetric,
        candidates: &[S],
        references: Option<&[S]>,
    ) -> Result<Self> {
        let rows = candidates.len();
        let (cols, col0) = match references {
            Some(r) => (r.len(), rows),
            None => (rows, 0),
        };
        let texts: Vec<&str> = candidates
            .iter()
            .chain(references.unwrap_or(&[]).iter())
            .map(AsRef::as_ref)
            .collect();
        let (side, alphabet) = prepare(&metric, &texts)?;
        Ok(Self {
            metric,
            side,
            rows,
            cols,
            col0,
            alphabet,
            square: references.is_none(),
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Whether this is the candidates x candidates matrix (`references=None`).
    pub fn is_square(&self) -> bool {
        self.square
    }

    /// Fills rows `rows` (row-major, `out.len() == rows.len() * cols()`), in parallel over rows
    /// on the current rayon pool. Cells do not depend on the thread count.
    pub fn fill_rows(&self, rows: Range<usize>, out: &mut [f64]) -> Result<()> {
        if rows.start > rows.end || rows.end > self.rows || out.len() != rows.len() * self.cols {
            return Err(MetricError::value(format!(
                "rows {rows:?} of a {} x {} matrix into {} cells",
                self.rows,
                self.cols,
                out.len()
            )));
        }
        if self.cols == 0 {
            return Ok(());
        }
        let lo = rows.start;
        out.par_chunks_mut(self.cols).enumerate().try_for_each_init(
            || self.worker(),
            |w, (r, row)| {
                let i = lo + r;
                self.with_loaded(i, w, |w| {
                    for (j, cell) in row.iter_mut().enumerate() {
                        *cell = self.cell(i, self.col0 + j, w)?;
                    }
                    Ok(())
                })
            },
        )
    }

    /// Square matrices only: fills rows `rows` of the full `matrix` (`rows() * rows()` cells,
    /// row-major) from the diagonal rightwards, and their mirror cells below the diagonal.
    /// Clipped counts and LCS lengths are symmetric, so each unordered pair is compared once and
    /// scored both ways. Once every row has been through here, the matrix is complete.
    pub fn fill_square_rows(&self, rows: Range<usize>, matrix: &mut [f64]) -> Result<()> {
        let n = self.rows;
        if !self.square || rows.start > rows.end || rows.end > n || matrix.len() != n * n {
            return Err(MetricError::value(format!(
                "square rows {rows:?} of a {} x {} matrix into {} cells",
                self.rows,
                self.cols,
                matrix.len()
            )));
        }
        let (lo, hi) = (rows.start, rows.end);
        if matches!(self.side, Side::Sentences(_) | Side::Words(_)) {
            // rougeLsum's union LCS and TER's shifts are not symmetric.
            return self.fill_rows(rows, &mut matrix[lo * n..hi * n]);
        }
        let mirrors: Vec<Vec<f64>> = matrix[lo * n..hi * n]
            .par_chunks_mut(n.max(1))
            .enumerate()
            .map_init(
                || self.worker(),
                |w, (r, row)| {
                    let i = lo + r;
                    let mut mirror = Vec::with_capacity(n - i - 1);
                    self.with_loaded(i, w, |w| {
                        for (j, cell) in row.iter_mut().enumerate().skip(i) {
                            self.overlap(j, w);
                            *cell = self.score(i, j, w)?;
                            if j > i {
                                mirror.push(self.score(j, i, w)?);
                            }
                        }
                        Ok(())
                    })?;
                    Ok(mirror)
                },
            )
            .collect::<Result<_>>()?;
        for (r, mirror) in mirrors.iter().enumerate() {
            let i = lo + r;
            for (k, &v) in mirror.iter().enumerate() {
                matrix[(i + 1 + k) * n + i] = v;
            }
        }
        Ok(())
    }

    /// The whole matrix, row-major.
    pub fn matrix(&self) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.rows * self.cols];
        if self.square {
            self.fill_square_rows(0..self.rows, &mut out)?;
        } else {
            self.fill_rows(0..self.rows, &mut out)?;
        }
        Ok(out)
    }

    fn worker(&self) -> Worker {
        let gram_ids = if matches!(self.side, Side::Grams(_)) {
            self.alphabet
        } else {
            0
        };
        Worker {
            dense: vec![0; gram_ids],
            matches: Vec::new(),
            stats: Vec::new(),
            lcs: LcsScratch::new(),
            lcs_len: 0,
            pattern_nonempty: false,
            lsum: matches!(self.side, Side::Sentences(_)).then(|| LsumScratch::new(self.alphabet)),
            ter: matches!(self.side, Side::Words(_)).then(|| TerWorker::new(self.alphabet)),
        }
    }

    /// Runs `f` with candidate `i` loaded as the row text (its gram counts scattered into the
    /// dense array, or its tokens as the LCS pattern), unloading it afterwards.
    fn with_loaded(
        &self,
        i: usize,
        w: &mut Worker,
        f: impl FnOnce(&mut Worker) -> Result<()>,
    ) -> Result<()> {
        match &self.side {
            Side::Grams(g) => {
                for &(id, c) in &g[i].grams {
                    w.dense[id as usize] = c;
                }
            }
            Side::Tokens(t) => {
                w.pattern_nonempty = !t[i].is_empty();
                if w.pattern_nonempty {
                    w.lcs.load_pattern(&t[i], self.alphabet);
                }
            }
            Side::Sentences(_) => {}
            Side::Words(words) => {
                let tw = w.ter.as_mut().expect("TER workers hold its scratch");
                tw.load_hypothesis(&words[i]);
            }
        }
        let res = f(w).map_err(|e| e.at(i));
        if let Side::Grams(g) = &self.side {
            for &(id, _) in &g[i].grams {
                w.dense[id as usize] = 0;
            }
        }
        res
    }

    /// Cell `(i, j)` with `i` loaded.
    fn cell(&self, i: usize, j: usize, w: &mut Worker) -> Result<f64> {
        if let Side::Words(words) = &self.side {
            let tw = w.ter.as_mut().expect("TER workers hold its scratch");
            return tw.score(&words[j]);
        }
        if let Side::Sentences(s) = &self.side {
            let PairMetric::Rouge { measure, .. } = self.metric else {
                unreachable!("sentence sides are built for rougeLsum only")
            };
            let (ref_sents, ref_toks) = &s[j];
            let (can_sents, can_toks) = &s[i];
            let sc = w.lsum.as_mut().expect("rougeLsum workers hold its scratch");
            return Ok(sc.score(
                ref_sents,
                ref_toks,
                can_sents,
                can_toks,
                self.alphabet,
                measure,
            ));
        }
        self.overlap(j, w);
        self.score(i, j, w)
    }

    /// The symmetric part of a pair, text `j` against the loaded one: clipped counts per group
    /// into `w.matches` (gram sides) or the LCS length into `w.lcs_len` (token sides).
    fn overlap(&self, j: usize, w: &mut Worker) {
        match &self.side {
            Side::Grams(g) => {
                let r = &g[j];
                w.matches.clear();
                for k in 0..r.totals.len() {
                    let m: i64 = r
                        .group(k)
                        .iter()
                        .map(|&(id, c)| i64::from(c.min(w.dense[id as usize])))
                        .sum();
                    w.matches.push(m);
                }
            }
            Side::Tokens(t) => {
                // The pattern is loaded only when the row text has tokens (else the score is 0).
                w.lcs_len = if w.pattern_nonempty && !t[j].is_empty() {
                    w.lcs.len_against(&t[j])
                } else {
                    0
                };
            }
            Side::Sentences(_) | Side::Words(_) => {
                unreachable!("rougeLsum and TER have no symmetric part")
            }
        }
    }

    /// Text `h` (the hypothesis / prediction) against text `r` (the reference / target), from
    /// the overlap in `w`.
    fn score(&self, h: usize, r: usize, w: &mut Worker) -> Result<f64> {
        match (&self.side, &self.metric) {
            (Side::Grams(g), PairMetric::Bleu(_, sc)) => {
                let (h, r) = (&g[h], &g[r]);
                w.stats.clear();
                w.stats.push(i64::from(h.len));
                w.stats
                    .push(closest_ref_len(h.len as usize, [r.len as usize]));
                w.stats.extend_from_slice(&w.matches);
                w.stats.extend(h.totals.iter().map(|&t| i64::from(t)));
                Ok(compute_bleu(&w.stats, sc)?.score)
            }
            (Side::Grams(g), PairMetric::Chrf(cfg)) => {
                let (h, r) = (&g[h], &g[r]);
                w.stats.clear();
                for (k, &m) in w.matches.iter().enumerate() {
                    let (ht, rt) = (i64::from(h.totals[k]), i64::from(r.totals[k]));
                    // sacrebleu: "Don't count hits if no reference exists for that n-gram".
                    w.stats.extend([if rt > 0 { ht } else { 0 }, rt, m]);
                }
                let f = f_score(cfg, &w.stats);
                // The best-reference search starts at -1 and keeps only a greater F.
                Ok(if f > -1.0 { f } else { -1.0 })
            }
            (Side::Grams(g), PairMetric::Rouge { measure, .. }) => {
                let (pt, rt) = (u64::from(g[h].totals[0]), u64::from(g[r].totals[0]));
                Ok(prf(w.matches[0] as u64, pt, rt, *measure))
            }
            (Side::Tokens(t), PairMetric::Rouge { measure, .. }) => {
                let (h, r) = (&t[h], &t[r]);
                // rouge-score `_score_lcs`: Score(0, 0, 0) when either side has no tokens.
                Ok(if h.is_empty() || r.is_empty() {
                    0.0
                } else {
                    prf(w.lcs_len as u64, h.len() as u64, r.len() as u64, *measure)
                })
            }
            _ => unreachable!("sides are built for their metric"),
        }
    }
}

/// Per-thread buffers of one matrix.
struct Worker {
    /// Gram id -> count of the loaded text (zero elsewhere).
    dense: Vec<u32>,
    matches: Vec<i64>,
    stats: Vec<i64>,
    lcs: LcsScratch,
    lcs_len: usize,
    /// The row text has tokens (its LCS pattern is loaded).
    pattern_nonempty: bool,
    lsum: Option<LsumScratch>,
    ter: Option<TerWorker>,
}

/// TER of the loaded hypothesis against one reference at a time. Word ids are renumbered per
/// pair as `ter::segment_stats` numbers them (hypothesis words first, then the reference's new
/// words, in order of appearance), so every pair runs on exactly the ids it gets alone.
struct TerWorker {
    scratch: TerScratch,
    /// Global word id -> (stamp, pair-local id); a stamp of `row` or `cell` is current.
    slots: Vec<(u64, u32)>,
    row: u64,
    cell: u64,
    hyp: Vec<u32>,
    /// Distinct words of the hypothesis (its local ids are `0..hyp_words`).
    hyp_words: u32,
    reference: Vec<u32>,
}

impl TerWorker {
    fn new(alphabet: usize) -> Self {
        Self {
            scratch: TerScratch::default(),
            slots: vec![(0, 0); alphabet],
            row: 0,
            cell: 0,
            hyp: Vec::new(),
            hyp_words: 0,
            reference: Vec::new(),
        }
    }

    fn next_stamp(&mut self) -> u64 {
        self.row.max(self.cell) + 1
    }

    fn load_hypothesis(&mut self, words: &[u32]) {
        self.row = self.next_stamp();
        let mut k = 0u32;
        self.hyp.clear();
        for &g in words {
            let slot = &mut self.slots[g as usize];
            if slot.0 != self.row {
                *slot = (self.row, k);
                k += 1;
            }
            self.hyp.push(slot.1);
        }
        self.hyp_words = k;
    }

    /// sacrebleu `sentence_ter(hypothesis, [reference]).score`.
    fn score(&mut self, reference: &[u32]) -> Result<f64> {
        self.cell = self.next_stamp();
        let mut k = self.hyp_words;
        self.reference.clear();
        for &g in reference {
            let slot = &mut self.slots[g as usize];
            if slot.0 != self.row && slot.0 != self.cell {
                *slot = (self.cell, k);
                k += 1;
            }
            self.reference.push(slot.1);
        }
        let (edits, ref_len) =
            translation_edit_rate(&mut self.scratch, &self.hyp, &self.reference)?;
        // One reference: the average reference length is its length.
        Ok(score_from_stats(edits as f64, ref_len as f64))
    }
}

/// rouge-score's P/R/F of `hits` (`scoring.Score` arithmetic, `max(total, 1)` denominators).
#[inline]
fn prf(hits: u64, pred_total: u64, ref_total: u64, measure: Measure) -> f64 {
    let precision = hits as f64 / pred_total.max(1) as f64;
    let recall = hits as f64 / ref_total.max(1) as f64;
    match measure {
        Measure::Precision => precision,
        Measure::Recall => recall,
        Measure::Fmeasure => fmeasure(precision, recall),
    }
}

/// Buffers of rouge-score `_summary_level_lcs` (token counters as dense arrays).
struct LsumScratch {
    lcs: LcsScratch,
    cnt_r: Vec<u32>,
    cnt_c: Vec<u32>,
    idx: Vec<u32>,
    marks: Vec<bool>,
}

impl LsumScratch {
    fn new(alphabet: usize) -> Self {
        Self {
            lcs: LcsScratch::new(),
            cnt_r: vec![0; alphabet],
            cnt_c: vec![0; alphabet],
            idx: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// rouge-score `_summary_level_lcs(ref_sents, can_sents)`.
    fn score(
        &mut self,
        ref_sents: &[Vec<u32>],
        rtoks: &[u32],
        can_sents: &[Vec<u32>],
        ctoks: &[u32],
        alphabet: usize,
        measure: Measure,
    ) -> f64 {
        let (m, n) = (rtoks.len(), ctoks.len());
        if m == 0 || n == 0 {
            return 0.0;
        }
        for &t in rtoks {
            self.cnt_r[t as usize] += 1;
        }
        for &t in ctoks {
            self.cnt_c[t as usize] += 1;
        }
        let mut hits = 0u64;
        for r in ref_sents {
            self.lcs.load_pattern(r, alphabet);
            // The union of the LCS indices against every candidate sentence, ascending.
            self.marks.clear();
            self.marks.resize(r.len(), false);
            for c in can_sents {
                self.idx.clear();
                self.lcs.indices_against(c, &mut self.idx);
                for &k in &self.idx {
                    self.marks[k as usize] = true;
                }
            }
            for (k, &mk) in self.marks.iter().enumerate() {
                let t = r[k] as usize;
                // ROUGE-1.5.5's no-double-counting: a hit consumes one token of each side.
                if mk && self.cnt_c[t] > 0 && self.cnt_r[t] > 0 {
                    self.cnt_c[t] -= 1;
                    self.cnt_r[t] -= 1;
                    hits += 1;
                }
            }
        }
        for &t in rtoks {
            self.cnt_r[t as usize] = 0;
        }
        for &t in ctoks {
            self.cnt_c[t as usize] = 0;
        }
        prf(hits, n as u64, m as u64, measure)
    }
}

/// Tokenizes every text once (in parallel), then interns tokens and n-grams (in text order).
fn prepare(metric: &PairMetric, texts: &[&str]) -> Result<(Side, usize)> {
    let mut vocab = Vocab::default();
    let mut table = GramTable::default();
    match metric {
        PairMetric::Bleu(cfg, sc) => {
            if cfg.max_order != sc.max_order {
                return Err(MetricError::value(
                    "BLEU config and scoring disagree on max_ngram_order",
                ));
            }
            let toks: Vec<Vec<String>> = texts
                .par_iter()
                .map(|t| {
                    let mut buf = String::new();
                    cfg.tokenizer.preprocess(t, cfg.lowercase, &mut buf);
                    py_split(&buf).map(str::to_owned).collect()
                })
                .collect();
            table.reserve(positions(toks.iter().map(Vec::len), cfg.max_order));
            let grams = toks
                .iter()
                .map(|t| {
                    let ids = vocab.ids(t.iter().map(String::as_str));
                    let mut g = Grams {
                        len: ids.len() as u32,
                        ..Default::default()
                    };
                    table.add(&ids, ROOT, 1, cfg.max_order, &mut g);
                    g
                })
                .collect();
            Ok((Side::Grams(grams), table.len()))
        }
        PairMetric::Chrf(cfg) => {
            // sacrebleu chrF: optional `lower()`, chars of `''.join(s.split())` (or of `s`
            // with `whitespace`), words of `_remove_punctuation(s)`.
            let prepped: Vec<(Vec<char>, Vec<String>)> = texts
                .par_iter()
                .map(|t| {
                    let s = if cfg.lowercase {
                        py_lower(t)
                    } else {
                        (*t).into()
                    };
                    let chars = s
                        .chars()
                        .filter(|&c| cfg.whitespace || !is_py_space(c))
                        .collect();
                    let words = if cfg.word_order > 0 {
                        chrf_words(&s).into_iter().map(str::to_owned).collect()
                    } else {
                        Vec::new()
                    };
                    (chars, words)
                })
                .collect();
            table.reserve(
                positions(prepped.iter().map(|(c, _)| c.len()), cfg.char_order)
                    + positions(prepped.iter().map(|(_, w)| w.len()), cfg.word_order),
            );
            let mut char_ids: FxHashMap<char, u32> = FxHashMap::default();
            let grams = prepped
                .iter()
                .map(|(chars, words)| {
                    let ids: Vec<u32> = chars
                        .iter()
                        .map(|&c| {
                            let next = char_ids.len() as u32;
                            *char_ids.entry(c).or_insert(next)
                        })
                        .collect();
                    let mut g = Grams::default();
                    if cfg.char_order > 0 {
                        table.add(&ids, CHAR_ROOT, 1, cfg.char_order, &mut g);
                    }
                    if cfg.word_order > 0 {
                        let w = vocab.ids(words.iter().map(String::as_str));
                        table.add(&w, ROOT, 1, cfg.word_order, &mut g);
                    }
                    g
                })
                .collect();
            Ok((Side::Grams(grams), table.len()))
        }
        PairMetric::Ter(cfg) => {
            // sacrebleu TER: `TercomTokenizer(sent.rstrip())`, words of `split()`.
            let words: Vec<Vec<String>> = texts
                .par_iter()
                .map(|t| py_split(&cfg.preprocess(t)).map(str::to_owned).collect())
                .collect();
            let ids = words
                .iter()
                .map(|w| vocab.ids(w.iter().map(String::as_str)))
                .collect();
            Ok((Side::Words(ids), vocab.ids.len()))
        }
        PairMetric::Rouge {
            rouge_type,
            use_stemmer,
            tokenizer,
            ..
        } => match *rouge_type {
            RougeType::N(n) => {
                let toks: Vec<Vec<String>> = texts
                    .par_iter()
                    .map(|t| rouge_tokenize::tokenize_profile(t, *tokenizer, *use_stemmer))
                    .collect();
                table.reserve(positions(toks.iter().map(Vec::len), n as usize));
                let grams = toks
                    .iter()
                    .map(|t| {
                        let ids = vocab.ids(t.iter().map(String::as_str));
                        let mut g = Grams {
                            len: ids.len() as u32,
                            ..Default::default()
                        };
                        table.add(&ids, ROOT, n as usize, n as usize, &mut g);
                        g
                    })
                    .collect();
                Ok((Side::Grams(grams), table.len()))
            }
            RougeType::L => {
                let toks: Vec<Vec<String>> = texts
                    .par_iter()
                    .map(|t| rouge_tokenize::tokenize_profile(t, *tokenizer, *use_stemmer))
                    .collect();
                let ids: Vec<Vec<u32>> = toks
                    .iter()
                    .map(|t| vocab.ids(t.iter().map(String::as_str)))
                    .collect();
                Ok((Side::Tokens(ids), vocab.ids.len()))
            }
            RougeType::Lsum => {
                // rouge-score: sentences are the non-empty `"\n"`-separated lines, tokenized
                // one by one; sentences without tokens add nothing to the union LCS.
                let sents: Vec<Vec<Vec<String>>> = texts
                    .par_iter()
                    .map(|t| {
                        t.split('\n')
                            .filter(|s| !s.is_empty())
                            .map(|s| rouge_tokenize::tokenize_profile(s, *tokenizer, *use_stemmer))
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .collect();
                let docs = sents
                    .iter()
                    .map(|doc| {
                        let ids: Vec<Vec<u32>> = doc
                            .iter()
                            .map(|s| vocab.ids(s.iter().map(String::as_str)))
                            .collect();
                        let flat = ids.concat();
                        (ids, flat)
                    })
                    .collect();
                Ok((Side::Sentences(docs), vocab.ids.len()))
            }
        },
    }
}

/// The `candidates` x `references` matrix (row-major; `references=None`: candidates x
/// candidates), in parallel on the current rayon pool.
pub fn pairwise<S: AsRef<str> + Sync>(
    metric: PairMetric,
    candidates: &[S],
    references: Option<&[S]>,
) -> Result<Vec<f64>> {
    Pairwise::new(metric, candidates, references)?.matrix()
}

/// Self-BLEU: sentence BLEU of each text against all the others as its references
/// (sacrebleu `sentence_bleu(texts[i], texts[:i] + texts[i+1:])`). Needs at least two texts.
///
/// Clipping against the best other text uses, per n-gram, its two largest counts over all
/// texts and the text holding the largest, so no pair is ever compared.
pub fn self_bleu<S: AsRef<str> + Sync>(
    cfg: &BleuConfig,
    sc: &BleuScoring,
    texts: &[S],
) -> Result<Vec<f64>> {
    if texts.len() < 2 {
        return Err(MetricError::value(format!(
            "self-BLEU needs at least 2 texts, got {}",
            texts.len()
        )));
    }
    let refs: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
    let (Side::Grams(g), alphabet) = prepare(&PairMetric::Bleu(*cfg, *sc), &refs)? else {
        unreachable!("BLEU sides are grams")
    };
    let (mut top, mut second, mut owner) = (
        vec![0u32; alphabet],
        vec![0u32; alphabet],
        vec![u32::MAX; alphabet],
    );
    for (t, grams) in g.iter().enumerate() {
        for &(id, c) in &grams.grams {
            let id = id as usize;
            if c > top[id] {
                second[id] = top[id];
                top[id] = c;
                owner[id] = t as u32;
            } else if c > second[id] {
                second[id] = c;
            }
        }
    }
    let lens: Vec<usize> = g.iter().map(|x| x.len as usize).collect();
    (0..g.len())
        .into_par_iter()
        .map(|i| {
            let h = &g[i];
            let mut stats = Vec::with_capacity(cfg.n_stats());
            stats.push(i64::from(h.len));
            let others = lens
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &l)| l);
            stats.push(closest_ref_len(h.len as usize, others));
            for k in 0..h.totals.len() {
                let m: i64 = h
                    .group(k)
                    .iter()
                    .map(|&(id, c)| {
                        let id = id as usize;
                        let best = if owner[id] == i as u32 {
                            second[id]
                        } else {
                            top[id]
                        };
                        i64::from(c.min(best))
                    })
                    .sum();
                stats.push(m);
            }
            stats.extend(h.totals.iter().map(|&t| i64::from(t)));
            compute_bleu(&stats, sc)
                .map(|b| b.score)
                .map_err(|e| e.at(i))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rouge::{score_group, Doc, RougeOptions};
    use crate::{bleu, chrf, ter};
    use proptest::prelude::*;

    // Unicode letters, Python whitespace kinds, punctuation (13a, chrF words), newlines (Lsum),
    // the Kelvin sign (lowercases to ASCII) and stemmable suffixes.
    const TEXT: &str =
        "([ab.,'\\-!] ?|[ab]{1,3}ing ?|é|中|Σ|K|\u{a0}|\u{3000}|\n|\t|  |running |cats |&amp;){0,14}";

    fn bleu_one(cfg: &BleuConfig, sc: &BleuScoring, h: &str, r: &str) -> f64 {
        bleu::sentence_bleu(cfg, sc, h, &[r]).unwrap()
    }

    fn chrf_one(cfg: &ChrfConfig, h: &str, r: &str) -> f64 {
        let mut out = vec![0i64; cfg.n_stats()];
        chrf::segment_stats(cfg, h, &[r], &mut out)
    }

    fn rouge_one(t: RougeType, opts: RougeOptions, m: Measure, h: &str, r: &str) -> f64 {
        let s = score_group(&Doc::Text(h), &[Doc::Text(r)], &[t], opts).unwrap();
        let s = s.as_slice()[0];
        match m {
            Measure::Precision => s.precision,
            Measure::Recall => s.recall,
            Measure::Fmeasure => s.fmeasure,
        }
    }

    /// Every cell against the pair scored alone (bitwise: `==` on f64 and equal NaN-ness).
    fn check(metric: PairMetric, c: &[String], r: Option<&[String]>) {
        let m = pairwise(metric, c, r).unwrap();
        let cols = r.unwrap_or(c);
        assert_eq!(m.len(), c.len() * cols.len());
        for (i, h) in c.iter().enumerate() {
            for (j, rf) in cols.iter().enumerate() {
                let want = match metric {
                    PairMetric::Bleu(cfg, sc) => bleu_one(&cfg, &sc, h, rf),
                    PairMetric::Chrf(cfg) => chrf_one(&cfg, h, rf),
                    PairMetric::Rouge {
                        rouge_type,
                        use_stemmer,
                        measure,
                        tokenizer,
                    } => rouge_one(
                        rouge_type,
                        RougeOptions {
                            use_stemmer,
                            tokenizer,
                        },
                        measure,
                        h,
                        rf,
                    ),
                    PairMetric::Ter(cfg) => ter::sentence_score(&cfg, h, &[rf]).unwrap(),
                };
                let got = m[i * cols.len() + j];
                assert_eq!(got.to_bits(), want.to_bits(), "{metric:?} {h:?} vs {rf:?}");
            }
        }
    }

    fn texts() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(TEXT, 0..6)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn bleu_matches_sentence_bleu(
            c in texts(), r in proptest::option::of(texts()),
            tok in 0usize..5, lc in any::<bool>(), order in 1usize..6,
            smooth in 0usize..4, eff in any::<bool>(),
        ) {
            let name = ["13a", "intl", "zh", "char", "none"][tok];
            let cfg = BleuConfig::new(name, lc, order).unwrap();
            let method = ["exp", "floor", "add-k", "none"][smooth];
            let sc = BleuScoring::new(method, None, eff, order).unwrap();
            check(PairMetric::Bleu(cfg, sc), &c, r.as_deref());
        }

        #[test]
        fn chrf_matches_segment_stats(
            c in texts(), r in proptest::option::of(texts()),
            co in 0usize..7, wo in 0usize..3, beta in 0usize..4,
            lc in any::<bool>(), ws in any::<bool>(), eps in any::<bool>(),
        ) {
            prop_assume!(co + wo > 0);
            let cfg = ChrfConfig::new(co, wo, beta as f64, lc, ws, eps).unwrap();
            check(PairMetric::Chrf(cfg), &c, r.as_deref());
        }

        #[test]
        fn rouge_matches_score_group(
            c in texts(), r in proptest::option::of(texts()),
            ty in 0usize..5, stem in any::<bool>(), m in 0usize..3, tok in 0usize..4,
        ) {
            let rouge_type = ["rouge1", "rouge2", "rouge4", "rougeL", "rougeLsum"][ty];
            let metric = PairMetric::Rouge {
                rouge_type: RougeType::parse(rouge_type).unwrap(),
                use_stemmer: stem,
                measure: [Measure::Precision, Measure::Recall, Measure::Fmeasure][m],
                tokenizer: Profile::parse(Profile::NAMES[tok]).unwrap(),
            };
            check(metric, &c, r.as_deref());
        }

        #[test]
        fn ter_matches_sentence_score(
            c in texts(), r in proptest::option::of(texts()),
            norm in any::<bool>(), punct in any::<bool>(), asian in any::<bool>(), case in any::<bool>(),
        ) {
            check(PairMetric::Ter(TerConfig::new(norm, punct, asian, case)), &c, r.as_deref());
        }

        #[test]
        fn self_bleu_matches_multi_reference(
            t in proptest::collection::vec(TEXT, 2..7), smooth in 0usize..4, eff in any::<bool>(),
        ) {
            let cfg = BleuConfig::new("13a", false, 4).unwrap();
            let sc = BleuScoring::new(["exp", "floor", "add-k", "none"][smooth], None, eff, 4).unwrap();
            let got = self_bleu(&cfg, &sc, &t).unwrap();
            for (i, h) in t.iter().enumerate() {
                let others: Vec<&str> = t.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, s)| s.as_str()).collect();
                let want = bleu::sentence_bleu(&cfg, &sc, h, &others).unwrap();
                prop_assert_eq!(got[i].to_bits(), want.to_bits());
            }
        }
    }

    #[test]
    fn long_texts_use_multi_word_lcs() {
        // > 64 tokens: the multi-word bit-parallel LCS paths (rougeL and rougeLsum).
        let a: Vec<String> = (0..150).map(|i| format!("w{}", i % 37)).collect();
        let b: Vec<String> = (0..130).map(|i| format!("w{}", (i * 7) % 41)).collect();
        let c = vec![a.join(" "), b.join(" "), a[..70].join("\n")];
        for ty in ["rouge1", "rouge3", "rougeL", "rougeLsum"] {
            let metric = PairMetric::Rouge {
                rouge_type: RougeType::parse(ty).unwrap(),
                use_stemmer: false,
                measure: Measure::Fmeasure,
                tokenizer: Profile::Default,
            };
            check(metric, &c, None);
        }
        check(PairMetric::Ter(TerConfig::default()), &c, None);
        let cfg = BleuConfig::new("13a", false, 4).unwrap();
        let sc = BleuScoring::new("exp", None, true, 4).unwrap();
        check(PairMetric::Bleu(cfg, sc), &c, Some(&c[1..]));
        let cfg = ChrfConfig::new(6, 2, 2.0, false, false, false).unwrap();
        check(PairMetric::Chrf(cfg), &c, None);
    }

    #[test]
    fn rows_do_not_depend_on_chunking_or_threads() {
        let c: Vec<String> = (0..40)
            .map(|i| format!("a{} b c{} d", i % 7, i % 3))
            .collect();
        let cfg = ChrfConfig::new(6, 2, 2.0, false, false, false).unwrap();
        let p = Pairwise::new(PairMetric::Chrf(cfg), &c, None).unwrap();
        let whole = p.matrix().unwrap();
        // the general path (every cell scored on its own) gives the symmetric path's cells
        let general = Pairwise::new(PairMetric::Chrf(cfg), &c, Some(&c)).unwrap();
        assert!(p.is_square() && !general.is_square());
        assert_eq!(general.matrix().unwrap(), whole);
        let mut parts = vec![0.0; whole.len()];
        let mut square = vec![0.0; whole.len()];
        for lo in (0..40).step_by(7) {
            let hi = (lo + 7).min(40);
            p.fill_rows(lo..hi, &mut parts[lo * 40..hi * 40]).unwrap();
            p.fill_square_rows(lo..hi, &mut square).unwrap();
        }
        assert_eq!(whole, parts);
        assert_eq!(whole, square);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(one.install(|| p.matrix().unwrap()), whole);
        assert!(p.fill_rows(39..41, &mut parts[..80]).is_err());
        assert!(general.fill_square_rows(0..1, &mut square).is_err());
        assert!(self_bleu(
            &BleuConfig::new("13a", false, 4).unwrap(),
            &BleuScoring::new("exp", None, true, 4).unwrap(),
            &["only one"],
        )
        .is_err());
    }
}
