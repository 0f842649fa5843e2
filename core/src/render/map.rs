//! A SCHEMATIC map of territories coloured by counts (REP-1: geographic distribution by place of
//! identification), as a standalone SVG.
//!
//! Real boundaries are not shipped (no offline source with a licence that fits), so this is a
//! tile map, not a geographic one, and it says so in its subtitle, `<title>` and `<desc>`:
//! each top-level unit (oblast or city of republican significance) is a block placed roughly
//! where it lies, and its districts (raions and oblast cities, the children of the block in the
//! [`Territories`] hierarchy) are labelled tiles inside it, in code order — not in their real
//! positions. Sizes mean nothing.
//!
//! The block layout for Kyrgyzstan is [`KG_LAYOUT`], on a grid of 11 × 8 cells:
//!
//! ```text
//!      0    1    2    3    4    5    6    7    8    9    10
//!  0  Tal  Tal  Tal  Chu  Chu  Chu  Chu  Chu  IK   IK   IK      Talas (NW), Chui (N),
//!  1  Tal  Tal  Tal  Chu  Chu  Bsk  Bsk  Chu  IK   IK   IK      Bishkek inside Chui,
//!  2  JA   JA   JA   Chu  Chu  Bsk  Bsk  Chu  IK   IK   IK      Issyk-Kul (NE, E),
//!  3  JA   JA   JA   Nar  Nar  Nar  Nar  Nar  Nar  .    .       Jalal-Abad (W centre),
//!  4  JA   JA   JA   Nar  Nar  Nar  Nar  Nar  Nar  .    .       Naryn (centre, SE),
//!  5  JA   JA   JA   OsC  Osh  Osh  Osh  .    .    .    .       Osh oblast (S) with Osh
//!  6  Bat  Bat  Bat  Osh  Osh  Osh  Osh  .    .    .    .       city in its NW corner,
//!  7  Bat  Bat  Bat  .    .    .    .    .    .    .    .       Batken (far SW).
//! ```
//!
//! A block lying inside another (Bishkek in Chui, Osh city in Osh oblast) is drawn within it and
//! the outer block's tiles flow around it. Top-level units missing from the layout (another
//! country's hierarchy, a new oblast) are placed automatically in rows under it, or in a plain
//! grid when none is known. Only the two top levels are drawn: values for finer units (ayil
//! aimaks) are ignored, and closed units (with a `valid_to`) are left out.
//!
//! Colours: a sequential five-class scale (yellow-green-blue) with round class limits, shown
//! in a legend; a suppressed value (`None`) is hatched grey and marked "hidden"; a unit with no
//! value is white with a dashed border and "—". Values given for districts colour the
//! districts; a value given for an oblast colours the whole block when none of its districts
//! has a value. The output depends only on the input.

use super::svg::nice_axis;
use super::{fit_text, fit_text_of, format_count, num, text_width, text_width_of, wrap_text, xml_escape, Text};
use crate::i18n::Lang;
use crate::report::{Cell, Table};
use crate::territory::{Territories, Territory, TerritoryCode};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Where a top-level unit's block goes, in grid cells (column from the west, row from the
/// north).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The unit's territory code (SOATE).
    pub code: &'static str,
    /// First column (0 = west).
    pub col: u16,
    /// First row (0 = north).
    pub row: u16,
    /// Width in cells.
    pub width: u16,
    /// Height in cells.
    pub height: u16,
}

const fn place(code: &'static str, col: u16, row: u16, width: u16, height: u16) -> Placement {
    Placement { code, col, row, width, height }
}

