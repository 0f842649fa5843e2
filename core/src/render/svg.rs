//! A horizontal bar chart of one column of a table, as a standalone SVG (REP-1).
//!
//! 720 px wide, one bar per row (the totals row is not a bar; its value is printed under the
//! title), value labels at the bar ends, a light grid with round ticks. A suppressed cell is a
//! short hatched grey stub labelled with the marker (the report's marker via [`bar_chart_marked`]; the
//! [`Table`] alone does not know the threshold, so [`bar_chart`] writes "hidden"). Text is
//! escaped; fonts are `sans-serif`; the output depends only on the input.

use super::{fit_text, fit_text_of, format_count, id_fragment, num, text_width, xml_escape, Text};
use crate::i18n::Lang;
use crate::report::{Cell, Table};
use std::fmt::Write as _;

/// Width of every chart, in px.
pub const WIDTH: f64 = 720.0;
const PAD: f64 = 16.0;
const ROW_H: f64 = 26.0;
const BAR_H: f64 = 17.0;
const TOP: f64 = 70.0;
const BAR_FILL: &str = "#3f72af";
const HIDDEN_W: f64 = 26.0;

/// The chart of `column` (0-based index into `table.columns`); suppressed cells are labelled
/// "hidden" in `lang`. An unknown column gives a chart with the title and no bars.
pub fn bar_chart(table: &Table, column: usize, lang: Lang) -> String {
    bar_chart_marked(table, column, lang, Text::Hidden.get(lang))
}

