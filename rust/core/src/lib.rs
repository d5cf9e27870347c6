//! lexmetrics-core: exact ROUGE (rouge-score 0.1.2), BLEU, chrF and TER (sacrebleu 2.x) in pure Rust.
//!
//! No Python here: `cargo test` runs without an interpreter. The PyO3 layer lives in `rust/python`.

pub mod error;
#[cfg(test)]
mod fuzz;
pub mod interrupt;
// The batch scheduler under every `score_batch` / `stats_batch`
pub mod parallel;
// Batch scoring per metric, on `parallel`
pub mod batch;
pub mod ngram;
// Plain ports of the reference implementations, the oracles the fast kernels are tested against.
#[cfg(any(test, feature = "reference"))]
#[doc(hidden)]
pub mod reference;
// Pairwise matrices (MBR, self-BLEU) over the metrics below
pub mod pairwise;

// ROUGE
pub mod lcs;
pub mod porter;
pub mod resample;
pub mod rouge;
pub mod rouge_tokenize;

// BLEU / chrF
pub mod bleu;
pub mod chrf;
pub mod pystr;
pub mod sacre_tokenize;
pub mod unicode_data;
pub mod unicode_tables;

// TER
pub mod ter;
pub mod ter_tokenize;
