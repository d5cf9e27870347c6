//! nltk PorterStemmer (NLTK_EXTENSIONS mode) ported exactly. (stub: being written)

use rustc_hash::FxHashMap;

/// Stem of a word as nltk's `PorterStemmer().stem(word)` (NLTK_EXTENSIONS) returns it.
pub fn stem(word: &str) -> String {
    word.to_string()
}

/// Memoises `stem`: a pure function of the word, so caching is semantically safe.
#[derive(Default)]
pub struct StemCache {
    map: FxHashMap<String, String>,
}

impl StemCache {
    pub fn new() -> Self {
        Self::default()
    }
    /// The stem of `word`, computed once per distinct word.
    pub fn stem(&mut self, word: &str) -> &str {
        if !self.map.contains_key(word) {
            self.map.insert(word.to_string(), stem(word));
        }
        &self.map[word]
    }
}
