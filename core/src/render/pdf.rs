//! A printed document (WF-8: a child's card for the personal file; INT-3: a data subject's
//! certificate) as an A4 PDF.
//!
//! Page 1 starts with the title and the issuer line; then each section: a heading and
//! label/value lines in two columns, long values wrapped, continuing on new pages as needed; a
//! certificate ends with its SHA-256 digest. Every page carries the confidentiality mark in its
//! header, and the "printed" line (when and by whom) and the page number (`2 / 3`) in its
//! footer.
//!
//! Text is set in DejaVu Sans (regular and bold, `core/assets/fonts`, Bitstream Vera/Arev
//! licence), embedded as CID fonts subset to the glyphs used, with a `ToUnicode` map so the
//! text can be searched and copied (Cyrillic, Kyrgyz ң ө ү, Latin). Streams are compressed; a
//! card is a few tens of kilobytes. No clock is read: the document carries its own printing
//! time, so the same document gives the same bytes.

use super::RenderError;
use crate::report::Document;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write as _;

use super::{FONT_BOLD as BOLD, FONT_REGULAR as REGULAR};

/// A4 width in points.
pub const PAGE_W: f32 = 595.276;
/// A4 height in points.
pub const PAGE_H: f32 = 841.89;
const LEFT: f32 = 56.7;
const RIGHT: f32 = PAGE_W - 48.0;
const TOP: f32 = PAGE_H - 66.0;
const BOTTOM: f32 = 64.0;
const LABEL_W: f32 = 170.0;
const GUTTER: f32 = 12.0;

const BLACK: [f32; 3] = [0.1, 0.1, 0.1];
const GREY: [f32; 3] = [0.38, 0.38, 0.38];
const RED: [f32; 3] = [0.62, 0.05, 0.05];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Face {
    Regular,
    Bold,
}

/// A font's metrics and the glyphs a document uses from it.
struct Font {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    /// Original glyph id -> the character it was used for (for `ToUnicode`).
    used: BTreeMap<u16, char>,
}

impl Font {
    fn load(data: &'static [u8]) -> Result<Font, RenderError> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| RenderError::Font { message: e.to_string() })?;
        Ok(Font { data, face, used: BTreeMap::new() })
    }

    fn upem(&self) -> f32 {
        f32::from(self.face.units_per_em().max(1))
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }

    /// Advance width of a string at `size` points.
    fn width(&self, s: &str, size: f32) -> f32 {
        let units: u32 = s
            .chars()
            .map(|c| u32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(self.glyph(c))).unwrap_or(0)))
            .sum();
        units as f32 * size / self.upem()
    }

    /// Glyph ids of a string, recording them as used.
    fn encode(&mut self, s: &str) -> Vec<u16> {
        s.chars()
            .map(|c| {
                let g = self.glyph(c);
                self.used.entry(g).or_insert(c);
                g
            })
            .collect()
    }

    /// Scales font units to PDF glyph space (1000 per em).
    fn to_pdf(&self, v: f32) -> f32 {
        v * 1000.0 / self.upem()
    }
}

/// One thing drawn on a page.
enum Item {
    Text { face: Face, size: f32, x: f32, y: f32, color: [f32; 3], text: String },
    Rule { x1: f32, x2: f32, y: f32, width: f32, gray: f32 },
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn get(&self, f: Face) -> &Font {
        match f {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
    fn get_mut(&mut self, f: Face) -> &mut Font {
        match f {
            Face::Regular => &mut self.regular,
            Face::Bold => &mut self.bold,
        }
    }
}

/// Lays the body out over pages.
struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Item>>,
    y: f32,
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Vec<Item> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Makes room for `h` points, starting a page when the current one is full.
    fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM && self.y < TOP {
            self.new_page();
        }
    }

    fn text(&mut self, face: Face, size: f32, x: f32, color: [f32; 3], text: String) {
        let y = self.y;
        self.page().push(Item::Text { face, size, x, y, color, text });
    }

    fn rule(&mut self, width: f32, gray: f32) {
        let y = self.y;
        self.page().push(Item::Rule { x1: LEFT, x2: RIGHT, y, width, gray });
    }

