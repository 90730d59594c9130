//! Markdown to wrapped, styled terminal lines: headings, lists, emphasis, quotes, code.

use super::style::{Look, Theme};
use super::text::{self, Piece};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Renders `source` as markdown into lines at most `width` columns wide.
pub fn render(source: &str, width: usize, look: &Look) -> Vec<Line<'static>> {
    let mut r = Renderer::new(width.max(4), look);
    let options =
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(source, options) {
        r.event(event);
    }
    r.finish()
}

/// Plain text (tool inputs and outputs): every line kept, long lines wrapped.
pub fn render_plain(
    source: &str,
    width: usize,
    style: Style,
    prefix: Span<'static>,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for raw in source.lines() {
        let clean = text::sanitize(raw);
        let pieces = [Piece::new(clean.into_owned(), style)];
        let p = [prefix.clone()];
        out.extend(text::wrap(&pieces, &p, &p, width.max(4)));
    }
    if out.is_empty() {
        out.push(Line::from(prefix));
    }
    out
}

/// The words of the start of `source` with the markdown taken out (emphasis, code
/// marks, heading marks, link targets), whitespace collapsed, until at least `max`
/// columns are gathered: a one-line preview. Only a paragraph or so is parsed, since
/// the parser reads its whole input before giving the first event.
pub fn plain_text(source: &str, max: usize) -> String {
    let mut raw = String::new();
    for block in source.split("\n\n") {
        // A single paragraph may be the whole message; the preview needs only its start.
        let mut end = block.len().min(4 * max + 64);
        while !block.is_char_boundary(end) {
            end -= 1;
        }
        for event in Parser::new_ext(&block[..end], Options::ENABLE_STRIKETHROUGH) {
            match event {
                Event::Text(s) | Event::Code(s) | Event::InlineMath(s) | Event::DisplayMath(s) => {
                    raw.push_str(&s)
                }
                Event::TaskListMarker(done) => raw.push_str(if done { "[x] " } else { "[ ] " }),
                Event::End(
                    TagEnd::Emphasis
                    | TagEnd::Strong
                    | TagEnd::Strikethrough
                    | TagEnd::Link
                    | TagEnd::Image,
                ) => {}
                // Words in separate lines, blocks or cells must not run together.
                Event::SoftBreak | Event::HardBreak | Event::End(_) => raw.push(' '),
                _ => {}
            }
        }
        raw.push(' ');
        if text::width(&raw) >= max {
            break;
        }
    }
    let flat = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    text::sanitize(&flat).into_owned()
}

enum Frame {
    Quote,
    Item { marker: String, used: bool },
}

struct Renderer<'l> {
    look: &'l Look,
    width: usize,
    out: Vec<Line<'static>>,
    pieces: Vec<Piece>,
    /// The current block has started a line (a list marker is waiting for its text).
    open: bool,
    styles: Vec<Style>,
    frames: Vec<Frame>,
    lists: Vec<Option<u64>>,
    code: Option<Vec<String>>,
    link: Option<String>,
    blank_before_next: bool,
    table_row: Vec<Vec<Piece>>,
    table: Vec<Vec<Vec<Piece>>>,
    in_table_head: bool,
}