/// The schematic layout of Kyrgyzstan's oblasts and cities of republican significance (see the
/// module docs for the picture). Rough geography only: bounding boxes of the oblasts scaled to
/// an 11 × 8 grid, then adjusted so that each block holds its districts.
pub const KG_LAYOUT: [Placement; 9] = [
    place("41707000000000", 0, 0, 3, 2), // Talas oblast: north-west
    place("41708000000000", 3, 0, 5, 3), // Chui oblast: north
    place("41711000000000", 5, 1, 2, 2), // Bishkek city: inside Chui
    place("41702000000000", 8, 0, 3, 3), // Issyk-Kul oblast: north-east and east
    place("41703000000000", 0, 2, 3, 4), // Jalal-Abad oblast: west-centre
    place("41704000000000", 3, 3, 6, 2), // Naryn oblast: centre, towards the south-east
    place("41706000000000", 3, 5, 4, 2), // Osh oblast: south
    place("41721000000000", 3, 5, 1, 1), // Osh city: north-west corner of Osh oblast
    place("41705000000000", 0, 6, 3, 2), // Batken oblast: far south-west
];

/// The values of one column of a table for [`territory_map`]: one entry per row that is about
/// a territory (`None` for a suppressed cell); rows without a territory are skipped.
pub fn map_values(table: &Table, column: usize) -> Vec<(TerritoryCode, Option<u64>)> {
    table
        .rows
        .iter()
        .filter_map(|r| Some((r.territory.clone()?, r.cells.get(column).copied().and_then(Cell::value))))
        .collect()
}

const PAD: f64 = 16.0;
const TOP: f64 = 74.0;
const CW: f64 = 100.0;
const CH: f64 = 58.0;
const HEAD: f64 = 20.0;
const GAP: f64 = 3.0;
/// Sequential palette (ColorBrewer YlGnBu, 5 classes, first lightened) and its text colours.
const PALETTE: [(&str, &str); 5] = [
    ("#f0f9b8", "#1a1a1a"),
    ("#a1dab4", "#1a1a1a"),
    ("#41b6c4", "#1a1a1a"),
    ("#2c7fb8", "#ffffff"),
    ("#253494", "#ffffff"),
];
const NO_DATA: &str = "#ffffff";
const BLOCK_BG: &str = "#f1f1ee";

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn inset(self, d: f64) -> Rect {
        Rect { x: self.x + d, y: self.y + d, w: (self.w - 2.0 * d).max(1.0), h: (self.h - 2.0 * d).max(1.0) }
    }
}

/// Cell-grid rectangle of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cells {
    col: u16,
    row: u16,
    w: u16,
    h: u16,
}

impl Cells {
    fn contains(&self, o: &Cells) -> bool {
        o.col >= self.col && o.row >= self.row && o.col + o.w <= self.col + self.w && o.row + o.h <= self.row + self.h
    }
    fn covers(&self, c: u16, r: u16) -> bool {
        c >= self.col && r >= self.row && c < self.col + self.w && r < self.row + self.h
    }
}

struct Block<'a> {
    unit: &'a Territory,
    districts: Vec<&'a Territory>,
    cells: Cells,
}

/// What a tile or block shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shade {
    Class(usize),
    Hidden,
    Missing,
}

struct Scale {
    step: u64,
    classes: usize,
}

impl Scale {
    fn new(max: u64) -> Scale {
        let (step, axis) = nice_axis(max);
        let classes = usize::try_from(axis / step.max(1)).unwrap_or(5).clamp(1, 5);
        Scale { step: step.max(1), classes }
    }
    fn class(&self, v: u64) -> usize {
        if v == 0 {
            return 0;
        }
        usize::try_from((v - 1) / self.step).unwrap_or(usize::MAX).min(self.classes - 1)
    }
    /// Palette index of a class: classes spread over the palette when there are fewer than 5.
    fn colour(&self, class: usize) -> (&'static str, &'static str) {
        let idx = if self.classes <= 1 { 2 } else { class * (PALETTE.len() - 1) / (self.classes - 1) };
        PALETTE[idx.min(PALETTE.len() - 1)]
    }
    fn range(&self, class: usize, lang: Lang) -> String {
        let lo = if class == 0 { 0 } else { class as u64 * self.step + 1 };
        let hi = (class as u64 + 1) * self.step;
        if lo == hi {
            format_count(lo, lang)
        } else {
            format!("{}–{}", format_count(lo, lang), format_count(hi, lang))
        }
    }
}

