//! A word-level diff of a reply and its correction (Myers' algorithm over words), and
//! its lines: deleted words red and struck through inside `[-…-]`, inserted words green
//! inside `{+…+}`, so it reads without colour too. Bounded, so a frame never stalls.

use super::style::Look;
use super::text::{self, Piece};
use ratatui::text::Line;

/// Words on either side above which no word diff is made.
pub const MAX_WORDS: usize = 5_000;
/// Edits (deleted plus inserted words) above which the word diff gives up.
pub const MAX_EDITS: usize = 1_000;

/// A run of words the two sides share, or that one side alone has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Same(String),
    Deleted(String),
    Inserted(String),
}

/// The diff, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diff {
    Ops(Vec<Op>),
    /// One side has more than [`MAX_WORDS`] words, or they differ in more than
    /// [`MAX_EDITS`]: the sentence says so.
    TooLarge(String),
}

/// Words and line breaks: a line break is a token of its own ("\n") so paragraphs stay.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push("\n");
        }
        out.extend(line.split_whitespace());
    }
    out
}

/// The word diff of `old` and `new`.
pub fn diff(old: &str, new: &str) -> Diff {
    let a = tokens(old);
    let b = tokens(new);
    let words = |t: &[&str]| t.iter().filter(|w| **w != "\n").count();
    let (na, nb) = (words(&a), words(&b));
    if na > MAX_WORDS || nb > MAX_WORDS {
        return Diff::TooLarge(format!(
            "Too large for a word diff ({na} words against {nb}; at most {MAX_WORDS} a side)."
        ));
    }
    match myers(&a, &b) {
        Some(ops) => Diff::Ops(ops),
        None => Diff::TooLarge(format!(
            "Too many changes for a word diff (more than {MAX_EDITS} words differ)."
        )),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Same,
    Deleted,
    Inserted,
}

/// Myers' O((N+M)D) shortest edit script, giving up past [`MAX_EDITS`].
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    // The shared start and end cost nothing to find and need no search.
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let (n, m) = (ma.len() as isize, mb.len() as isize);
    let max = (n + m) as usize;
    let mut steps: Vec<(Kind, &str)> = Vec::with_capacity(a.len() + b.len());
    steps.extend(a[..pre].iter().map(|w| (Kind::Same, *w)));
    if max > 0 {
        if max.min(MAX_EDITS) < (n - m).unsigned_abs() {
            return None;
        }
        let off = max as isize;
        let mut v = vec![0isize; 2 * max + 1];
        // v after each d, only the diagonals -d..=d (what backtracking reads).
        let mut trace: Vec<Vec<isize>> = Vec::new();
        let mut found = None;
        for d in 0..=(max.min(MAX_EDITS) as isize) {
            let mut k = -d;
            while k <= d {
                let i = (k + off) as usize;
                let mut x = if k == -d || (k != d && v[i - 1] < v[i + 1]) {
                    v[i + 1]
                } else {
                    v[i - 1] + 1
                };
                let mut y = x - k;
                while x < n && y < m && ma[x as usize] == mb[y as usize] {
                    x += 1;
                    y += 1;
                }
                v[i] = x;
                if x >= n && y >= m {
                    found = Some(d);
                    break;
                }
                k += 2;
            }
            trace.push(v[(off - d) as usize..=(off + d) as usize].to_vec());
            if found.is_some() {
                break;
            }
        }
        let d_end = found?;
        let mut middle: Vec<(Kind, &str)> = Vec::new();
        let (mut x, mut y) = (n, m);
        for d in (1..=d_end).rev() {
            let prev = &trace[(d - 1) as usize];
            let at = |k: isize| prev[(k + d - 1) as usize];
            let k = x - y;
            let down = k == -d || (k != d && at(k - 1) < at(k + 1));
            let pk = if down { k + 1 } else { k - 1 };
            let px = at(pk);
            let py = px - pk;
            // The snake after the edit, then the edit itself.
            let (ex, ey) = if down { (px, py + 1) } else { (px + 1, py) };
            while x > ex && y > ey {
                x -= 1;
                y -= 1;
                middle.push((Kind::Same, ma[x as usize]));
            }
            if down {
                middle.push((Kind::Inserted, mb[py as usize]));
            } else {
                middle.push((Kind::Deleted, ma[px as usize]));
            }
            (x, y) = (px, py);
        }
        while x > 0 && y > 0 {
            x -= 1;
            y -= 1;
            middle.push((Kind::Same, ma[x as usize]));
        }
        middle.reverse();
        steps.extend(middle);
    }
    steps.extend(a[a.len() - suf..].iter().map(|w| (Kind::Same, *w)));
    Some(group(steps))
}

