//! The reference oracles in one place: straightforward ports of rouge-score and sacrebleu that
//! the optimized kernels are proptested against. Built for tests, or with the `reference` feature
//! (benches, external fuzzing); never part of the scoring path.

pub mod bleu;
pub mod chrf;
pub mod lcs;
pub mod ter;
