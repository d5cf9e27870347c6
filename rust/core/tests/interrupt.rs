//! The stop request is process-wide, so its test runs in its own test binary.

use lexmetrics_core::error::ErrorKind;
use lexmetrics_core::interrupt;
use lexmetrics_core::rouge::{score_texts, RougeOptions, RougeType};

/// The tests of this binary take turns: the stop request is shared by the whole process.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn lsum_stops_when_interrupted_and_runs_again_after() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let t = vec!["a"; 3000].join("\n");
    interrupt::request();
    let r = score_texts(&t, &t, &[RougeType::Lsum], RougeOptions::default());
    interrupt::clear();
    assert_eq!(r.unwrap_err().kind, ErrorKind::Interrupted);
    let s = score_texts(&t, &t, &[RougeType::Lsum], RougeOptions::default()).unwrap();
    assert_eq!(s.as_slice()[0].fmeasure, 1.0);
}

#[test]
fn long_lcs_scans_stop_and_leave_clean_scratch() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    use lexmetrics_core::lcs::{lcs_indices, lcs_len, LcsScratch};
    let a: Vec<u32> = (0..300).map(|i| (i * 7 % 13) as u32).collect();
    let b: Vec<u32> = (0..20_000).map(|i| (i * 5 % 13) as u32).collect();
    let mut s = LcsScratch::new();
    let (want_len, mut want_idx) = (lcs_len(&a, &b, 13, &mut s), Vec::new());
    lcs_indices(&a, &b, 13, &mut s, &mut want_idx);

    // rougeL on long documents: the cut-short scan surfaces as Interrupted, not as a score.
    let doc = |v: &[u32]| {
        v.iter()
            .map(|x| format!("w{x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    interrupt::request();
    let r = score_texts(
        &doc(&a[..200]),
        &doc(&b),
        &[RougeType::L],
        RougeOptions::default(),
    );
    // Stopped scans of both kinds (forward pass only, every block size) do not panic.
    for budget_case in 0..2 {
        let mut out = Vec::new();
        let text = if budget_case == 0 { &b[..5000] } else { &b[..] };
        lcs_indices(&a, text, 13, &mut s, &mut out);
        let _ = lcs_len(&a, text, 13, &mut s);
    }
    interrupt::clear();
    assert_eq!(r.unwrap_err().kind, ErrorKind::Interrupted);

    // The same scratch gives the right answers afterwards.
    assert_eq!(lcs_len(&a, &b, 13, &mut s), want_len);
    let mut idx = Vec::new();
    lcs_indices(&a, &b, 13, &mut s, &mut idx);
    assert_eq!(idx, want_idx);
}
