//! nltk `PorterStemmer` (mode `NLTK_EXTENSIONS`, `to_lowercase=True`) ported exactly from
//! `nltk/stem/porter.py` (nltk 3.10.4), the stemmer rouge-score 0.1.2 calls with `use_stemmer=True`.
//!
//! The algorithm runs on Python characters. ASCII words (the hot case: rouge-score tokens are
//! `[a-z0-9]+`) run on bytes; any other word runs on `char`s, which are exactly Python's code
//! points. Only vowels `aeiou`, `y` and the ASCII suffixes are special, so a non-ASCII character
//! behaves like any consonant, as in nltk.
//!
//! Lowercasing is Python's `str.lower` (full mapping, final sigma) from the generated CPython 3.11
//! tables in `pystr` (Rust's `to_lowercase` follows a newer Unicode and differs on letters added
//! after Unicode 14.0). ASCII input, and hence ROUGE, never reaches that path.

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

/// One character of the word being stemmed: a byte of an ASCII word or a `char` otherwise.
trait Letter: Copy + Eq {
    /// The ASCII byte, or `0xFF` for a non-ASCII character (never a vowel, `y` or suffix letter).
    fn ascii(self) -> u8;
}

impl Letter for u8 {
    #[inline]
    fn ascii(self) -> u8 {
        self
    }
}

impl Letter for char {
    #[inline]
    fn ascii(self) -> u8 {
        if self.is_ascii() {
            self as u8
        } else {
            0xFF
        }
    }
}

#[inline]
fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// nltk `_is_consonant`: `y` is a consonant iff it starts the word or follows a vowel (runs of
/// `y` alternate); every other non-vowel (digits, punctuation, non-ASCII) is a consonant.
#[inline]
fn is_consonant<T: Letter>(w: &[T], mut i: usize) -> bool {
    let b = w[i].ascii();
    if is_vowel(b) {
        return false;
    }
    if b == b'y' {
        let mut negate = false;
        while i > 0 && w[i].ascii() == b'y' {
            negate = !negate;
            i -= 1;
        }
        // nltk: (word[i] not in vowels) != negate
        return is_vowel(w[i].ascii()) == negate;
    }
    true
}

/// nltk `_measure`: the number of `"vc"` pairs in the consonant/vowel sequence of `stem`.
#[inline]
fn measure<T: Letter>(stem: &[T]) -> usize {
    let mut m = 0;
    let mut prev_consonant = true;
    for (i, &c) in stem.iter().enumerate() {
        let b = c.ascii();
        let consonant = if is_vowel(b) {
            false
        } else if b == b'y' {
            i == 0 || !prev_consonant
        } else {
            true
        };
        if consonant && i > 0 && !prev_consonant {
            m += 1;
        }
        prev_consonant = consonant;
    }
    m
}

/// nltk `_contains_vowel` (condition `*v*`).
#[inline]
fn contains_vowel<T: Letter>(stem: &[T]) -> bool {
    let mut prev_consonant = true;
    for (i, &c) in stem.iter().enumerate() {
        let b = c.ascii();
        let consonant = if is_vowel(b) {
            false
        } else if b == b'y' {
            i == 0 || !prev_consonant
        } else {
            true
        };
        if !consonant {
            return true;
        }
        prev_consonant = consonant;
    }
    false
}

/// nltk `_ends_double_consonant` (condition `*d`).
#[inline]
fn ends_double_consonant<T: Letter>(w: &[T]) -> bool {
    let n = w.len();
    n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1)
}

/// nltk `_ends_cvc` (condition `*o`), including the NLTK-only `len == 2 and vc` case.
#[inline]
fn ends_cvc<T: Letter>(w: &[T]) -> bool {
    let n = w.len();
    (n >= 3
        && is_consonant(w, n - 3)
        && !is_consonant(w, n - 2)
        && is_consonant(w, n - 1)
        && !matches!(w[n - 1].ascii(), b'w' | b'x' | b'y'))
        || (n == 2 && !is_consonant(w, 0) && is_consonant(w, 1))
}

