//! Line-by-line transliteration of sacrebleu 2.6 `lib_ter.py` (without its cache), the plain
//! oracle the optimized `ter` module is tested against.

const MAX_SHIFT_SIZE: usize = 10;
const MAX_SHIFT_DIST: i64 = 50;
const BEAM_WIDTH: f64 = 25.0;
const MAX_SHIFT_CANDIDATES: usize = 1000;
const INT_INFINITY: i64 = 10_000_000_000_000_000;

fn edit_distance(h: &[u32], r: &[u32]) -> (i64, Vec<u8>) {
    let (n_h, n_r) = (h.len(), r.len());
    let mut dist = vec![vec![(INT_INFINITY, b'x'); n_r + 1]; n_h + 1];
    for (j, cell) in dist[0].iter_mut().enumerate() {
        *cell = (j as i64, b'i');
    }
    let ratio = if n_h > 0 {
        n_r as f64 / n_h as f64
    } else {
        1.0
    };
    let bw = if BEAM_WIDTH < ratio / 2.0 {
        (ratio / 2.0 + BEAM_WIDTH).ceil() as i64
    } else {
        BEAM_WIDTH as i64
    };
    for i in 1..=n_h {
        let pd = (i as f64 * ratio).floor() as i64;
        let min_j = (pd - bw).max(0);
        let mut max_j = (n_r as i64 + 1).min(pd + bw);
        if i == n_h {
            max_j = n_r as i64 + 1;
        }
        for j in min_j..max_j {
            let j = j as usize;
            if j == 0 {
                dist[i][j] = (dist[i - 1][j].0 + 1, b'd');
            } else {
                let (cs, os) = if h[i - 1] == r[j - 1] {
                    (0, b' ')
                } else {
                    (1, b's')
                };
                let ops = [
                    (dist[i - 1][j - 1].0 + cs, os),
                    (dist[i - 1][j].0 + 1, b'd'),
                    (dist[i][j - 1].0 + 1, b'i'),
                ];
                for (c, o) in ops {
                    if dist[i][j].0 > c {
                        dist[i][j] = (c, o);
                    }
                }
            }
        }
    }
    let mut trace = Vec::new();
    let (mut i, mut j) = (n_h, n_r);
    while i > 0 || j > 0 {
        let op = dist[i][j].1;
        trace.push(op);
        match op {
            b's' | b' ' => {
                i -= 1;
                j -= 1
            }
            b'i' => j -= 1,
            b'd' => i -= 1,
            _ => panic!("unknown operation"),
        }
    }
    trace.reverse();
    (dist[n_h][n_r].0, trace)
}

fn perform_shift(w: &[u32], start: usize, length: usize, target: usize) -> Vec<u32> {
    let n = w.len();
    let s = |a: usize, b: usize| w[a.min(n)..b.min(n).max(a.min(n))].to_vec();
    if target < start {
        [
            s(0, target),
            s(start, start + length),
            s(target, start),
            s(start + length, n),
        ]
        .concat()
    } else if target > start + length {
        [
            s(0, start),
            s(start + length, target),
            s(start, start + length),
            s(target, n),
        ]
        .concat()
    } else {
        [
            s(0, start),
            s(start + length, length + target),
            s(start, start + length),
            s(length + target, n),
        ]
        .concat()
    }
}

fn shifted_pairs(h: &[u32], r: &[u32]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for sh in 0..h.len() {
        for sr in 0..r.len() {
            if (sr as i64 - sh as i64).abs() > MAX_SHIFT_DIST {
                continue;
            }
            let mut len = 0;
            while len < MAX_SHIFT_SIZE && h[sh + len] == r[sr + len] {
                len += 1;
                out.push((sh, sr, len));
                if h.len() == sh + len || r.len() == sr + len {
                    break;
                }
            }
        }
    }
    out
}

#[allow(clippy::type_complexity)]
fn shift(h: &[u32], r: &[u32], checked: &mut usize) -> (i64, Vec<u32>) {
    let (pre, inv) = edit_distance(h, r);
    let mut align = std::collections::HashMap::new();
    let (mut ph, mut pr) = (-1i64, -1i64);
    let (mut herr, mut rerr) = (Vec::new(), Vec::new());
    for op in inv {
        // flipped: 'i' <-> 'd'
        match op {
            b' ' | b's' => {
                ph += 1;
                pr += 1;
                align.insert(pr, ph);
                let e = i64::from(op == b's');
                herr.push(e);
                rerr.push(e);
            }
            b'd' => {
                ph += 1;
                herr.push(1);
            }
            _ => {
                pr += 1;
                align.insert(pr, ph);
                rerr.push(1);
            }
        }
    }
    let mut best: Option<((i64, usize, i64, i64), Vec<u32>)> = None;
    for (sh, sr, len) in shifted_pairs(h, r) {
        if herr[sh..sh + len].iter().sum::<i64>() == 0 {
            continue;
        }
        if rerr[sr..sr + len].iter().sum::<i64>() == 0 {
            continue;
        }
        let a = align[&(sr as i64)];
        if sh as i64 <= a && a < (sh + len) as i64 {
            continue;
        }
        let mut prev_idx = -1i64;
        for offset in -1i64..len as i64 {
            let k = sr as i64 + offset;
            let idx = if k == -1 {
                0
            } else if let Some(&v) = align.get(&k) {
                v + 1
            } else {
                break;
            };
            if idx == prev_idx {
                continue;
            }
            prev_idx = idx;
            let w = perform_shift(h, sh, len, idx as usize);
            assert_eq!(w.len(), h.len());
            let key = (pre - edit_distance(&w, r).0, len, -(sh as i64), -idx);
            *checked += 1;
            if best.as_ref().is_none_or(|(bk, bw)| (key, &w) > (*bk, bw)) {
                best = Some((key, w));
            }
        }
        if *checked >= MAX_SHIFT_CANDIDATES {
            break;
        }
    }
    match best {
        None => (0, h.to_vec()),
        Some((k, w)) => (k.0, w),
    }
}

pub fn translation_edit_rate(h: &[u32], r: &[u32]) -> (usize, usize) {
    if r.is_empty() {
        return (h.len(), 0);
    }
    let mut shifts = 0;
    let mut input = h.to_vec();
    let mut checked = 0;
    loop {
        let (delta, new) = shift(&input, r, &mut checked);
        if checked >= MAX_SHIFT_CANDIDATES || delta <= 0 {
            break;
        }
        shifts += 1;
        input = new;
    }
    (shifts + edit_distance(&input, r).0 as usize, r.len())
}
