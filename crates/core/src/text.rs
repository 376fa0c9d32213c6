//! Normalization of free text typed by people.

/// Trims and collapses inner runs of whitespace; empty becomes `None`.
///
/// Applied to every optional text field so that "  " never counts as a value
/// and duplicates are not hidden behind stray spaces.
pub fn clean(s: Option<String>) -> Option<String> {
    let s = s?;
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        None
    } else {
        Some(joined)
    }
}

/// The key under which company names are compared for duplicates:
/// lowercase, ё→е, legal-form words and quotes dropped ("ООО «Ромашка»" ≡ "Ромашка").
pub fn company_key(name: &str) -> Option<String> {
    const FORMS: &[&str] = &[
        "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "ано", "гуп", "муп", "фгуп", "llc", "ltd",
        "inc", "gmbh", "co",
    ];
    let lowered = name.to_lowercase().replace('ё', "е");
    let words: Vec<String> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !FORMS.contains(w))
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }
}

/// "Петров Иван Сергеевич" from its parts, skipping the missing ones.
pub fn full_name(last: Option<&str>, first: Option<&str>, middle: Option<&str>) -> String {
    [last, first, middle]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clean_collapses_and_drops_blank() {
        assert_eq!(clean(Some("  a   b ".into())), Some("a b".into()));
        assert_eq!(clean(Some("   ".into())), None);
        assert_eq!(clean(None), None);
    }

    #[test]
    fn company_key_ignores_legal_form_and_quotes() {
        assert_eq!(company_key("ООО «Ромашка»"), Some("ромашка".into()));
        assert_eq!(company_key("Ромашка"), Some("ромашка".into()));
        assert_eq!(company_key("АО \"Ёлка Плюс\""), Some("елка плюс".into()));
        assert_eq!(company_key("ООО"), None);
    }

    #[test]
    fn full_name_orders_parts() {
        assert_eq!(
            full_name(Some("Петров"), Some("Иван"), Some("Сергеевич")),
            "Петров Иван Сергеевич"
        );
        assert_eq!(full_name(None, Some("Иван"), None), "Иван");
    }

    proptest! {
        #[test]
        fn clean_is_idempotent(s in ".*") {
            let once = clean(Some(s));
            prop_assert_eq!(clean(once.clone()), once);
        }

        #[test]
        fn company_key_is_idempotent(s in ".*") {
            if let Some(k) = company_key(&s) {
                prop_assert_eq!(company_key(&k), Some(k.clone()));
            }
        }
    }
}