    /// A wrapped paragraph across the full width.
    fn paragraph(&mut self, face: Face, size: f32, color: [f32; 3], text: &str, leading: f32) {
        for line in wrap(self.fonts.get(face), text, size, RIGHT - LEFT) {
            self.ensure(leading);
            self.y -= leading;
            self.text(face, size, LEFT, color, line);
        }
    }

    fn section(&mut self, title: &str, lines: &[(String, String)]) {
        let label_lines = |l: &Layout<'_>, s: &str| wrap(l.fonts.get(Face::Regular), s, 9.0, LABEL_W);
        let value_w = RIGHT - LEFT - LABEL_W - GUTTER;
        // Keep the heading with the first line.
        let first = lines.first().map(|(l, v)| {
            let n = label_lines(self, l).len().max(wrap(self.fonts.get(Face::Regular), v, 10.0, value_w).len());
            n.min(3) as f32 * 13.5
        });
        self.ensure(34.0 + first.unwrap_or(0.0));
        self.y -= 20.0;
        let heading = wrap(self.fonts.get(Face::Bold), title, 12.0, RIGHT - LEFT);
        for (i, line) in heading.into_iter().enumerate() {
            if i > 0 {
                self.ensure(15.0);
                self.y -= 15.0;
            }
            self.text(Face::Bold, 12.0, LEFT, BLACK, line);
        }
        self.y -= 5.0;
        self.rule(0.6, 0.55);
        self.y -= 3.0;
        for (label, value) in lines {
            let value = if value.trim().is_empty() { "—" } else { value.as_str() };
            let ls = label_lines(self, label);
            let vs = wrap(self.fonts.get(Face::Regular), value, 10.0, value_w);
            // Keep a row of up to eight lines on one page; longer ones continue on the next.
            let n = ls.len().max(vs.len());
            self.ensure(n.min(8) as f32 * 13.5);
            for i in 0..n {
                self.ensure(13.5);
                self.y -= 13.5;
                if let Some(l) = ls.get(i) {
                    self.text(Face::Regular, 9.0, LEFT, GREY, l.clone());
                }
                if let Some(v) = vs.get(i) {
                    self.text(Face::Regular, 10.0, LEFT + LABEL_W + GUTTER, BLACK, v.clone());
                }
            }
            self.y -= 4.0;
        }
    }
}

/// Splits text into lines no wider than `max` points: at spaces, inside words only when a word
/// alone is too wide; explicit line breaks are kept; control characters are dropped.
fn wrap(font: &Font, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let para: String = para.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|c| !c.is_control()).collect();
        let mut line = String::new();
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if font.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            // The word alone: break it by characters if it is still too wide.
            for c in word.chars() {
                line.push(c);
                if font.width(&line, size) > max && line.chars().count() > 1 {
                    line.pop();
                    out.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        out.push(line);
    }
    while out.len() > 1 && out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// The document as PDF bytes (A4; see the module docs).
pub fn document_pdf(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let mut fonts = Fonts { regular: Font::load(REGULAR)?, bold: Font::load(BOLD)? };
    let mut pages = {
        let mut l = Layout { fonts: &fonts, pages: vec![Vec::new()], y: TOP };
        l.paragraph(Face::Bold, 16.0, BLACK, &doc.title, 20.0);
        l.y -= 4.0;
        l.paragraph(Face::Regular, 10.0, GREY, &doc.issuer, 13.0);
        l.y -= 6.0;
        l.rule(1.0, 0.2);
        for s in &doc.sections {
            l.section(&s.title, &s.lines);
        }
        if let Some(digest) = &doc.digest {
            l.ensure(52.0);
            l.y -= 22.0;
            l.rule(0.6, 0.55);
            l.y -= 2.0;
            l.paragraph(Face::Bold, 9.0, BLACK, "SHA-256", 13.0);
            l.paragraph(Face::Regular, 9.0, BLACK, digest, 12.0);
        }
        l.pages
    };
    // Header and footer on every page, now that the count is known.
    let count = pages.len();
    for (i, items) in pages.iter_mut().enumerate() {
        let mark = wrap(&fonts.bold, &doc.confidentiality, 8.5, RIGHT - LEFT);
        let mut y = PAGE_H - 34.0;
        for line in mark.into_iter().take(2) {
            items.push(Item::Text { face: Face::Bold, size: 8.5, x: LEFT, y, color: RED, text: line });
            y -= 10.5;
        }
        items.push(Item::Rule { x1: LEFT, x2: RIGHT, y: y + 3.0, width: 0.6, gray: 0.55 });
        let number = format!("{} / {count}", i + 1);
        let nw = fonts.regular.width(&number, 8.5);
        items.push(Item::Text { face: Face::Regular, size: 8.5, x: RIGHT - nw, y: 34.0, color: GREY, text: number });
        items.push(Item::Rule { x1: LEFT, x2: RIGHT, y: 46.0, width: 0.6, gray: 0.55 });
        let printed = wrap(&fonts.regular, &doc.printed, 8.0, RIGHT - LEFT - nw - 24.0);
        let mut y = 34.0;
        for line in printed.into_iter().take(2) {
            items.push(Item::Text { face: Face::Regular, size: 8.0, x: LEFT, y, color: GREY, text: line });
            y -= 10.0;
        }
    }
    // Glyph ids (original numbering) of every text item.
    let mut encoded: Vec<Vec<Vec<u16>>> = Vec::with_capacity(pages.len());
    for items in &pages {
        let mut page = Vec::new();
        for item in items {
            if let Item::Text { face, text, .. } = item {
                page.push(fonts.get_mut(*face).encode(text));
            }
        }
        encoded.push(page);
    }
    write_pdf(doc, &pages, &encoded, &fonts)
}

/// Zlib-compresses a stream.
fn deflate(data: &[u8]) -> Result<Vec<u8>, RenderError> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).and_then(|()| e.finish()).map_err(|err| RenderError::Pdf { message: err.to_string() })
}

