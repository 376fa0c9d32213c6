//! Russian company and bank identifiers (ИНН, КПП, ОГРН, ОГРНИП, БИК, bank accounts).
//!
//! Check digits catch the typos people make when copying requisites by hand, so a
//! deal card never carries an INN or an account that the bank or the tax office
//! would bounce. Only the published check-digit rules are enforced: registers are
//! not consulted, so a value can pass here and still belong to nobody.
//!
//! Callers trim surrounding whitespace; everything else in the string is checked
//! as is, so a pasted "7707 083 893" is reported instead of being silently mended.

/// Why a value was rejected, kept coarse so a form can show one message per field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegalError {
    #[error("must be {expected} digits, got {got}")]
    WrongLength { expected: &'static str, got: usize },
    #[error("must contain digits only")]
    NotDigits,
    #[error("check digit does not match")]
    BadCheckDigit,
    #[error("has an invalid format")]
    BadFormat,
}

impl LegalError {
    /// Stable identifier for API clients and translations, which must not depend on
    /// the English wording of the message.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            LegalError::WrongLength { .. } => "wrong_length",
            LegalError::NotDigits => "not_digits",
            LegalError::BadCheckDigit => "bad_check_digit",
            LegalError::BadFormat => "bad_format",
        }
    }
}

const INN10_WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const ACCOUNT_WEIGHTS: [u32; 3] = [7, 1, 3];
/// Zero-based position of the key inside a 20-digit account (the 9th digit).
const ACCOUNT_KEY_POS: usize = 8;

/// Non-digits are reported before the length, because a value with a stray
/// separator usually has the right number of digits and the length message would
/// send the user looking for a missing digit.
fn parse_digits(s: &str) -> Result<Vec<u8>, LegalError> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.bytes().map(|b| b - b'0').collect())
    } else {
        Err(LegalError::NotDigits)
    }
}

fn parse_digits_len(s: &str, len: usize, expected: &'static str) -> Result<Vec<u8>, LegalError> {
    let digits = parse_digits(s)?;
    if digits.len() == len {
        Ok(digits)
    } else {
        Err(LegalError::WrongLength {
            expected,
            got: digits.len(),
        })
    }
}

/// Builders only accept exactly-shaped input: the demo generator must not get a
/// "valid" value out of garbage.
fn exact_digits(s: &str, len: usize) -> Option<Vec<u8>> {
    parse_digits(s).ok().filter(|d| d.len() == len)
}

fn digits_to_string(digits: &[u8]) -> String {
    digits.iter().map(|&d| char::from(b'0' + d)).collect()
}

/// The FNS rule: weighted sum mod 11, and a remainder of 10 is written as 0.
fn weighted_mod11(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    // `sum % 11 % 10` is below 10, so the narrowing cannot lose anything.
    (sum % 11 % 10) as u8
}

/// OGRN and OGRNIP take the remainder of the whole number. Folding digit by digit
/// never parses the number, so no length of input can overflow it.
fn number_mod(digits: &[u8], modulus: u64) -> u8 {
    let rem = digits
        .iter()
        .fold(0u64, |acc, &d| (acc * 10 + u64::from(d)) % modulus);
    (rem % 10) as u8
}

fn last_is_check(digits: &[u8], modulus: u64) -> bool {
    digits
        .split_last()
        .is_some_and(|(check, body)| number_mod(body, modulus) == *check)
}

fn inn10_check(first9: &[u8]) -> u8 {
    weighted_mod11(first9, &INN10_WEIGHTS)
}

fn inn12_checks(first10: &[u8]) -> (u8, u8) {
    let c11 = weighted_mod11(first10, &INN12_WEIGHTS_11);
    let mut first11 = first10.to_vec();
    first11.push(c11);
    (c11, weighted_mod11(&first11, &INN12_WEIGHTS_12))
}

/// INN of an organisation (10 digits) or of an individual (12 digits).
///
/// A changed digit is always caught unless every check digit is 0: a remainder of
/// 10 is also written as 0, so swapping remainders 0 and 10 goes unnoticed.
pub fn validate_inn(s: &str) -> Result<(), LegalError> {
    let digits = parse_digits(s)?;
    let ok = match digits.as_slice() {
        [first9 @ .., check] if digits.len() == 10 => inn10_check(first9) == *check,
        [first10 @ .., c11, c12] if digits.len() == 12 => inn12_checks(first10) == (*c11, *c12),
        _ => {
            return Err(LegalError::WrongLength {
                expected: "10 or 12",
                got: digits.len(),
            });
        }
    };
    check_result(ok)
}

