//! Single-core timing of segment statistics on /tmp/hyp.txt and /tmp/ref.txt (one pair a line,
//! e.g. from benches/bench_bleu.py's corpus()). Usage: prof_bleu [bleu|chrf|chrfpp] [reps]
use lexmetrics_core::{bleu, chrf};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("bleu", String::as_str);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let h = std::fs::read_to_string("/tmp/hyp.txt").unwrap();
    let r = std::fs::read_to_string("/tmp/ref.txt").unwrap();
    let hs: Vec<&str> = h.lines().collect();
    let rs: Vec<&str> = r.lines().collect();
    let mut tot = 0i64;
    let t = std::time::Instant::now();
    match mode {
        "bleu" => {
            let cfg = bleu::BleuConfig::new("13a", false, 4).unwrap();
            let mut out = vec![0i64; cfg.n_stats()];
            for _ in 0..reps {
                for (a, b) in hs.iter().zip(rs.iter()) {
                    bleu::segment_stats(&cfg, a, &[b], &mut out);
                    tot += out.iter().sum::<i64>();
                }
            }
        }
        "chrf" | "chrfpp" => {
            let w = if mode == "chrf" { 0 } else { 2 };
            let cfg = chrf::ChrfConfig::new(6, w, 2.0, false, false, false).unwrap();
            let mut out = vec![0i64; cfg.n_stats()];
            for _ in 0..reps {
                for (a, b) in hs.iter().zip(rs.iter()) {
                    chrf::segment_stats(&cfg, a, &[b], &mut out);
                    tot += out.iter().sum::<i64>();
                }
            }
        }
        _ => panic!("mode: bleu | chrf | chrfpp"),
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "{mode}: {:.3} us/pair (checksum {tot})",
        el / (reps * hs.len()) as f64 * 1e6
    );
}