/// Runs of one kind joined with spaces (a line break stays a token of its own).
fn group(steps: Vec<(Kind, &str)>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut kind = Kind::Same;
    let flush = |out: &mut Vec<Op>, run: &mut Vec<&str>, kind: Kind| {
        if run.is_empty() {
            return;
        }
        let s = run.join(" ");
        run.clear();
        out.push(match kind {
            Kind::Same => Op::Same(s),
            Kind::Deleted => Op::Deleted(s),
            Kind::Inserted => Op::Inserted(s),
        });
    };
    for (k, w) in steps {
        if k != kind || w == "\n" || run.last() == Some(&"\n") {
            flush(&mut out, &mut run, kind);
            kind = k;
        }
        run.push(w);
    }
    flush(&mut out, &mut run, kind);
    out
}

/// The diff overlay's box for a screen of `width` x `height`: (width, height).
pub fn overlay_size(width: u16, height: u16) -> (u16, u16) {
    (width.saturating_sub(8).min(100), height.saturating_sub(4))
}

/// Rows of the box that are not the diff's text: the border, the legend and a blank line.
pub const OVERLAY_FRAME_ROWS: u16 = 4;
/// Columns of the box that are not text: the border and a margin each side.
pub const OVERLAY_FRAME_COLUMNS: u16 = 4;

/// The columns and rows the diff's text gets on a screen of `width` x `height`.
pub fn text_room(width: u16, height: u16) -> (usize, usize) {
    let (w, h) = overlay_size(width, height);
    (
        usize::from(w.saturating_sub(OVERLAY_FRAME_COLUMNS)).max(1),
        usize::from(h.saturating_sub(OVERLAY_FRAME_ROWS)).max(1),
    )
}

/// The furthest the diff scrolls on a screen of `width` x `height`.
pub fn max_scroll(d: &Diff, width: u16, height: u16, look: &Look) -> usize {
    let (cols, rows) = text_room(width, height);
    lines(d, cols, look).len().saturating_sub(rows)
}