fn check_result(ok: bool) -> Result<(), LegalError> {
    if ok {
        Ok(())
    } else {
        Err(LegalError::BadCheckDigit)
    }
}

/// KPP has no check digit; the format alone stops an INN or an OGRN being pasted
/// into the wrong field. Letters must be capital Latin, as the FNS issues them.
pub fn validate_kpp(s: &str) -> Result<(), LegalError> {
    let got = s.chars().count();
    if got != 9 {
        return Err(LegalError::WrongLength { expected: "9", got });
    }
    let shape_ok = match s.as_bytes() {
        [d1, d2, d3, d4, r1, r2, n1, n2, n3] => {
            [d1, d2, d3, d4, n1, n2, n3]
                .iter()
                .all(|c| c.is_ascii_digit())
                && [r1, r2]
                    .iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
        _ => false,
    };
    if shape_ok {
        Ok(())
    } else {
        Err(LegalError::BadFormat)
    }
}

/// OGRN of an organisation. A changed digit is always caught unless the check
/// digit is 0 (remainders 0 and 10 both give 0).
pub fn validate_ogrn(s: &str) -> Result<(), LegalError> {
    let digits = parse_digits_len(s, 13, "13")?;
    check_result(last_is_check(&digits, 11))
}

/// OGRNIP of an individual entrepreneur. A changed digit is always caught unless
/// the check digit is 0, 1 or 2, which remainders 10, 11 and 12 also produce.
pub fn validate_ogrnip(s: &str) -> Result<(), LegalError> {
    let digits = parse_digits_len(s, 15, "15")?;
    check_result(last_is_check(&digits, 13))
}

/// One "ОГРН/ОГРНИП" field serves both companies and entrepreneurs on a card.
pub fn validate_ogrn_or_ogrnip(s: &str) -> Result<(), LegalError> {
    match parse_digits(s)?.len() {
        13 => validate_ogrn(s),
        15 => validate_ogrnip(s),
        got => Err(LegalError::WrongLength {
            expected: "13 or 15",
            got,
        }),
    }
}

/// Russian BIC. It has no check digit; the "04" country prefix is what separates it
/// from a SWIFT code or some other 9-digit number typed into the field.
pub fn validate_bic(s: &str) -> Result<(), LegalError> {
    let digits = parse_digits_len(s, 9, "9")?;
    if digits.starts_with(&[0, 4]) {
        Ok(())
    } else {
        Err(LegalError::BadFormat)
    }
}

fn bic_digits(bic: &str) -> Option<Vec<u8>> {
    validate_bic(bic).ok()?;
    parse_digits(bic).ok()
}

/// The Central Bank key: weights 7, 1, 3 over the 3 bank digits and the 20 account
/// digits, keeping the last digit of each product. Every weight is coprime with 10,
/// so any single changed digit, the key included, changes the sum mod 10.
fn account_sum(prefix: [u8; 3], account: &[u8]) -> u32 {
    prefix
        .iter()
        .chain(account)
        .zip(ACCOUNT_WEIGHTS.iter().cycle())
        .map(|(&d, &w)| u32::from(d) * w % 10)
        .sum()
}

fn settlement_prefix(bic: &[u8]) -> Option<[u8; 3]> {
    match bic {
        [.., a, b, c] => Some([*a, *b, *c]),
        _ => None,
    }
}

fn correspondent_prefix(bic: &[u8]) -> Option<[u8; 3]> {
    match bic {
        [_, _, _, _, a, b, ..] => Some([0, *a, *b]),
        _ => None,
    }
}

/// An account is only meaningful together with its bank, so the key is checked
/// against the BIC. A BIC that is itself invalid gives `BadCheckDigit`: the key
/// cannot be confirmed, and the BIC field reports its own error via `validate_bic`.
fn validate_account(
    account: &str,
    bic: &str,
    prefix_of: fn(&[u8]) -> Option<[u8; 3]>,
) -> Result<(), LegalError> {
    let digits = parse_digits_len(account, 20, "20")?;
    let prefix = bic_digits(bic)
        .as_deref()
        .and_then(prefix_of)
        .ok_or(LegalError::BadCheckDigit)?;
    check_result(account_sum(prefix, &digits).is_multiple_of(10))
}

/// Settlement account (расчётный счёт): the key covers the last 3 digits of the BIC.
pub fn validate_settlement_account(account: &str, bic: &str) -> Result<(), LegalError> {
    validate_account(account, bic, settlement_prefix)
}

/// Correspondent account (корр. счёт): the key covers "0" and BIC digits 5 and 6,
/// the code of the Bank of Russia division that holds the account.
pub fn validate_correspondent_account(account: &str, bic: &str) -> Result<(), LegalError> {
    validate_account(account, bic, correspondent_prefix)
}

/// Appends the check digit so demo data passes the same validation as real data.
#[must_use]
pub fn complete_inn10(first9: &str) -> Option<String> {
    let mut digits = exact_digits(first9, 9)?;
    digits.push(inn10_check(&digits));
    Some(digits_to_string(&digits))
}

/// Appends both check digits of an individual's INN.
#[must_use]
pub fn complete_inn12(first10: &str) -> Option<String> {
    let mut digits = exact_digits(first10, 10)?;
    let (c11, c12) = inn12_checks(&digits);
    digits.extend([c11, c12]);
    Some(digits_to_string(&digits))
}

/// Appends the OGRN check digit.
#[must_use]
pub fn complete_ogrn(first12: &str) -> Option<String> {
    let mut digits = exact_digits(first12, 12)?;
    digits.push(number_mod(&digits, 11));
    Some(digits_to_string(&digits))
}

/// Appends the OGRNIP check digit.
#[must_use]
pub fn complete_ogrnip(first14: &str) -> Option<String> {
    let mut digits = exact_digits(first14, 14)?;
    digits.push(number_mod(&digits, 13));
    Some(digits_to_string(&digits))
}

/// Rewrites the key (9th digit) so the account belongs to the given bank; whatever
/// digit was there is ignored, which lets a generator start from any pattern.
fn complete_account(
    bic: &str,
    account: &str,
    prefix_of: fn(&[u8]) -> Option<[u8; 3]>,
) -> Option<String> {
    let prefix = prefix_of(&bic_digits(bic)?)?;
    let mut digits = exact_digits(account, 20)?;
    *digits.get_mut(ACCOUNT_KEY_POS)? = 0;
    // The key has weight 3 and 3 * 7 ≡ 1 (mod 10), so key = -7 * sum ≡ 3 * sum.
    let key = (account_sum(prefix, &digits) % 10 * 3 % 10) as u8;
    *digits.get_mut(ACCOUNT_KEY_POS)? = key;
    Some(digits_to_string(&digits))
}

/// Settlement account with its key fixed for `bic`; `None` for a bad BIC or an
/// account that is not 20 digits.
#[must_use]
pub fn complete_settlement_account(bic: &str, account_with_any_key: &str) -> Option<String> {
    complete_account(bic, account_with_any_key, settlement_prefix)
}

/// Correspondent account with its key fixed for `bic`; `None` for a bad BIC or an
/// account that is not 20 digits.
#[must_use]
pub fn complete_correspondent_account(bic: &str, account_with_any_key: &str) -> Option<String> {
    complete_account(bic, account_with_any_key, correspondent_prefix)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SBER_BIC: &str = "044525225";
    const SBER_CORR: &str = "30101810400000000225";

    /// Every string obtained by replacing one digit of `value` with another digit,
    /// with the position that was changed.
    fn mutations(value: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (pos, old) in value.char_indices() {
            for new in '0'..='9' {
                if new != old {
                    let mut s = value.to_owned();
                    s.replace_range(pos..pos + 1, new.encode_utf8(&mut [0; 4]));
                    out.push((pos, s));
                }
            }
        }
        out
    }

    /// For each position, how many of the 9 replacement digits still pass.
    fn escapes_per_position(value: &str, accepts: impl Fn(&str) -> bool) -> Vec<usize> {
        let mut escapes = vec![0; value.len()];
        for (pos, mutated) in mutations(value) {
            if accepts(&mutated) {
                escapes[pos] += 1;
            }
        }
        escapes
    }

    fn assert_all_mutations_rejected(value: &str, accepts: impl Fn(&str) -> bool) {
        assert!(accepts(value), "{value} must be valid to begin with");
        let escapes = escapes_per_position(value, accepts);
        assert!(
            escapes.iter().all(|&e| e == 0),
            "{value}: mutations accepted per position {escapes:?}"
        );
    }

    /// The proven bound where detection is not total: at most one of the nine
    /// replacement digits per position escapes (the one that swaps remainders
    /// r and r + 10, a single residue class that nine consecutive digits can hit
    /// only once), and the check digits themselves are never fooled.
    fn assert_escape_bound(value: &str, check_positions: usize, accepts: impl Fn(&str) -> bool) {
        let escapes = escapes_per_position(value, accepts);
        let data_len = value.len() - check_positions;
        assert!(
            escapes[..data_len].iter().all(|&e| e <= 1),
            "{value}: {escapes:?}"
        );
        assert!(
            escapes[data_len..].iter().all(|&e| e == 0),
            "{value}: {escapes:?}"
        );
    }

    fn inn_ok(s: &str) -> bool {
        validate_inn(s).is_ok()
    }

    fn ogrn_ok(s: &str) -> bool {
        validate_ogrn(s).is_ok()
    }

    fn ogrnip_ok(s: &str) -> bool {
        validate_ogrnip(s).is_ok()
    }

    fn last_digit(s: &str) -> u8 {
        s.bytes().last().unwrap() - b'0'
    }

    #[test]
    fn real_organisation_inns_pass() {
        for inn in ["7707083893", "7736207543", "7736050003", "7708004767"] {
            assert_eq!(validate_inn(inn), Ok(()), "{inn}");
        }
    }

    #[test]
    fn published_individual_inn_passes() {
        // Example individual INN printed in many FNS-based guides and libraries.
        assert_eq!(validate_inn("500100732259"), Ok(()));
    }

    #[test]
    fn real_ogrns_pass() {
        // Sberbank, Yandex, Gazprom, Lukoil.
        for ogrn in [
            "1027700132195",
            "1027700229193",
            "1027700070518",
            "1027700035769",
        ] {
            assert_eq!(validate_ogrn(ogrn), Ok(()), "{ogrn}");
            assert_eq!(validate_ogrn_or_ogrnip(ogrn), Ok(()), "{ogrn}");
        }
    }

    #[test]
    fn published_ogrnip_passes() {
        // Example OGRNIP that accompanies 500100732259 in many guides and libraries.
        assert_eq!(validate_ogrnip("304500116000157"), Ok(()));
        assert_eq!(validate_ogrn_or_ogrnip("304500116000157"), Ok(()));
    }

    #[test]
    fn sberbank_bank_details_pass() {
        assert_eq!(validate_bic(SBER_BIC), Ok(()));
        assert_eq!(validate_correspondent_account(SBER_CORR, SBER_BIC), Ok(()));
        // Personal account in the format Sberbank Moscow issues.
        assert_eq!(
            validate_settlement_account("40817810538091310419", SBER_BIC),
            Ok(())
        );
    }

    #[test]
    fn sberbank_settlement_account_round_trips() {
        let built = complete_settlement_account(SBER_BIC, "40702810038000012345").unwrap();
        assert_eq!(built, "40702810938000012345");
        assert_eq!(validate_settlement_account(&built, SBER_BIC), Ok(()));
        assert_eq!(
            complete_settlement_account(SBER_BIC, &built).as_deref(),
            Some(built.as_str())
        );
        // The same digits keyed for another bank do not pass for Sberbank.
        let alfa = complete_settlement_account("044525593", &built).unwrap();
        assert_ne!(alfa, built);
        assert_eq!(
            validate_settlement_account(&alfa, SBER_BIC),
            Err(LegalError::BadCheckDigit)
        );
    }

    #[test]
    fn correspondent_account_round_trips() {
        let built = complete_correspondent_account(SBER_BIC, "30101810000000000225").unwrap();
        assert_eq!(built, SBER_CORR);
        // A settlement key is computed from other BIC digits, so the two differ.
        assert_eq!(
            validate_settlement_account(SBER_CORR, SBER_BIC),
            Err(LegalError::BadCheckDigit)
        );
    }

    #[test]
    fn real_values_detect_every_single_digit_change() {
        // Each of these has a non-zero check digit, which is the condition under
        // which the mod-11 schemes catch every one-digit change.
        for inn in ["7707083893", "7736207543", "7736050003", "7708004767"] {
            assert_ne!(last_digit(inn), 0);
            assert_all_mutations_rejected(inn, inn_ok);
        }
        for ogrn in [
            "1027700132195",
            "1027700229193",
            "1027700070518",
            "1027700035769",
        ] {
            assert_ne!(last_digit(ogrn), 0);
            assert_all_mutations_rejected(ogrn, ogrn_ok);
        }
        assert_all_mutations_rejected("500100732259", inn_ok);
        // OGRNIP check digit 7 is outside 0..=2, so detection is total here too.
        assert_all_mutations_rejected("304500116000157", ogrnip_ok);
    }

    #[test]
    fn bank_accounts_detect_every_single_digit_change() {
        assert_all_mutations_rejected(SBER_CORR, |a| {
            validate_correspondent_account(a, SBER_BIC).is_ok()
        });
        assert_all_mutations_rejected("40702810938000012345", |a| {
            validate_settlement_account(a, SBER_BIC).is_ok()
        });
        // Changing a BIC digit that feeds the key must break the pairing as well.
        for (pos, bic) in mutations(SBER_BIC) {
            if (4..6).contains(&pos) {
                assert!(
                    validate_correspondent_account(SBER_CORR, &bic).is_err(),
                    "{bic}"
                );
            }
            if pos >= 6 {
                assert!(
                    validate_settlement_account("40702810938000012345", &bic).is_err(),
                    "{bic}"
                );
            }
        }
    }

    #[test]
    fn zero_check_digit_collision_is_real() {
        // Shows why the guarantee above needs a non-zero check digit: some INN with
        // check digit 0 has a one-digit change that keeps it valid.
        let found = (0..2000u32)
            .filter_map(|n| complete_inn10(&format!("770{n:06}")))
            .filter(|inn| last_digit(inn) == 0)
            .any(|inn| escapes_per_position(&inn, inn_ok).iter().any(|&e| e > 0));
        assert!(found);
    }

    #[test]
    fn wrong_lengths_and_characters() {
        assert_eq!(
            validate_inn("770708389"),
            Err(LegalError::WrongLength {
                expected: "10 or 12",
                got: 9
            })
        );
        assert_eq!(
            validate_inn(""),
            Err(LegalError::WrongLength {
                expected: "10 or 12",
                got: 0
            })
        );
        assert_eq!(validate_inn("7707 083893"), Err(LegalError::NotDigits));
        assert_eq!(
            validate_inn("７７０７０８３８９３"),
            Err(LegalError::NotDigits)
        );
        assert_eq!(validate_inn("7707083894"), Err(LegalError::BadCheckDigit));
        assert_eq!(validate_inn("500100732258"), Err(LegalError::BadCheckDigit));
        assert_eq!(
            validate_ogrn("102770013219"),
            Err(LegalError::WrongLength {
                expected: "13",
                got: 12
            })
        );
        assert_eq!(
            validate_ogrnip("1027700132195"),
            Err(LegalError::WrongLength {
                expected: "15",
                got: 13
            })
        );
        assert_eq!(
            validate_ogrn_or_ogrnip("10277001321950"),
            Err(LegalError::WrongLength {
                expected: "13 or 15",
                got: 14
            })
        );
        assert_eq!(
            validate_ogrn("1027700132196"),
            Err(LegalError::BadCheckDigit)
        );
        assert_eq!(
            validate_bic("04452522"),
            Err(LegalError::WrongLength {
                expected: "9",
                got: 8
            })
        );
        assert_eq!(validate_bic("144525225"), Err(LegalError::BadFormat));
        assert_eq!(validate_bic("04452522A"), Err(LegalError::NotDigits));
        assert_eq!(
            validate_settlement_account("4070281093800001234", SBER_BIC),
            Err(LegalError::WrongLength {
                expected: "20",
                got: 19
            })
        );
        assert_eq!(
            validate_correspondent_account("30101810400000000225", "04452522"),
            Err(LegalError::BadCheckDigit)
        );
        assert_eq!(
            validate_correspondent_account("3010181040000000022O", SBER_BIC),
            Err(LegalError::NotDigits)
        );
    }

    #[test]
    fn kpp_format() {
        // Sberbank, Yandex, Gazprom (largest-taxpayer KPP), and a letter-coded reason.
        for kpp in ["773601001", "770401001", "997250001", "7707AB001"] {
            assert_eq!(validate_kpp(kpp), Ok(()), "{kpp}");
        }
        assert_eq!(
            validate_kpp("77360100"),
            Err(LegalError::WrongLength {
                expected: "9",
                got: 8
            })
        );
        assert_eq!(
            validate_kpp("ЖЖЖЖЖЖЖЖЖЖ"),
            Err(LegalError::WrongLength {
                expected: "9",
                got: 10
            })
        );
        for bad in [
            "7707ab001",
            "77A701001",
            "7707AB0C1",
            "7707-B001",
            "7707ЖB01",
        ] {
            assert!(validate_kpp(bad).is_err(), "{bad}");
        }
        assert_eq!(validate_kpp("7707ЖB001"), Err(LegalError::BadFormat));
    }

    #[test]
    fn builders_reject_malformed_input() {
        assert_eq!(complete_inn10("77070838"), None);
        assert_eq!(complete_inn10("7707083a9"), None);
        assert_eq!(complete_inn12("50010073225"), None);
        assert_eq!(complete_ogrn("1027700132195"), None);
        assert_eq!(complete_ogrnip("3045001160001"), None);
        assert_eq!(
            complete_settlement_account("144525225", "40702810938000012345"),
            None
        );
        assert_eq!(
            complete_settlement_account(SBER_BIC, "4070281093800001234"),
            None
        );
        assert_eq!(complete_correspondent_account("", SBER_CORR), None);
    }

    #[test]
    fn builders_reproduce_real_values() {
        assert_eq!(complete_inn10("770708389").as_deref(), Some("7707083893"));
        assert_eq!(
            complete_inn12("5001007322").as_deref(),
            Some("500100732259")
        );
        assert_eq!(
            complete_ogrn("102770013219").as_deref(),
            Some("1027700132195")
        );
        assert_eq!(
            complete_ogrnip("30450011600015").as_deref(),
            Some("304500116000157")
        );
    }

    #[test]
    fn error_codes() {
        let wrong = LegalError::WrongLength {
            expected: "9",
            got: 1,
        };
        assert_eq!(wrong.code(), "wrong_length");
        assert_eq!(wrong.to_string(), "must be 9 digits, got 1");
        assert_eq!(LegalError::NotDigits.code(), "not_digits");
        assert_eq!(LegalError::BadCheckDigit.code(), "bad_check_digit");
        assert_eq!(LegalError::BadFormat.code(), "bad_format");
    }

    proptest! {
        #[test]
        fn inn10_completion_validates_and_detects_changes(first9 in "[0-9]{9}") {
            let inn = complete_inn10(&first9).unwrap();
            prop_assert_eq!(validate_inn(&inn), Ok(()));
            if last_digit(&inn) != 0 {
                prop_assert!(escapes_per_position(&inn, inn_ok).iter().all(|&e| e == 0));
            } else {
                assert_escape_bound(&inn, 1, inn_ok);
            }
        }

        #[test]
        fn inn12_completion_validates_and_detects_changes(first10 in "[0-9]{10}") {
            let inn = complete_inn12(&first10).unwrap();
            prop_assert_eq!(validate_inn(&inn), Ok(()));
            // Only when both check digits are 0 can a change slip through both sums.
            if inn.ends_with("00") {
                assert_escape_bound(&inn, 2, inn_ok);
            } else {
                prop_assert!(escapes_per_position(&inn, inn_ok).iter().all(|&e| e == 0));
            }
        }

        #[test]
        fn ogrn_completion_validates_and_detects_changes(first12 in "[0-9]{12}") {
            let ogrn = complete_ogrn(&first12).unwrap();
            prop_assert_eq!(validate_ogrn(&ogrn), Ok(()));
            prop_assert_eq!(validate_ogrn_or_ogrnip(&ogrn), Ok(()));
            if last_digit(&ogrn) != 0 {
                prop_assert!(escapes_per_position(&ogrn, ogrn_ok).iter().all(|&e| e == 0));
            } else {
                assert_escape_bound(&ogrn, 1, ogrn_ok);
            }
        }

        #[test]
        fn ogrnip_completion_validates_and_detects_changes(first14 in "[0-9]{14}") {
            let ogrnip = complete_ogrnip(&first14).unwrap();
            prop_assert_eq!(validate_ogrnip(&ogrnip), Ok(()));
            prop_assert_eq!(validate_ogrn_or_ogrnip(&ogrnip), Ok(()));
            if last_digit(&ogrnip) > 2 {
                prop_assert!(escapes_per_position(&ogrnip, ogrnip_ok).iter().all(|&e| e == 0));
            } else {
                assert_escape_bound(&ogrnip, 1, ogrnip_ok);
            }
        }

        #[test]
        fn account_completion_validates_and_detects_changes(
            bic_tail in "[0-9]{7}",
            account in "[0-9]{20}",
        ) {
            let bic = format!("04{bic_tail}");
            let settlement = complete_settlement_account(&bic, &account).unwrap();
            let correspondent = complete_correspondent_account(&bic, &account).unwrap();
            prop_assert_eq!(validate_settlement_account(&settlement, &bic), Ok(()));
            prop_assert_eq!(validate_correspondent_account(&correspondent, &bic), Ok(()));
            // Only the key may differ from the input.
            for built in [&settlement, &correspondent] {
                prop_assert_eq!(&built[..8], &account[..8]);
                prop_assert_eq!(&built[9..], &account[9..]);
            }
            let settlement_escapes = escapes_per_position(&settlement, |a| {
                validate_settlement_account(a, &bic).is_ok()
            });
            let correspondent_escapes = escapes_per_position(&correspondent, |a| {
                validate_correspondent_account(a, &bic).is_ok()
            });
            prop_assert!(settlement_escapes.iter().all(|&e| e == 0));
            prop_assert!(correspondent_escapes.iter().all(|&e| e == 0));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>(), t in any::<String>()) {
            let _ = validate_inn(&s);
            let _ = validate_kpp(&s);
            let _ = validate_ogrn(&s);
            let _ = validate_ogrnip(&s);
            let _ = validate_ogrn_or_ogrnip(&s);
            let _ = validate_bic(&s);
            let _ = validate_settlement_account(&s, &t);
            let _ = validate_correspondent_account(&s, &t);
            let _ = complete_inn10(&s);
            let _ = complete_inn12(&s);
            let _ = complete_ogrn(&s);
            let _ = complete_ogrnip(&s);
            let _ = complete_settlement_account(&s, &t);
            let _ = complete_correspondent_account(&t, &s);
        }

        #[test]
        fn digit_strings_never_panic(s in "[0-9]{0,25}", t in "[0-9]{0,12}") {
            let _ = validate_settlement_account(&s, &t);
            let _ = validate_correspondent_account(&s, &t);
            let _ = complete_settlement_account(&t, &s);
            let _ = complete_correspondent_account(&t, &s);
        }

        #[test]
        fn wrong_lengths_give_wrong_length(s in "[0-9]{0,30}") {
            let got = s.len();
            let wrong = |expected: &'static str| -> Result<(), LegalError> {
                Err(LegalError::WrongLength { expected, got })
            };
            if got != 10 && got != 12 {
                prop_assert_eq!(validate_inn(&s), wrong("10 or 12"));
            }
            if got != 9 {
                prop_assert_eq!(validate_kpp(&s), wrong("9"));
                prop_assert_eq!(validate_bic(&s), wrong("9"));
            }
            if got != 13 {
                prop_assert_eq!(validate_ogrn(&s), wrong("13"));
            }
            if got != 15 {
                prop_assert_eq!(validate_ogrnip(&s), wrong("15"));
            }
            if got != 13 && got != 15 {
                prop_assert_eq!(validate_ogrn_or_ogrnip(&s), wrong("13 or 15"));
            }
            if got != 20 {
                prop_assert_eq!(validate_settlement_account(&s, SBER_BIC), wrong("20"));
                prop_assert_eq!(validate_correspondent_account(&s, SBER_BIC), wrong("20"));
            }
        }
    }
}
