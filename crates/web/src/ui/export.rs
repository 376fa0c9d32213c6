//! Any report table as a file: CSV (UTF-8 with a byte-order mark, so Excel
//! opens Cyrillic right; numbers with a dot) or XLSX (numbers stay numbers,
//! money with two decimals).

use super::reports::{Cell, Table};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("csv: {0}")]
    Io(#[from] std::io::Error),
}

fn plain(c: &Cell) -> String {
    match c {
        Cell::Text(s) | Cell::Link(s, _) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Money(d) => d.round_dp(2).to_string(),
        Cell::Num(Some(d)) => d.to_string(),
        Cell::Num(None) => String::new(),
    }
}

pub fn csv(t: &Table) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(&t.headers)?;
    for row in &t.rows {
        w.write_record(row.iter().map(plain))?;
    }
    w.flush()?;
    w.into_inner().map_err(|e| ExportError::Io(e.into_error()))
}

/// A spreadsheet value for a decimal: exact for any amount a report shows
/// (two decimals, well under 2^53 kopecks).
fn number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

pub fn xlsx(t: &Table, sheet: &str) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    // Sheet names: at most 31 characters, none of []:*?/\.
    let name: String = sheet
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if !name.is_empty() {
        ws.set_name(name)?;
    }
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    for (i, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) | Cell::Link(s, _) => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Int(n) => {
                    ws.write_number(r, c, *n as f64)?;
                }
                Cell::Money(d) => {
                    ws.write_number_with_format(r, c, number(*d), &money)?;
                }
                Cell::Num(Some(d)) => {
                    ws.write_number(r, c, number(*d))?;
                }
                Cell::Num(None) => {}
            }
        }
    }
    ws.autofit();
    Ok(book.save_to_buffer()?)
}
