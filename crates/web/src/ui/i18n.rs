//! Message catalogs (Fluent, so Russian plurals are right: 1 сделка, 2 сделки,
//! 5 сделок) and locale-aware formatting of numbers, money and dates in the
//! user's time zone.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use voronka_core::records::Locale;
use voronka_core::{Day, FieldErrors, Message, Timestamp};

type Bundle = FluentBundle<FluentResource>;

fn bundle(locale: Locale) -> &'static Bundle {
    static RU: OnceLock<Bundle> = OnceLock::new();
    static EN: OnceLock<Bundle> = OnceLock::new();
    let (cell, source, lang) = match locale {
        Locale::Ru => (
            &RU,
            include_str!("../../i18n/ru.ftl"),
            unic_langid::langid!("ru"),
        ),
        Locale::En => (
            &EN,
            include_str!("../../i18n/en.ftl"),
            unic_langid::langid!("en"),
        ),
    };
    cell.get_or_init(|| {
        let mut b = FluentBundle::new_concurrent(vec![lang]);
        // Isolation marks would show up as stray characters in inputs and tests.
        b.set_use_isolating(false);
        let resource = match FluentResource::try_new(source.to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(?errors, "message catalog has errors");
                r
            }
        };
        if let Err(errors) = b.add_resource(resource) {
            tracing::error!(?errors, "message catalog has duplicate messages");
        }
        b
    })
}

/// What a page needs to speak the user's language: catalog, number style, time zone.
#[derive(Clone)]
pub struct Tr {
    pub locale: Locale,
    pub tz: jiff::tz::TimeZone,
}

impl Tr {
    pub fn new(locale: Locale, time_zone: &str) -> Tr {
        let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        Tr { locale, tz }
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        self.try_format(id, args).unwrap_or_else(|| id.to_owned())
    }

    /// The message, or `None` when the catalog lacks it or an argument is missing.
    fn try_format(&self, id: &str, args: Option<&FluentArgs>) -> Option<String> {
        let b = bundle(self.locale);
        let pattern = b.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = b.format_pattern(pattern, args, &mut errors).into_owned();
        errors.is_empty().then_some(text)
    }

    /// A validation or conflict message from core or store in the user's
    /// language: its registry id through the catalog (numbers as numbers, so
    /// plurals agree; enum values by their labels), else its English text.
    pub fn message(&self, m: &Message) -> String {
        let Some(id) = m.id() else {
            return m.english().to_owned();
        };
        let mut args = FluentArgs::new();
        for (name, value) in m.args() {
            // An enum value by its label; the first prefix the catalog has wins.
            let label = ARG_LABELS
                .iter()
                .filter(|(i, n, _)| *i == id && n == name)
                .map(|(_, _, prefix)| format!("{prefix}-{}", value.replace(' ', "-")))
                .find(|l| self.has(l));
            match (label, value.parse::<i64>()) {
                (Some(l), _) => args.set(*name, FluentValue::from(self.t(&l))),
                (None, Ok(n)) => args.set(*name, FluentValue::from(n)),
                // "10 or 12" (digits of an INN): the conjunction in the user's language.
                (None, Err(_)) if value.split(" or ").all(|p| p.parse::<i64>().is_ok()) => {
                    let or = format!(" {} ", self.t("word-or"));
                    args.set(*name, FluentValue::from(value.replace(" or ", &or)))
                }
                // A list of registry messages ("…; …"), each in the user's language.
                (None, Err(_)) if LIST_ARGS.contains(&(id, *name)) => {
                    let parts: Vec<String> = value.split("; ").map(|p| self.conflict(p)).collect();
                    args.set(*name, FluentValue::from(parts.join("; ")))
                }
                (None, Err(_)) => match Day::parse(value) {
                    Ok(day) => args.set(*name, FluentValue::from(self.day(day))),
                    Err(_) => args.set(*name, FluentValue::from(value.clone())),
                },
            }
        }
        self.try_format(id, Some(&args))
            .unwrap_or_else(|| m.english().to_owned())
    }

    /// Field → message in the user's language, for a form.
    pub fn errors(&self, errors: &FieldErrors) -> BTreeMap<String, String> {
        errors
            .messages()
            .map(|(k, m)| (k.clone(), self.message(m)))
            .collect()
    }

    /// A store's conflict (plain English text, rendered from the registry).
    pub fn conflict(&self, english: &str) -> String {
        self.message(&Message::from_text(english))
    }

