use lexmetrics_core::rouge::*;
fn main() {
    let words = ["the","a","of","to","in","and","is","was","model","models","training","trained","result","results","method","running","runs","data","evaluate","summary","Paris","IBM","GPU","2019","happy","network","learning","paper","report","city"];
    let mut s = 12345u64;
    let mut rnd = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; s };
    let mut pairs = Vec::new();
    for _ in 0..std::env::var("NP").ok().and_then(|v| v.parse().ok()).unwrap_or(20000usize) {
        let a: Vec<&str> = (0..40).map(|_| words[(rnd() % 30) as usize]).collect();
        let b: Vec<&str> = a.iter().map(|w| if rnd() % 4 == 0 { words[(rnd() % 30) as usize] } else { *w }).collect();
        pairs.push((a.join(" "), b.join(" ")));
    }
    for types in [vec![RougeType::L], vec![RougeType::N(1)], vec![RougeType::N(1), RougeType::N(2), RougeType::L]] {
        let t0 = std::time::Instant::now();
        let mut acc = 0.0;
        for (a, b) in &pairs {
            let g = score_texts(a, b, &types, false).unwrap();
            acc += g.as_slice()[0].fmeasure;
        }
        println!("{:?}: {:.2} us/pair ({acc})", types, t0.elapsed().as_secs_f64() / pairs.len() as f64 * 1e6);
    }
}
