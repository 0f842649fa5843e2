//! Personal identifiers: the Kyrgyz PIN and the Russian SNILS and INN.
//!
//! Input may contain spaces and dashes (`"2 0101 2015 00123"`, `"112-233-445 95"`);
//! they are stripped and valid identifiers are returned normalized to digits only.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Sex as recorded in a person's documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Sex {
    /// Female (PIN first digit 1).
    Female,
    /// Male (PIN first digit 2).
    Male,
}

/// Removes whitespace and dashes, then rejects the first character that is not an ASCII digit.
fn clean_digits(input: &str) -> Result<String, char> {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}') {
            continue;
        }
        if !c.is_ascii_digit() {
            return Err(c);
        }
        out.push(c);
    }
    Ok(out)
}

/// Parses `DDMMYYYY` (exactly 8 ASCII digits) into a calendar date.
fn parse_ddmmyyyy(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day = s.get(0..2)?.parse().ok()?;
    let month = s.get(2..4)?.parse().ok()?;
    let year = s.get(4..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A syntactically valid Kyrgyz PIN (14 digits, normalized without spaces).
///
/// Layout: digit 1 is the sex (1 = female, 2 = male), digits 2-9 the birth date
/// `DDMMYYYY` (any calendar-valid date with a four-digit year; plausibility such as
/// "not in the future" is left to the caller), digits 10-14 a serial. No check digit
/// is documented, so none is verified. Serializes as its 14-digit string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KgPin(String);

impl KgPin {
    /// Parses a PIN, ignoring spaces and dashes.
    pub fn parse(input: &str) -> Result<KgPin, PinError> {
        let digits = clean_digits(input).map_err(PinError::NotDigit)?;
        if digits.is_empty() {
            return Err(PinError::Empty);
        }
        if digits.len() != 14 {
            return Err(PinError::Length(digits.len()));
        }
        let sex_digit = digits.chars().next().unwrap_or_default();
        if !matches!(sex_digit, '1' | '2') {
            return Err(PinError::SexDigit(sex_digit));
        }
        let date = digits.get(1..9).unwrap_or_default();
        if parse_ddmmyyyy(date).is_none() {
            return Err(PinError::Date(date.to_owned()));
        }
        Ok(KgPin(digits))
    }

    /// The normalized 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The sex encoded in the first digit.
    pub fn sex(&self) -> Sex {
        if self.0.starts_with('1') {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// The birth date encoded in digits 2-9.
    pub fn birth_date(&self) -> NaiveDate {
        // `parse` and `synthesize` guarantee a valid date; the default is unreachable.
        self.0.get(1..9).and_then(parse_ddmmyyyy).unwrap_or_default()
    }

    /// Warnings when the PIN disagrees with the entered sex or birth date.
    ///
    /// A disagreement is not an error: test data and old documents disagree.
    pub fn check_against(&self, sex: Sex, birth_date: NaiveDate) -> Vec<PinWarning> {
        let mut warnings = Vec::new();
        if self.sex() != sex {
            warnings.push(PinWarning::SexMismatch { pin: self.sex(), entered: sex });
        }
        if self.birth_date() != birth_date {
            warnings.push(PinWarning::BirthDateMismatch { pin: self.birth_date(), entered: birth_date });
        }
        warnings
    }

    /// Builds a plausible PIN (for synthetic data): sex digit, DDMMYYYY, 5-digit serial (serial % 100000).
    ///
    /// Dates outside years 0000-9999 are clamped into that range so the result always parses.
    pub fn synthesize(sex: Sex, birth_date: NaiveDate, serial: u32) -> KgPin {
        let first = NaiveDate::from_ymd_opt(0, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
        let d = birth_date.clamp(first, last);
        let sex_digit = match sex {
            Sex::Female => 1,
            Sex::Male => 2,
        };
        KgPin(format!("{sex_digit}{:02}{:02}{:04}{:05}", d.day(), d.month(), d.year(), serial % 100_000))
    }
}

impl fmt::Display for KgPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KgPin {
    type Err = PinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KgPin::parse(s)
    }
}

impl Serialize for KgPin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KgPin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        KgPin::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a Kyrgyz PIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// Nothing but spaces and dashes.
    #[error("the PIN is empty")]
    Empty,
    /// Not 14 digits; carries the number of digits found.
    #[error("a PIN has 14 digits, found {0}")]
    Length(usize),
    /// A character that is neither a digit, a space nor a dash.
    #[error("the PIN contains the non-digit character {0:?}")]
    NotDigit(char),
    /// The first digit is not 1 (female) or 2 (male).
    #[error("the first PIN digit must be 1 (female) or 2 (male), found {0}")]
    SexDigit(char),
    /// Digits 2-9 are not a calendar date DDMMYYYY; carries those 8 digits.
    #[error("PIN digits 2-9 ({0}) are not a valid date DDMMYYYY")]
    Date(String),
}

impl PinError {
    /// Stable machine code: `PIN_EMPTY`, `PIN_LENGTH`, `PIN_NOT_DIGITS`, `PIN_SEX_DIGIT` or `PIN_DATE`.
    pub fn code(&self) -> &'static str {
        match self {
            PinError::Empty => "PIN_EMPTY",
            PinError::Length(_) => "PIN_LENGTH",
            PinError::NotDigit(_) => "PIN_NOT_DIGITS",
            PinError::SexDigit(_) => "PIN_SEX_DIGIT",
            PinError::Date(_) => "PIN_DATE",
        }
    }
}

/// A disagreement between a PIN and the entered data (a warning, not an error).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PinWarning {
    /// The PIN's sex digit differs from the entered sex.
    SexMismatch {
        /// Sex encoded in the PIN.
        pin: Sex,
        /// Sex entered on the record.
        entered: Sex,
    },
    /// The PIN's date differs from the entered birth date.
    BirthDateMismatch {
        /// Birth date encoded in the PIN.
        pin: NaiveDate,
        /// Birth date entered on the record.
        entered: NaiveDate,
    },
}

impl PinWarning {
    /// Stable machine code: `PIN_SEX_MISMATCH` or `PIN_BIRTH_DATE_MISMATCH`.
    pub fn code(&self) -> &'static str {
        match self {
            PinWarning::SexMismatch { .. } => "PIN_SEX_MISMATCH",
            PinWarning::BirthDateMismatch { .. } => "PIN_BIRTH_DATE_MISMATCH",
        }
    }
}