/// The schematic map as SVG (see the module docs). `values` pairs territory codes with counts
/// (`None` = suppressed); `title` is printed at the top (already localized).
pub fn territory_map(
    values: &[(TerritoryCode, Option<u64>)],
    territories: &Territories,
    lang: Lang,
    title: &str,
) -> String {
    let values: BTreeMap<&TerritoryCode, Option<u64>> = values.iter().map(|(c, v)| (c, *v)).collect();
    let open = |t: &&Territory| t.valid_to.is_none();
    let root = territories.root();
    let mut units: Vec<&Territory> = territories.children(root).into_iter().filter(open).collect();
    if units.is_empty() {
        units.extend(territories.get(root));
    }
    let blocks = layout(&units, territories);

    // Which blocks are coloured as a whole, and the scale over every value shown.
    let whole: Vec<bool> = blocks
        .iter()
        .map(|b| {
            !b.districts.is_empty()
                && values.contains_key(&b.unit.code)
                && !b.districts.iter().any(|d| values.contains_key(&d.code))
        })
        .collect();
    let mut shown: Vec<u64> = Vec::new();
    for (b, whole) in blocks.iter().zip(&whole) {
        if *whole || b.districts.is_empty() {
            shown.extend(values.get(&b.unit.code).copied().flatten());
        } else {
            shown.extend(b.districts.iter().filter_map(|d| values.get(&d.code).copied().flatten()));
        }
    }
    let scale = Scale::new(shown.iter().copied().max().unwrap_or(0));
    let shade = |code: &TerritoryCode| match values.get(code) {
        None => Shade::Missing,
        Some(None) => Shade::Hidden,
        Some(Some(v)) => Shade::Class(scale.class(*v)),
    };

    let grid_w = blocks.iter().map(|b| b.cells.col + b.cells.w).max().unwrap_or(1);
    let grid_h = blocks.iter().map(|b| b.cells.row + b.cells.h).max().unwrap_or(1);
    let width = (PAD * 2.0 + f64::from(grid_w) * CW).max(PAD * 2.0 + legend_width(&scale, lang)).max(480.0);
    let legend_y = TOP + f64::from(grid_h) * CH + 18.0;
    let height = legend_y + 72.0;

    let schematic = Text::Schematic.get(lang);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" role="img" aria-labelledby="kk-map-t kk-map-d">"#,
        w = num(width),
        h = num(height)
    );
    let _ = write!(s, "\n<title id=\"kk-map-t\">{}</title>", xml_escape(&format!("{title} ({schematic})")));
    let _ = write!(
        s,
        "\n<desc id=\"kk-map-d\">{}. {}</desc>",
        xml_escape(schematic),
        xml_escape(match lang {
            Lang::Ru => "Блоки областей расположены примерно по географии, районы внутри — в порядке кодов СОАТЕ.",
            Lang::Ky => "Облустардын блоктору болжол менен географияга жараша жайгашкан, райондор ичинде СОАТЕ коддорунун тартибинде.",
            Lang::En => "Oblast blocks are placed roughly by geography; districts inside them are in SOATE code order.",
        })
    );
    let _ = write!(
        s,
        "\n<defs><pattern id=\"kk-map-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e6e6e6\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#a0a0a0\" stroke-width=\"2\"/></pattern></defs>"
    );
    let _ = write!(s, "\n<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>", num(width), num(height));
    let _ = write!(
        s,
        "\n<text x=\"{}\" y=\"30\" font-size=\"18\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>",
        num(PAD),
        xml_escape(&fit_text_of(title, 18.0, width - 2.0 * PAD, true))
    );
    let _ = write!(
        s,
        "\n<text x=\"{}\" y=\"52\" font-size=\"12\" font-style=\"italic\" fill=\"#666666\">{}</text>",
        num(PAD),
        xml_escape(schematic)
    );

    // Outer blocks first, then the blocks inside them (drawn over their holes).
    let enclosing: Vec<Option<usize>> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| blocks.iter().enumerate().position(|(j, o)| j != i && o.cells.contains(&b.cells)))
        .collect();
    let mut rects: Vec<Rect> = vec![Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; blocks.len()];
    for (i, b) in blocks.iter().enumerate() {
        if enclosing[i].is_none() {
            rects[i] = Rect {
                x: PAD + f64::from(b.cells.col) * CW,
                y: TOP + f64::from(b.cells.row) * CH,
                w: f64::from(b.cells.w) * CW,
                h: f64::from(b.cells.h) * CH,
            }
            .inset(GAP);
        }
    }
    for (i, b) in blocks.iter().enumerate() {
        if let Some(p) = enclosing[i] {
            let (area, cw, ch) = cell_grid(&blocks[p], rects[p]);
            rects[i] = Rect {
                x: area.x + f64::from(b.cells.col - blocks[p].cells.col) * cw,
                y: area.y + f64::from(b.cells.row - blocks[p].cells.row) * ch,
                w: f64::from(b.cells.w) * cw,
                h: f64::from(b.cells.h) * ch,
            }
            .inset(1.0);
        }
    }
    let order = (0..blocks.len())
        .filter(|i| enclosing[*i].is_none())
        .chain((0..blocks.len()).filter(|i| enclosing[*i].is_some()));
    for i in order {
        let b = &blocks[i];
        let holes: Vec<Cells> =
            blocks.iter().enumerate().filter(|(j, _)| enclosing[*j] == Some(i)).map(|(_, o)| o.cells).collect();
        draw_block(&mut s, b, rects[i], &holes, whole[i], &shade, &scale, &values, lang);
    }

    legend(&mut s, &scale, lang, legend_y, width);
    s.push_str("\n</svg>\n");
    s
}

