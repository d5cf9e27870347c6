//! Criterion benches of the Rust kernels on generated text (no files, no Python):
//! `cargo bench -p lexmetrics-core` (add `-- rouge` etc. to pick one group).
//!
//! Per-pair kernels run on one thread; `batch/*` runs the parallel batch path (`score_batch`) on
//! 1 and all cores, as the Python binding does.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lexmetrics_core::batch::{self, Corpus};
use lexmetrics_core::bleu::{self, BleuConfig, BleuScoring};
use lexmetrics_core::chrf::{self, ChrfConfig};
use lexmetrics_core::lcs::{lcs_len, LcsScratch};
use lexmetrics_core::parallel::{default_workers, Batch};
use lexmetrics_core::rouge::{Doc, RougeType};
use lexmetrics_core::ter::{self, TerConfig, TerScratch};

const WORDS: &[&str] = &[
    "the",
    "a",
    "cat",
    "sat",
    "on",
    "mat",
    "model",
    "generated",
    "summary",
    "of",
    "document",
    "evaluation",
    "metric",
    "score",
    "is",
    "was",
    "quickly",
    "slowly",
    "and",
    "but",
    "with",
    "results",
    "translation",
    "system",
    "reference",
    "sentence",
    ",",
    ".",
    "it's",
    "New",
    "York",
];

/// Deterministic xorshift text: `n` pairs of `lo..hi` words, the reference a noisy copy.
fn pairs(n: usize, lo: usize, hi: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut hyps = Vec::with_capacity(n);
    let mut refs = Vec::with_capacity(n);
    for _ in 0..n {
        let len = lo + (next() as usize) % (hi - lo);
        let h: Vec<&str> = (0..len)
            .map(|_| WORDS[next() as usize % WORDS.len()])
            .collect();
        let r: Vec<&str> = h
            .iter()
            .map(|&w| {
                if next() % 4 == 0 {
                    WORDS[next() as usize % WORDS.len()]
                } else {
                    w
                }
            })
            .collect();
        hyps.push(h.join(" "));
        refs.push(vec![r.join(" ")]);
    }
    (hyps, refs)
}

fn kernels(c: &mut Criterion) {
    let (hyps, refs) = pairs(1000, 10, 40);
    let n = hyps.len() as u64;

    let mut g = c.benchmark_group("kernel");
    g.throughput(Throughput::Elements(n));
    let bleu_cfg = BleuConfig::new("13a", false, 4).unwrap();
    g.bench_function("bleu segment_stats", |b| {
        let mut out = vec![0i64; bleu_cfg.n_stats()];
        b.iter(|| {
            for (h, r) in hyps.iter().zip(&refs) {
                bleu::segment_stats(&bleu_cfg, h, &[r[0].as_str()], &mut out);
                black_box(&out);
            }
        })
    });
    for (name, wo) in [("chrf segment_stats", 0), ("chrf++ segment_stats", 2)] {
        let cfg = ChrfConfig::new(6, wo, 2.0, false, false, false).unwrap();
        g.bench_function(name, |b| {
            let mut out = vec![0i64; cfg.n_stats()];
            b.iter(|| {
                for (h, r) in hyps.iter().zip(&refs) {
                    black_box(chrf::segment_stats(&cfg, h, &[r[0].as_str()], &mut out));
                }
            })
        });
    }
    let ter_cfg = TerConfig::default();
    g.bench_function("ter segment_stats", |b| {
        let mut s = TerScratch::default();
        b.iter(|| {
            for (h, r) in hyps.iter().zip(&refs) {
                black_box(ter::segment_stats(&ter_cfg, &mut s, h, &[r[0].as_str()]).unwrap());
            }
        })
    });
    // ROUGE-L's kernel on word ids (the tokenizer is benched through `batch/rouge` below).
    let ids = |t: &str| -> Vec<u32> {
        t.split(' ')
            .map(|w| WORDS.iter().position(|x| *x == w).unwrap() as u32)
            .collect()
    };
    let id_pairs: Vec<(Vec<u32>, Vec<u32>)> = hyps
        .iter()
        .zip(&refs)
        .map(|(h, r)| (ids(h), ids(&r[0])))
        .collect();
    g.bench_function("rougeL lcs_len", |b| {
        let mut s = LcsScratch::default();
        b.iter(|| {
            for (h, r) in &id_pairs {
                black_box(lcs_len(h, r, WORDS.len(), &mut s));
            }
        })
    });
    g.finish();

    let (hyps, refs) = pairs(20_000, 10, 40);
    let corpus = (&hyps[..], &refs[..]);
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.sample_size(10);
    let sc = BleuScoring::new("exp", None, true, 4).unwrap();
    let chrf_cfg = ChrfConfig::new(6, 0, 2.0, false, false, false).unwrap();
    let types = [
        RougeType::parse("rouge1").unwrap(),
        RougeType::parse("rouge2").unwrap(),
        RougeType::parse("rougeL").unwrap(),
    ];
    let mut counts = vec![1];
    if default_workers() > 1 {
        counts.push(default_workers());
    }
    for w in counts {
        let b = Batch::new(w);
        g.bench_function(format!("bleu score_batch workers={w}"), |bn| {
            bn.iter(|| batch::bleu::score_batch(&bleu_cfg, &sc, &corpus, &b).unwrap())
        });
        g.bench_function(format!("chrf stats_batch workers={w}"), |bn| {
            bn.iter(|| batch::chrf::stats_batch(&chrf_cfg, &corpus, &b).unwrap())
        });
        g.bench_function(format!("ter stats_batch workers={w}"), |bn| {
            bn.iter(|| batch::ter::stats_batch(&ter_cfg, &corpus, &b).unwrap())
        });
        g.bench_function(format!("rouge score_batch workers={w}"), |bn| {
            bn.iter(|| {
                batch::rouge::score_batch(
                    hyps.len(),
                    |i| Doc::Text(hyps[i].as_str()),
                    |i| refs[i].iter().map(|r| Doc::Text(r.as_str())),
                    &types,
                    Default::default(),
                    &b,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