/// A subset font ready to write: new glyph ids for the original ones.
struct Subset {
    map: BTreeMap<u16, u16>,
    data: Vec<u8>,
    tag: String,
}

fn subset(font: &Font) -> Result<Subset, RenderError> {
    let glyphs: Vec<u16> = font.used.keys().copied().collect();
    let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&glyphs);
    let data = subsetter::subset(font.data, 0, &remapper).map_err(|e| RenderError::Font { message: e.to_string() })?;
    let map = glyphs.iter().filter_map(|g| Some((*g, remapper.get(*g)?))).collect();
    // Subset tag: six capital letters from a hash of the glyph set (stable across runs).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in &glyphs {
        for b in g.to_be_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let tag = (0..6).map(|i| char::from(b'A' + u8::try_from((h >> (i * 5)) % 26).unwrap_or(0))).collect::<String>();
    Ok(Subset { map, data, tag })
}

fn write_pdf(
    doc: &Document,
    pages: &[Vec<Item>],
    encoded: &[Vec<Vec<u16>>],
    fonts: &Fonts,
) -> Result<Vec<u8>, RenderError> {
    let mut next = 0;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs = [(Face::Regular, alloc(), Name(b"F1")), (Face::Bold, alloc(), Name(b"F2"))];
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_refs.iter().map(|(p, _)| *p)).count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    let mut info_w = pdf.document_info(info);
    info_w.title(TextStr(&doc.title)).producer(TextStr("Kamkor"));
    info_w.finish();

    let regular = subset(&fonts.regular)?;
    let bold = subset(&fonts.bold)?;
    let sub = |f: Face| match f {
        Face::Regular => &regular,
        Face::Bold => &bold,
    };

    for (((page_ref, content_ref), items), glyphs) in page_refs.iter().zip(pages).zip(encoded) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(*content_ref);
        let mut res = page.resources();
        let mut fd = res.fonts();
        for (_, r, name) in &font_refs {
            fd.pair(*name, *r);
        }
        fd.finish();
        res.finish();
        page.finish();

        let mut c = Content::new();
        let mut glyphs = glyphs.iter();
        for item in items {
            match item {
                Item::Rule { x1, x2, y, width, gray } => {
                    c.set_stroke_gray(*gray).set_line_width(*width).move_to(*x1, *y).line_to(*x2, *y).stroke();
                }
                Item::Text { face, size, x, y, color, .. } => {
                    let Some(ids) = glyphs.next() else { continue };
                    let s = sub(*face);
                    let bytes: Vec<u8> =
                        ids.iter().flat_map(|g| s.map.get(g).copied().unwrap_or(0).to_be_bytes()).collect();
                    let name = font_refs.iter().find(|(f, _, _)| f == face).map(|(_, _, n)| *n).unwrap_or(Name(b"F1"));
                    c.begin_text()
                        .set_fill_rgb(color[0], color[1], color[2])
                        .set_font(name, *size)
                        .next_line(*x, *y)
                        .show(Str(&bytes))
                        .end_text();
                }
            }
        }
        let data = deflate(&c.finish())?;
        pdf.stream(*content_ref, &data).filter(Filter::FlateDecode);
    }

    for (face, type0, _) in font_refs {
        let font = fonts.get(face);
        let s = sub(face);
        let base = format!(
            "{}+{}",
            s.tag,
            match face {
                Face::Regular => "DejaVuSans",
                Face::Bold => "DejaVuSans-Bold",
            }
        );
        let base = Name(base.as_bytes());
        let (cid, descriptor, file, cmap) = (alloc(), alloc(), alloc(), alloc());
        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);

        // Widths by new glyph id (= CID).
        let mut by_new: BTreeMap<u16, (u16, char)> = BTreeMap::new();
        for (old, new) in &s.map {
            by_new.insert(*new, (*old, font.used.get(old).copied().unwrap_or('\u{fffd}')));
        }
        let widths: Vec<f32> = (0..=by_new.keys().next_back().copied().unwrap_or(0))
            .map(|new| {
                let old = by_new.get(&new).map(|(o, _)| *o).unwrap_or(0);
                font.to_pdf(f32::from(font.face.glyph_hor_advance(ttf_parser::GlyphId(old)).unwrap_or(0)))
            })
            .collect();
        let mut cf = pdf.cid_font(cid);
        cf.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 })
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cf.widths().consecutive(0, widths);
        cf.finish();

        let bb = font.face.global_bounding_box();
        let ascent = font.to_pdf(f32::from(font.face.ascender()));
        let descent = font.to_pdf(f32::from(font.face.descender()));
        let cap = font.to_pdf(f32::from(font.face.capital_height().unwrap_or(font.face.ascender())));
        pdf.font_descriptor(descriptor)
            .name(base)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                font.to_pdf(f32::from(bb.x_min)),
                font.to_pdf(f32::from(bb.y_min)),
                font.to_pdf(f32::from(bb.x_max)),
                font.to_pdf(f32::from(bb.y_max)),
            ))
            .italic_angle(0.0)
            .ascent(ascent)
            .descent(descent)
            .cap_height(cap)
            .stem_v(if face == Face::Bold { 140.0 } else { 80.0 })
            .font_file2(file);
        let packed = deflate(&s.data)?;
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), i32::try_from(s.data.len()).unwrap_or(i32::MAX));

        let mut uni = UnicodeCmap::new(
            Name(b"Custom"),
            SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"UCS"), supplement: 0 },
        );
        for (new, (_, ch)) in &by_new {
            if *new != 0 {
                uni.pair(*new, *ch);
            }
        }
        let cmap_data = deflate(&uni.finish())?;
        pdf.cmap(cmap, &cmap_data).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_width() {
        let f = Font::load(REGULAR).expect("font");
        let text = "Асанова Айгүл Мамытбековна, Ноокенский район, с. Көк-Арт, ул. Ыңгайлуу, д. 14";
        let lines = wrap(&f, text, 10.0, 150.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| f.width(l, 10.0) <= 150.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let digest = "ab".repeat(32);
        let lines = wrap(&f, &digest, 9.0, 100.0);
        assert!(lines.len() > 1 && lines.concat() == digest);
        assert_eq!(wrap(&f, "a\n\nb\n", 10.0, 100.0), ["a", "", "b"]);
        assert_eq!(wrap(&f, "", 10.0, 100.0), [""]);
        for c in ['ң', 'ө', 'ү', 'Ң', 'Ө', 'Ү', 'ё'] {
            assert_ne!(f.glyph(c), 0, "{c} missing from DejaVu Sans");
        }
    }
}