/// Why a string is not a valid Russian SNILS or INN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Wrong number of digits.
    #[error("expected {expected} digits, found {found}")]
    Length {
        /// Digits required.
        expected: usize,
        /// Digits found (after removing spaces and dashes).
        found: usize,
    },
    /// A character that is neither a digit, a space nor a dash.
    #[error("the number contains the non-digit character {0:?}")]
    NotDigit(char),
    /// The check digits do not match.
    #[error("the check digits do not match")]
    Checksum,
}

impl IdError {
    /// Stable machine code: `ID_LENGTH`, `ID_NOT_DIGITS` or `ID_CHECKSUM`.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Length { .. } => "ID_LENGTH",
            IdError::NotDigit(_) => "ID_NOT_DIGITS",
            IdError::Checksum => "ID_CHECKSUM",
        }
    }
}

/// Cleans the input and checks it has `expected` digits; returns the string and its digit values.
fn digits_exact(input: &str, expected: usize) -> Result<(String, Vec<u32>), IdError> {
    let s = clean_digits(input).map_err(IdError::NotDigit)?;
    if s.len() != expected {
        return Err(IdError::Length { expected, found: s.len() });
    }
    let values = s.bytes().map(|b| u32::from(b - b'0')).collect();
    Ok((s, values))
}

/// SNILS check number (0-99) of the first 9 digits.
fn snils_check(d: &[u32]) -> u32 {
    let sum: u32 = d.iter().take(9).zip((1..=9).rev()).map(|(x, w)| x * w).sum();
    match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => (s % 101) % 100,
    }
}

/// `(Σ digit × weight) mod 11 mod 10`, the INN check digit.
fn inn_check(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(x, w)| x * w).sum::<u32>() % 11 % 10
}

const INN10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// Validates a Russian SNILS (11 digits, e.g. `"112-233-445 95"`); returns the 11 digits.
///
/// The check number is verified only above 001-001-998, as the standard prescribes.
pub fn validate_snils(input: &str) -> Result<String, IdError> {
    let (s, d) = digits_exact(input, 11)?;
    let number = d.iter().take(9).fold(0u32, |n, x| n * 10 + x);
    let check = d[9] * 10 + d[10];
    if number > 1_001_998 && snils_check(&d) != check {
        return Err(IdError::Checksum);
    }
    Ok(s)
}