#[inline]
fn ends_with<T: Letter>(w: &[T], suffix: &[u8]) -> bool {
    w.len() >= suffix.len()
        && w[w.len() - suffix.len()..]
            .iter()
            .zip(suffix)
            .all(|(c, &s)| c.ascii() == s)
}

/// Replaces the last `cut` letters of `w` by the ASCII `replacement`.
#[inline]
fn replace_tail<T: Letter + From<u8>>(w: &mut Vec<T>, cut: usize, replacement: &[u8]) {
    w.truncate(w.len() - cut);
    w.extend(replacement.iter().map(|&b| T::from(b)));
}

/// nltk `_apply_rule_list`: the first rule whose suffix matches decides; if its condition fails
/// the word is returned unchanged. `cond(word, stem_len, suffix)` sees the whole word.
#[inline]
fn apply_rules<T: Letter + From<u8>>(
    w: &mut Vec<T>,
    rules: &[(&[u8], &[u8])],
    cond: impl Fn(&[T], usize, &[u8]) -> bool,
) {
    for &(suffix, replacement) in rules {
        if ends_with(w, suffix) {
            let stem_len = w.len() - suffix.len();
            if cond(w, stem_len, suffix) {
                replace_tail(w, suffix.len(), replacement);
            }
            return;
        }
    }
}

fn step1a<T: Letter + From<u8>>(w: &mut Vec<T>) {
    // NLTK-only: 'dies' -> 'die' but 'flies' -> 'fli'.
    if w.len() == 4 && ends_with(w, b"ies") {
        replace_tail(w, 3, b"ie");
        return;
    }
    apply_rules(
        w,
        &[
            (b"sses", b"ss"),
            (b"ies", b"i"),
            (b"ss", b"ss"),
            (b"s", b""),
        ],
        |_, _, _| true,
    );
}

fn step1b<T: Letter + From<u8>>(w: &mut Vec<T>) {
    // NLTK-only: 'died' -> 'die', 'spied' -> 'spi', and nothing else in step 1b.
    if ends_with(w, b"ied") {
        let rep: &[u8] = if w.len() == 4 { b"ie" } else { b"i" };
        replace_tail(w, 3, rep);
        return;
    }
    if ends_with(w, b"eed") {
        if measure(&w[..w.len() - 3]) > 0 {
            w.truncate(w.len() - 1);
        }
        return;
    }
    let mut succeeded = false;
    for suffix in [&b"ed"[..], &b"ing"[..]] {
        if ends_with(w, suffix) && contains_vowel(&w[..w.len() - suffix.len()]) {
            w.truncate(w.len() - suffix.len());
            succeeded = true;
            break;
        }
    }
    if !succeeded {
        return;
    }
    let n = w.len();
    if ends_with(w, b"at") || ends_with(w, b"bl") || ends_with(w, b"iz") {
        w.push(T::from(b'e'));
        return;
    }
    // The "*d" rule: checked as a condition first, then (nltk quirk) as the literal suffix "*d";
    // either way the result is word[:-2] + word[-1] when word[-1] is not l, s or z.
    if ends_double_consonant(w) || ends_with(w, b"*d") {
        if !matches!(w[n - 1].ascii(), b'l' | b's' | b'z') {
            w.remove(n - 2);
        }
        return;
    }
    // Rule ("", "e", m == 1 and *o): the empty suffix always matches.
    if measure(w) == 1 && ends_cvc(w) {
        w.push(T::from(b'e'));
    }
}

fn step1c<T: Letter + From<u8>>(w: &mut Vec<T>) {
    // NLTK condition: y -> i only after a consonant that is not the whole stem.
    apply_rules(w, &[(b"y", b"i")], |w, k, _| {
        k > 1 && is_consonant(w, k - 1)
    });
}