impl<'l> Renderer<'l> {
    fn new(width: usize, look: &'l Look) -> Self {
        Renderer {
            look,
            width,
            out: Vec::new(),
            pieces: Vec::new(),
            open: false,
            styles: vec![look.theme.text],
            frames: Vec::new(),
            lists: Vec::new(),
            code: None,
            link: None,
            blank_before_next: false,
            table_row: Vec::new(),
            table: Vec::new(),
            in_table_head: false,
        }
    }

    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, s: Style) {
        let merged = self.style().patch(s);
        self.styles.push(merged);
    }

    fn pop_style(&mut self) {
        if self.styles.len() > 1 {
            self.styles.pop();
        }
    }

    /// The prefixes for the next line: quote bars and list markers (first use only).
    fn prefixes(&mut self) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
        let g = self.look.glyphs;
        let t = &self.look.theme;
        let mut first = Vec::new();
        let mut rest = Vec::new();
        for f in &mut self.frames {
            match f {
                Frame::Quote => {
                    first.push(Span::styled(format!("{} ", g.quote), t.quote));
                    rest.push(Span::styled(format!("{} ", g.quote), t.quote));
                }
                Frame::Item { marker, used } => {
                    let pad = " ".repeat(text::width(marker));
                    if *used {
                        first.push(Span::raw(pad.clone()));
                    } else {
                        first.push(Span::styled(marker.clone(), t.bullet));
                        *used = true;
                    }
                    rest.push(Span::raw(pad));
                }
            }
        }
        (first, rest)
    }

    fn quote_prefix(&self) -> Vec<Span<'static>> {
        self.frames
            .iter()
            .filter(|f| matches!(f, Frame::Quote))
            .map(|_| {
                Span::styled(
                    format!("{} ", self.look.glyphs.quote),
                    self.look.theme.quote,
                )
            })
            .collect()
    }

    fn start_block(&mut self) {
        self.flush();
        if self.blank_before_next && !self.out.is_empty() {
            let q = self.quote_prefix();
            self.out.push(Line::from(q));
        }
        self.blank_before_next = false;
    }

    fn end_block(&mut self) {
        self.flush();
        self.blank_before_next = true;
    }

    fn flush(&mut self) {
        if self.pieces.is_empty() && !self.open {
            return;
        }
        let pieces = std::mem::take(&mut self.pieces);
        let (first, rest) = self.prefixes();
        self.out
            .extend(text::wrap(&pieces, &first, &rest, self.width));
        self.open = false;
    }

    fn text(&mut self, s: &str) {
        let clean = text::sanitize(s).into_owned();
        let style = self.style();
        if self.in_table() {
            if let Some(cell) = self.table_row.last_mut() {
                cell.push(Piece::new(clean, style));
            }
            return;
        }
        self.pieces.push(Piece::new(clean, style));
    }

    fn in_table(&self) -> bool {
        !self.table_row.is_empty()
    }

    fn event(&mut self, event: Event<'_>) {
        let look = self.look;
        let t = &look.theme;
        if let Some(code) = &mut self.code {
            match event {
                Event::Text(s) => {
                    code.extend(s.split('\n').map(str::to_string));
                    return;
                }
                Event::End(TagEnd::CodeBlock) => {}
                _ => return,
            }
        }
        match event {
            Event::Start(tag) => self.start(tag, t),
            Event::End(tag) => self.end(tag),
            Event::Text(s) => self.text(&s),
            Event::Code(s) => {
                let clean = text::sanitize(&s).into_owned();
                let style = self.style().patch(t.code);
                if self.in_table() {
                    if let Some(cell) = self.table_row.last_mut() {
                        cell.push(Piece::new(clean, style));
                    }
                } else {
                    self.pieces.push(Piece::new(clean, style));
                }
            }
            Event::InlineMath(s) | Event::DisplayMath(s) => self.text(&s),
            Event::Html(s) | Event::InlineHtml(s) => self.text(s.trim_end_matches('\n')),
            Event::FootnoteReference(s) => self.text(&format!("[{s}]")),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => {
                self.flush();
                self.open = false;
            }
            Event::Rule => {
                self.start_block();
                let w = self.width.min(40);
                self.out.push(Line::from(Span::styled(
                    self.look.glyphs.rule.repeat(w),
                    t.rule,
                )));
                self.blank_before_next = true;
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>, t: &Theme) {
        match tag {
            Tag::Paragraph => {
                if !self.open {
                    self.start_block();
                }
            }
            Tag::Heading { level, .. } => {
                self.start_block();
                let mut style = t.heading;
                if level >= HeadingLevel::H3 {
                    style = t.strong;
                }
                self.push_style(style);
            }
            Tag::BlockQuote(_) => {
                self.start_block();
                self.frames.push(Frame::Quote);
                self.push_style(t.quote);
            }
            Tag::CodeBlock(kind) => {
                self.start_block();
                if let CodeBlockKind::Fenced(lang) = kind
                    && !lang.is_empty()
                {
                    let q = self.quote_prefix();
                    let mut spans = q;
                    spans.push(Span::styled(
                        text::truncate_with(
                            &text::sanitize(&lang),
                            self.width,
                            self.look.glyphs.ellipsis,
                        )
                        .into_owned(),
                        t.dim,
                    ));
                    self.out.push(Line::from(spans));
                }
                self.code = Some(Vec::new());
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.start_block();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => format!("{} ", self.look.glyphs.bullet),
                };
                self.frames.push(Frame::Item {
                    marker,
                    used: false,
                });
                self.open = true;
            }
            Tag::Emphasis => self.push_style(t.emphasis),
            Tag::Strong => self.push_style(t.strong),
            Tag::Strikethrough => self.push_style(t.strike),
            Tag::Link { dest_url, .. } => {
                self.push_style(t.link);
                self.link = Some(dest_url.to_string());
            }
            Tag::Image { dest_url, .. } => {
                self.text("[image: ");
                self.link = Some(dest_url.to_string());
            }
            Tag::Table(_) => {
                self.start_block();
            }
            Tag::TableHead => {
                self.in_table_head = true;
                self.table_row = Vec::new();
            }
            Tag::TableRow => self.table_row = Vec::new(),
            Tag::TableCell => {
                if self.in_table_head {
                    self.push_style(t.strong);
                }
                self.table_row.push(Vec::new());
            }
            Tag::FootnoteDefinition(name) => {
                self.start_block();
                self.text(&format!("[{name}]: "));
            }
            Tag::HtmlBlock
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_)
            | Tag::Superscript
            | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.end_block(),
            TagEnd::Heading(_) => {
                self.pop_style();
                self.end_block();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.frames.pop();
                self.pop_style();
                self.blank_before_next = true;
            }
            TagEnd::CodeBlock => {
                let lines = self.code.take().unwrap_or_default();
                let mut lines = lines.as_slice();
                // A fenced block's text ends with a newline: drop the empty last line.
                if lines.last().is_some_and(|l| l.is_empty()) {
                    lines = &lines[..lines.len() - 1];
                }
                let (mut first, mut rest) = self.prefixes();
                let bar = Span::styled(format!("{} ", self.look.glyphs.code), self.look.theme.dim);
                first.push(bar.clone());
                rest.push(bar);
                for (i, l) in lines.iter().enumerate() {
                    let clean = text::sanitize(l).into_owned();
                    let pieces = [Piece::new(clean, self.look.theme.code_block)];
                    let lead = if i == 0 { &first } else { &rest };
                    self.out
                        .extend(text::wrap(&pieces, lead, &rest, self.width));
                }
                self.blank_before_next = true;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank_before_next = true;
                }
            }
            TagEnd::Item => {
                self.flush();
                self.frames.pop();
                self.blank_before_next = false;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.pop_style(),
            TagEnd::Link => {
                self.pop_style();
                if let Some(url) = self.link.take() {
                    let shown: String = self.pieces.iter().map(|p| p.text.as_str()).collect();
                    if !url.is_empty() && !shown.ends_with(url.as_str()) {
                        let dim = self.look.theme.dim;
                        self.pieces
                            .push(Piece::new(format!(" ({})", text::sanitize(&url)), dim));
                    }
                }
            }
            TagEnd::Image => {
                if let Some(url) = self.link.take() {
                    self.text(&format!("]({url})"));
                }
            }
            TagEnd::TableCell if self.in_table_head => self.pop_style(),
            TagEnd::TableHead | TagEnd::TableRow => {
                let cells = std::mem::take(&mut self.table_row);
                self.in_table_head = false;
                self.table.push(cells);
            }
            TagEnd::Table => {
                self.table_lines();
                self.blank_before_next = true;
            }
            TagEnd::FootnoteDefinition => self.end_block(),
            _ => {}
        }
    }

    /// Rows with their columns lined up. A table wider than the pane keeps its columns:
    /// narrow columns keep their width, the wide ones share what is left, and each cell
    /// wraps inside its column, with a rule between rows. Only when even that leaves too
    /// little room per column does each row wrap on its own, cells separated by a bar.
    fn table_lines(&mut self) {
        let rows = std::mem::take(&mut self.table);
        let cell_width = |cell: &[Piece]| cell.iter().map(|p| text::width(&p.text)).sum::<usize>();
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0usize; columns];
        for row in &rows {
            for (j, cell) in row.iter().enumerate() {
                widths[j] = widths[j].max(cell_width(cell));
            }
        }
        let (first, rest) = self.prefixes();
        let prefix_width: usize = first.iter().map(|s| text::width(&s.content)).sum();
        let gaps = 3 * columns.saturating_sub(1);
        let room = self.width.saturating_sub(prefix_width + gaps);
        let total = widths.iter().sum::<usize>();
        if total > room && room >= MIN_TABLE_COLUMN * columns {
            let fitted = fit_columns(&widths, room);
            self.grid_lines(rows, &fitted, &first, &rest);
            return;
        }
        let aligned = total <= room;
        let sep = format!(" {} ", self.look.glyphs.code);
        for (i, row) in rows.into_iter().enumerate() {
            let mut pieces: Vec<Piece> = Vec::new();
            let n = row.len();
            for (j, cell) in row.into_iter().enumerate() {
                if j > 0 {
                    pieces.push(Piece::new(sep.clone(), self.look.theme.dim));
                }
                let w = cell_width(&cell);
                pieces.extend(cell);
                if aligned && j + 1 < n {
                    pieces.push(Piece::new(" ".repeat(widths[j] - w), self.look.theme.text));
                }
            }
            let lead = if i == 0 { &first } else { &rest };
            self.out
                .extend(text::wrap(&pieces, lead, &rest, self.width));
        }
    }

    /// The table with each cell wrapped inside its column of `widths`.
    fn grid_lines(
        &mut self,
        rows: Vec<Vec<Vec<Piece>>>,
        widths: &[usize],
        first: &[Span<'static>],
        rest: &[Span<'static>],
    ) {
        let g = self.look.glyphs;
        let dim = self.look.theme.dim;
        let cross = if g.rule == "-" { "+" } else { "┼" };
        let rule: Vec<Span<'static>> = widths
            .iter()
            .enumerate()
            .flat_map(|(j, w)| {
                let mut spans = Vec::new();
                if j > 0 {
                    spans.push(Span::styled(format!("{}{cross}{}", g.rule, g.rule), dim));
                }
                spans.push(Span::styled(g.rule.repeat(*w), dim));
                spans
            })
            .collect();
        let wrapped: Vec<Vec<Vec<Line<'static>>>> = rows
            .iter()
            .map(|row| {
                widths
                    .iter()
                    .enumerate()
                    .map(|(j, w)| match row.get(j) {
                        Some(cell) if !cell.is_empty() => text::wrap(cell, &[], &[], *w),
                        _ => Vec::new(),
                    })
                    .collect()
            })
            .collect();
        let height =
            |cells: &[Vec<Line<'static>>]| cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        // A rule under the header; between the other rows only when a row takes more
        // than one line, where it tells one row from the next.
        let ruled = wrapped.iter().skip(1).any(|cells| height(cells) > 1);
        let mut lead_used = false;
        for (i, cells) in wrapped.iter().enumerate() {
            if i == 1 || (i > 1 && ruled) {
                let mut line = rest.to_vec();
                line.extend(rule.iter().cloned());
                self.out.push(Line::from(line));
            }
            let height = height(cells);
            for k in 0..height {
                let mut line: Vec<Span<'static>> = if lead_used {
                    rest.to_vec()
                } else {
                    first.to_vec()
                };
                lead_used = true;
                for (j, w) in widths.iter().enumerate() {
                    let part = cells[j].get(k).map(|l| l.spans.clone()).unwrap_or_default();
                    if j > 0 {
                        // No trailing blank after the last bar of a line that ends empty.
                        let last_empty = j + 1 == widths.len() && part.is_empty();
                        let bar = if last_empty {
                            format!(" {}", g.code)
                        } else {
                            format!(" {} ", g.code)
                        };
                        line.push(Span::styled(bar, dim));
                    }
                    let used: usize = part.iter().map(|s| text::width(&s.content)).sum();
                    line.extend(part);
                    if j + 1 < widths.len() {
                        line.push(Span::raw(" ".repeat(w.saturating_sub(used))));
                    }
                }
                self.out.push(Line::from(line));
            }
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.flush();
        if self.out.is_empty() {
            self.out.push(Line::default());
        }
        self.out
    }
}

/// Below this many columns of text per table column, cells are not wrapped in a grid.
const MIN_TABLE_COLUMN: usize = 6;

/// Column widths that fit `room`: each column, narrowest first, takes its natural width
/// or an even share of what is left, whichever is less, so short columns stay whole and
/// the long ones split the rest.
fn fit_columns(natural: &[usize], room: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..natural.len()).collect();
    order.sort_by_key(|&j| natural[j]);
    let mut fitted = vec![0; natural.len()];
    let mut left = room;
    for (taken, &j) in order.iter().enumerate() {
        let share = left / (natural.len() - taken);
        fitted[j] = natural[j].min(share).max(1);
        left = left.saturating_sub(fitted[j]);
    }
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(source: &str, width: usize) -> Vec<String> {
        let look = Look::new(Theme::plain(), false);
        render(source, width, &look)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn paragraphs_headings_and_lists() {
        let out = plain(
            "# Title\n\nSome *text* here.\n\n- one\n- two is longer than the width\n\n1. first\n2. second",
            20,
        );
        assert_eq!(
            out,
            vec![
                "Title",
                "",
                "Some text here.",
                "",
                "• one",
                "• two is longer than",
                "  the width",
                "",
                "1. first",
                "2. second",
            ]
        );
    }

    #[test]
    fn code_blocks_are_set_apart_and_keep_lines() {
        let out = plain("Run:\n\n```sh\nls -la\necho hi\n```\nafter", 30);
        assert_eq!(
            out,
            vec!["Run:", "", "sh", "│ ls -la", "│ echo hi", "", "after"]
        );
    }

    #[test]
    fn quotes_nested_lists_and_links() {
        let out = plain("> quoted\n\n- a\n  - b\n\n[site](https://x.io)", 40);
        assert_eq!(
            out,
            vec!["▎ quoted", "", "• a", "  • b", "", "site (https://x.io)"]
        );
    }

    #[test]
    fn tables_line_up_when_they_fit() {
        let src = "| metric | before | after |\n|---|---|---|\n| recall@10 | 0.83 | 0.71 |\n| p50 | 96 ms | 71 ms |";
        assert_eq!(
            plain(src, 40),
            vec![
                "metric    │ before │ after",
                "recall@10 │ 0.83   │ 0.71",
                "p50       │ 96 ms  │ 71 ms",
            ]
        );
    }

    #[test]
    fn a_table_wider_than_the_pane_wraps_inside_its_columns() {
        let src = "| setting | v6 (before) | v7 (Friday) |\n|---|---|---|\n| chunk size | 512 tokens | 2,048 tokens |\n| embedding model | multilingual-e5-large@v2 | multilingual-e5-large@v2 |";
        let out = plain(src, 40);
        assert_eq!(
            out,
            vec![
                "setting     │ v6 (before) │ v7 (Friday)",
                "────────────┼─────────────┼─────────────",
                "chunk size  │ 512 tokens  │ 2,048 tokens",
                "────────────┼─────────────┼─────────────",
                "embedding   │ multilingua │ multilingual",
                "model       │ l-e5-large@ │ -e5-large@v2",
                "            │ v2          │",
            ]
        );
        // Every line fits, and the bars line up on every line.
        for l in &out {
            assert!(text::width(l) <= 40, "{l:?}");
        }
        let bars = |l: &str| {
            l.chars()
                .enumerate()
                .filter(|(_, c)| *c == '│' || *c == '┼')
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        assert!(out.iter().all(|l| bars(l) == bars(&out[0])), "{out:#?}");
        // Rows of one line each need only the rule under the header.
        let src =
            "| a | description of the column that is long |\n|---|---|\n| 1 | one |\n| 2 | two |";
        assert_eq!(
            plain(src, 24),
            vec![
                "a │ description of the",
                "  │ column that is long",
                "──┼─────────────────────",
                "1 │ one",
                "2 │ two",
            ]
        );
        // Narrow columns keep their width; the wide ones share what is left.
        assert_eq!(fit_columns(&[10, 30, 30], 40), vec![10, 15, 15]);
        assert_eq!(fit_columns(&[3, 4, 50], 40), vec![3, 4, 33]);
        assert_eq!(fit_columns(&[15, 24, 24], 34), vec![11, 11, 12]);
    }

    #[test]
    fn plain_text_keeps_the_words_only() {
        let src = "## Found **5 whiteboard moments**\n\nIn `product-demo-videos`, see [the list](https://x.io/a) and _more_.\n\n- one\n- two";
        assert_eq!(
            plain_text(src, 200),
            "Found 5 whiteboard moments In product-demo-videos, see the list and more. one two"
        );
        // Parsing stops once enough is gathered.
        assert_eq!(plain_text(src, 10), "Found 5 whiteboard moments");
        assert_eq!(plain_text("a\u{1b}[2Jb", 10), "a\u{FFFD}[2Jb");
        assert_eq!(plain_text("", 10), "");
    }

    #[test]
    fn escape_sequences_are_neutralised() {
        let out = plain("evil \u{1b}[31m red", 40).concat();
        assert!(!out.contains('\u{1b}'));
    }

    #[test]
    fn every_line_fits_the_width() {
        let look = Look::new(Theme::plain(), false);
        let src = "## 見出し\n\n日本語の文章がとても長く続きます。🙂🙂🙂 שלום עולם and a verylongwordthatcannotfitanywhere\n\n```\nfn main() { println!(\"a very long line of code that must wrap\"); }\n```";
        for w in [8, 13, 20, 47] {
            for l in render(src, w, &look) {
                assert!(l.width() <= w, "{w}: {l:?}");
            }
        }
    }
}
