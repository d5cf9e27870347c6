//! The stop request is process-wide, so its test runs in its own test binary.

use lexmetrics_core::error::ErrorKind;
use lexmetrics_core::interrupt;
use lexmetrics_core::rouge::{score_texts, RougeType};

#[test]
fn lsum_stops_when_interrupted_and_runs_again_after() {
    let t = vec!["a"; 3000].join("\n");
    interrupt::request();
    let r = score_texts(&t, &t, &[RougeType::Lsum], false);
    interrupt::clear();
    assert_eq!(r.unwrap_err().kind, ErrorKind::Interrupted);
    let s = score_texts(&t, &t, &[RougeType::Lsum], false).unwrap();
    assert_eq!(s.as_slice()[0].fmeasure, 1.0);
}
