//! Charts drawn by the server as SVG: bars, lines, pie, funnel. Every mark carries a
//! `<title>` (the value on hover and for screen readers), values are printed
//! beside the marks in the user's number format, and series differ by dash
//! pattern as well as colour, so a black-and-white print still reads.

use maud::{Markup, PreEscaped, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Series colours (and, for lines, dash patterns) in drawing order.
const COLOURS: [&str; 4] = ["#3b6fd8", "#2e9d62", "#9aa3b2", "#c0792b"];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

fn esc(s: &str) -> String {
    html! { (s) }.into_string()
}

/// Only for placing marks; the figures shown are the exact decimals.
fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Horizontal bars, one per row: label on the left, bar, formatted value.
/// The label column is as wide as the longest label (long ones are cut
/// with an ellipsis; the full text is in the bar's title).
pub fn bars(label: &str, rows: &[(String, Decimal)], fmt: &dyn Fn(Decimal) -> String) -> Markup {
    let width = 720.0;
    let row_h = 26.0;
    let height = row_h * rows.len().max(1) as f64 + 8.0;
    let max = rows
        .iter()
        .map(|r| f(r.1))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    const LONGEST: usize = 36;
    let short = |name: &str| {
        if name.chars().count() > LONGEST {
            format!("{}…", name.chars().take(LONGEST - 1).collect::<String>())
        } else {
            name.to_owned()
        }
    };
    let labels = rows
        .iter()
        .map(|r| text_width(&short(&r.0)))
        .fold(0.0_f64, f64::max)
        + 10.0;
    let values = rows
        .iter()
        .map(|r| text_width(&fmt(r.1)))
        .fold(0.0_f64, f64::max)
        + 10.0;
    let room = (width - labels - values).max(100.0);
    let mut s = String::new();
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let w = (f(*v) / max * room).max(0.0);
        let value = fmt(*v);
        s.push_str(&format!(
            r##"<g><title>{n}: {val}</title><text x="0" y="{ty:.1}" class="chart-label">{shown}</text><rect x="{labels:.1}" y="{y:.1}" width="{w:.1}" height="{bh:.1}" fill="{c}" stroke="#243b6b" stroke-width="0.5"/><text x="{vx:.1}" y="{ty:.1}">{val}</text></g>"##,
            n = esc(name),
            shown = esc(&short(name)),
            val = esc(&value),
            ty = y + 15.0,
            bh = row_h - 8.0,
            c = COLOURS[0],
            vx = labels + w + 6.0,
        ));
    }
    svg(label, width, height, s)
}

/// Rough width of a label in the charts' 12-unit font: enough to keep
/// labels from overlapping without measuring text on the server.
fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 7.0
}

