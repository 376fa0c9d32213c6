//! One form engine for every record: the same field definitions render the
//! inputs (with the user's values kept and errors beside each field) and turn
//! a submitted form into the JSON the store validates.

use super::Ui;
use super::layout::csrf;
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use voronka_core::Timestamp;
use voronka_core::records::{Lookup, Pipeline, User};

/// Submitted form fields, in order (a name may repeat: checkboxes).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Textarea,
    /// Several values, one per line (phones, e-mails).
    List,
    Int,
    Decimal,
    Date,
    DateTime,
    Bool,
    /// A snake_case enum: options are `prefix-value` messages.
    Enum(&'static str, &'static [&'static str]),
    /// An active user.
    Owner,
    LeadSource,
    LossReason,
    Stage,
    /// One of the company's currencies (a code a deal's money can be in).
    Currency,
    /// A record chosen by typing its name (`/options/{entity}` feeds the suggestions).
    Ref(&'static str),
}

#[derive(Clone, Copy)]
pub struct Def {
    pub name: &'static str,
    pub kind: Kind,
    /// Spans both columns.
    pub wide: bool,
    /// The label's message id, when not `field-{name}`.
    pub label: Option<&'static str>,
}

pub const fn f(name: &'static str, kind: Kind) -> Def {
    Def {
        name,
        kind,
        wide: false,
        label: None,
    }
}

pub const fn wide(name: &'static str, kind: Kind) -> Def {
    Def {
        name,
        kind,
        wide: true,
        label: None,
    }
}

impl Def {
    /// The same field under another label (a lead's `title` is the person's position).
    pub const fn labelled(self, label: &'static str) -> Def {
        Def {
            label: Some(label),
            ..self
        }
    }

    pub fn label(&self, ui: &Ui) -> String {
        match self.label {
            Some(id) => ui.tr.t(id),
            None => ui.tr.t(&format!("field-{}", self.name)),
        }
    }
}

/// What a report's sums can be in: the company's own currency and the
/// other active ones.
pub struct ReportCurrencies {
    pub base: String,
    pub codes: Vec<String>,
}

impl ReportCurrencies {
    pub async fn load(db: &voronka_store::Db) -> voronka_store::Result<ReportCurrencies> {
        let base = voronka_store::company::read_base_currency(db).await?;
        let codes = voronka_store::catalog::list_currencies(db)
            .await?
            .into_iter()
            .filter(|c| c.active && c.code != base)
            .map(|c| c.code.as_str().to_owned())
            .collect();
        Ok(ReportCurrencies {
            base: base.as_str().to_owned(),
            codes,
        })
    }

    /// The currency select of a report's filters. The company's own comes
    /// first as the empty choice, so an address or a saved report that names
    /// none follows the books; a company of one currency is not asked.
    pub fn select(&self, ui: &Ui, current: Option<&str>) -> Markup {
        let current = current
            .map(|c| c.trim().to_uppercase())
            .filter(|c| !c.is_empty() && *c != self.base);
        let retired = current.as_ref().filter(|c| !self.codes.contains(c));
        html! {
            @if !self.codes.is_empty() || current.is_some() {
                label { (ui.tr.t("filter-currency")) " "
                    select name="currency" {
                        option value="" { (self.base) }
                        @if let Some(c) = retired { option value=(c) selected { (c) } }
                        @for c in &self.codes {
                            option value=(c) selected[current.as_ref() == Some(c)] { (c) }
                        }
                    }
                }
            }
        }
    }
}

/// The lists selects are filled from, loaded once per page.
#[derive(Default)]
pub struct Choices {
    pub users: Vec<User>,
    pub sources: Vec<Lookup>,
    pub reasons: Vec<Lookup>,
    pub pipelines: Vec<Pipeline>,
    pub currencies: Vec<voronka_core::records::CurrencyData>,
}

impl Choices {
    pub async fn load(db: &voronka_store::Db) -> voronka_store::Result<Choices> {
        use voronka_core::records::LookupKind;
        Ok(Choices {
            users: voronka_store::users::list_users(db).await?,
            sources: voronka_store::lookups::list(db, LookupKind::LeadSource).await?,
            reasons: voronka_store::lookups::list(db, LookupKind::LossReason).await?,
            pipelines: voronka_store::pipelines::list(db).await?,
            currencies: voronka_store::catalog::list_currencies(db).await?,
        })
    }

    pub fn user_name(&self, id: i64) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.data.name.clone())
            .unwrap_or_default()
    }

    pub fn stage_name(&self, id: i64) -> String {
        self.pipelines
            .iter()
            .flat_map(|p| p.stages.iter())
            .find(|s| s.id == id)
            .map(|s| s.data.name.clone())
            .unwrap_or_default()
    }

    pub fn lookup_name(&self, id: i64) -> String {
        self.sources
            .iter()
            .chain(self.reasons.iter())
            .find(|l| l.id == id)
            .map(|l| l.data.name.clone())
            .unwrap_or_default()
    }
}

/// The raw text of each input: from a stored record, or from what was submitted.
pub type Raw = BTreeMap<String, String>;