/// Validates a Russian person INN (12 digits, two check digits); returns the 12 digits.
pub fn validate_inn_person(input: &str) -> Result<String, IdError> {
    let (s, d) = digits_exact(input, 12)?;
    if inn_check(&d, &INN12_11) != d[10] || inn_check(&d, &INN12_12) != d[11] {
        return Err(IdError::Checksum);
    }
    Ok(s)
}

/// Validates a Russian organization INN (10 digits, one check digit); returns the 10 digits.
pub fn validate_inn_org(input: &str) -> Result<String, IdError> {
    let (s, d) = digits_exact(input, 10)?;
    if inn_check(&d, &INN10) != d[9] {
        return Err(IdError::Checksum);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_kg_pin_with_separators() {
        let pin = KgPin::parse("2 0101 2015 00123").unwrap();
        assert_eq!(pin.as_str(), "20101201500123");
        assert_eq!(pin.to_string(), "20101201500123");
        assert_eq!(pin.sex(), Sex::Male);
        assert_eq!(pin.birth_date(), date(2015, 1, 1));
        let f: KgPin = "1-2902-2016-99999".parse().unwrap();
        assert_eq!((f.sex(), f.birth_date()), (Sex::Female, date(2016, 2, 29)));
        let de = KgPin::deserialize(StrDeserializer::<DeError>::new("20101201500123")).unwrap();
        assert_eq!(de, pin);
        assert!(KgPin::deserialize(StrDeserializer::<DeError>::new("3")).is_err());
    }

    #[test]
    fn kg_pin_errors() {
        use PinError::*;
        let cases = [
            ("", Empty),
            (" - ", Empty),
            ("2010120150012", Length(13)),
            ("201012015001234", Length(15)),
            ("2010120150012x", NotDigit('x')),
            ("2010120150012٣", NotDigit('٣')),
            ("30101201500123", SexDigit('3')),
            ("00101201500123", SexDigit('0')),
            ("23102201500123", Date("31022015".into())),
            ("12902201500123", Date("29022015".into())),
            ("20013201500123", Date("00132015".into())),
        ];
        let mut codes: Vec<_> = cases.iter().map(|(_, e)| e.code()).collect();
        codes.dedup();
        let expected = "PIN_EMPTY PIN_LENGTH PIN_NOT_DIGITS PIN_SEX_DIGIT PIN_DATE";
        assert_eq!(codes.join(" "), expected);
        for (input, err) in cases {
            assert_eq!(KgPin::parse(input), Err(err.clone()), "{input}");
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn kg_pin_warnings() {
        let pin = KgPin::parse("20101201500123").unwrap();
        assert!(pin.check_against(Sex::Male, date(2015, 1, 1)).is_empty());
        let w = pin.check_against(Sex::Female, date(2015, 1, 2));
        let codes: Vec<_> = w.iter().map(PinWarning::code).collect();
        assert_eq!(codes, ["PIN_SEX_MISMATCH", "PIN_BIRTH_DATE_MISMATCH"]);
        let sex = PinWarning::SexMismatch { pin: Sex::Male, entered: Sex::Female };
        assert_eq!(w[0], sex);
        let (pin, entered) = (date(2015, 1, 1), date(2015, 1, 2));
        assert_eq!(w[1], PinWarning::BirthDateMismatch { pin, entered });
    }

    #[test]
    fn synthesize_clamps_and_wraps_serial() {
        let pin = KgPin::synthesize(Sex::Female, date(2020, 12, 31), 1_234_567);
        assert_eq!(pin.as_str(), "13112202034567");
        let far = KgPin::synthesize(Sex::Male, NaiveDate::MAX, 0);
        assert_eq!(KgPin::parse(far.as_str()), Ok(far.clone()));
        assert_eq!(far.birth_date(), date(9999, 12, 31));
    }

    #[test]
    fn snils() {
        let ok = |s: &str| validate_snils(s).unwrap();
        assert_eq!(ok("112-233-445 95"), "11223344595");
        assert_eq!(ok("123-456-789 64"), "12345678964");
        assert_eq!(ok("001-001-999 65"), "00100199965");
        // At or below 001-001-998 the check number is not verified.
        assert_eq!(ok("001-001-998 12"), "00100199812");
        // Sums 100 and 101 give 00; above 101, sum mod 101 (and 100 becomes 00).
        assert_eq!(ok("001-326-679 00"), "00132667900"); // sum 100
        assert_eq!(ok("001-508-816 00"), "00150881600"); // sum 101
        assert_eq!(ok("001-437-545 01"), "00143754501"); // sum 102
        assert_eq!(ok("017-996-174 00"), "01799617400"); // sum 201
        assert_eq!(ok("999-999-999 01"), "99999999901"); // sum 405
    }

    #[test]
    fn inn() {
        assert_eq!(validate_inn_org("7707083893").unwrap(), "7707083893");
        assert_eq!(validate_inn_org("7728168971").unwrap(), "7728168971");
        let person = validate_inn_person("5001-0073-2259").unwrap();
        assert_eq!(person, "500100732259");
        // Computed by hand: 7707083893 -> d11 = 310 mod 11 mod 10 = 2, d12 = 4.
        assert_eq!(validate_inn_person("770708389324").unwrap(), "770708389324");
    }

    #[test]
    fn id_errors() {
        use IdError::*;
        let len = |expected, found| Length { expected, found };
        let cases = [
            (validate_snils("112-233-445 96"), Checksum),
            (validate_inn_org("7707083894"), Checksum),
            (validate_inn_person("500100732258"), Checksum),
            (validate_inn_person("500100732269"), Checksum),
            (validate_snils("112-233-445"), len(11, 9)),
            (validate_inn_org(""), len(10, 0)),
            (validate_inn_person("7707083893"), len(12, 10)),
            (validate_snils("112.233.445 95"), NotDigit('.')),
            (validate_inn_person("50010073225O"), NotDigit('O')),
        ];
        for (got, err) in cases {
            assert_eq!(got, Err(err.clone()));
            assert!(!err.to_string().is_empty());
        }
        let codes = [Checksum.code(), NotDigit('x').code(), len(1, 0).code()];
        assert_eq!(codes, ["ID_CHECKSUM", "ID_NOT_DIGITS", "ID_LENGTH"]);
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (1900i32..2100, 1u32..=366).prop_map(|(y, o)| NaiveDate::from_yo_opt(y, o).unwrap_or_else(|| date(y, 12, 31)))
    }

    fn any_sex() -> impl Strategy<Value = Sex> {
        prop_oneof![Just(Sex::Female), Just(Sex::Male)]
    }

    proptest! {
        #[test]
        fn synthesize_round_trips(sex in any_sex(), d in any_date(), serial in any::<u32>()) {
            let pin = KgPin::synthesize(sex, d, serial);
            let parsed = KgPin::parse(pin.as_str()).unwrap();
            prop_assert_eq!(&parsed, &pin);
            prop_assert_eq!(parsed.sex(), sex);
            prop_assert_eq!(parsed.birth_date(), d);
        }

        #[test]
        fn parse_never_panics(s in any::<String>(), t in "[0-9 \\-x]{0,20}", u in "[0-3][0-9]{13}") {
            let _ = KgPin::parse(&s);
            let _ = KgPin::parse(&t);
            if let Ok(pin) = KgPin::parse(&u) {
                let again = KgPin::synthesize(pin.sex(), pin.birth_date(), 0);
                prop_assert_eq!(again.as_str().get(..9), u.get(..9));
            }
            let _ = (validate_snils(&s), validate_inn_person(&t), validate_inn_org(&t));
        }

        #[test]
        fn check_against_warns_on_mismatch(sex in any_sex(), d in any_date(), other in any_date()) {
            let pin = KgPin::synthesize(sex, d, 1);
            prop_assert!(pin.check_against(sex, d).is_empty());
            let flipped = if sex == Sex::Male { Sex::Female } else { Sex::Male };
            prop_assert_eq!(
                pin.check_against(flipped, d),
                vec![PinWarning::SexMismatch { pin: sex, entered: flipped }]
            );
            let w = pin.check_against(sex, other);
            if other == d {
                prop_assert!(w.is_empty());
            } else {
                prop_assert_eq!(w, vec![PinWarning::BirthDateMismatch { pin: d, entered: other }]);
            }
        }
    }
}