/// Blocks for the top-level units: placed by [`KG_LAYOUT`] when listed, else automatically.
fn layout<'a>(units: &[&'a Territory], territories: &'a Territories) -> Vec<Block<'a>> {
    let mut blocks: Vec<Block<'a>> = Vec::new();
    let mut unplaced: Vec<(&'a Territory, Vec<&'a Territory>)> = Vec::new();
    for unit in units {
        let districts: Vec<&Territory> =
            territories.children(&unit.code).into_iter().filter(|t| t.valid_to.is_none()).collect();
        match KG_LAYOUT.iter().find(|p| p.code == unit.code.as_str()) {
            Some(p) => {
                blocks.push(Block { unit, districts, cells: Cells { col: p.col, row: p.row, w: p.width, h: p.height } })
            }
            None => unplaced.push((unit, districts)),
        }
    }
    // Kept blocks must fit their districts (a loaded classifier may add some): grow none, but the
    // tiling below subdivides cells when needed. Unknown units go in rows under the layout.
    let sizes: Vec<(u16, u16)> = unplaced
        .iter()
        .map(|(_, d)| {
            let n = u16::try_from(d.len().max(1)).unwrap_or(u16::MAX);
            let w = n.min(3);
            (w, n.div_ceil(w))
        })
        .collect();
    if blocks.is_empty() {
        // Plain grid of equal blocks, about square overall.
        let bw = sizes.iter().map(|s| s.0).max().unwrap_or(1);
        let bh = sizes.iter().map(|s| s.1).max().unwrap_or(1);
        let per_row = (unplaced.len() as f64).sqrt().ceil().max(1.0) as usize;
        for (i, (unit, districts)) in unplaced.into_iter().enumerate() {
            let (c, r) = (u16::try_from(i % per_row).unwrap_or(0), u16::try_from(i / per_row).unwrap_or(0));
            blocks.push(Block { unit, districts, cells: Cells { col: c * bw, row: r * bh, w: bw, h: bh } });
        }
        return blocks;
    }
    let grid_w = blocks.iter().map(|b| b.cells.col + b.cells.w).max().unwrap_or(1).max(6);
    let mut row = blocks.iter().map(|b| b.cells.row + b.cells.h).max().unwrap_or(0);
    let mut col = 0u16;
    let mut row_h = 0u16;
    for ((unit, districts), (w, h)) in unplaced.into_iter().zip(sizes) {
        if col > 0 && col + w > grid_w {
            row += row_h;
            col = 0;
            row_h = 0;
        }
        blocks.push(Block { unit, districts, cells: Cells { col, row, w, h } });
        col += w;
        row_h = row_h.max(h);
    }
    blocks
}

