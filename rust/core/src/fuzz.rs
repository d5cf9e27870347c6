//! The fuzz profile: property tests over arbitrary Unicode text, run with many cases on demand.
//!
//! cargo-fuzz needs a nightly toolchain, so the fuzz targets are proptest properties: every
//! `cases(n)` below (and in the other modules' tests) honours `PROPTEST_CASES`, so
//!
//! ```text
//! cargo test -q -p lexmetrics-core                                         # default cases
//! PROPTEST_CASES=2000 cargo test --release -q -p lexmetrics-core fuzz_     # short CI run
//! PROPTEST_CASES=100000 cargo test --release -q -p lexmetrics-core fuzz_   # minutes, locally
//! ```
//!
//! Targets named `fuzz_*` feed arbitrary text (any code point, long inputs, the characters each
//! tokenizer treats specially) to each native entry point: sacrebleu tokenizers, rouge-score's
//! tokenizer, BLEU and chrF statistics (against their oracles in `bleu`/`chrf` tests), ROUGE
//! scores (against the naive port in `rouge` tests) and the LCS kernels (against the DP table).

use proptest::prelude::*;

use crate::pystr::py_split;
use crate::rouge_tokenize::tokenize as rouge_tokenize;
use crate::sacre_tokenize::Tokenizer;

/// Cases per property: `PROPTEST_CASES` when set (the fuzz profile), else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Arbitrary text: any code point, the characters the tokenizers treat specially, and long
/// repetitive inputs (more than 64 tokens, the multi-word LCS and hash-table paths).
pub fn fuzz_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ".{0,40}",
        3 => "[ab1.,!?'\"&;<>()\\-\\\\ \t\n\r\u{a0}\u{3000}\u{85}\u{1c}\u{0}éß\u{130}\u{3a3}中日\u{ff01}\u{e000}\u{f0000}\u{300}A]{0,40}",
        2 => "(&quot;|&amp;|&lt;|&gt;|<skipped>|-\n|\n| |a|b|1|\\.|,|-|中|İ|é){0,30}",
        1 => proptest::collection::vec("[abc]{1,3}|[.,]|\n", 60..200).prop_map(|v| v.join(" ")),
    ]
}

pub const TOKENIZERS: [&str; 5] = ["13a", "intl", "zh", "char", "none"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(100)))]

    /// Every sacrebleu tokenizer: no panic, output normalised like `' '.join(out.split())`.
    #[test]
    fn fuzz_sacre_tokenizers(text in fuzz_text(), lc in any::<bool>()) {
        for name in TOKENIZERS {
            let tok = Tokenizer::parse(name).unwrap();
            let out = tok.tokenize_joined(&text, lc);
            let again: Vec<&str> = py_split(&out).collect();
            prop_assert_eq!(again.join(" "), out.clone(), "{}", name);
            // Tokenizing the output again changes nothing for the splitting tokenizers.
            if name == "none" || name == "char" {
                prop_assert_eq!(tok.tokenize_joined(&out, false), out, "{}", name);
            }
        }
    }

    /// rouge-score's tokenizer: no panic, tokens are non-empty lowercase ASCII letters/digits.
    #[test]
    fn fuzz_rouge_tokenizer(text in fuzz_text()) {
        for stem in [false, true] {
            for t in rouge_tokenize(&text, stem) {
                prop_assert!(!t.is_empty());
                prop_assert!(t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{:?}", t);
            }
        }
    }
}
