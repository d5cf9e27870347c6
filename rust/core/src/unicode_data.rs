//! Which Unicode tables the tokenizers use: those of the environment whose results we reproduce.
//!
//! sacrebleu's numbers depend on CPython's case/whitespace tables (they change with the
//! interpreter's Unicode version) and, for `intl`, on the `regex` module's classes (they change
//! with the `regex` release). `unicode_tables.rs` bundles one set of CPython tables per Unicode
//! version we were generated with and the classes of one `regex` release. The Python layer picks a
//! bundled set, or installs tables built from the running interpreter / `regex`, before the first
//! call that needs them; each can be chosen once per process. Without a choice (a Rust user), the
//! newest bundled tables apply.

use std::sync::OnceLock;

use crate::unicode_tables::{PYTHON_TABLES, REGEX_CLASSES};

/// CPython's `str` tables for one Unicode version.
#[derive(Debug, PartialEq, Eq)]
pub struct PythonTables {
    /// `unicodedata.unidata_version` of the interpreter the tables come from.
    pub unidata_version: &'static str,
    /// `str.isspace()` (what `split()`/`strip()` remove).
    pub whitespace: &'static [(u32, u32)],
    /// `chr(cp).lower()` for every code point it changes: (cp, up to 3 code points, 0 = none).
    pub lower: &'static [(u32, [u32; 3])],
    /// Case-ignorable (the final-sigma context skips these).
    pub case_ignorable: &'static [(u32, u32)],
    /// Cased and not case-ignorable (final-sigma context).
    pub cased: &'static [(u32, u32)],
}

/// The `regex` module's `\p{P}`, `\p{S}` and `\p{N}` (sacrebleu's intl tokenizer).
#[derive(Debug, PartialEq, Eq)]
pub struct RegexClasses {
    /// The `regex` release the classes come from.
    pub regex_version: &'static str,
    pub p: &'static [(u32, u32)],
    pub s: &'static [(u32, u32)],
    pub n: &'static [(u32, u32)],
}

/// Where the tables in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Bundled, chosen because they match the environment.
    Bundled,
    /// Built at run time from the environment and installed.
    Installed,
    /// Nothing was chosen: the newest bundled tables apply.
    Default,
}

static PYTHON: OnceLock<(&'static PythonTables, Source)> = OnceLock::new();
static REGEX: OnceLock<(&'static RegexClasses, Source)> = OnceLock::new();

/// The CPython tables in use (an atomic load once chosen).
#[inline]
pub fn python_tables() -> &'static PythonTables {
    match PYTHON.get() {
        Some((t, _)) => t,
        None => newest_python_tables(),
    }
}

/// The `regex` classes in use.
#[inline]
pub fn regex_classes() -> &'static RegexClasses {
    match REGEX.get() {
        Some((t, _)) => t,
        None => &REGEX_CLASSES,
    }
}

fn newest_python_tables() -> &'static PythonTables {
    PYTHON_TABLES
        .last()
        .expect("at least one bundled table set")
}

/// The bundled CPython tables of Unicode `unidata_version`, if we ship them.
pub fn bundled_python_tables(unidata_version: &str) -> Option<&'static PythonTables> {
    PYTHON_TABLES
        .iter()
        .find(|t| t.unidata_version == unidata_version)
}

/// The Unicode versions of the bundled CPython tables, oldest first.
pub fn bundled_python_versions() -> impl Iterator<Item = &'static str> {
    PYTHON_TABLES.iter().map(|t| t.unidata_version)
}

/// The `regex` release of the bundled classes.
pub fn bundled_regex_version() -> &'static str {
    REGEX_CLASSES.regex_version
}

