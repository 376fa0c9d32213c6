//! Amounts in words (сумма прописью), as printed on Russian invoices and acts.
//!
//! The whole units are spelled out and the kopecks stay in two digits —
//! "Сто двадцать три рубля 45 копеек" — the form accounting software prints
//! and banks expect. Russian numerals agree with the noun they count: one
//! thousand is feminine (одна тысяча, две тысячи), a rouble masculine (один
//! рубль, два рубля), and the noun's form depends on the last two digits
//! (1 рубль, 2–4 рубля, 5–20 рублей, 21 рубль, 111 рублей).

use crate::money::Currency;
use crate::pricing::round_money;
use rust_decimal::Decimal;

/// The grammatical gender of the noun a Russian number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Masculine,
    Feminine,
}

/// The forms of a Russian noun after a number: 1, 2–4, 5–20 (as in
/// рубль, рубля, рублей).
type Forms = [&'static str; 3];

/// Which of the three forms follows `n`.
fn plural_ru(n: u128) -> usize {
    let (last, last_two) = (n % 10, n % 100);
    if (11..=14).contains(&last_two) {
        2
    } else if last == 1 {
        0
    } else if (2..=4).contains(&last) {
        1
    } else {
        2
    }
}

const UNITS_M: [&str; 10] = [
    "",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
];
const TEENS: [&str; 10] = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
];
const TENS: [&str; 10] = [
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
];
const HUNDREDS: [&str; 10] = [
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
];

/// Thousand, million, … as far as `u128` reaches (10^36).
const SCALES_RU: [(Forms, Gender); 13] = {
    const fn m(one: &'static str, few: &'static str, many: &'static str) -> (Forms, Gender) {
        ([one, few, many], Gender::Masculine)
    }
    [
        ([""; 3], Gender::Masculine), // replaced by the counted noun's gender
        (["тысяча", "тысячи", "тысяч"], Gender::Feminine),
        m("миллион", "миллиона", "миллионов"),
        m("миллиард", "миллиарда", "миллиардов"),
        m("триллион", "триллиона", "триллионов"),
        m("квадриллион", "квадриллиона", "квадриллионов"),
        m("квинтиллион", "квинтиллиона", "квинтиллионов"),
        m("секстиллион", "секстиллиона", "секстиллионов"),
        m("септиллион", "септиллиона", "септиллионов"),
        m("октиллион", "октиллиона", "октиллионов"),
        m("нониллион", "нониллиона", "нониллионов"),
        m("дециллион", "дециллиона", "дециллионов"),
        m("ундециллион", "ундециллиона", "ундециллионов"),
    ]
};

/// 1..=999 in words.
fn triple_ru(n: u128, gender: Gender, out: &mut Vec<&'static str>) {
    let (h, rest) = ((n / 100) as usize, n % 100);
    out.push(HUNDREDS[h]);
    if (10..20).contains(&rest) {
        out.push(TEENS[(rest - 10) as usize]);
        return;
    }
    out.push(TENS[(rest / 10) as usize]);
    let unit = (rest % 10) as usize;
    out.push(match (unit, gender) {
        (1, Gender::Feminine) => "одна",
        (2, Gender::Feminine) => "две",
        _ => UNITS_M[unit],
    });
}

