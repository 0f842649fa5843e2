//! Name folding for duplicate detection.
//!
//! A child must not be registered twice, so names are compared through a folded
//! Latin skeleton that ignores Cyrillic/Latin spelling, Kyrgyz letters and common
//! transliteration variants: "Айгүл", "Aigul", "Айгуль" and "AIGUL" all fold to `aigul`.
//!
//! Folding, per whitespace-separated word:
//! 1. Unicode lowercase; Cyrillic is transliterated (Russian alphabet, Kyrgyz ң→n, ө→o,
//!    ү→u, Kazakh/Tatar ә ғ қ һ і ұ and a few others); Latin diacritics are stripped by a
//!    small table (č ç→ch, š ş→sh, ž→zh, ŋ→n, ä→a, ö→o, ü→u, ı→i, ...); y→i, w→v, q→k,
//!    x→ks; everything else (digits, hyphens, apostrophes, other scripts) is dropped.
//! 2. Repeated letters collapse, then digraphs are normalized: shch/sch/sh→sh, zh/dzh/dj/j→j,
//!    kh/h→h, ch→ch, ts/tz→ts, lone c→k, ie/io→e (so ye/yo/ё→e: Yelena = Елена,
//!    Fyodor = Фёдор, Aliyev = Алиев), and a word-final j after a vowel→i (Sergej = Сергей).
//!    ю and я become iu and ia, so Юлия = Yulia = Iuliia = Yuliya (`iulia`).
//! 3. Step 2 is repeated until nothing changes, which makes [`fold`] idempotent.
//!
//! The fold is deliberately lossy: some distinct names meet (Иосиф and Есиф, Асхат and
//! Ашат, Жанна and Жана since double letters collapse). It only proposes candidates for a
//! human to review. Иван and Ивана fold differently, but their [`similarity`] (0.96) is
//! above [`LIKELY_MATCH_THRESHOLD`], so they are reported when the birth date also agrees.

use strsim::jaro_winkler;

/// Threshold above which two persons with the same birth date are reported as a likely duplicate.
///
/// Compare it with [`person_similarity`] (a score `>=` the threshold is a likely match).
/// Spelling variants that fold together score 1.0. Twins (same surname and birth date)
/// with distinct given names score below it (Нурлан/Нурбек 0.83, Айгуль/Айжан 0.80,
/// Хасан/Хусейн 0.87, Тимур/Темир 0.88), but given names one or two letters apart score
/// above it and are reported for human review (Иван/Ивана 0.98, Алина/Алена 0.95,
/// Мария/Марат 0.95): the threshold favours catching duplicates over quiet twins.
pub const LIKELY_MATCH_THRESHOLD: f64 = 0.9;

/// Latin skeleton of one lowercase non-ASCII character (`None`: dropped).
fn translit(c: char) -> Option<&'static str> {
    Some(match c {
        'а' | 'ә' | 'ӓ' | 'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ə' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ғ' | 'ґ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'д' | 'ď' | 'đ' | 'ð' => "d",
        'е' | 'ё' | 'э' | 'є' | 'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ж' | 'ž' => "zh",
        'з' | 'ҙ' | 'ź' | 'ż' => "z",
        'и' | 'й' | 'ы' | 'і' | 'ї' | 'ӣ' | 'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ý' | 'ÿ' => "i",
        'к' | 'қ' | 'ķ' => "k",
        'л' | 'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'м' => "m",
        'н' | 'ң' | 'ñ' | 'ń' | 'ň' | 'ņ' | 'ŋ' => "n",
        'о' | 'ө' | 'ӧ' | 'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ő' | 'ø' | 'ɵ' => "o",
        'п' => "p",
        'р' | 'ř' | 'ŗ' => "r",
        'с' | 'ҫ' | 'ś' => "s",
        'т' | 'ť' | 'ţ' | 'ț' => "t",
        'у' | 'ү' | 'ұ' | 'ў' | 'ӯ' | 'ӱ' | 'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ŭ' => "u",
        'ф' => "f",
        'х' | 'һ' | 'ҳ' | 'ħ' => "kh",
        'ц' => "ts",
        'ч' | 'ћ' | 'č' | 'ç' | 'ć' => "ch",
        'ш' | 'š' | 'ş' | 'ș' => "sh",
        'щ' => "shch",
        'ю' => "iu",
        'я' => "ia",
        'џ' | 'ј' | 'ҷ' => "j",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        _ => return None,
    })
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Removes runs of the same letter.
fn collapse(mut s: Vec<u8>) -> Vec<u8> {
    s.dedup();
    s
}