/// Why a choice could not be made.
#[derive(Debug, PartialEq, Eq)]
pub enum ChoiceError {
    /// Another table set was chosen earlier in this process (its version is given).
    AlreadyChosen(&'static str),
    /// The ranges are not sorted, disjoint inclusive ranges of scalar values.
    Malformed(&'static str),
}

fn choose<T: PartialEq + 'static>(
    cell: &OnceLock<(&'static T, Source)>,
    t: &'static T,
    source: Source,
    version: impl Fn(&T) -> &'static str,
) -> Result<(), ChoiceError> {
    let (now, _) = cell.get_or_init(|| (t, source));
    if **now == *t {
        Ok(())
    } else {
        Err(ChoiceError::AlreadyChosen(version(now)))
    }
}

/// Use the bundled CPython tables of `unidata_version`; `Ok(false)` when none are bundled.
pub fn use_bundled_python_tables(unidata_version: &str) -> Result<bool, ChoiceError> {
    match bundled_python_tables(unidata_version) {
        None => Ok(false),
        Some(t) => choose(&PYTHON, t, Source::Bundled, |t| t.unidata_version).map(|()| true),
    }
}

/// Use the bundled `regex` classes if they come from `regex_version`; `Ok(false)` otherwise.
pub fn use_bundled_regex_classes(regex_version: &str) -> Result<bool, ChoiceError> {
    if regex_version != REGEX_CLASSES.regex_version {
        return Ok(false);
    }
    choose(&REGEX, &REGEX_CLASSES, Source::Bundled, |t| t.regex_version).map(|()| true)
}

fn check_ranges(r: &[(u32, u32)], what: &'static str) -> Result<(), ChoiceError> {
    let mut prev: Option<u32> = None;
    for &(lo, hi) in r {
        if lo > hi || hi > 0x10FFFF || prev.is_some_and(|p| lo <= p) {
            return Err(ChoiceError::Malformed(what));
        }
        prev = Some(hi);
    }
    Ok(())
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

/// Install CPython tables built at run time (leaked: at most one set per process).
pub fn install_python_tables(
    unidata_version: String,
    whitespace: Vec<(u32, u32)>,
    lower: Vec<(u32, [u32; 3])>,
    case_ignorable: Vec<(u32, u32)>,
    cased: Vec<(u32, u32)>,
) -> Result<(), ChoiceError> {
    check_ranges(&whitespace, "whitespace")?;
    check_ranges(&case_ignorable, "case_ignorable")?;
    check_ranges(&cased, "cased")?;
    let sorted = lower.windows(2).all(|w| w[0].0 < w[1].0);
    let valid = lower.iter().all(|(cp, m)| {
        char::from_u32(*cp).is_some() && m.iter().all(|&x| char::from_u32(x).is_some())
    });
    if !sorted || !valid {
        return Err(ChoiceError::Malformed("lower"));
    }
    if let Some(t) = PYTHON.get() {
        return Err(ChoiceError::AlreadyChosen(t.0.unidata_version));
    }
    let t: &'static PythonTables = Box::leak(Box::new(PythonTables {
        unidata_version: Box::leak(unidata_version.into_boxed_str()),
        whitespace: leak(whitespace),
        lower: leak(lower),
        case_ignorable: leak(case_ignorable),
        cased: leak(cased),
    }));
    choose(&PYTHON, t, Source::Installed, |t| t.unidata_version)
}

/// Install `regex` classes built at run time (leaked: at most one set per process).
pub fn install_regex_classes(
    regex_version: String,
    p: Vec<(u32, u32)>,
    s: Vec<(u32, u32)>,
    n: Vec<(u32, u32)>,
) -> Result<(), ChoiceError> {
    check_ranges(&p, "P")?;
    check_ranges(&s, "S")?;
    check_ranges(&n, "N")?;
    if let Some(t) = REGEX.get() {
        return Err(ChoiceError::AlreadyChosen(t.0.regex_version));
    }
    let t: &'static RegexClasses = Box::leak(Box::new(RegexClasses {
        regex_version: Box::leak(regex_version.into_boxed_str()),
        p: leak(p),
        s: leak(s),
        n: leak(n),
    }));
    choose(&REGEX, t, Source::Installed, |t| t.regex_version)
}

/// The tables in use and where they came from: ((CPython Unicode version, source), (regex
/// release, source)).
pub fn info() -> ((&'static str, Source), (&'static str, Source)) {
    let py = PYTHON
        .get()
        .map_or((newest_python_tables(), Source::Default), |&(t, s)| (t, s));
    let rx = REGEX
        .get()
        .map_or((&REGEX_CLASSES, Source::Default), |&(t, s)| (t, s));
    ((py.0.unidata_version, py.1), (rx.0.regex_version, rx.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tables_are_well_formed() {
        for t in PYTHON_TABLES {
            for r in [t.whitespace, t.case_ignorable, t.cased] {
                assert!(check_ranges(r, "x").is_ok(), "{}", t.unidata_version);
            }
            assert!(t.lower.windows(2).all(|w| w[0].0 < w[1].0));
        }
        for r in [REGEX_CLASSES.p, REGEX_CLASSES.s, REGEX_CLASSES.n] {
            assert!(check_ranges(r, "x").is_ok());
        }
        assert!(check_ranges(&[(5, 4)], "x").is_err());
        assert!(check_ranges(&[(1, 4), (4, 6)], "x").is_err());
        assert!(check_ranges(&[(1, 0x110000)], "x").is_err());
    }

    #[test]
    fn bundled_versions_are_sorted_and_found() {
        let v: Vec<_> = bundled_python_versions().collect();
        assert!(v.len() >= 2);
        for w in v.windows(2) {
            let a: Vec<u32> = w[0].split('.').map(|x| x.parse().unwrap()).collect();
            let b: Vec<u32> = w[1].split('.').map(|x| x.parse().unwrap()).collect();
            assert!(a < b);
        }
        assert!(bundled_python_tables(v[0]).is_some());
        assert!(bundled_python_tables("1.0.0").is_none());
    }
}