    /// Whether the catalog has this message.
    pub fn has(&self, id: &str) -> bool {
        bundle(self.locale).has_message(id)
    }

    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// A message with one named argument.
    pub fn t1(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        self.format(id, Some(&args))
    }

    /// A message with two named arguments.
    pub fn t2(
        &self,
        id: &str,
        (a, x): (&str, impl ToString),
        (b, y): (&str, impl ToString),
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(a, FluentValue::from(x.to_string()));
        args.set(b, FluentValue::from(y.to_string()));
        self.format(id, Some(&args))
    }

    /// A counted message, plural by the language's rules.
    pub fn count(&self, id: &str, n: i64) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(n));
        self.format(id, Some(&args))
    }

    /// The label of an enum value: `prefix-value`, e.g. `deal-status-won`.
    pub fn label(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}-{value}"))
    }

    pub fn number(&self, d: Decimal, decimals: u32) -> String {
        let (group, point) = match self.locale {
            Locale::Ru => ('\u{a0}', ','),
            Locale::En => (',', '.'),
        };
        group_digits(d, decimals, group, point)
    }

    /// `1 234 567,89 ₽` in Russian, `₽1,234,567.89` in English.
    pub fn money(&self, d: Decimal, currency: &str) -> String {
        let sym = match currency {
            "RUB" => "₽",
            "USD" => "$",
            "EUR" => "€",
            other => other,
        };
        let n = self.number(d, 2);
        match self.locale {
            Locale::Ru => format!("{n}\u{a0}{sym}"),
            Locale::En if sym.len() == 3 && sym.is_ascii() => format!("{sym}\u{a0}{n}"),
            Locale::En => format!("{sym}{n}"),
        }
    }

    pub fn day(&self, d: Day) -> String {
        let date = d.inner();
        match self.locale {
            Locale::Ru => format!(
                "{:02}.{:02}.{}",
                date.day(),
                u8::from(date.month()),
                date.year()
            ),
            Locale::En => format!(
                "{}-{:02}-{:02}",
                date.year(),
                u8::from(date.month()),
                date.day()
            ),
        }
    }

    /// How a date is typed in the user's language (`ДД.ММ.ГГГГ`, `YYYY-MM-DD`).
    pub fn day_pattern(&self) -> String {
        self.t("date-pattern")
    }

    /// A typed date: the user's own format (`23.11.2026` in Russian,
    /// `11/23/2026` in English) or ISO `2026-11-23` in either.
    pub fn parse_day(&self, s: &str) -> Option<Day> {
        let s = s.trim();
        if let Ok(d) = Day::parse(s) {
            return Some(d);
        }
        let (sep, order) = match self.locale {
            Locale::Ru => ('.', [0, 1]),
            Locale::En => ('/', [1, 0]),
        };
        let parts: Vec<&str> = s.split(sep).collect();
        let [a, b, year] = parts.as_slice() else {
            return None;
        };
        let short = |p: &str| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit());
        if !(short(a) && short(b) && year.len() == 4 && year.bytes().all(|c| c.is_ascii_digit())) {
            return None;
        }
        let ab: [u8; 2] = [a.parse().ok()?, b.parse().ok()?];
        let (day, month) = (ab[order[0]], ab[order[1]]);
        Day::parse(&format!("{year}-{month:02}-{day:02}")).ok()
    }

    /// The instant in the user's time zone.
    pub fn zoned(&self, t: Timestamp) -> Option<jiff::Zoned> {
        let ts = jiff::Timestamp::from_second(t.inner().unix_timestamp()).ok()?;
        Some(ts.to_zoned(self.tz.clone()))
    }

    pub fn datetime(&self, t: Timestamp) -> String {
        match self.zoned(t) {
            Some(z) => match self.locale {
                Locale::Ru => format!(
                    "{:02}.{:02}.{} {:02}:{:02}",
                    z.day(),
                    z.month(),
                    z.year(),
                    z.hour(),
                    z.minute()
                ),
                Locale::En => format!(
                    "{}-{:02}-{:02} {:02}:{:02}",
                    z.year(),
                    z.month(),
                    z.day(),
                    z.hour(),
                    z.minute()
                ),
            },
            None => t.to_string(),
        }
    }

    pub fn time(&self, t: Timestamp) -> String {
        match self.zoned(t) {
            Some(z) => format!("{:02}:{:02}", z.hour(), z.minute()),
            None => String::new(),
        }
    }

    /// The value of an `<input type="datetime-local">` for an instant.
    pub fn input_datetime(&self, t: Timestamp) -> String {
        match self.zoned(t) {
            Some(z) => format!(
                "{}-{:02}-{:02}T{:02}:{:02}",
                z.year(),
                z.month(),
                z.day(),
                z.hour(),
                z.minute()
            ),
            None => String::new(),
        }
    }

    /// Reads an `<input type="datetime-local">` value in the user's zone as an instant.
    pub fn parse_input_datetime(&self, s: &str) -> Option<Timestamp> {
        let dt: jiff::civil::DateTime = s.trim().parse().ok()?;
        let z = dt.to_zoned(self.tz.clone()).ok()?;
        Timestamp::parse(&z.timestamp().to_string()).ok()
    }

    /// Today in the user's zone.
    pub fn today(&self, now: Timestamp) -> Option<jiff::civil::Date> {
        self.zoned(now).map(|z| z.date())
    }
}