/// The tile area of a block (under its header) and its cell width and height.
fn cell_grid(b: &Block<'_>, r: Rect) -> (Rect, f64, f64) {
    let head = if b.districts.is_empty() { 0.0 } else { HEAD };
    let area = Rect { x: r.x + 3.0, y: r.y + head, w: r.w - 6.0, h: r.h - head - 3.0 };
    (area, area.w / f64::from(b.cells.w.max(1)), area.h / f64::from(b.cells.h.max(1)))
}

/// Tile rectangles for `n` districts: free cells in reading order around `holes` (cells split
/// across when there are more districts than cells), or, without holes, the grid of columns and
/// rows that wastes fewest cells and keeps tiles closest to the cell shape.
fn tiles(b: &Block<'_>, r: Rect, holes: &[Cells], n: usize) -> Vec<Rect> {
    let (area, cw, ch) = cell_grid(b, r);
    if n == 0 {
        return Vec::new();
    }
    if !holes.is_empty() {
        let mut free = Vec::new();
        for row in b.cells.row..b.cells.row + b.cells.h {
            for col in b.cells.col..b.cells.col + b.cells.w {
                if !holes.iter().any(|h| h.covers(col, row)) {
                    free.push(Rect {
                        x: area.x + f64::from(col - b.cells.col) * cw,
                        y: area.y + f64::from(row - b.cells.row) * ch,
                        w: cw,
                        h: ch,
                    });
                }
            }
        }
        if !free.is_empty() {
            let k = n.div_ceil(free.len());
            let mut out = Vec::with_capacity(n);
            for cell in free {
                for part in 0..k {
                    let w = cell.w / k as f64;
                    out.push(Rect { x: cell.x + part as f64 * w, w, ..cell });
                }
            }
            out.truncate(n);
            return out;
        }
    }
    let target = CW / CH;
    let mut best = (f64::MAX, 1usize, n);
    for cols in 1..=n {
        let rows = n.div_ceil(cols);
        let (tw, th) = (area.w / cols as f64, area.h / rows as f64);
        let empty = (cols * rows - n) as f64;
        let score = empty + 2.0 * ((tw / th) / target).ln().abs();
        if score < best.0 - 1e-9 {
            best = (score, cols, rows);
        }
    }
    let (_, cols, rows) = best;
    let (tw, th) = (area.w / cols as f64, area.h / rows as f64);
    (0..n)
        .map(|i| Rect { x: area.x + (i % cols) as f64 * tw, y: area.y + (i / cols) as f64 * th, w: tw, h: th })
        .collect()
}

/// The short name on a tile: the name without the word for "district".
fn short_name(t: &Territory, lang: Lang) -> String {
    let name = t.name(lang.code());
    for suffix in [" району", " район", " raion", " district", " District"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            return stripped.to_owned();
        }
    }
    name.to_owned()
}