/// Lines over periods: one per series, dots with values on hover, a legend.
/// Period labels are thinned out so that they never overlap.
pub fn lines(
    label: &str,
    periods: &[String],
    series: &[(String, Vec<Decimal>)],
    fmt: &dyn Fn(Decimal) -> String,
) -> Markup {
    let max = series
        .iter()
        .flat_map(|s| s.1.iter().map(|v| f(*v)))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let top_label = fmt(Decimal::from_f64_retain(max)
        .unwrap_or_default()
        .round_dp(2));
    let width = 900.0;
    let widest = periods
        .iter()
        .map(|p| text_width(p))
        .fold(0.0_f64, f64::max)
        + 10.0;
    // Room for the top value on the left and half a period label at each end.
    let left = (text_width(&top_label) + 12.0).max(widest / 2.0);
    let (top, h) = (40.0, 200.0);
    let w = width - left - (widest / 2.0).max(30.0);
    let n = periods.len().max(1);
    let x = |i: usize| {
        left + if n == 1 {
            w / 2.0
        } else {
            w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + h - v / max * h;
    let mut s = String::new();
    // Axes, a middle grid line, the top value.
    s.push_str(&format!(
        r##"<line x1="{left}" y1="{mid}" x2="{r}" y2="{mid}" stroke="#e3e7ee"/><line x1="{left}" y1="{top}" x2="{r}" y2="{top}" stroke="#e3e7ee"/><line x1="{left}" y1="{top}" x2="{left}" y2="{b}" stroke="#8a94a6"/><line x1="{left}" y1="{b}" x2="{r}" y2="{b}" stroke="#8a94a6"/><text x="{lx}" y="{ty}" text-anchor="end">{maxv}</text><text x="{lx}" y="{b}" text-anchor="end">0</text>"##,
        mid = top + h / 2.0,
        b = top + h,
        r = left + w,
        lx = left - 6.0,
        ty = top + 4.0,
        maxv = esc(&top_label),
    ));
    let room = if n > 1 { w / (n - 1) as f64 } else { w };
    let step = ((widest / room).ceil() as usize).max(1);
    for (i, p) in periods.iter().enumerate() {
        if i % step == 0 {
            s.push_str(&format!(
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="chart-axis">{}</text>"#,
                x(i),
                top + h + 18.0,
                esc(p)
            ));
        }
    }
    let mut lx = left;
    for (k, (name, values)) in series.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        let dash = DASHES[k % DASHES.len()];
        let pts: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(f(*v))))
            .collect();
        s.push_str(&format!(
            r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2" stroke-dasharray="{dash}"/>"#,
            pts.join(" ")
        ));
        for (i, v) in values.iter().enumerate() {
            let p = periods.get(i).map(String::as_str).unwrap_or_default();
            s.push_str(&format!(
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{c}"><title>{} · {}: {}</title></circle>"#,
                x(i),
                y(f(*v)),
                esc(name),
                esc(p),
                esc(&fmt(*v))
            ));
        }
        s.push_str(&format!(
            r#"<line x1="{lx}" y1="14" x2="{:.1}" y2="14" stroke="{c}" stroke-width="2" stroke-dasharray="{dash}"/><text x="{:.1}" y="18">{}</text>"#,
            lx + 24.0,
            lx + 30.0,
            esc(name)
        ));
        lx += 30.0 + text_width(name) + 24.0;
    }
    svg(label, width, top + h + 30.0, s)
}

/// A pie of shares with a legend that prints each share's value and percent.
pub fn pie(label: &str, rows: &[(String, Decimal)], fmt: &dyn Fn(Decimal) -> String) -> Markup {
    let total: f64 = rows.iter().map(|r| f(r.1).max(0.0)).sum();
    let (cx, cy, r) = (100.0, 100.0, 90.0);
    let mut s = String::new();
    let mut angle = -std::f64::consts::FRAC_PI_2;
    for (i, (name, v)) in rows.iter().enumerate() {
        let share = if total > 0.0 {
            f(*v).max(0.0) / total
        } else {
            0.0
        };
        let c = COLOURS[i % COLOURS.len()];
        let pct = format!("{:.1}%", share * 100.0);
        let title = format!("{}: {} ({pct})", esc(name), esc(&fmt(*v)));
        if share >= 0.9999 {
            s.push_str(&format!(
                r##"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{c}" stroke="#fff"><title>{title}</title></circle>"##
            ));
        } else if share > 0.0 {
            let end = angle + share * std::f64::consts::TAU;
            let large = if share > 0.5 { 1 } else { 0 };
            s.push_str(&format!(
                r##"<path d="M{cx},{cy} L{:.2},{:.2} A{r},{r} 0 {large} 1 {:.2},{:.2} Z" fill="{c}" stroke="#fff"><title>{title}</title></path>"##,
                cx + r * angle.cos(),
                cy + r * angle.sin(),
                cx + r * end.cos(),
                cy + r * end.sin(),
            ));
            angle = end;
        }
        s.push_str(&format!(
            r##"<rect x="215" y="{:.1}" width="12" height="12" fill="{c}" stroke="#243b6b" stroke-width="0.5"/><text x="233" y="{:.1}">{} — {} ({pct})</text>"##,
            10.0 + 20.0 * i as f64,
            20.0 + 20.0 * i as f64,
            esc(name),
            esc(&fmt(*v))
        ));
    }
    let height = (20.0 * rows.len() as f64 + 20.0).max(200.0);
    svg(label, 620.0, height, s)
}