/// A whole number in Russian words, lower case, agreeing with a noun of `gender`
/// ("двадцать одна" for копейка, "двадцать один" for рубль).
pub fn number_in_words_ru(n: u128, gender: Gender) -> String {
    if n == 0 {
        return "ноль".to_owned();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut words = Vec::new();
    for (scale, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        let (forms, scale_gender) = SCALES_RU
            .get(scale)
            .copied()
            .unwrap_or(([""; 3], Gender::Masculine));
        triple_ru(
            group,
            if scale == 0 { gender } else { scale_gender },
            &mut words,
        );
        words.push(forms[plural_ru(group)]);
    }
    words.retain(|w| !w.is_empty());
    words.join(" ")
}

struct NamesRu {
    major: Forms,
    gender: Gender,
    minor: Forms,
}

fn names_ru(currency: &Currency) -> Option<NamesRu> {
    let cents = ["цент", "цента", "центов"];
    match currency.as_str() {
        "RUB" => Some(NamesRu {
            major: ["рубль", "рубля", "рублей"],
            gender: Gender::Masculine,
            minor: ["копейка", "копейки", "копеек"],
        }),
        "USD" => Some(NamesRu {
            major: ["доллар США", "доллара США", "долларов США"],
            gender: Gender::Masculine,
            minor: cents,
        }),
        "EUR" => Some(NamesRu {
            major: ["евро"; 3],
            gender: Gender::Masculine,
            minor: cents,
        }),
        _ => None,
    }
}

/// Whole units and kopecks of |amount|, rounded to kopecks as documents are.
fn parts(amount: Decimal) -> (bool, u128, u128) {
    let rounded = round_money(amount.abs());
    let whole = rounded.trunc();
    let minor = ((rounded - whole) * Decimal::ONE_HUNDRED).trunc();
    let negative = amount.is_sign_negative() && !rounded.is_zero();
    (
        negative,
        u128::try_from(whole).unwrap_or(0),
        u128::try_from(minor).unwrap_or(0),
    )
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "Сто двадцать три рубля 45 копеек". Roubles, US dollars and euros are
/// named ("доллар США / цент", "евро / цент"); any other currency gets the
/// number and its code, "Сто двадцать три 45/100 CNY", rather than a guessed
/// translation of its name.
pub fn amount_in_words_ru(amount: Decimal, currency: &Currency) -> String {
    let (negative, whole, minor) = parts(amount);
    let sign = if negative { "минус " } else { "" };
    let text = match names_ru(currency) {
        Some(n) => format!(
            "{sign}{} {} {minor:02} {}",
            number_in_words_ru(whole, n.gender),
            n.major[plural_ru(whole)],
            n.minor[plural_ru(minor)],
        ),
        None => format!(
            "{sign}{} {minor:02}/100 {currency}",
            number_in_words_ru(whole, Gender::Masculine)
        ),
    };
    capitalize(&text)
}

const ONES_EN: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS_EN: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const SCALES_EN: [&str; 13] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
    "sextillion",
    "septillion",
    "octillion",
    "nonillion",
    "decillion",
    "undecillion",
];

fn triple_en(n: u128, out: &mut Vec<String>) {
    let (h, rest) = ((n / 100) as usize, (n % 100) as usize);
    if h > 0 {
        out.push(format!("{} hundred", ONES_EN[h]));
    }
    match rest {
        0 => {}
        1..=19 => out.push(ONES_EN[rest].to_owned()),
        _ if rest % 10 == 0 => out.push(TENS_EN[rest / 10].to_owned()),
        _ => out.push(format!("{}-{}", TENS_EN[rest / 10], ONES_EN[rest % 10])),
    }
}

/// A whole number in English words, lower case, short scale, without "and"
/// ("one hundred twenty-three").
pub fn number_in_words_en(n: u128) -> String {
    if n == 0 {
        return "zero".to_owned();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut words = Vec::new();
    for (scale, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        triple_en(group, &mut words);
        if let Some(name) = SCALES_EN.get(scale).filter(|s| !s.is_empty()) {
            words.push((*name).to_owned());
        }
    }
    words.join(" ")
}

/// "One hundred twenty-three roubles 45 kopecks"; other currencies as
/// "One hundred twenty-three and 45/100 CNY".
pub fn amount_in_words_en(amount: Decimal, currency: &Currency) -> String {
    let (negative, whole, minor) = parts(amount);
    let sign = if negative { "minus " } else { "" };
    let names = match currency.as_str() {
        "RUB" => Some((["rouble", "roubles"], ["kopeck", "kopecks"])),
        "USD" => Some((["dollar", "dollars"], ["cent", "cents"])),
        "EUR" => Some((["euro", "euros"], ["cent", "cents"])),
        _ => None,
    };
    let one = |n: u128| usize::from(n != 1);
    let text = match names {
        Some((major, minor_names)) => format!(
            "{sign}{} {} {minor:02} {}",
            number_in_words_en(whole),
            major[one(whole)],
            minor_names[one(minor)],
        ),
        None => format!(
            "{sign}{} and {minor:02}/100 {currency}",
            number_in_words_en(whole)
        ),
    };
    capitalize(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn ru(s: &str) -> String {
        amount_in_words_ru(Decimal::from_str(s).unwrap(), &Currency::rub())
    }

    fn en(s: &str) -> String {
        amount_in_words_en(Decimal::from_str(s).unwrap(), &Currency::rub())
    }

    #[test]
    fn roubles_in_words() {
        let cases = [
            ("0", "Ноль рублей 00 копеек"),
            ("1", "Один рубль 00 копеек"),
            ("2", "Два рубля 00 копеек"),
            ("5", "Пять рублей 00 копеек"),
            ("10", "Десять рублей 00 копеек"),
            ("11", "Одиннадцать рублей 00 копеек"),
            ("12", "Двенадцать рублей 00 копеек"),
            ("13", "Тринадцать рублей 00 копеек"),
            ("14", "Четырнадцать рублей 00 копеек"),
            ("15", "Пятнадцать рублей 00 копеек"),
            ("16", "Шестнадцать рублей 00 копеек"),
            ("17", "Семнадцать рублей 00 копеек"),
            ("18", "Восемнадцать рублей 00 копеек"),
            ("19", "Девятнадцать рублей 00 копеек"),
            ("20", "Двадцать рублей 00 копеек"),
            ("21", "Двадцать один рубль 00 копеек"),
            ("22", "Двадцать два рубля 00 копеек"),
            ("40", "Сорок рублей 00 копеек"),
            ("100", "Сто рублей 00 копеек"),
            ("101", "Сто один рубль 00 копеек"),
            ("111", "Сто одиннадцать рублей 00 копеек"),
            ("123.45", "Сто двадцать три рубля 45 копеек"),
            ("200", "Двести рублей 00 копеек"),
            ("999", "Девятьсот девяносто девять рублей 00 копеек"),
            ("1000", "Одна тысяча рублей 00 копеек"),
            ("1001", "Одна тысяча один рубль 00 копеек"),
            ("2000", "Две тысячи рублей 00 копеек"),
            ("2001", "Две тысячи один рубль 00 копеек"),
            ("5000", "Пять тысяч рублей 00 копеек"),
            ("11000", "Одиннадцать тысяч рублей 00 копеек"),
            ("21000", "Двадцать одна тысяча рублей 00 копеек"),
            ("22000", "Двадцать две тысячи рублей 00 копеек"),
            ("100000", "Сто тысяч рублей 00 копеек"),
            ("1000000", "Один миллион рублей 00 копеек"),
            ("2000000", "Два миллиона рублей 00 копеек"),
            ("5000000", "Пять миллионов рублей 00 копеек"),
            ("1000001", "Один миллион один рубль 00 копеек"),
            (
                "1234567.89",
                "Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек",
            ),
            ("1000000000", "Один миллиард рублей 00 копеек"),
            ("3000000000", "Три миллиарда рублей 00 копеек"),
            ("2000000000000", "Два триллиона рублей 00 копеек"),
        ];
        for (amount, words) in cases {
            assert_eq!(ru(amount), words, "{amount}");
        }
    }

    #[test]
    fn kopecks_agree_with_their_number() {
        assert_eq!(ru("0.01"), "Ноль рублей 01 копейка");
        assert_eq!(ru("0.02"), "Ноль рублей 02 копейки");
        assert_eq!(ru("0.05"), "Ноль рублей 05 копеек");
        assert_eq!(ru("1.11"), "Один рубль 11 копеек");
        assert_eq!(ru("2.21"), "Два рубля 21 копейка");
        assert_eq!(ru("3.34"), "Три рубля 34 копейки");
        assert_eq!(ru("4.5"), "Четыре рубля 50 копеек");
        // Rounded like any document amount.
        assert_eq!(ru("0.995"), "Один рубль 00 копеек");
        assert_eq!(ru("-150.10"), "Минус сто пятьдесят рублей 10 копеек");
        assert_eq!(ru("-0.001"), "Ноль рублей 00 копеек");
    }

    #[test]
    fn other_currencies() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let cny = Currency::parse("CNY").unwrap();
        let amount = |s| Decimal::from_str(s).unwrap();
        assert_eq!(
            amount_in_words_ru(amount("1"), &usd),
            "Один доллар США 00 центов"
        );
        assert_eq!(
            amount_in_words_ru(amount("2.01"), &usd),
            "Два доллара США 01 цент"
        );
        assert_eq!(
            amount_in_words_ru(amount("25.03"), &usd),
            "Двадцать пять долларов США 03 цента"
        );
        assert_eq!(amount_in_words_ru(amount("1"), &eur), "Один евро 00 центов");
        assert_eq!(
            amount_in_words_ru(amount("21000.50"), &eur),
            "Двадцать одна тысяча евро 50 центов"
        );
        assert_eq!(
            amount_in_words_ru(amount("123.45"), &cny),
            "Сто двадцать три 45/100 CNY"
        );
        assert_eq!(
            amount_in_words_en(amount("123.45"), &cny),
            "One hundred twenty-three and 45/100 CNY"
        );
        assert_eq!(
            amount_in_words_en(amount("1.01"), &usd),
            "One dollar 01 cent"
        );
        assert_eq!(amount_in_words_en(amount("2"), &eur), "Two euros 00 cents");
    }

    #[test]
    fn english() {
        assert_eq!(en("0"), "Zero roubles 00 kopecks");
        assert_eq!(en("1"), "One rouble 00 kopecks");
        assert_eq!(en("123.45"), "One hundred twenty-three roubles 45 kopecks");
        assert_eq!(en("0.01"), "Zero roubles 01 kopeck");
        assert_eq!(en("2001"), "Two thousand one roubles 00 kopecks");
        assert_eq!(en("40"), "Forty roubles 00 kopecks");
        assert_eq!(en("115"), "One hundred fifteen roubles 00 kopecks");
        assert_eq!(
            en("1234567.89"),
            "One million two hundred thirty-four thousand five hundred sixty-seven roubles 89 kopecks"
        );
        assert_eq!(en("1000000000"), "One billion roubles 00 kopecks");
        assert_eq!(en("-5"), "Minus five roubles 00 kopecks");
    }

    #[test]
    fn the_largest_amounts_are_spelled() {
        let words = amount_in_words_ru(Decimal::MAX, &Currency::rub());
        assert!(words.starts_with("Семьдесят девять октиллионов"), "{words}");
        assert!(
            number_in_words_ru(u128::MAX, Gender::Masculine)
                .starts_with("триста сорок ундециллионов двести восемьдесят два дециллиона")
        );
        assert!(number_in_words_en(u128::MAX).starts_with("three hundred forty undecillion"));
    }

    proptest! {
        #[test]
        fn every_group_is_named_once(n in 1u128..1_000_000_000_000) {
            let words = number_in_words_ru(n, Gender::Masculine);
            prop_assert!(!words.contains("  ") && !words.starts_with(' ') && !words.ends_with(' '));
            prop_assert_eq!(words.contains("тысяч"), (n / 1000) % 1000 != 0);
            prop_assert_eq!(words.contains("миллион"), (n / 1_000_000) % 1000 != 0);
            prop_assert_eq!(words.contains("миллиард"), (n / 1_000_000_000) % 1000 != 0);
            prop_assert!(!words.contains("ноль"));
            // Thousands are feminine, the counted noun here masculine.
            prop_assert!(!words.contains("один тысяч") && !words.contains("два тысяч"));
        }

        #[test]
        fn the_noun_agrees_with_the_last_two_digits(n in 0u128..1_000_000) {
            let words = amount_in_words_ru(Decimal::from(n), &Currency::rub());
            let expected = match (n % 10, n % 100) {
                (_, 11..=14) => "рублей",
                (1, _) => "рубль",
                (2..=4, _) => "рубля",
                _ => "рублей",
            };
            prop_assert!(words.ends_with(&format!(" {expected} 00 копеек")), "{}", words);
        }

        #[test]
        fn english_has_no_zero_inside(n in 1u128..1_000_000_000_000) {
            let words = number_in_words_en(n);
            prop_assert!(!words.contains("zero") && !words.contains("  "));
        }
    }
}
