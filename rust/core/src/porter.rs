//! nltk PorterStemmer (NLTK_EXTENSIONS mode) ported exactly. (stub: being written)

/// Stem of a lowercase word as nltk's `PorterStemmer().stem(word)` returns it.
pub fn stem(word: &str) -> String {
    word.to_string()
}