/// As [`bar_chart`], with suppressed cells labelled `marker` (e.g. the report's `x` from
/// [`suppressed_marker`](super::suppressed_marker)).
pub fn bar_chart_marked(table: &Table, column: usize, lang: Lang, marker: &str) -> String {
    let col = table.columns.get(column);
    let cell = |cells: &[Cell]| cells.get(column).copied();
    let bars: Vec<(&str, Option<Cell>)> = table.rows.iter().map(|r| (r.label.get(lang), cell(&r.cells))).collect();
    let max = bars.iter().filter_map(|(_, c)| c.and_then(Cell::value)).max().unwrap_or(0);
    let (step, axis_max) = nice_axis(max);

    let label_w = bars.iter().map(|(l, _)| text_width(l, 12.0)).fold(0.0_f64, f64::max).clamp(110.0, 280.0) + 10.0;
    let x0 = PAD + label_w;
    let value_room = 64.0;
    let aw = WIDTH - PAD - value_room - x0;
    let height = TOP + bars.len().max(1) as f64 * ROW_H + 62.0;
    let id = format!("kk-{}-{column}", id_fragment(&table.id));
    let scale = |v: u64| if axis_max == 0 { 0.0 } else { v as f64 / axis_max as f64 * aw };

    let title = table.title.get(lang);
    let col_label = col.map(|c| c.label.get(lang)).unwrap_or("—");
    let mut sub = col_label.to_owned();
    if let Some(total) = table.totals.as_ref().and_then(|t| cell(&t.cells)) {
        let tl = table.totals.as_ref().map(|t| t.label.get(lang)).unwrap_or(Text::Total.get(lang));
        let tv = match total {
            Cell::Count(n) => format_count(n, lang),
            Cell::Suppressed => marker.to_owned(),
        };
        sub = format!("{sub} · {tl}: {tv}");
    }

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" role="img" aria-labelledby="{id}-t {id}-d">"#,
        w = num(WIDTH),
        h = num(height)
    );
    let _ = write!(s, "\n<title id=\"{id}-t\">{}</title>", xml_escape(&format!("{title} — {col_label}")));
    let desc: Vec<String> = bars
        .iter()
        .map(|(l, c)| {
            let v = match c {
                Some(Cell::Count(n)) => n.to_string(),
                Some(Cell::Suppressed) => marker.to_owned(),
                None => "—".to_owned(),
            };
            format!("{l}: {v}")
        })
        .collect();
    let _ = write!(s, "\n<desc id=\"{id}-d\">{}</desc>", xml_escape(&desc.join("; ")));
    let _ = write!(
        s,
        "\n<defs><pattern id=\"{id}-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ececec\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9a9a9a\" stroke-width=\"2\"/></pattern></defs>"
    );
    let _ = write!(s, "\n<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>", num(WIDTH), num(height));
    let _ = write!(
        s,
        "\n<text x=\"{}\" y=\"30\" font-size=\"17\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>",
        num(PAD),
        xml_escape(&fit_text_of(title, 17.0, WIDTH - 2.0 * PAD, true))
    );
    let _ = write!(
        s,
        "\n<text x=\"{}\" y=\"52\" font-size=\"13\" fill=\"#555555\">{}</text>",
        num(PAD),
        xml_escape(&fit_text(&sub, 13.0, WIDTH - 2.0 * PAD))
    );

    // Grid and ticks.
    let grid_bottom = TOP + bars.len().max(1) as f64 * ROW_H;
    let mut t = 0;
    while step > 0 && t <= axis_max {
        let x = x0 + scale(t);
        let _ = write!(
            s,
            "\n<line x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{y2}\" stroke=\"{c}\" stroke-width=\"1\"/>\
             <text x=\"{x}\" y=\"{ty}\" font-size=\"11\" fill=\"#666666\" text-anchor=\"middle\">{v}</text>",
            x = num(x),
            y1 = num(TOP - 6.0),
            y2 = num(grid_bottom),
            c = if t == 0 { "#888888" } else { "#e3e3e3" },
            ty = num(grid_bottom + 16.0),
            v = xml_escape(&format_count(t, lang)),
        );
        t += step;
    }

    for (i, (label, c)) in bars.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H;
        let by = y + (ROW_H - BAR_H) / 2.0 - 3.0;
        let ty = by + BAR_H / 2.0 + 4.5;
        let _ = write!(
            s,
            "\n<g><title>{}</title><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#222222\" text-anchor=\"end\">{}</text>",
            xml_escape(label),
            num(x0 - 8.0),
            num(ty),
            xml_escape(&fit_text(label, 12.0, label_w - 10.0))
        );
        match c {
            Some(Cell::Count(n)) => {
                let w = scale(*n);
                let _ = write!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{BAR_FILL}\"/>\
                     <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#222222\">{}</text>",
                    num(x0),
                    num(by),
                    num(w),
                    num(BAR_H),
                    num(x0 + w + 5.0),
                    num(ty),
                    xml_escape(&format_count(*n, lang))
                );
            }
            Some(Cell::Suppressed) => {
                let _ = write!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#{id}-hatch)\" stroke=\"#9a9a9a\" \
                     stroke-width=\"1\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" font-style=\"italic\" \
                     fill=\"#666666\">{}</text>",
                    num(x0),
                    num(by),
                    num(HIDDEN_W),
                    num(BAR_H),
                    num(x0 + HIDDEN_W + 5.0),
                    num(ty),
                    xml_escape(marker)
                );
            }
            None => {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#888888\">—</text>",
                    num(x0 + 5.0),
                    num(ty)
                );
            }
        }
        s.push_str("</g>");
    }

    if bars.iter().any(|(_, c)| *c == Some(Cell::Suppressed)) {
        let note = if marker == Text::Hidden.get(lang) {
            Text::SuppressedNote.get(lang).replace("{m} — ", "")
        } else {
            Text::SuppressedNote.get(lang).replace("{m}", marker)
        };
        let _ = write!(
            s,
            "\n<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"url(#{id}-hatch)\" stroke=\"#9a9a9a\" \
             stroke-width=\"1\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555555\">{}</text>",
            num(PAD),
            num(height - 21.0),
            num(PAD + 20.0),
            num(height - 12.0),
            xml_escape(&fit_text(&note, 11.0, WIDTH - 2.0 * PAD - 20.0))
        );
    }
    s.push_str("\n</svg>\n");
    s
}

/// A round tick step (1, 2 or 5 × 10^k) giving at most 5 intervals, and the axis maximum
/// (a multiple of the step, at least `max`, at least one step).
pub(crate) fn nice_axis(max: u64) -> (u64, u64) {
    if max == 0 {
        return (1, 1);
    }
    let raw = max.div_ceil(5);
    let mut mag = 1u64;
    while mag.saturating_mul(10) <= raw {
        mag = mag.saturating_mul(10);
    }
    let step = [1u64, 2, 5, 10].iter().map(|m| m.saturating_mul(mag)).find(|s| *s >= raw).unwrap_or(raw);
    let axis = max.div_ceil(step).saturating_mul(step);
    (step, axis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round() {
        assert_eq!(nice_axis(0), (1, 1));
        assert_eq!(nice_axis(1), (1, 1));
        assert_eq!(nice_axis(7), (2, 8));
        assert_eq!(nice_axis(10), (2, 10));
        assert_eq!(nice_axis(23), (5, 25));
        assert_eq!(nice_axis(96), (20, 100));
        assert_eq!(nice_axis(1234), (500, 1500));
        assert!(nice_axis(u64::MAX).0 > 0);
    }
}