/// One band of a funnel. Its width follows `size`; `centre` is printed
/// inside it, `detail` beside it (with the conversion from the band above),
/// `hover` is its title (the conversion is added to both).
pub struct Band {
    pub name: String,
    pub size: Decimal,
    pub centre: String,
    pub detail: String,
    pub hover: String,
}

/// Stacked trapezoids, each narrowing to the next band's width, with the
/// conversion from the band above, a percentage to one decimal as the
/// reports' tables print it (`number` formats it in the user's locale).
pub fn funnel(label: &str, bands: &[Band], number: &dyn Fn(Decimal) -> String) -> Markup {
    let width = 560.0_f64;
    let row_h = 44.0_f64;
    let max = bands
        .iter()
        .map(|b| f(b.size))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let height = row_h * bands.len() as f64 + 4.0;
    let cx = 210.0;
    let mut s = String::new();
    for (i, b) in bands.iter().enumerate() {
        let y = i as f64 * row_h;
        let w_top = 140.0 + 260.0 * (f(b.size).max(0.0) / max);
        let next = bands.get(i + 1).map_or(b.size, |n| n.size.min(b.size));
        let w_bottom = 140.0 + 260.0 * (f(next).max(0.0) / max);
        let shade = 225 - (i as i64 * 12).min(90);
        let conversion = match i.checked_sub(1).map(|p| bands[p].size) {
            Some(above) if above > Decimal::ZERO => Some(format!(
                "{}%",
                number((b.size * Decimal::ONE_HUNDRED / above).round_dp(1))
            )),
            _ => None,
        };
        let with_conversion = |t: &str| {
            [Some(t), conversion.as_deref()]
                .into_iter()
                .flatten()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" · ")
        };
        s.push_str(&format!(
            r##"<g><title>{hover}</title><polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="rgb({shade},{},255)" stroke="#8aa0c8"/><text x="{cx}" y="{:.1}" text-anchor="middle">{centre}</text><text x="{tx:.1}" y="{:.1}">{name}</text><text x="{tx:.1}" y="{:.1}" class="muted">{detail}</text></g>"##,
            cx - w_top / 2.0, y + 2.0, cx + w_top / 2.0, y + 2.0, cx + w_bottom / 2.0, y + row_h - 2.0, cx - w_bottom / 2.0, y + row_h - 2.0,
            (shade + 10).min(255),
            y + row_h / 2.0 + 4.0,
            y + row_h / 2.0 - 2.0,
            y + row_h / 2.0 + 13.0,
            hover = esc(&with_conversion(&b.hover)),
            centre = esc(&b.centre),
            name = esc(&b.name),
            detail = esc(&with_conversion(&b.detail)),
            tx = cx + 215.0,
        ));
    }
    framed("funnel", label, width, height, s)
}

fn svg(label: &str, w: f64, h: f64, body: String) -> Markup {
    framed("chart", label, w, h, body)
}

/// The drawing's frame, `class` telling the page's styles which kind it is.
fn framed(class: &str, label: &str, w: f64, h: f64, body: String) -> Markup {
    html! {
        // A 12-unit font in the drawing's own units, and no more than 1.3×
        // enlargement on a wide screen, keep labels the size of the page's text.
        svg class=(class) role="img" aria-label=(label) viewBox=(format!("0 0 {w} {h:.0}")) width="100%"
            font-size="12" font-family="system-ui, sans-serif"
            style=(format!("max-width: {:.0}px", w * 1.3)) {
            title { (label) }
            (PreEscaped(body))
        }
    }
}