fn fill_of(shade: Shade, scale: &Scale) -> (String, &'static str) {
    match shade {
        Shade::Class(c) => {
            let (bg, fg) = scale.colour(c);
            (bg.to_owned(), fg)
        }
        Shade::Hidden => ("url(#kk-map-hatch)".to_owned(), "#333333"),
        Shade::Missing => (NO_DATA.to_owned(), "#555555"),
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_block(
    s: &mut String,
    b: &Block<'_>,
    r: Rect,
    holes: &[Cells],
    whole: bool,
    shade: &dyn Fn(&TerritoryCode) -> Shade,
    scale: &Scale,
    values: &BTreeMap<&TerritoryCode, Option<u64>>,
    lang: Lang,
) {
    let name = b.unit.name(lang.code());
    if b.districts.is_empty() {
        // A unit without districts (Osh city) is one tile with a block border.
        let _ = write!(s, "\n<g><title>{}</title>", xml_escape(&tooltip(b.unit, values, lang)));
        tile(s, r, name, shade(&b.unit.code), scale, values.get(&b.unit.code).copied(), lang, 1.6);
        s.push_str("</g>");
        return;
    }
    let (bg, fg) = if whole { fill_of(shade(&b.unit.code), scale) } else { (BLOCK_BG.to_owned(), "#1a1a1a") };
    let _ = write!(
        s,
        "\n<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{bg}\" \
         stroke=\"#3c3c3c\" stroke-width=\"1.6\"/>",
        xml_escape(&tooltip(b.unit, values, lang)),
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h)
    );
    if whole && shade(&b.unit.code) == Shade::Hidden {
        // A plain band keeps the heading readable over the hatching.
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e6e6e6\"/>",
            num(r.x + 0.8),
            num(r.y + 0.8),
            num(r.w - 1.6),
            num(HEAD - 1.6)
        );
    }
    let mut head = name.to_owned();
    if whole {
        let v = match values.get(&b.unit.code) {
            Some(Some(v)) => format_count(*v, lang),
            _ => Text::Hidden.get(lang).to_owned(),
        };
        head = format!("{head}: {v}");
    }
    let head_fg = if whole && matches!(shade(&b.unit.code), Shade::Class(_)) { fg } else { "#1a1a1a" };
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"{head_fg}\">{}</text></g>",
        num(r.x + 6.0),
        num(r.y + 14.5),
        xml_escape(&fit_text_of(&head, 12.0, r.w - 12.0, true))
    );
    for (d, t) in b.districts.iter().zip(tiles(b, r, holes, b.districts.len())) {
        let _ = write!(s, "\n<g><title>{}</title>", xml_escape(&tooltip(d, values, lang)));
        if whole {
            // The oblast carries the value: districts are outlines with names only.
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"none\" stroke=\"#ffffff\" \
                 stroke-opacity=\"0.8\" stroke-width=\"1\"/>",
                num(t.x + 1.5),
                num(t.y + 1.5),
                num(t.w - 3.0),
                num(t.h - 3.0)
            );
            tile_label(s, t.inset(1.5), &short_name(d, lang), fg, None);
        } else {
            tile(s, t.inset(1.5), &short_name(d, lang), shade(&d.code), scale, values.get(&d.code).copied(), lang, 0.0);
        }
        s.push_str("</g>");
    }
}

fn tooltip(t: &Territory, values: &BTreeMap<&TerritoryCode, Option<u64>>, lang: Lang) -> String {
    let v = match values.get(&t.code) {
        None => Text::NoData.get(lang).to_owned(),
        Some(None) => Text::Hidden.get(lang).to_owned(),
        Some(Some(v)) => format_count(*v, lang),
    };
    format!("{} ({}): {v}", t.name(lang.code()), t.code)
}