/// The diff as lines of `width` columns, sanitised for the terminal.
pub fn lines(d: &Diff, width: usize, look: &Look) -> Vec<Line<'static>> {
    let t = &look.theme;
    let ops = match d {
        Diff::Ops(ops) => ops,
        Diff::TooLarge(why) => {
            return text::wrap(&[Piece::new(why.clone(), t.warning)], &[], &[], width);
        }
    };
    let mut out = Vec::new();
    let mut para: Vec<Piece> = Vec::new();
    let end = |para: &mut Vec<Piece>, out: &mut Vec<Line<'static>>| {
        out.extend(text::wrap(para, &[], &[], width));
        para.clear();
    };
    for op in ops {
        let (s, style, open, close) = match op {
            Op::Same(s) => (s, t.text, "", ""),
            Op::Deleted(s) => (s, t.negative.patch(t.strike), "[-", "-]"),
            Op::Inserted(s) => (s, t.positive, "{+", "+}"),
        };
        if s == "\n" {
            match op {
                Op::Same(_) => end(&mut para, &mut out),
                Op::Deleted(_) => para.push(Piece::new("[-¶-] ", style)),
                Op::Inserted(_) => {
                    para.push(Piece::new("{+¶+}", style));
                    end(&mut para, &mut out);
                }
            }
            continue;
        }
        let words = text::sanitize(s);
        para.push(Piece::new(format!("{open}{words}{close} "), style));
    }
    if !para.is_empty() || out.is_empty() {
        end(&mut para, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(old: &str, new: &str) -> Vec<Op> {
        match diff(old, new) {
            Diff::Ops(o) => o,
            Diff::TooLarge(why) => panic!("{why}"),
        }
    }
    use Op::*;
    fn same(s: &str) -> Op {
        Same(s.into())
    }
    fn del(s: &str) -> Op {
        Deleted(s.into())
    }
    fn ins(s: &str) -> Op {
        Inserted(s.into())
    }

    /// The diff's two sides give back the two texts' words.
    fn sides(o: &[Op]) -> (String, String) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for op in o {
            match op {
                Same(s) => {
                    a.push(s.clone());
                    b.push(s.clone());
                }
                Deleted(s) => a.push(s.clone()),
                Inserted(s) => b.push(s.clone()),
            }
        }
        (a.join(" "), b.join(" "))
    }

    #[test]
    fn an_insertion() {
        assert_eq!(
            ops("the cat sat", "the black cat sat"),
            vec![same("the"), ins("black"), same("cat sat")]
        );
    }

    #[test]
    fn a_deletion() {
        assert_eq!(
            ops("it was really very good", "it was good"),
            vec![same("it was"), del("really very"), same("good")]
        );
    }

    #[test]
    fn a_replacement() {
        assert_eq!(
            ops("It was 1999 in Paris.", "It was 2001 in Paris."),
            vec![same("It was"), del("1999"), ins("2001"), same("in Paris.")]
        );
    }

    #[test]
    fn empty_sides() {
        assert_eq!(ops("", "new words"), vec![ins("new words")]);
        assert_eq!(ops("old words", ""), vec![del("old words")]);
        assert_eq!(ops("", ""), Vec::<Op>::new());
        assert_eq!(ops("same", "same"), vec![same("same")]);
    }

    #[test]
    fn scattered_edits_give_back_both_texts() {
        let old = "a b c d e f g h i j k";
        let new = "a x c d y f g h j k z";
        let o = ops(old, new);
        assert_eq!(sides(&o), (old.to_string(), new.to_string()));
        let edits = o.iter().filter(|op| !matches!(op, Same(_))).count();
        assert!(edits <= 6, "{o:?}");
    }

    #[test]
    fn random_edits_give_back_both_texts_with_a_shortest_script() {
        // A small LCG: the same cases every run.
        let mut seed = 0x2545_f491_u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..300 {
            let a: Vec<String> = (0..next(12)).map(|_| format!("w{}", next(4))).collect();
            let b: Vec<String> = (0..next(12)).map(|_| format!("w{}", next(4))).collect();
            let (a, b) = (a.join(" "), b.join(" "));
            let o = ops(&a, &b);
            assert_eq!(sides(&o), (a.clone(), b.clone()), "{o:?}");
            // As many edits as the LCS says, no more.
            let (x, y): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
            let (x, y) = (
                x.into_iter().filter(|w| !w.is_empty()).collect::<Vec<_>>(),
                y.into_iter().filter(|w| !w.is_empty()).collect::<Vec<_>>(),
            );
            let mut lcs = vec![vec![0usize; y.len() + 1]; x.len() + 1];
            for i in 0..x.len() {
                for j in 0..y.len() {
                    lcs[i + 1][j + 1] = if x[i] == y[j] {
                        lcs[i][j] + 1
                    } else {
                        lcs[i][j + 1].max(lcs[i + 1][j])
                    };
                }
            }
            let edits: usize = o
                .iter()
                .map(|op| match op {
                    Same(_) => 0,
                    Deleted(s) | Inserted(s) => s.split(' ').count(),
                })
                .sum();
            assert_eq!(
                edits,
                x.len() + y.len() - 2 * lcs[x.len()][y.len()],
                "{a} | {b}"
            );
        }
    }

    #[test]
    fn line_breaks_are_kept() {
        let o = ops("one\ntwo", "one\nthree");
        assert_eq!(o, vec![same("one"), same("\n"), del("two"), ins("three")]);
    }

    #[test]
    fn the_size_bound_says_so_instead_of_diffing() {
        let big = "w ".repeat(MAX_WORDS + 1);
        assert!(matches!(diff(&big, "w"), Diff::TooLarge(s) if s.contains("Too large")));
        let a: Vec<String> = (0..3000).map(|i| format!("a{i}")).collect();
        let b: Vec<String> = (0..3000).map(|i| format!("b{i}")).collect();
        let started = std::time::Instant::now();
        let d = diff(&a.join(" "), &b.join(" "));
        assert!(matches!(d, Diff::TooLarge(s) if s.contains("Too many changes")));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // At the bound, a few changes are still shown word by word.
        let mut c = a.clone();
        c[1500] = "changed".into();
        assert!(matches!(diff(&a.join(" "), &c.join(" ")), Diff::Ops(_)));
    }

    #[test]
    #[ignore = "a measurement: run it by name with --ignored --nocapture"]
    fn measure_the_diff_at_its_bounds() {
        let a: Vec<String> = (0..MAX_WORDS).map(|i| format!("w{i}")).collect();
        let mut near = a.clone();
        // Just under the edit bound: every tenth word replaced (two edits each).
        for i in (0..MAX_WORDS).step_by(11).take(MAX_EDITS / 2 - 1) {
            near[i] = format!("x{i}");
        }
        let far: Vec<String> = (0..MAX_WORDS).map(|i| format!("y{i}")).collect();
        let look = Look::new(crate::review::typeset::style::Theme::plain(), false);
        for (name, b) in [("499 replacements", &near), ("all different", &far)] {
            let t = std::time::Instant::now();
            let d = diff(&a.join(" "), &b.join(" "));
            let diffed = t.elapsed();
            let t = std::time::Instant::now();
            let n = lines(&d, 100, &look).len();
            println!(
                "{MAX_WORDS} words a side, {name}: diff {diffed:?}, {n} lines wrapped in {:?} ({})",
                t.elapsed(),
                if matches!(d, Diff::Ops(_)) {
                    "word diff"
                } else {
                    "too large"
                }
            );
        }
    }

    #[test]
    fn lines_carry_text_markers() {
        let look = Look::new(crate::review::typeset::style::Theme::plain(), false);
        let d = diff("It was 1999.", "It was 2001.");
        let text: Vec<String> = lines(&d, 80, &look)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, vec!["It was [-1999.-] {+2001.+}".to_string()]);
    }
}
