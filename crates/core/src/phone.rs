//! Phone numbers as people type them, stored as E.164.
//!
//! One canonical form is what makes duplicate detection and search work: the same
//! number typed as "8 (495) 123-45-67" and "+7 495 1234567" must be one key.
//! Bare numbers are read with Russian conventions (trunk prefix 8, 10-digit
//! national numbers), because that is how the CRM's users write them.

/// Why an input is not a storable phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("is not a phone number")]
    NotAPhone,
    #[error("has too few digits")]
    TooShort,
    #[error("has too many digits")]
    TooLong,
}

impl PhoneError {
    /// Stable identifier for API clients and translations.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::NotAPhone => "not_a_phone",
            PhoneError::TooShort => "too_short",
            PhoneError::TooLong => "too_long",
        }
    }
}

/// Digits of the main number and whether they were written in international form.
struct Dialled {
    plus: bool,
    digits: String,
}

/// Characters people put between digits or before an extension. Typographic
/// dashes arrive when numbers are copied from documents and web pages.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | ',' | '-' | '(' | ')' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}'
        )
}

/// Whether `tail` is an extension ("доб. 123", "ext 123", "x123", RFC 3966
/// ";ext=123"). The extension reaches a person, not a line, so it is not part of
/// the stored number; a marker without digits is treated as junk.
fn is_extension(tail: &str) -> bool {
    const MARKERS: [&str; 7] = [";ext=", "добавочный", "доб", "extension", "ext", "x", "#"];
    MARKERS.iter().any(|marker| {
        tail.strip_prefix(marker).is_some_and(|after| {
            let number = after
                .trim_start_matches(|c: char| matches!(c, '.' | ':' | '=') || c.is_whitespace())
                .trim_end_matches(is_separator);
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

fn scan(input: &str) -> Result<Dialled, PhoneError> {
    let lower = input.to_lowercase();
    let rest = lower.strip_prefix("tel:").unwrap_or(&lower);
    let mut plus = false;
    let mut digits = String::new();
    for (i, c) in rest.char_indices() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c == '+' {
            // A plus only makes sense in front of the country code.
            if plus || !digits.is_empty() {
                return Err(PhoneError::NotAPhone);
            }
            plus = true;
        } else if is_separator(c) {
            // Separators carry no meaning; only their position relative to "+" does.
        } else if rest.get(i..).is_some_and(is_extension) {
            break;
        } else {
            return Err(PhoneError::NotAPhone);
        }
    }
    Ok(Dialled { plus, digits })
}

/// `digits` follow an international prefix, so they start with a country code.
fn international(digits: &str) -> Result<String, PhoneError> {
    // No country code starts with 0; "+0…" is a mistyped number, not a short one.
    if digits.starts_with('0') {
        return Err(PhoneError::NotAPhone);
    }
    // The +7 plan (Russia, Kazakhstan) is closed: always 10 digits after the code.
    let (min, max) = if digits.starts_with('7') {
        (11, 11)
    } else {
        (8, 15)
    };
    if digits.len() < min {
        Err(PhoneError::TooShort)
    } else if digits.len() > max {
        Err(PhoneError::TooLong)
    } else {
        Ok(format!("+{digits}"))
    }
}

fn to_e164(dialled: &Dialled) -> Result<String, PhoneError> {
    let digits = dialled.digits.as_str();
    if digits.is_empty() {
        return Err(PhoneError::NotAPhone);
    }
    if dialled.plus {
        return international(digits);
    }
    // Checked before the 10-digit rule: Russian national numbers never start with 0,
    // so "00…" can only be the international prefix.
    if let Some(rest) = digits.strip_prefix("00") {
        return international(rest);
    }
    // "8 10 …" is the old Russian way of dialling abroad; a national number with
    // its trunk 8 is exactly 11 digits, so longer ones can only mean this.
    if digits.len() > 11
        && let Some(rest) = digits.strip_prefix("810")
    {
        return international(rest);
    }
    match digits.len() {
        10 => Ok(format!("+7{digits}")),
        11 => match digits.strip_prefix(['7', '8']) {
            Some(national) => Ok(format!("+7{national}")),
            // Without "+" an 11-digit number can only be Russian, and this one
            // has a digit too many for that.
            None => Err(PhoneError::TooLong),
        },
        n if n < 10 => Err(PhoneError::TooShort),
        _ => Err(PhoneError::TooLong),
    }
}

/// Accepts what people type: "+7 (495) 123-45-67", "8 495 123 45 67",
/// "84951234567", "4951234567", "+1 212 555 0100", "tel:+7…", with spaces, dots,
/// dashes and parentheses. An extension ("доб. 123", "ext 123", "x123") is dropped.
///
/// Russian defaults: 11 digits starting with 8 or 7 → +7…; 10 digits (no "+") →
/// +7 and the digits. With a leading "+" (or "00", or the Russian "8 10") the
/// country code is kept and 8..=15 digits are allowed, exactly 11 for +7.
pub fn normalize_phone(input: &str) -> Result<String, PhoneError> {
    to_e164(&scan(input)?)
}

/// Country codes are prefix-free; the 1- and 2-digit ones are listed, every other
/// one is 3 digits long (ITU-T E.164 assignments).
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with(['1', '7']) {
        1
    } else if TWO_DIGIT.iter().any(|code| digits.starts_with(code)) {
        2
    } else {
        3
    }
}

/// Groups of three with a final group of two to four digits: readable without
/// knowing every country's own grouping conventions.
fn group_national(national: &str) -> Vec<&str> {
    let mut groups = Vec::new();
    let mut rest = national;
    while rest.len() > 4 {
        let Some((group, tail)) = rest.split_at_checked(3) else {
            break;
        };
        groups.push(group);
        rest = tail;
    }
    if !rest.is_empty() {
        groups.push(rest);
    }
    groups
}

fn format_russian(national: &str) -> Option<String> {
    let (code, rest) = national.split_at_checked(3)?;
    let (first, rest) = rest.split_at_checked(3)?;
    let (second, third) = rest.split_at_checked(2)?;
    Some(format!("+7 ({code}) {first}-{second}-{third}"))
}

/// "+74951234567" → "+7 (495) 123-45-67"; other countries get the code and
/// groups of digits. Anything that is not a normalized number comes back as is,
/// so old or hand-edited data is still shown rather than hidden.
#[must_use]
pub fn format_phone(e164: &str) -> String {
    if normalize_phone(e164).as_deref() != Ok(e164) {
        return e164.to_owned();
    }
    let digits = e164.trim_start_matches('+');
    if let Some(national) = digits.strip_prefix('7') {
        return format_russian(national).unwrap_or_else(|| e164.to_owned());
    }
    let Some((code, national)) = digits.split_at_checked(country_code_len(digits)) else {
        return e164.to_owned();
    };
    let mut out = format!("+{code}");
    for group in group_national(national) {
        out.push(' ');
        out.push_str(group);
    }
    out
}

/// The digit strings a phone column should be matched against, so that
/// "495 123-45-67" finds "+74951234567" whatever format either was typed in.
///
/// A complete number gives its E.164 digits and, for +7, the 10-digit national
/// number. A fragment of 5 or more digits is matched as typed (and, when it starts
/// with the trunk 8, also with 7 in its place). Input with letters gives nothing,
/// so a name or an address in the search box does not turn into a phone search.
#[must_use]
pub fn phone_search_keys(input: &str) -> Vec<String> {
    let Ok(dialled) = scan(input) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    match to_e164(&dialled) {
        Ok(e164) => {
            let digits = e164.trim_start_matches('+');
            keys.push(digits.to_owned());
            if let Some(national) = digits.strip_prefix('7') {
                keys.push(national.to_owned());
            }
        }
        Err(_) if dialled.digits.len() >= 5 => {
            keys.push(dialled.digits.clone());
            if !dialled.plus
                && let Some(rest) = dialled.digits.strip_prefix('8')
            {
                keys.push(format!("7{rest}"));
            }
        }
        Err(_) => {}
    }
    keys
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MOSCOW: &str = "+74951234567";

    #[test]
    fn russian_formats() {
        for input in [
            "+7 (495) 123-45-67",
            "8 495 123 45 67",
            "84951234567",
            "74951234567",
            "4951234567",
            "+74951234567",
            "tel:+74951234567",
            "tel:+7-495-123-45-67",
            "TEL:+7 495 123 45 67",
            "+7.495.123.45.67",
            "8(495)123-45-67",
            "8 (495) 123–45–67",
            "+7\u{a0}495\u{a0}123\u{a0}45\u{a0}67",
            "495/123-45-67",
            "007 495 123 45 67",
            "8 10 7 495 123 45 67",
        ] {
            assert_eq!(normalize_phone(input).as_deref(), Ok(MOSCOW), "{input:?}");
        }
        assert_eq!(
            normalize_phone("8 (800) 555-35-35").as_deref(),
            Ok("+78005553535")
        );
        assert_eq!(
            normalize_phone("89161234567").as_deref(),
            Ok("+79161234567")
        );
    }

    #[test]
    fn extensions_are_dropped() {
        for input in [
            "+7 (495) 123-45-67 доб. 123",
            "+7 (495) 123-45-67 доб 123",
            "+7 (495) 123-45-67, доб. 123",
            "+7 (495) 123-45-67 ДОБ.123",
            "+7 (495) 123-45-67 добавочный 123",
            "+7 (495) 123-45-67 ext 123",
            "+7 (495) 123-45-67 ext. 123",
            "+7 (495) 123-45-67 EXT:123",
            "+7 (495) 123-45-67 extension 123",
            "+7 (495) 123-45-67 x123",
            "+7 (495) 123-45-67 X 123",
            "+7 (495) 123-45-67 #123",
            "+7 (495) 123-45-67 (доб. 123)",
            "tel:+74951234567;ext=123",
        ] {
            assert_eq!(normalize_phone(input).as_deref(), Ok(MOSCOW), "{input:?}");
        }
    }

    #[test]
    fn international_formats() {
        assert_eq!(
            normalize_phone("+1 212 555 0100").as_deref(),
            Ok("+12125550100")
        );
        assert_eq!(
            normalize_phone("+44 20 7946 0958").as_deref(),
            Ok("+442079460958")
        );
        assert_eq!(
            normalize_phone("00 44 20 7946 0958").as_deref(),
            Ok("+442079460958")
        );
        assert_eq!(
            normalize_phone("8 10 44 20 7946 0958").as_deref(),
            Ok("+442079460958")
        );
        assert_eq!(
            normalize_phone("+375 (29) 123-45-67").as_deref(),
            Ok("+375291234567")
        );
        assert_eq!(normalize_phone("+49 30 1234").as_deref(), Ok("+49301234"));
        assert_eq!(
            normalize_phone("+123456789012345").as_deref(),
            Ok("+123456789012345")
        );
    }

    #[test]
    fn bad_inputs() {
        use PhoneError::*;
        for (input, err) in [
            ("", NotAPhone),
            ("   ", NotAPhone),
            ("+", NotAPhone),
            ("()", NotAPhone),
            ("abc", NotAPhone),
            ("позвонить 4951234567", NotAPhone),
            ("49512345б7", NotAPhone),
            ("+7 495 123+45-67", NotAPhone),
            ("++74951234567", NotAPhone),
            ("7+4951234567", NotAPhone),
            ("+0 495 123 45 67", NotAPhone),
            ("+7 495 123 45 67 доб.", NotAPhone),
            ("+7 495 123 45 67 x12a", NotAPhone),
            ("+7 495 123 45 67 y123", NotAPhone),
            ("+7 495 123 45 67!", NotAPhone),
            ("４９５１２３４５６７", NotAPhone),
            ("tel:", NotAPhone),
            ("123-45-67", TooShort),
            ("495123456", TooShort),
            ("+7 495 123 45 6", TooShort),
            ("+1 234 567", TooShort),
            ("00", TooShort),
            ("+7 495 123 45 678", TooLong),
            ("8 495 123 45 678", TooLong),
            ("12125550100", TooLong),
            ("+1234567890123456", TooLong),
        ] {
            assert_eq!(normalize_phone(input), Err(err.clone()), "{input:?}");
        }
    }

    #[test]
    fn error_codes() {
        assert_eq!(PhoneError::NotAPhone.code(), "not_a_phone");
        assert_eq!(PhoneError::TooShort.code(), "too_short");
        assert_eq!(PhoneError::TooLong.code(), "too_long");
        assert_eq!(PhoneError::TooShort.to_string(), "has too few digits");
    }

    #[test]
    fn formatting() {
        assert_eq!(format_phone(MOSCOW), "+7 (495) 123-45-67");
        assert_eq!(format_phone("+12125550100"), "+1 212 555 0100");
        assert_eq!(format_phone("+442079460958"), "+44 207 946 0958");
        assert_eq!(format_phone("+375291234567"), "+375 291 234 567");
        assert_eq!(format_phone("+49301234"), "+49 301 234");
        assert_eq!(format_phone("+123456789012345"), "+1 234 567 890 123 45");
        // Not normalized: shown as stored.
        for raw in [
            "84951234567",
            "+7 (495) 123-45-67",
            "",
            "call me",
            "+0123456789",
        ] {
            assert_eq!(format_phone(raw), raw);
        }
    }

    #[test]
    fn search_keys() {
        let full = vec!["74951234567".to_owned(), "4951234567".to_owned()];
        for input in [
            "495 123-45-67",
            "8 (495) 123-45-67",
            "+7 495 1234567 доб. 5",
        ] {
            assert_eq!(phone_search_keys(input), full, "{input:?}");
        }
        assert_eq!(phone_search_keys("+1 212 555 0100"), vec!["12125550100"]);
        assert_eq!(phone_search_keys("123-45-67"), vec!["1234567"]);
        assert_eq!(phone_search_keys("8 495 12"), vec!["849512", "749512"]);
        assert_eq!(phone_search_keys("+7 495 12"), vec!["749512"]);
        assert!(phone_search_keys("1234").is_empty());
        assert!(phone_search_keys("").is_empty());
        assert!(phone_search_keys("Иванов 12345").is_empty());
    }

    /// The ways a Russian number is commonly typed, by style index.
    fn typed_russian(national: &str, style: usize) -> String {
        let (code, rest) = national.split_at(3);
        let (a, rest) = rest.split_at(3);
        let (b, c) = rest.split_at(2);
        match style % 8 {
            0 => format!("+7 ({code}) {a}-{b}-{c}"),
            1 => format!("8 {code} {a} {b} {c}"),
            2 => format!("8{national}"),
            3 => national.to_owned(),
            4 => format!("tel:+7{national}"),
            5 => format!("+7.{code}.{a}.{b}.{c}"),
            6 => format!("8 ({code}) {a}-{b}-{c} доб. 42"),
            _ => format!("7{national} x7"),
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = normalize_phone(&s);
            let _ = format_phone(&s);
            let _ = phone_search_keys(&s);
        }

        #[test]
        fn idempotent_on_arbitrary_input(s in any::<String>()) {
            if let Ok(once) = normalize_phone(&s) {
                prop_assert_eq!(normalize_phone(&once), Ok(once.clone()));
            }
        }

        #[test]
        fn idempotent_on_phone_like_input(s in "(tel:)?[+]?[0-9 ().-]{0,22}( (доб|ext|x)[.]? ?[0-9]{1,4})?") {
            if let Ok(once) = normalize_phone(&s) {
                prop_assert_eq!(normalize_phone(&once), Ok(once.clone()));
                prop_assert_eq!(normalize_phone(&format_phone(&once)), Ok(once));
            }
        }

        #[test]
        fn russian_numbers_round_trip(national in "[1-9][0-9]{9}", style in 0usize..8) {
            let e164 = format!("+7{national}");
            let typed = typed_russian(&national, style);
            prop_assert_eq!(normalize_phone(&typed), Ok(e164.clone()), "{}", typed);
            let shown = format_phone(&e164);
            prop_assert_eq!(normalize_phone(&shown), Ok(e164.clone()), "{}", shown);
            prop_assert_eq!(normalize_phone(&e164), Ok(e164.clone()));
            let keys = phone_search_keys(&typed);
            prop_assert!(keys.contains(&national));
            let full = format!("7{national}");
            prop_assert!(keys.contains(&full));
        }

        #[test]
        fn every_plus7_number_round_trips(national in "[0-9]{10}") {
            let e164 = format!("+7{national}");
            prop_assert_eq!(normalize_phone(&e164), Ok(e164.clone()));
            prop_assert_eq!(normalize_phone(&format_phone(&e164)), Ok(e164.clone()));
            prop_assert_eq!(normalize_phone(&format!("8{national}")), Ok(e164));
        }

        #[test]
        fn international_numbers_round_trip(digits in "[1-689][0-9]{7,14}") {
            let e164 = format!("+{digits}");
            prop_assert_eq!(normalize_phone(&e164), Ok(e164.clone()));
            prop_assert_eq!(normalize_phone(&format_phone(&e164)), Ok(e164.clone()));
            prop_assert_eq!(normalize_phone(&format!("00{digits}")), Ok(e164));
        }
    }
}