#[allow(clippy::too_many_arguments)]
fn tile(
    s: &mut String,
    r: Rect,
    name: &str,
    shade: Shade,
    scale: &Scale,
    value: Option<Option<u64>>,
    lang: Lang,
    border: f64,
) {
    let (bg, fg) = fill_of(shade, scale);
    let (stroke, sw, dash) = match (shade, border > 0.0) {
        (_, true) => ("#3c3c3c", border, ""),
        (Shade::Missing, false) => ("#9a9a9a", 1.0, " stroke-dasharray=\"3 2\""),
        _ => ("#ffffff", 1.0, ""),
    };
    let _ = write!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{bg}\" stroke=\"{stroke}\" \
         stroke-width=\"{}\"{dash}/>",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h),
        num(sw)
    );
    let v = match value {
        None => "—".to_owned(),
        Some(None) => Text::Hidden.get(lang).to_owned(),
        Some(Some(v)) => format_count(v, lang),
    };
    tile_label(s, r, name, fg, Some((v, shade == Shade::Hidden)));
}

/// A tile's name (one or two lines) and value, centred.
fn tile_label(s: &mut String, r: Rect, name: &str, fg: &str, value: Option<(String, bool)>) {
    let size = if r.w < 70.0 { 9.0 } else { 10.5 };
    let max = r.w - 6.0;
    let lines = wrap_name(name, size, max);
    let line_h = size + 1.5;
    let value_h = if value.is_some() { 15.0 } else { 0.0 };
    let block_h = lines.len() as f64 * line_h + value_h;
    let mut y = r.y + (r.h - block_h) / 2.0 + size - 1.0;
    let cx = num(r.x + r.w / 2.0);
    for line in &lines {
        let _ = write!(
            s,
            "<text x=\"{cx}\" y=\"{}\" font-size=\"{}\" fill=\"{fg}\" text-anchor=\"middle\">{}</text>",
            num(y),
            num(size),
            xml_escape(line)
        );
        y += line_h;
    }
    if let Some((v, hidden)) = value {
        let style = if hidden { " font-style=\"italic\"" } else { " font-weight=\"bold\"" };
        let vs = if hidden { 10.5 } else { 12.5 };
        let _ = write!(
            s,
            "<text x=\"{cx}\" y=\"{}\" font-size=\"{}\"{style} fill=\"{fg}\" text-anchor=\"middle\">{}</text>",
            num(y + 2.5),
            num(vs),
            xml_escape(&fit_text_of(&v, vs, max, !hidden))
        );
    }
}

/// Splits a name over at most two lines at a space or hyphen near the middle, shortening
/// what still does not fit.
fn wrap_name(name: &str, size: f64, max: f64) -> Vec<String> {
    if text_width(name, size) <= max {
        return vec![name.to_owned()];
    }
    let chars: Vec<char> = name.chars().collect();
    let mid = chars.len() / 2;
    let split = (0..chars.len())
        .filter(|&i| chars[i] == ' ' || chars[i] == '-')
        .min_by_key(|&i| (i as isize - mid as isize).unsigned_abs());
    match split {
        Some(i) => {
            let keep = usize::from(chars[i] == '-');
            let first: String = chars[..i + keep].iter().collect();
            let second: String = chars[i + 1..].iter().collect();
            vec![fit_text(first.trim(), size, max), fit_text(second.trim(), size, max)]
        }
        None => vec![fit_text(name, size, max)],
    }
}

/// The legend's swatches: the classes, then "hidden" and "no data".
fn legend_items(scale: &Scale, lang: Lang) -> Vec<(String, String, &'static str)> {
    let mut items: Vec<(String, String, &str)> =
        (0..scale.classes).map(|c| (scale.colour(c).0.to_owned(), scale.range(c, lang), "")).collect();
    items.push(("url(#kk-map-hatch)".to_owned(), Text::Hidden.get(lang).to_owned(), ""));
    items.push((NO_DATA.to_owned(), Text::NoData.get(lang).to_owned(), " stroke-dasharray=\"3 2\""));
    items
}

/// Width of the legend's single row.
fn legend_width(scale: &Scale, lang: Lang) -> f64 {
    text_width_of(Text::Legend.get(lang), 12.0, true)
        + 16.0
        + legend_items(scale, lang).iter().map(|(_, l, _)| text_width(l, 11.0) + 34.0).sum::<f64>()
}

