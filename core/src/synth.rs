//! A deterministic synthetic population: realistic Kyrgyz and Russian names,
//! plausible PINs, families and circumstances spread over the territories.
//! For the demo, tests and benchmarks; never real data.

use crate::facts::Provenance;
use crate::model::{Address, Child, Disability, Family, FamilyMember, Relative, SocialPayment};
use crate::pin::{KgPin, Sex};
use crate::registry::NewChild;
use crate::territory::{Territories, TerritoryCode};
use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

const KG_MALE: &[&str] = &[
    "Нурлан",
    "Бакыт",
    "Эрлан",
    "Азамат",
    "Улан",
    "Тимур",
    "Айбек",
    "Эмир",
    "Байэл",
    "Алинур",
    "Нурсултан",
    "Дастан",
    "Бекзат",
    "Жанболот",
    "Адилет",
    "Эрмек",
    "Мирлан",
    "Талант",
    "Чыңгыз",
    "Өмүрбек",
    "Үмөт",
    "Руслан",
    "Данияр",
    "Марат",
];
const KG_FEMALE: &[&str] = &[
    "Айгүл",
    "Асель",
    "Жылдыз",
    "Чолпон",
    "Айжан",
    "Бермет",
    "Нургүл",
    "Айпери",
    "Мээрим",
    "Сезим",
    "Айдана",
    "Бегимай",
    "Нуриза",
    "Элнура",
    "Айзада",
    "Гүлзат",
    "Үмүт",
    "Айтурган",
    "Жазгүл",
    "Канышай",
    "Аруузат",
    "Назира",
];
const KG_SURNAMES: &[&str] = &[
    "Асанов",
    "Токтогулов",
    "Жумабаев",
    "Осмонов",
    "Абдыкадыров",
    "Садыков",
    "Мамытов",
    "Исаков",
    "Бекмуратов",
    "Алиев",
    "Турдубаев",
    "Шамшиев",
    "Каримов",
    "Эсенбаев",
    "Орозбаев",
    "Сыдыков",
    "Кубанычбеков",
    "Ташиев",
    "Абдыраимов",
    "Молдогазиев",
    "Өмүрзаков",
    "Үсөнов",
    "Сатыбалдиев",
    "Жээнбеков",
    "Токтосунов",
    "Курманалиев",
];
const RU_MALE: &[&str] =
    &["Иван", "Александр", "Дмитрий", "Максим", "Артём", "Сергей", "Андрей", "Никита", "Михаил", "Кирилл"];
const RU_FEMALE: &[&str] =
    &["Мария", "Анна", "Екатерина", "Софья", "Виктория", "Дарья", "Юлия", "Полина", "Алина", "Ксения"];
const RU_SURNAMES: &[&str] =
    &["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"];
const RU_FATHERS: &[(&str, &str)] = &[
    ("Иванович", "Ивановна"),
    ("Сергеевич", "Сергеевна"),
    ("Александрович", "Александровна"),
    ("Андреевич", "Андреевна"),
    ("Николаевич", "Николаевна"),
];

fn feminine(surname: &str) -> String {
    if surname.ends_with("ов") || surname.ends_with("ев") || surname.ends_with("ин") {
        format!("{surname}а")
    } else {
        surname.to_string()
    }
}

/// The generator.
#[derive(Debug)]
pub struct Synth {
    rng: StdRng,
    places: Vec<TerritoryCode>,
    today: NaiveDate,
    /// PIN serials per sex and birth date (the PIN's serial has five digits).
    serials: std::collections::HashMap<(Sex, NaiveDate), u32>,
}

impl Synth {
    /// A generator from a seed over the leaf territories of a hierarchy, as of `today`.
    pub fn new(seed: u64, territories: &Territories, today: NaiveDate) -> Synth {
        let mut places: Vec<TerritoryCode> = territories.leaves().into_iter().map(|t| t.code.clone()).collect();
        if places.is_empty() {
            places.push(territories.root().clone());
        }
        Synth { rng: StdRng::seed_from_u64(seed), places, today, serials: Default::default() }
    }

    /// The territories children are spread over.
    pub fn places(&self) -> &[TerritoryCode] {
        &self.places
    }

