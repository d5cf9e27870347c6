//! PyO3 layer only: converts inputs, detaches from the interpreter, maps errors. No metric logic here.

use pyo3::prelude::*;

mod arrow;
mod bleu;
mod chrf;
mod common;
mod from_stats;
mod pairwise;
mod porter;
mod resample;
mod rouge;
mod surrogates;
mod ter;
mod texts;
mod unicode;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "BUILD_PROFILE",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    // sacrebleu's BLEU sums log precisions with the interpreter's sum(), compensated since 3.12.
    lexmetrics_core::bleu::set_python_sum_compensated(m.py().version_info() >= (3, 12));
    m.add_function(wrap_pyfunction!(common::default_workers, m)?)?;
    m.add_function(wrap_pyfunction!(common::_panic_test_hook, m)?)?;
    rouge::register(m)?;
    bleu::register(m)?;
    chrf::register(m)?;
    pairwise::register(m)?;
    from_stats::register(m)?;
    porter::register(m)?;
    ter::register(m)?;
    texts::register(m)?;
    unicode::register(m)?;
    resample::register(m)?;
    Ok(())
}