/// Arguments that are enum values: (message id, argument, label prefix).
/// Arguments that are themselves registry messages joined by "; ".
const LIST_ARGS: &[(&str, &str)] = &[("err-deal-won-needs-paid", "missing")];

/// (message id, argument, label prefix): the argument is an enum value shown
/// by its label `prefix-value` (spaces as dashes); several prefixes for one
/// argument are tried in order.
const ARG_LABELS: &[(&str, &str, &str)] = &[
    ("err-vat-not-in-force", "rate", "vat"),
    ("err-vat-not-in-force", "regime", "tax-regime"),
    ("err-vat-not-in-force", "allowed", "vat"),
    ("err-invoice-cancel-paid", "status", "invoice-status"),
    ("err-quote-transition", "status", "quote-status"),
    ("err-quote-transition", "action", "doc-refused"),
    ("err-order-transition", "status", "order-status"),
    ("err-order-transition", "action", "doc-refused"),
    ("err-invoice-transition", "status", "invoice-status"),
    ("err-invoice-transition", "action", "doc-refused"),
    ("err-quote-read-only", "status", "quote-status"),
    ("err-order-read-only", "status", "order-status"),
    ("err-invoice-read-only", "status", "invoice-status"),
    ("err-only-drafts-deleted", "status", "quote-status"),
    ("err-only-drafts-deleted", "status", "order-status"),
    ("err-only-drafts-deleted", "status", "invoice-status"),
    ("err-quote-not-invoiced", "status", "quote-status"),
    ("err-invoice-takes-no-payments", "status", "invoice-status"),
    ("err-delivery-needs-issued", "status", "invoice-status"),
    ("err-activity-status-of-kind", "status", "activity-status"),
    ("err-activity-status-of-kind", "kind", "activity-kind"),
    ("err-activity-transition", "from", "activity-status"),
    ("err-activity-transition", "to", "activity-status"),
    ("err-activity-transition", "kind", "activity-kind"),
    ("err-deal-already-closed", "status", "deal-status"),
    (
        "err-pipeline-no-stage-of-kind",
        "kind",
        "settings-stage-kind",
    ),
];