pub fn raw_from_record(
    ui: &Ui,
    defs: &[Def],
    record: &Value,
    ref_names: &BTreeMap<String, String>,
) -> Raw {
    let mut raw = Raw::new();
    for d in defs {
        let v = &record[d.name];
        let text = match (d.kind, v) {
            (_, Value::Null) => String::new(),
            (Kind::List, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            (Kind::Date, Value::String(s)) => voronka_core::Day::parse(s)
                .map(|d| ui.tr.day(d))
                .unwrap_or_else(|_| s.clone()),
            (Kind::DateTime, Value::String(s)) => Timestamp::parse(s)
                .map(|t| ui.tr.input_datetime(t))
                .unwrap_or_default(),
            (Kind::Bool, Value::Bool(b)) => {
                if *b {
                    "on".into()
                } else {
                    String::new()
                }
            }
            (Kind::Ref(_), Value::Number(n)) => {
                let name = ref_names.get(d.name).cloned().unwrap_or_default();
                format!("{name} #{n}")
            }
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        };
        raw.insert(d.name.to_owned(), text);
    }
    raw
}

pub fn raw_from_form(defs: &[Def], form: &Fields) -> Raw {
    defs.iter()
        .map(|d| {
            (
                d.name.to_owned(),
                form.get(d.name).unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn parse_ref(s: &str) -> Option<i64> {
    let s = s.trim();
    let tail = s.rsplit('#').next().unwrap_or(s).trim();
    tail.parse().ok()
}

/// The JSON body for the store, or the fields that could not even be read.
pub fn to_json(ui: &Ui, defs: &[Def], form: &Fields) -> Result<Value, BTreeMap<String, String>> {
    let mut out = serde_json::Map::new();
    let mut errors = BTreeMap::new();
    for d in defs {
        let raw = form.get(d.name).unwrap_or_default().trim();
        let value = match d.kind {
            Kind::Bool => json!(form.get(d.name).is_some()),
            // An unchosen enum keeps the record's value (or its default): most are not optional.
            Kind::Enum(..) | Kind::Currency if raw.is_empty() => continue,
            _ if raw.is_empty() => match d.kind {
                Kind::List => json!([]),
                _ => Value::Null,
            },
            Kind::Text | Kind::Textarea | Kind::Enum(..) | Kind::Currency => json!(raw),
            Kind::Date => match ui.tr.parse_day(raw) {
                Some(d) => json!(d.to_string()),
                None => {
                    errors.insert(d.name.to_owned(), date_error(ui));
                    continue;
                }
            },
            Kind::Decimal => json!(raw.replace([' ', '\u{a0}'], "").replace(',', ".")),
            Kind::List => json!(
                raw.split(['\n', ',', ';'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            ),
            Kind::Int | Kind::Owner | Kind::LeadSource | Kind::LossReason | Kind::Stage => {
                match raw.parse::<i64>() {
                    Ok(n) => json!(n),
                    Err(_) => {
                        errors.insert(d.name.to_owned(), ui.tr.t("err-whole-number"));
                        continue;
                    }
                }
            }
            Kind::Ref(_) => match parse_ref(raw) {
                Some(n) => json!(n),
                None => {
                    errors.insert(d.name.to_owned(), ui.tr.t("err-choose-suggestion"));
                    continue;
                }
            },
            Kind::DateTime => match ui.tr.parse_input_datetime(raw) {
                Some(t) => json!(t.to_string()),
                None => {
                    errors.insert(d.name.to_owned(), ui.tr.t("err-not-datetime"));
                    continue;
                }
            },
        };
        out.insert(d.name.to_owned(), value);
    }
    if errors.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(errors)
    }
}

/// The message for a date that cannot be read, naming the format to type.
pub fn date_error(ui: &Ui) -> String {
    ui.tr.t1("err-date-format", "pattern", ui.tr.day_pattern())
}

/// A day as the user typed it (their format or ISO) as ISO for the store.
/// Text that is no date passes through, so the store names the field.
pub fn iso_day(ui: &Ui, s: &str) -> String {
    ui.tr
        .parse_day(s)
        .map(|d| d.to_string())
        .unwrap_or_else(|| s.trim().to_owned())
}

/// A stored (ISO) day in the user's format, for a date input's value.
pub fn shown_day(ui: &Ui, s: &str) -> String {
    voronka_core::Day::parse(s)
        .map(|d| ui.tr.day(d))
        .unwrap_or_else(|_| s.to_owned())
}

/// A date typed in the user's format (a text input: a browser's date picker
/// follows the browser's language, not the user's).
pub fn date_input(ui: &Ui, id: &str, name: &str, value: &str, label: Option<&str>) -> Markup {
    let pattern = ui.tr.day_pattern();
    html! {
        input id=(id) type="text" inputmode="numeric" autocomplete="off" name=(name) value=(value)
            placeholder=(pattern) title=(pattern) size="10" aria-label=[label];
    }
}

fn options(ui: &Ui, d: &Def, choices: &Choices, current: &str) -> Markup {
    let opt = |value: String, label: String| {
        let selected = value == current;
        html! { option value=(value) selected[selected] { (label) } }
    };
    html! {
        // A deal always has a currency: no empty choice.
        @if !matches!(d.kind, Kind::Currency) { option value="" { "—" } }
        @match d.kind {
            Kind::Enum(prefix, values) => { @for v in values { (opt((*v).to_owned(), ui.tr.label(prefix, v))) } }
            Kind::Owner => { @for u in choices.users.iter().filter(|u| u.data.active || u.id.to_string() == current) { (opt(u.id.to_string(), u.data.name.clone())) } }
            Kind::LeadSource => { @for l in choices.sources.iter().filter(|l| l.data.active || l.id.to_string() == current) { (opt(l.id.to_string(), l.data.name.clone())) } }
            Kind::LossReason => { @for l in choices.reasons.iter().filter(|l| l.data.active) { (opt(l.id.to_string(), l.data.name.clone())) } }
            Kind::Currency => {
                // A code from before the catalogue was checked stays as it is.
                @if !current.is_empty() && !choices.currencies.iter().any(|c| c.code.as_str() == current) { (opt(current.to_owned(), current.to_owned())) }
                @for c in choices.currencies.iter().filter(|c| c.active || c.code.as_str() == current) { (opt(c.code.as_str().to_owned(), format!("{} — {}", c.code.as_str(), c.name))) }
            }
            Kind::Stage => {
                @for p in &choices.pipelines {
                    optgroup label=(p.data.name) {
                        @for s in &p.stages { (opt(s.id.to_string(), s.data.name.clone())) }
                    }
                }
            }
            _ => {}
        }
    }
}

/// One labelled input with its current value and its error, if any.
pub fn field(
    ui: &Ui,
    d: &Def,
    raw: &Raw,
    errors: &BTreeMap<String, String>,
    choices: &Choices,
) -> Markup {
    let id = format!("f-{}", d.name);
    let value = raw.get(d.name).cloned().unwrap_or_default();
    let error = errors
        .iter()
        .find(|(k, _)| *k == d.name || k.starts_with(&format!("{}[", d.name)))
        .map(|(_, v)| v);
    let label = d.label(ui);
    html! {
        div.field.wide[d.wide || matches!(d.kind, Kind::Textarea)].invalid[error.is_some()] {
            label for=(id) { (label) }
            @match d.kind {
                Kind::Textarea => textarea id=(id) name=(d.name) { (value) },
                Kind::List => textarea id=(id) name=(d.name) rows="2" { (value) },
                Kind::Bool => input id=(id) type="checkbox" name=(d.name) checked[!value.is_empty()];,
                Kind::Int => input id=(id) type="number" step="1" name=(d.name) value=(value);,
                Kind::Decimal => input id=(id) type="text" inputmode="decimal" name=(d.name) value=(value);,
                Kind::Date => (date_input(ui, &id, d.name, &value, None)),
                Kind::DateTime => input id=(id) type="datetime-local" name=(d.name) value=(value);,
                Kind::Enum(..) | Kind::Owner | Kind::LeadSource | Kind::LossReason | Kind::Stage | Kind::Currency => {
                    select id=(id) name=(d.name) { (options(ui, d, choices, &value)) }
                }
                Kind::Ref(entity) => {
                    input id=(id) type="text" name=(d.name) value=(value) list=(format!("dl-{}", d.name)) autocomplete="off"
                        hx-get=(format!("/options/{entity}")) hx-trigger="input changed delay:200ms"
                        hx-target=(format!("#dl-{}", d.name)) hx-swap="innerHTML";
                    datalist id=(format!("dl-{}", d.name)) {}
                }
                Kind::Text => input id=(id) type="text" name=(d.name) value=(value);,
            }
            @if let Some(e) = error { div.error role="alert" { (e) } }
        }
    }
}

/// A whole record form.
#[allow(clippy::too_many_arguments)]
pub fn form(
    ui: &Ui,
    defs: &[Def],
    raw: &Raw,
    errors: &BTreeMap<String, String>,
    choices: &Choices,
    action: &str,
    cancel: &str,
    hidden: &[(&str, String)],
) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.flash.error role="alert" {
                (ui.tr.t("error-form"))
                @for (k, v) in errors.iter().filter(|(k, _)| !defs.iter().any(|d| k.as_str() == d.name || k.starts_with(&format!("{}[", d.name)))) {
                    " · " (k) ": " (v)
                }
            }
        }
        form.fields.card method="post" action=(action) {
            (csrf(ui))
            @for (name, value) in hidden { input type="hidden" name=(name) value=(value); }
            @for d in defs { (field(ui, d, raw, errors, choices)) }
            div.formactions {
                button.primary type="submit" { (ui.tr.t("action-save")) }
                a.btn href=(cancel) { (ui.tr.t("action-cancel")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_read_from_the_suggestion_text() {
        assert_eq!(parse_ref("ООО «Ромашка» #42"), Some(42));
        assert_eq!(parse_ref("42"), Some(42));
        assert_eq!(parse_ref("Ромашка"), None);
    }
}