fn legend(s: &mut String, scale: &Scale, lang: Lang, y: f64, width: f64) {
    let mut x = PAD;
    let _ = write!(
        s,
        "\n<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>",
        num(x),
        num(y + 13.0),
        xml_escape(Text::Legend.get(lang))
    );
    x += text_width_of(Text::Legend.get(lang), 12.0, true) + 16.0;
    for (fill, label, dash) in legend_items(scale, lang) {
        let w = text_width(&label, 11.0) + 34.0;
        let stroke = if dash.is_empty() { "#888888" } else { "#9a9a9a" };
        let _ = write!(
            s,
            "\n<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"14\" rx=\"2\" fill=\"{fill}\" stroke=\"{stroke}\" \
             stroke-width=\"1\"{dash}/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333333\">{}</text>",
            num(x),
            num(y + 2.0),
            num(x + 27.0),
            num(y + 13.0),
            xml_escape(&label)
        );
        x += w;
    }
    let note = match lang {
        Lang::Ru => {
            "Схема: блоки — территории верхнего уровня (области, города республиканского значения), \
             плитки — входящие в них районы и города, в порядке кодов."
        }
        Lang::Ky => {
            "Схема: блоктор — жогорку деңгээлдеги аймактар (облустар, республикалык маанидеги шаарлар), \
             плиткалар — алардын райондору жана шаарлары, коддордун тартибинде."
        }
        Lang::En => {
            "Schematic: blocks are top-level units (oblasts, cities of republican significance), \
             tiles are their districts and towns, in code order."
        }
    };
    for (i, line) in wrap_text(note, 10.5, width - 2.0 * PAD, 2).into_iter().enumerate() {
        let _ = write!(
            s,
            "\n<text x=\"{}\" y=\"{}\" font-size=\"10.5\" fill=\"#777777\">{}</text>",
            num(PAD),
            num(y + 36.0 + i as f64 * 14.0),
            xml_escape(&line)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_blocks_do_not_overlap_unless_nested() {
        let cells: Vec<Cells> =
            KG_LAYOUT.iter().map(|p| Cells { col: p.col, row: p.row, w: p.width, h: p.height }).collect();
        for (i, a) in cells.iter().enumerate() {
            for b in &cells[i + 1..] {
                let overlap = a.col < b.col + b.w && b.col < a.col + a.w && a.row < b.row + b.h && b.row < a.row + a.h;
                assert!(!overlap || a.contains(b) || b.contains(a), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn kg_blocks_hold_their_districts() {
        let t = Territories::kyrgyzstan();
        let units: Vec<&Territory> = t.children(t.root());
        let blocks = layout(&units, &t);
        assert_eq!(blocks.len(), 9);
        for b in &blocks {
            let holes: usize = blocks
                .iter()
                .filter(|o| o.unit.code != b.unit.code && b.cells.contains(&o.cells))
                .map(|o| usize::from(o.cells.w * o.cells.h))
                .sum();
            let free = usize::from(b.cells.w * b.cells.h) - holes;
            assert!(b.districts.len() <= free, "{} {} > {free}", b.unit.name_en, b.districts.len());
        }
    }

    #[test]
    fn scale_classes() {
        let s = Scale::new(23);
        assert_eq!((s.step, s.classes), (5, 5));
        assert_eq!((s.class(0), s.class(5), s.class(6), s.class(23)), (0, 0, 1, 4));
        assert_eq!(s.range(0, Lang::En), "0–5");
        assert_eq!(s.range(4, Lang::En), "21–25");
        let one = Scale::new(0);
        assert_eq!((one.classes, one.class(0), one.range(0, Lang::En)), (1, 0, "0–1".to_owned()));
        assert_eq!(wrap_name("Кара-Кулжинский", 10.5, 80.0), ["Кара-", "Кулжинский"]);
    }
}