/// One digraph pass over a collapsed `[a-z]` skeleton, greedy from left to right.
fn rewrite(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 4);
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        let rest = &s[i..];
        let starts = |p: &[u8]| rest.starts_with(p);
        let (emit, used): (&[u8], usize) = if starts(b"shch") {
            (b"sh", 4)
        } else if starts(b"sch") {
            (b"sh", 3)
        } else if starts(b"dzh") {
            (b"j", 3)
        } else if starts(b"sh") || starts(b"ch") || starts(b"ts") {
            (&rest[..2], 2)
        } else if starts(b"zh") || starts(b"dj") {
            (b"j", 2)
        } else if starts(b"kh") {
            (b"h", 2)
        } else if starts(b"tz") {
            (b"ts", 2)
        } else if starts(b"ie") || starts(b"io") {
            (b"e", 2)
        } else if c == b'j' && rest.len() == 1 && i > 0 && is_vowel(s[i - 1]) {
            (b"i", 1)
        } else if c == b'c' {
            (b"k", 1)
        } else {
            (&rest[..1], 1)
        };
        out.extend_from_slice(emit);
        i += used;
    }
    collapse(out)
}

/// Folds one word (no whitespace inside) into its `[a-z]*` skeleton.
fn fold_word(word: &str) -> String {
    let mut latin = Vec::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'y' => latin.push(b'i'),
            'w' => latin.push(b'v'),
            'q' => latin.push(b'k'),
            'x' => latin.extend_from_slice(b"ks"),
            'a'..='z' => latin.push(c as u8),
            _ => latin.extend_from_slice(translit(c).unwrap_or("").as_bytes()),
        }
    }
    let mut cur = collapse(latin);
    // Each pass after the first shortens the word or trades a z/j for s/i, so this ends;
    // the bound is only a safeguard.
    for _ in 0..=2 * cur.len() + 2 {
        let next = rewrite(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur.into_iter().map(char::from).collect()
}

/// The folded key of one word or a full name (words folded separately, joined by single spaces, in input order).
///
/// The result contains only `a`-`z` and single spaces; words that fold to nothing are
/// skipped, so a name in an unsupported script folds to the empty string.
pub fn fold(name: &str) -> String {
    let words: Vec<String> = name.split_whitespace().map(fold_word).filter(|w| !w.is_empty()).collect();
    words.join(" ")
}

/// Folded words of a full name, sorted and deduplicated (order-insensitive tokens for an index).
pub fn tokens(full_name: &str) -> Vec<String> {
    let mut words: Vec<String> = fold(full_name).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Jaro-Winkler of two folded keys, symmetric; 0.0 if either is empty.
fn folded_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    jaro_winkler(x, y).clamp(0.0, 1.0)
}

/// Similarity in `[0, 1]` of two names after folding (Jaro-Winkler from strsim on folded keys); 1.0 for equal folds.
///
/// A name that folds to nothing (empty, or only digits or unsupported script) is similar
/// to nothing: the result is 0.0.
pub fn similarity(a: &str, b: &str) -> f64 {
    folded_similarity(&fold(a), &fold(b))
}

/// Similarity of (surname, given name) pairs, tolerant to swapped surname/given order: max of the straight and crossed pairing, averaging the two parts.
pub fn person_similarity(surname_a: &str, given_a: &str, surname_b: &str, given_b: &str) -> f64 {
    let (sa, ga, sb, gb) = (fold(surname_a), fold(given_a), fold(surname_b), fold(given_b));
    let straight = (folded_similarity(&sa, &sb) + folded_similarity(&ga, &gb)) / 2.0;
    let crossed = (folded_similarity(&sa, &gb) + folded_similarity(&ga, &sb)) / 2.0;
    straight.max(crossed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Groups of spellings that must all fold to the given key.
    const SAME: &[(&str, &[&str])] = &[
        ("aigul", &["Айгүл", "Aigul", "Айгуль", "AIGUL", "Aygul", "Aigül", "Айгул"]),
        ("jildiz", &["Жылдыз", "Jyldyz", "Zhyldyz", "Dzhyldyz", "Djyldyz", "ЖЫЛДЫЗ"]),
        ("cholpon", &["Чолпон", "Cholpon", "Čolpon", "Çolpon"]),
        ("umut", &["Үмүт", "Umut", "Ümüt", "Умут"]),
        ("omurbek", &["Өмүрбек", "Omurbek", "Ömürbek", "Омурбек"]),
        ("nurlan", &["Нурлан", "Nurlan", "Нурлaн"]),
        ("erkin", &["Эркин", "Erkin", "Еркин", "Yerkin"]),
        ("sergei", &["Сергей", "Sergei", "Sergey", "Sergej", "Sergeii"]),
        ("iulia", &["Юлия", "Yulia", "Iuliia", "Yuliya", "Юлья"]),
        ("ahmed", &["Ахмед", "Akhmed", "Ahmed"]),
        ("shamshev", &["Шамшиев", "Shamshiev", "Shamshiyev"]),
        ("shukin", &["Щукин", "Shchukin", "Shukin", "Schukin", "Шукин"]),
        ("aibek", &["Айбек", "Aibek", "Aybek"]),
        ("elkin", &["Ёлкин", "Yolkin", "Elkin", "Елкин", "Yelkin"]),
        ("asanova", &["Асанова", "Asanova", "ASANOVA"]),
        ("fedor", &["Фёдор", "Fyodor", "Fedor", "Фёдор"]),
        ("solovev", &["Соловьёв", "Solovyov", "Solovyev", "Соловьев"]),
        ("aleksandr", &["Александр", "Aleksandr", "Alexandr"]),
        ("tsoi", &["Цой", "Tsoy", "Tsoi", "Tzoy"]),
        ("ak bermet", &["Ак  Бермет", "Ak bermet"]),
        ("akbermet", &["Ак-Бермет", "Akbermet", "Ak'bermet"]),
    ];

    /// Given names that must fold differently, and whether twins (same surname and birth
    /// date) with these names are still reported as a likely duplicate.
    const DIFFERENT: &[(&str, &str, bool)] = &[
        ("Айгуль", "Айжан", false),
        ("Нурлан", "Нурбек", false),
        ("Айгуль", "Айгерим", false),
        ("Хасан", "Хусейн", false),
        ("Тимур", "Темир", false),
        ("Иван", "Ивана", true),
        ("Алина", "Алена", true),
        ("Мария", "Марат", true),
    ];

    #[test]
    fn spelling_variants_fold_together() {
        for (key, spellings) in SAME {
            for s in *spellings {
                assert_eq!(fold(s), *key, "{s}");
                assert_eq!(similarity(s, spellings[0]), 1.0);
            }
        }
        assert_eq!(person_similarity("Асанова", "Айгүл", "ASANOVA", "Aigul"), 1.0);
    }

    #[test]
    fn different_names_stay_apart() {
        for (a, b, flagged) in DIFFERENT {
            assert_ne!(fold(a), fold(b), "{a} / {b}");
            let s = similarity(a, b);
            assert!((0.0..1.0).contains(&s), "{a} / {b}: {s}");
            let twins = person_similarity("Асанова", a, "Asanova", b);
            assert_eq!(twins >= LIKELY_MATCH_THRESHOLD, *flagged, "{a} / {b}: {twins}");
        }
        assert!(person_similarity("Иванов", "Сергей", "Петров", "Сергей") < LIKELY_MATCH_THRESHOLD);
    }

    #[test]
    fn swapped_surname_and_given_name() {
        assert_eq!(person_similarity("Асанова", "Айгуль", "Aigul", "Asanova"), 1.0);
        let slight = person_similarity("Асанова", "Жамиля", "Jamila", "Asanova");
        assert!((LIKELY_MATCH_THRESHOLD..1.0).contains(&slight), "{slight}");
    }

    #[test]
    fn full_names_and_tokens() {
        assert_eq!(fold("  Асанова   Айгүл\tУулу 2015 "), "asanova aigul ulu");
        assert_eq!(fold(""), "");
        assert_eq!(fold("123 - 汉字"), "");
        assert_eq!(tokens("Айгүл Асанова aigul"), vec!["aigul", "asanova"]);
        assert_eq!(tokens("Asanova Aigul"), tokens("Айгуль Асанова"));
        assert!(tokens(" ").is_empty());
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("Aigul", "42"), 0.0);
    }

    fn name_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[а-яёА-ЯЁңөүҢӨҮәғқһі]{0,12}( [а-яё]{0,8}){0,2}",
            "[a-zA-Z'\\-]{0,12}( [a-zA-Zäöüçşığñčšžéıŋ]{0,8}){0,2}",
            "[a-zA-Zа-яА-Яёңөүäöüčšž \\-]{0,20}",
        ]
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_clean(s in name_like()) {
            let f = fold(&s);
            prop_assert!(f.chars().all(|c| c.is_ascii_lowercase() || c == ' '), "{:?}", f);
            prop_assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
            prop_assert_eq!(fold(&f), f.clone());
            let t = tokens(&s);
            prop_assert!(t.windows(2).all(|w| w[0] < w[1]));
        }

        #[test]
        fn similarity_is_symmetric_and_bounded(a in name_like(), b in name_like()) {
            let ab = similarity(&a, &b);
            prop_assert_eq!(ab, similarity(&b, &a));
            prop_assert!((0.0..=1.0).contains(&ab));
            if !fold(&a).is_empty() {
                prop_assert_eq!(similarity(&a, &a), 1.0);
            }
            let p = person_similarity(&a, &b, &b, &a);
            prop_assert!((0.0..=1.0).contains(&p));
        }
    }
}