const STEP2_RULES: &[(&[u8], &[u8])] = &[
    (b"ational", b"ate"),
    (b"tional", b"tion"),
    (b"enci", b"ence"),
    (b"anci", b"ance"),
    (b"izer", b"ize"),
    (b"bli", b"ble"),
    (b"alli", b"al"),
    (b"entli", b"ent"),
    (b"eli", b"e"),
    (b"ousli", b"ous"),
    (b"ization", b"ize"),
    (b"ation", b"ate"),
    (b"ator", b"ate"),
    (b"alism", b"al"),
    (b"iveness", b"ive"),
    (b"fulness", b"ful"),
    (b"ousness", b"ous"),
    (b"aliti", b"al"),
    (b"iviti", b"ive"),
    (b"biliti", b"ble"),
    (b"fulli", b"ful"),
    (b"logi", b"log"),
];

fn step2<T: Letter + From<u8>>(w: &mut Vec<T>) {
    // NLTK-only: ALLI -> AL first, and if it fires run step 2 again (a loop, as the recursion
    // always shortens the word).
    while ends_with(w, b"alli") && measure(&w[..w.len() - 4]) > 0 {
        replace_tail(w, 4, b"al");
    }
    apply_rules(w, STEP2_RULES, |w, k, suffix| {
        // NLTK 'logi' rule measures word[:-3] (the 'l' stays with the stem).
        if suffix == b"logi" {
            measure(&w[..w.len() - 3]) > 0
        } else {
            measure(&w[..k]) > 0
        }
    });
}

fn step3<T: Letter + From<u8>>(w: &mut Vec<T>) {
    apply_rules(
        w,
        &[
            (b"icate", b"ic"),
            (b"ative", b""),
            (b"alize", b"al"),
            (b"iciti", b"ic"),
            (b"ical", b"ic"),
            (b"ful", b""),
            (b"ness", b""),
        ],
        |w, k, _| measure(&w[..k]) > 0,
    );
}

const STEP4_SUFFIXES: &[(&[u8], &[u8])] = &[
    (b"al", b""),
    (b"ance", b""),
    (b"ence", b""),
    (b"er", b""),
    (b"ic", b""),
    (b"able", b""),
    (b"ible", b""),
    (b"ant", b""),
    (b"ement", b""),
    (b"ment", b""),
    (b"ent", b""),
    (b"ion", b""),
    (b"ou", b""),
    (b"ism", b""),
    (b"ate", b""),
    (b"iti", b""),
    (b"ous", b""),
    (b"ive", b""),
    (b"ize", b""),
];

fn step4<T: Letter + From<u8>>(w: &mut Vec<T>) {
    apply_rules(w, STEP4_SUFFIXES, |w, k, suffix| {
        // (m>1 and (*S or *T)) ION; m > 1 implies the stem is non-empty.
        measure(&w[..k]) > 1 && (suffix != b"ion" || matches!(w[k - 1].ascii(), b's' | b't'))
    });
}

fn step5a<T: Letter>(w: &mut Vec<T>) {
    if ends_with(w, b"e") {
        let stem = &w[..w.len() - 1];
        let m = measure(stem);
        if m > 1 || (m == 1 && !ends_cvc(stem)) {
            w.truncate(w.len() - 1);
        }
    }
}

fn step5b<T: Letter>(w: &mut Vec<T>) {
    // Rule ("ll", "l", m(word[:-1]) > 1).
    if ends_with(w, b"ll") && measure(&w[..w.len() - 1]) > 1 {
        w.truncate(w.len() - 1);
    }
}

fn run_steps<T: Letter + From<u8>>(w: &mut Vec<T>) {
    step1a(w);
    step1b(w);
    step1c(w);
    step2(w);
    step3(w);
    step4(w);
    step5a(w);
    step5b(w);
}

/// nltk's NLTK_EXTENSIONS table of irregular forms, looked up on the lowercased word.
fn irregular(w: &str) -> Option<&'static str> {
    Some(match w {
        "sky" | "skies" => "sky",
        "dying" => "die",
        "lying" => "lie",
        "tying" => "tie",
        "news" => "news",
        "innings" | "inning" => "inning",
        "outings" | "outing" => "outing",
        "cannings" | "canning" => "canning",
        "howe" => "howe",
        "proceed" => "proceed",
        "exceed" => "exceed",
        "succeed" => "succeed",
        _ => return None,
    })
}

