//! Robustness of every parser of outside input: arbitrary bytes never panic and
//! never yield an inconsistent result. (Run as property tests on stable Rust;
//! found crashes become regression cases below.)

use kamkor_core::pin::{validate_inn_org, validate_inn_person, validate_snils, KgPin};
use kamkor_core::territory::{Territories, TerritoryCode};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn pin_parsers_never_panic(s in ".{0,40}") {
        if let Ok(p) = KgPin::parse(&s) {
            prop_assert_eq!(p.as_str().len(), 14);
        }
        let _ = validate_snils(&s);
        let _ = validate_inn_person(&s);
        let _ = validate_inn_org(&s);
    }

    #[test]
    fn profile_parser_never_panics(s in ".{0,400}") {
        let _ = kamkor_core::Profile::from_toml(&s);
    }

    #[test]
    fn mutated_profile_is_refused_or_valid(pos in 0usize..5000, byte in any::<u8>()) {
        let mut text = include_bytes!("../profiles/kyrgyzstan.toml").to_vec();
        let p = pos % text.len();
        text[p] = byte;
        if let Ok(s) = String::from_utf8(text) {
            if let Err(e) = kamkor_core::Profile::from_toml(&s) {
                prop_assert_eq!(e.code, kamkor_core::ErrorCode::Profile);
            }
        }
    }

    #[test]
    fn territory_csv_never_panics(s in "(41[0-9]{0,14},[a-z_]{0,8},[0-9]{0,14},[а-я ]{0,6},x,y\n){0,6}") {
        let text = format!("soate,kind,parent,name_ru,name_ky,name_en\n{s}");
        let _ = Territories::from_csv(text.as_bytes());
        let mut t = Territories::kyrgyzstan();
        let before = t.len();
        if t.load_classifier(text.as_bytes(), chrono::NaiveDate::MIN).is_err() {
            prop_assert_eq!(t.len(), before, "a refused classifier changes nothing");
        }
    }

    #[test]
    fn territory_code_parser(s in ".{0,30}") {
        if let Ok(c) = TerritoryCode::parse(&s) {
            prop_assert!(c.as_str().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn backup_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = kamkor_core::backup::read_backup(&mut bytes.as_slice());
    }

    #[test]
    fn backup_reader_with_valid_header_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut bytes = b"KAMKOR-BACKUP\n\0\0\0\x01".to_vec();
        bytes.extend(tail);
        let _ = kamkor_core::backup::read_backup(&mut bytes.as_slice());
    }

    #[test]
    fn envelope_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = kamkor_core::facts::decode_envelope::<kamkor_core::facts::FactHeader>(&bytes);
        let _ = kamkor_core::facts::decode_envelope::<kamkor_core::facts::StateHeader>(&bytes);
    }

    #[test]
    fn record_json_never_panics(s in ".{0,300}") {
        let _ = serde_json::from_str::<kamkor_core::registry::NewChild>(&s);
        let _ = kamkor_core::SubjectId::parse(&s);
        let _ = kamkor_core::Key::parse(s.as_bytes());
    }
}

#[test]
fn backup_regressions() {
    // A header claiming a huge record must not allocate or panic.
    let mut b = b"KAMKOR-BACKUP\n\0\0\0\x01\x01\xff\xff\xff\xff".to_vec();
    b.extend([0u8; 32]);
    assert!(kamkor_core::backup::read_backup(&mut b.as_slice()).is_err());
    // A tree tag out of range.
    let mut b = b"KAMKOR-BACKUP\n\0\0\0\x01\x63".to_vec();
    b.extend([0u8; 32]);
    assert!(kamkor_core::backup::read_backup(&mut b.as_slice()).is_err());
}
