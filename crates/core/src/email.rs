//! E-mail addresses, stored in one canonical form.
//!
//! Addresses are stored lowercased as a whole: the local part is case-sensitive
//! in theory, but no mail provider our users deal with treats it so, and a single
//! form is what lets "Ivan@Mail.ru" and "ivan@mail.ru" be found as one contact.
//!
//! The check is deliberately narrower than RFC 5321/5322 (no quoted local parts,
//! no address literals, no comments): it accepts what people actually use,
//! including Cyrillic domains such as "почта.рф", and rejects typing slips.

/// The address cannot be stored; a form shows one message for all reasons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is not an e-mail address")]
    Invalid,
}

/// RFC 5321 limits, in bytes of the stored (UTF-8) form.
const MAX_TOTAL: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;

/// Dot-atom of RFC 5322, plus any non-ASCII letter or digit (RFC 6531) so that
/// addresses like "иван@почта.рф" are accepted.
fn valid_local(local: &str) -> bool {
    const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= MAX_LOCAL
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || ATEXT_SPECIALS.contains(c)
                        || (!c.is_ascii() && c.is_alphanumeric())
                })
        })
}

/// Host-name labels, or IDN labels in their Unicode form. Lengths are checked on
/// the UTF-8 form, which is what gets stored.
fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || c == '-'
                || (!c.is_ascii() && c.is_alphanumeric())
        })
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    // A numeric top-level label means an IP address or a typo, never a mail domain.
    let tld_ok = labels
        .last()
        .is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()));
    labels.len() >= 2 && tld_ok && labels.iter().all(|label| valid_label(label))
}

/// Trims and lowercases the whole address, then checks it: exactly one "@", a
/// non-empty local part of at most 64 bytes, a domain with at least one dot and
/// labels of [a-z0-9-] or non-ASCII letters, no spaces, at most 254 bytes.
///
/// Checks run on the lowercased form so that whatever is returned passes again
/// unchanged.
pub fn normalize_email(input: &str) -> Result<String, EmailError> {
    let email = input.trim().to_lowercase();
    if email.len() > MAX_TOTAL {
        return Err(EmailError::Invalid);
    }
    let (local, domain) = email.split_once('@').ok_or(EmailError::Invalid)?;
    if valid_local(local) && valid_domain(domain) {
        Ok(email)
    } else {
        Err(EmailError::Invalid)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_lowercases() {
        for (input, stored) in [
            ("ivan@example.com", "ivan@example.com"),
            ("  Ivan.Petrov@Example.COM \n", "ivan.petrov@example.com"),
            ("sales+crm@mail.ru", "sales+crm@mail.ru"),
            ("o'brien_1@sub.domain.co.uk", "o'brien_1@sub.domain.co.uk"),
            ("info@почта.рф", "info@почта.рф"),
            ("Иван@Почта.РФ", "иван@почта.рф"),
            ("user@xn--80a1acny.xn--p1ai", "user@xn--80a1acny.xn--p1ai"),
            ("a@b-c.d1", "a@b-c.d1"),
            ("1@2.ru", "1@2.ru"),
        ] {
            assert_eq!(normalize_email(input).as_deref(), Ok(stored), "{input:?}");
        }
    }

    #[test]
    fn rejects_malformed() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_total = format!("{}@{}.com", "a".repeat(64), "b.".repeat(100));
        for input in [
            "",
            "   ",
            "ivan",
            "ivan@",
            "@example.com",
            "ivan@example",
            "ivan@@example.com",
            "ivan@exa@mple.com",
            "iv an@example.com",
            "ivan@exam ple.com",
            "ivan@example.com.",
            "ivan@.example.com",
            "ivan@example..com",
            "ivan@-example.com",
            "ivan@example-.com",
            "ivan@exa_mple.com",
            ".ivan@example.com",
            "ivan.@example.com",
            "iv..an@example.com",
            "\"ivan\"@example.com",
            "ivan@[192.168.0.1]",
            "ivan@192.168.0.1",
            "ivan(comment)@example.com",
            "ivan@example.com\u{0}",
            "ivan@пример.рф\u{301}",
            long_local.as_str(),
            long_label.as_str(),
            long_total.as_str(),
        ] {
            assert_eq!(
                normalize_email(input),
                Err(EmailError::Invalid),
                "{input:?}"
            );
        }
    }

    #[test]
    fn length_limits_are_inclusive() {
        let local = format!("{}@example.com", "a".repeat(64));
        assert!(normalize_email(&local).is_ok());
        let label = format!("a@{}.com", "b".repeat(63));
        assert!(normalize_email(&label).is_ok());
        // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 bytes.
        let total = format!(
            "{}@{}.{}.{}",
            "a".repeat(64),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(total.len(), 254);
        assert!(normalize_email(&total).is_ok());
        assert!(normalize_email(&format!("{total}e")).is_err());
    }

    #[test]
    fn message() {
        assert_eq!(EmailError::Invalid.to_string(), "is not an e-mail address");
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(s in any::<String>()) {
            if let Ok(once) = normalize_email(&s) {
                prop_assert_eq!(normalize_email(&once), Ok(once.clone()));
            }
        }

        #[test]
        fn idempotent_on_address_like_input(
            s in " ?[A-Za-zА-Яа-яЁё0-9._+-]{1,12}@[A-Za-zА-Яа-я0-9-]{1,10}\\.[A-Za-zА-Яа-я]{2,4} ?"
        ) {
            if let Ok(once) = normalize_email(&s) {
                prop_assert_eq!(normalize_email(&once), Ok(once.clone()));
                prop_assert_eq!(once.to_lowercase(), once.clone());
                prop_assert_eq!(once.trim(), once.as_str());
            }
        }

        #[test]
        fn plain_addresses_are_accepted(
            local in "[a-z0-9]{1,20}(\\.[a-z0-9_+-]{1,10})?",
            host in "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?",
            tld in "[a-z]{2,6}|рф",
        ) {
            let email = format!("{local}@{host}.{tld}");
            prop_assert_eq!(normalize_email(&email), Ok(email.clone()));
            prop_assert_eq!(normalize_email(&email.to_uppercase()), Ok(email));
        }
    }
}