/// Python's `str.lower()` (full mapping, final sigma), from CPython 3.11's own Unicode tables.
fn py_lower(word: &str) -> String {
    crate::pystr::py_lower(word).into_owned()
}

/// Appends the stem of `word` to `out`, using `scratch` as working space for ASCII words.
fn stem_into(word: &str, out: &mut String, scratch: &mut Vec<u8>) {
    // nltk: stem = word.lower(); the length test below uses the original word.
    if word.is_ascii() {
        scratch.clear();
        scratch.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
        stem_ascii(scratch, word.len(), out);
        return;
    }
    let lowered = py_lower(word);
    if lowered.is_ascii() {
        // e.g. KELVIN SIGN lowercases to 'k'; the original length still counts characters.
        scratch.clear();
        scratch.extend_from_slice(lowered.as_bytes());
        stem_ascii(scratch, word.chars().count(), out);
        return;
    }
    if word.chars().count() <= 2 {
        out.push_str(&lowered);
        return;
    }
    // Not in the (ASCII) irregular table, as `lowered` is not ASCII.
    let mut w: Vec<char> = lowered.chars().collect();
    run_steps(&mut w);
    out.extend(w);
}

/// The ASCII path: `w` is the lowercased word, `orig_len` the original word's length in chars.
fn stem_ascii(w: &mut Vec<u8>, orig_len: usize, out: &mut String) {
    // The bytes are ASCII, so `from_utf8` cannot fail.
    if let Some(s) = std::str::from_utf8(w).ok().and_then(irregular) {
        out.push_str(s);
        return;
    }
    // MARTIN/NLTK: words of 1 or 2 characters are not stemmed.
    if orig_len > 2 {
        run_steps(w);
    }
    out.extend(w.iter().map(|&b| char::from(b)));
}

/// Stem of a word as nltk's `PorterStemmer().stem(word)` (NLTK_EXTENSIONS) returns it.
pub fn stem(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    stem_into(word, &mut out, &mut Vec::with_capacity(word.len()));
    out
}

/// Memoises `stem`: a pure function of the word, so caching is semantically safe.
#[derive(Default)]
pub struct StemCache {
    map: HashMap<Box<str>, Box<str>, FxBuildHasher>,
    scratch: Vec<u8>,
    out: String,
}