fn group_digits(d: Decimal, decimals: u32, group: char, point: char) -> String {
    let rounded = d.round_dp(decimals);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", decimals as usize, rounded.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push(point);
        out.push_str(&f);
    }
    if negative { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn russian_money_and_plurals() {
        let ru = Tr::new(Locale::Ru, "Europe/Moscow");
        assert_eq!(
            ru.money(Decimal::from_str("1234567.89").unwrap(), "RUB"),
            "1\u{a0}234\u{a0}567,89\u{a0}₽"
        );
        assert_eq!(ru.count("count-deals", 1), "1 сделка");
        assert_eq!(ru.count("count-deals", 2), "2 сделки");
        assert_eq!(ru.count("count-deals", 5), "5 сделок");
        assert_eq!(ru.count("count-deals", 21), "21 сделка");
        assert_eq!(ru.count("count-deals", 112), "112 сделок");
        let en = Tr::new(Locale::En, "UTC");
        assert_eq!(
            en.money(Decimal::from_str("1234.5").unwrap(), "USD"),
            "$1,234.50"
        );
        assert_eq!(en.count("count-deals", 1), "1 deal");
        assert_eq!(en.count("count-deals", 3), "3 deals");
    }

    #[test]
    fn dates_in_the_users_zone() {
        let ru = Tr::new(Locale::Ru, "Europe/Moscow");
        let t = Timestamp::parse("2026-11-23T21:30:00Z").unwrap();
        assert_eq!(ru.datetime(t), "24.11.2026 00:30");
        assert_eq!(ru.day(Day::parse("2026-11-23").unwrap()), "23.11.2026");
        let back = ru.parse_input_datetime(&ru.input_datetime(t)).unwrap();
        assert_eq!(back, t);
    }

    /// Every message core and store can produce (the registry in
    /// `voronka_core::messages`) has a translation in both catalogs, every
    /// argument is used without a Fluent error, and the English catalog says
    /// exactly what the API says.
    #[test]
    fn every_core_message_is_in_both_catalogs() {
        use voronka_core::msg;
        for locale in [Locale::Ru, Locale::En] {
            let tr = Tr::new(locale, "UTC");
            let mut missing = Vec::new();
            for def in msg::ALL {
                if !tr.has(def.id()) {
                    missing.push(def.id());
                    continue;
                }
                let mut m = def.msg();
                for name in def.arg_names() {
                    m = m.with(name, "3");
                }
                let mut args = FluentArgs::new();
                for (k, v) in m.args() {
                    args.set(*k, FluentValue::from(v.clone()));
                }
                let text = tr.try_format(def.id(), Some(&args));
                assert!(text.is_some(), "{locale:?} {} fails to format", def.id());
                if locale == Locale::En {
                    assert_eq!(text.as_deref(), Some(m.english()), "{}", def.id());
                }
            }
            assert!(missing.is_empty(), "{locale:?} catalog lacks {missing:?}");
        }
    }

    #[test]
    fn messages_in_russian() {
        use voronka_core::msg;
        let ru = Tr::new(Locale::Ru, "UTC");
        assert_eq!(ru.message(&msg::REQUIRED.msg()), "обязательное поле");
        assert_eq!(
            ru.message(&msg::TOO_LONG.with("max", 100)),
            "не длиннее 100 символов"
        );
        assert_eq!(
            ru.conflict("the account has 2 deal(s); delete or move them first"),
            "у компании 2 сделки; сначала удалите или перенесите их"
        );
        assert_eq!(
            ru.message(&msg::DEAL_ALREADY_CLOSED.with("status", "won")),
            "сделка уже закрыта (Выиграна); сначала откройте её снова"
        );
        // Text the registry does not know stays as it came.
        assert_eq!(ru.conflict("something new"), "something new");
    }

    #[test]
    fn dates_are_typed_in_the_users_format_or_iso() {
        let ru = Tr::new(Locale::Ru, "Europe/Moscow");
        let day = Day::parse("2026-11-23").unwrap();
        assert_eq!(ru.parse_day("23.11.2026"), Some(day));
        assert_eq!(ru.parse_day(" 3.1.2026 "), Day::parse("2026-01-03").ok());
        assert_eq!(ru.parse_day("2026-11-23"), Some(day));
        assert_eq!(ru.parse_day(&ru.day(day)), Some(day));
        for bad in [
            "31.02.2026",
            "23.11.26",
            "23/11/2026",
            "завтра",
            "",
            "1.2.3.2026",
        ] {
            assert_eq!(ru.parse_day(bad), None, "{bad}");
        }
        assert_eq!(ru.day_pattern(), "ДД.ММ.ГГГГ");
        let en = Tr::new(Locale::En, "UTC");
        assert_eq!(en.parse_day("11/23/2026"), Some(day));
        assert_eq!(en.parse_day("2026-11-23"), Some(day));
        assert_eq!(en.parse_day(&en.day(day)), Some(day));
        assert_eq!(en.parse_day("23.11.2026"), None);
        assert_eq!(en.day_pattern(), "YYYY-MM-DD");
        assert_eq!(
            ru.t1("err-date-format", "pattern", ru.day_pattern()),
            "это не дата: введите в виде ДД.ММ.ГГГГ"
        );
    }

    #[test]
    fn catalogs_have_the_same_messages() {
        let ids = |src: &str| -> Vec<String> {
            src.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
                .filter(|k| {
                    !k.starts_with(' ')
                        && !k.is_empty()
                        && !k.starts_with('[')
                        && !k.starts_with('*')
                })
                .collect()
        };
        let ru = ids(include_str!("../../i18n/ru.ftl"));
        let en = ids(include_str!("../../i18n/en.ftl"));
        assert_eq!(ru, en);
    }
}