    fn pick<'a>(&mut self, list: &'a [&'a str]) -> &'a str {
        list[self.rng.gen_range(0..list.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// A child identified somewhere among the places.
    pub fn child(&mut self) -> NewChild {
        let i = self.rng.gen_range(0..self.places.len());
        let place = self.places[i].clone();
        self.child_in(&place)
    }

    /// A child identified in a given territory.
    pub fn child_in(&mut self, place: &TerritoryCode) -> NewChild {
        let sex = if self.chance(0.5) { Sex::Female } else { Sex::Male };
        let russian = self.chance(0.15);
        let age_days = self.rng.gen_range(30..18 * 365);
        let birth = self.today - Duration::days(age_days);
        let (surname_m, given, father_given) = if russian {
            let s = self.pick(RU_SURNAMES);
            let g = if sex == Sex::Male { self.pick(RU_MALE) } else { self.pick(RU_FEMALE) };
            (s, g, self.pick(RU_MALE))
        } else {
            let s = self.pick(KG_SURNAMES);
            let g = if sex == Sex::Male { self.pick(KG_MALE) } else { self.pick(KG_FEMALE) };
            (s, g, self.pick(KG_MALE))
        };
        let surname = if sex == Sex::Female { feminine(surname_m) } else { surname_m.to_string() };
        let patronymic = if russian {
            let (m, f) = RU_FATHERS[self.rng.gen_range(0..RU_FATHERS.len())];
            Some(if sex == Sex::Male { m } else { f }.to_string())
        } else if self.chance(0.6) {
            Some(format!("{father_given} {}", if sex == Sex::Male { "уулу" } else { "кызы" }))
        } else {
            None
        };
        let serial = self.serials.entry((sex, birth)).or_default();
        *serial += 1;
        let serial = *serial;
        let pin =
            if self.chance(0.95) { Some(KgPin::synthesize(sex, birth, serial).as_str().to_string()) } else { None };
        let since_birth = (self.today - birth).num_days().max(1);
        let identified_on = self.today - Duration::days(self.rng.gen_range(0..since_birth.min(3 * 365)));
        let mother_presence = self.presence();
        let father_presence = self.presence();
        let mother_surname = feminine(surname_m);
        let relatives = vec![
            Relative {
                relation: "mother".into(),
                presence: mother_presence.into(),
                surname: Some(mother_surname),
                given_name: Some(if russian { self.pick(RU_FEMALE) } else { self.pick(KG_FEMALE) }.to_string()),
                patronymic: None,
                pin: None,
            },
            Relative {
                relation: "father".into(),
                presence: father_presence.into(),
                surname: Some(surname_m.to_string()),
                given_name: Some(father_given.to_string()),
                patronymic: None,
                pin: None,
            },
        ];
        let disabled = self.chance(0.08);
        let mut social_payments = Vec::new();
        if mother_presence == "deceased" || father_presence == "deceased" {
            social_payments.push(SocialPayment { kind: "survivor_pension".into(), details: None });
        }
        if disabled {
            social_payments
                .push(SocialPayment { kind: "monthly_social_benefit".into(), details: Some("ЛОВЗ".into()) });
        }
        if self.chance(0.3) {
            social_payments.push(SocialPayment { kind: "low_income_benefit".into(), details: None });
        }
        let legal_status = match (mother_presence, father_presence) {
            ("deceased", "deceased") => "orphan",
            ("deprived_of_rights", _) | (_, "deprived_of_rights") => "without_parental_care",
            ("abroad_migrant", "abroad_migrant") => "guardianship",
            _ if self.chance(0.05) => "residential_institution",
            _ => "with_parents",
        };
        let mut needs = BTreeMap::new();
        if self.chance(0.2) {
            needs.insert("education".to_string(), "Систематически пропускает занятия".to_string());
        }
        if self.chance(0.1) {
            needs.insert("health".to_string(), "Нуждается в осмотре педиатра".to_string());
        }
        let record = Child {
            surname,
            given_name: given.to_string(),
            patronymic,
            sex,
            birth_date: birth,
            pin,
            identified_on,
            identified_in: place.clone(),
            identified_place: None,
            residence: Some(Address { territory: Some(place.clone()), text: None }),
            relatives,
            disability: Disability {
                present: disabled,
                details: disabled.then(|| "Инвалидность установлена".to_string()),
            },
            social_payments,
            housing: None,
            property: Vec::new(),
            legal_status: legal_status.into(),
            needs,
        };
        const SOURCES: &[&str] = &["specialist", "education", "health", "police", "household_book", "citizen_report"];
        let source = self.pick(SOURCES).to_string();
        NewChild { record, provenance: Provenance { source, received_on: identified_on, reference: None } }
    }

    fn presence(&mut self) -> &'static str {
        match self.rng.gen_range(0..100) {
            0..=59 => "present",
            60..=74 => "abroad_migrant",
            75..=79 => "deceased",
            80..=89 => "absent",
            90..=92 => "in_prison",
            93..=95 => "deprived_of_rights",
            _ => "unknown",
        }
    }

    /// A family for a child (parents as members, circumstances consistent with the child's).
    pub fn family_for(&mut self, child: &Child) -> Family {
        let mut members = Vec::new();
        let mut circumstances = Vec::new();
        for r in &child.relatives {
            if let (Some(s), Some(g)) = (&r.surname, &r.given_name) {
                members.push(FamilyMember {
                    surname: s.clone(),
                    given_name: g.clone(),
                    patronymic: None,
                    relation: r.relation.clone(),
                    presence: r.presence.clone(),
                    birth_date: None,
                    pin: None,
                });
            }
            if r.presence == "abroad_migrant" && !circumstances.contains(&"labour_migration".to_string()) {
                circumstances.push("labour_migration".to_string());
            }
        }
        if child.social_payments.iter().any(|p| p.kind == "low_income_benefit") {
            circumstances.push("low_income".into());
        }
        if self.chance(0.25) {
            circumstances.push("many_children".into());
        }
        let name = child
            .relatives
            .iter()
            .find(|r| r.relation == "father")
            .and_then(|r| r.surname.clone())
            .unwrap_or_else(|| child.surname.clone());
        Family { name, territory: child.identified_in.clone(), address: None, members, circumstances, notes: None }
    }
}

impl Synth {
    /// A Sanarip aimak household book export (`docs/src/household-book.md`) of `households`
    /// households (about 4.5 members each) as CSV text with `;` delimiters.
    pub fn household_book(&mut self, households: usize) -> String {
        let mut out = String::with_capacity(households * 600);
        out.push_str(&crate::import::household::COLUMNS.join(";"));
        out.push('\n');
        for h in 0..households {
            self.household_rows(h + 1, &mut out);
        }
        out
    }

    fn person(&mut self, sex: Sex, birth: NaiveDate, surname_m: &str) -> (String, String, Option<String>) {
        let given = if sex == Sex::Male { self.pick(KG_MALE) } else { self.pick(KG_FEMALE) }.to_string();
        let surname = if sex == Sex::Female { feminine(surname_m) } else { surname_m.to_string() };
        let serial = self.serials.entry((sex, birth)).or_default();
        *serial += 1;
        let serial = *serial;
        let pin = self.chance(0.97).then(|| KgPin::synthesize(sex, birth, serial).as_str().to_string());
        (surname, given, pin)
    }

    fn household_rows(&mut self, n: usize, out: &mut String) {
        use std::fmt::Write;
        let i = self.rng.gen_range(0..self.places.len());
        let soate = self.places[i].clone();
        let low_income = self.chance(0.25);
        let family = self.pick(KG_SURNAMES).to_string();
        let today = self.today;
        let years = |y: i64, r: &mut StdRng| today - Duration::days(y * 365 + r.gen_range(0..365));
        let head_birth = years(self.rng.gen_range(28..50), &mut self.rng);
        let spouse_birth = years(self.rng.gen_range(25..45), &mut self.rng);
        let father_abroad = self.chance(0.2);
        let mother_abroad = self.chance(if father_abroad { 0.35 } else { 0.05 });
        let father_dead = !father_abroad && self.chance(0.03);
        let mother_dead = !mother_abroad && self.chance(if father_dead { 0.2 } else { 0.02 });
        let kids = self.rng.gen_range(1..=5);
        let grandparent = self.chance(0.3);
        let mut row = |no: usize,
                       rel: &str,
                       sex: Sex,
                       birth: NaiveDate,
                       abroad: bool,
                       disabled: bool,
                       dead: bool,
                       synth: &mut Synth| {
            let (surname, given, pin) = synth.person(sex, birth, &family);
            let deceased = if dead {
                (today - Duration::days(synth.rng.gen_range(30..2000))).format("%d.%m.%Y").to_string()
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "H{n:07};{soate};айыл {n}, үй {};{};{no};{rel};{surname};{given};;{};{};{};{};{};{deceased};;",
                n % 300 + 1,
                u8::from(low_income),
                if sex == Sex::Female { "ж" } else { "м" },
                birth.format("%d.%m.%Y"),
                pin.unwrap_or_default(),
                u8::from(abroad),
                u8::from(disabled),
            );
        };
        row(1, "head", Sex::Male, head_birth, father_abroad, false, father_dead, self);
        row(2, "spouse", Sex::Female, spouse_birth, mother_abroad, false, mother_dead, self);
        let mut no = 3;
        if grandparent {
            let b = years(self.rng.gen_range(60..80), &mut self.rng);
            let disabled = self.chance(0.2);
            row(no, "parent", Sex::Female, b, false, disabled, false, self);
            no += 1;
        }
        for _ in 0..kids {
            let sex = if self.chance(0.5) { Sex::Female } else { Sex::Male };
            let b = today - Duration::days(self.rng.gen_range(60..18 * 365));
            let disabled = self.chance(0.05);
            row(no, "child", sex, b, false, disabled, false, self);
            no += 1;
        }
    }
}