impl StemCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The stem of `word`, computed once per distinct word (a hit hashes once and allocates
    /// nothing).
    pub fn stem(&mut self, word: &str) -> &str {
        let Self { map, scratch, out } = self;
        map.entry_ref(word).or_insert_with(|| {
            out.clear();
            stem_into(word, out, scratch);
            Box::from(out.as_str())
        })
    }

    /// Number of distinct words cached.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(pairs: &[(&str, &str)]) {
        let mut cache = StemCache::new();
        for &(word, want) in pairs {
            assert_eq!(stem(word), want, "stem({word:?})");
            assert_eq!(cache.stem(word), want, "cache.stem({word:?})");
            assert_eq!(cache.stem(word), want, "cache hit for {word:?}");
        }
    }

    #[test]
    fn nltk_doctest_vector() {
        // nltk/test/stem.doctest.
        let words =
            "caresses flies dies mules denied died agreed owned humbled sized meeting stating \
                     siezing itemization sensational traditional reference colonizer plotted";
        let stems = "caress fli die mule deni die agre own humbl size meet state siez item sensat \
                     tradit refer colon plot";
        let pairs: Vec<_> = words
            .split_whitespace()
            .zip(stems.split_whitespace())
            .collect();
        assert_eq!(pairs.len(), 19);
        check(&pairs);
    }

    #[test]
    fn research_sample_nltk_column() {
        check(&[
            ("skies", "sky"),
            ("dying", "die"),
            ("news", "news"),
            ("innings", "inning"),
            ("proceed", "proceed"),
            ("dies", "die"),
            ("flies", "fli"),
            ("died", "die"),
            ("spied", "spi"),
            ("agreed", "agre"),
            ("feed", "feed"),
            ("hopping", "hop"),
            ("filing", "file"),
            ("happy", "happi"),
            ("enjoy", "enjoy"),
            ("relational", "relat"),
            ("conditional", "condit"),
            ("rational", "ration"),
            ("radically", "radic"),
            ("generously", "gener"),
            ("hopefully", "hope"),
            ("geology", "geolog"),
            ("archaeology", "archaeolog"),
            ("controlling", "control"),
            ("rolling", "roll"),
            ("generalization", "gener"),
            ("sensibility", "sensibl"),
            ("electricity", "electr"),
            ("communism", "commun"),
            ("probate", "probat"),
            ("cease", "ceas"),
            ("1990s", "1990"),
            ("mp3s", "mp3"),
            ("yyyy", "yyyi"),
            ("syzygy", "syzygi"),
            ("sized", "size"),
            ("quickly", "quickli"),
            ("ability", "abil"),
            ("abbey", "abbey"),
        ]);
    }

    #[test]
    fn irregular_forms() {
        check(&[
            ("sky", "sky"),
            ("lying", "lie"),
            ("tying", "tie"),
            ("inning", "inning"),
            ("outings", "outing"),
            ("cannings", "canning"),
            ("howe", "howe"),
            ("exceed", "exceed"),
            ("succeed", "succeed"),
            ("SKIES", "sky"),
        ]);
    }

    #[test]
    fn short_words_and_edge_cases() {
        check(&[
            ("", ""),
            ("a", "a"),
            ("is", "is"),
            ("as", "as"),
            ("On", "on"),
            ("ABC", "abc"),
            ("oed", "o"),
            ("sss", "sss"),
            ("yes", "ye"),
            ("ies", "i"),
            ("ied", "i"),
            ("eed", "eed"),
            ("covid19", "covid19"),
            ("hopeful", "hope"),
            ("goodness", "good"),
            ("formalize", "formal"),
            ("triplicate", "triplic"),
            ("allowance", "allow"),
            ("adoption", "adopt"),
        ]);
    }

    #[test]
    fn star_d_literal_suffix_quirk() {
        // nltk's "*d" rule also matches the literal suffix "*d" in step 1b.
        check(&[("a*ded", "ad"), ("a*dding", "a*d")]);
    }

    #[test]
    fn non_ascii() {
        check(&[
            ("ÉTÉS", "été"),
            ("\u{212a}elvin", "kelvin"),
            ("s\u{212a}ies", "sky"),
            ("naïvely", "naïv"),
            ("ΣΑΣ", "σας"),
            ("İİİing", "i\u{307}i\u{307}i\u{307}"),
            ("Straße", "straße"),
            ("ŉing", "ŉing"),
            ("İ", "i\u{307}"),
        ]);
    }

    #[test]
    fn long_y_runs() {
        let w = "y".repeat(10_000);
        let s = stem(&w);
        assert_eq!(s.len(), 10_000);
        assert!(s.ends_with('i'));
    }

    #[test]
    fn cache_counts_distinct_words() {
        let mut c = StemCache::new();
        assert!(c.is_empty());
        for w in ["running", "runs", "running", "ran"] {
            c.stem(w);
        }
        assert_eq!(c.len(), 3);
    }

    proptest! {
        #[test]
        fn never_panics(word in any::<String>()) {
            let s = stem(&word);
            let mut c = StemCache::new();
            prop_assert_eq!(c.stem(&word), s.as_str());
        }

        #[test]
        fn never_panics_on_suffix_soup(word in "[a-z0-9*éİΣ]{0,20}(s|es|ies|ed|ied|eed|ing|y|alli|logi|ion|ll|e)?") {
            let s = stem(&word);
            prop_assert!(s.chars().count() <= word.to_lowercase().chars().count());
        }

        #[test]
        fn ascii_and_char_paths_agree(word in "[a-z0-9y]{0,16}") {
            // Run the generic char path on an ASCII word and compare with the byte path.
            let mut w: Vec<char> = word.chars().collect();
            if w.len() > 2 && irregular(&word).is_none() {
                run_steps(&mut w);
            }
            let via_chars: String = w.into_iter().collect();
            prop_assert_eq!(stem(&word), via_chars);
        }
    }
}
