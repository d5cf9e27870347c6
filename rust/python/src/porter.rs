//! Porter stemmer bindings: `porter_stem(words)` exposes the core stemmer for parity tests.

use lexmetrics_core::porter::StemCache;
use pyo3::prelude::*;

use crate::common::extract_strs;

/// Stems each word as nltk's `PorterStemmer().stem(word)` (NLTK_EXTENSIONS) does.
#[pyfunction]
fn porter_stem(py: Python<'_>, words: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    crate::unicode::ensure(py, false)?;
    let words = extract_strs(words, "words")?;
    Ok(py.detach(|| {
        let mut cache = StemCache::new();
        words.iter().map(|w| cache.stem(w).to_owned()).collect()
    }))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(porter_stem, m)?)?;
    Ok(())
}
