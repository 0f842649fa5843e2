use super::*;
use chrono::NaiveDate;
use proptest::prelude::*;

const PLAN: &str = include_str!("../../profiles/kyrgyzstan-plan.toml");
const PROFILE: &str = include_str!("../../profiles/kyrgyzstan.toml");

#[derive(Deserialize)]
struct Doc {
    plan: PlanConfig,
}

fn config() -> PlanConfig {
    static SHIPPED: std::sync::OnceLock<PlanConfig> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| toml::from_str::<Doc>(PLAN).unwrap().plan).clone()
}

/// The `legal_status` vocabulary of the shipped profile.
fn statuses() -> Vec<String> {
    let v: toml::Value = toml::from_str(PROFILE).unwrap();
    let terms = v["vocabularies"]["legal_status"].as_array().unwrap();
    terms.iter().map(|t| t["code"].as_str().unwrap().to_string()).collect()
}

fn check(c: &PlanConfig) -> Result<(), PlanError> {
    let s = statuses();
    c.validate(&s.iter().map(String::as_str).collect::<Vec<_>>())
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn circs(list: &[(&str, Severity)]) -> Vec<(String, Severity)> {
    list.iter().map(|(c, s)| (c.to_string(), *s)).collect()
}

fn child<'a>(c: &'a [(String, Severity)], age: u32) -> Situation<'a> {
    Situation { circumstances: c, age_years: age, disability: false, sex: "male", legal_status: "with_parents" }
}

fn ids(p: &[Proposed]) -> Vec<&str> {
    p.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn shipped_rules_validate_and_cover_the_vocabulary() {
    let c = config();
    check(&c).unwrap();
    assert_eq!(c.version, "2026.1");
    assert!(c.rules.len() >= 40, "{} rules", c.rules.len());
    assert!((25..=35).contains(&c.circumstances.len()), "{} circumstances", c.circumstances.len());
    let domains: BTreeSet<&str> = c.domains.iter().map(|d| d.id.as_str()).collect();
    let want = ["education", "family", "health", "housing", "income", "legal", "safety"];
    assert_eq!(domains, want.into_iter().collect());
    let agencies: BTreeSet<&str> = c.agencies.iter().map(|a| a.code.as_str()).collect();
    for a in [
        "social_protection",
        "education",
        "health",
        "police",
        "guardianship",
        "local_government",
        "legal_aid",
        "civil_registry",
        "employment",
        "youth_culture_sport",
        "commission",
    ] {
        assert!(agencies.contains(a), "{a}");
    }
    // REQUIREMENTS "Circumstance codes": the categories every profile must cover.
    for code in [
        "orphan",
        "parents_deprived_of_rights",
        "parents_labour_migrants",
        "parents_in_prison",
        "disability",
        "physical_violence",
        "sexual_violence",
        "psychological_violence",
        "neglect",
        "conflict_with_law",
        "worst_forms_child_labour",
        "street_life",
        "substance_use",
        "out_of_school",
        "school_absence",
        "no_documents",
        "no_pin",
        "no_registered_housing",
        "unsafe_housing",
        "low_income_no_benefits",
        "parent_substance_abuse",
        "domestic_violence_adults",
        "residential_placement",
        "leaving_institution",
        "health_needs_unmet",
    ] {
        assert!(c.circumstance(code).is_some(), "{code}");
    }
    for circ in &c.circumstances {
        assert!(c.rules.iter().any(|r| r.circumstance == circ.code), "{} uncovered", circ.code);
        // A critical circumstance always has an urgent measure.
        if circ.severity == Severity::Critical {
            let urgent = c.rules.iter().filter(|r| r.circumstance == circ.code).flat_map(|r| &r.measures);
            assert!(urgent.clone().any(|m| m.due_working_days <= 3), "{} has no urgent measure", circ.code);
        }
    }
    let measures: Vec<&MeasureTemplate> = c.rules.iter().flat_map(|r| &r.measures).collect();
    assert!(measures.iter().all(|m| (1..=30).contains(&m.due_working_days)));
    assert!(measures.iter().any(|m| m.plan == PlanKind::Family) && measures.iter().any(|m| m.plan == PlanKind::Child));
    for a in &c.agencies {
        assert!(measures.iter().any(|m| m.agency == a.code), "agency {} unused", a.code);
    }
    for d in &c.domains {
        assert!(c.circumstances.iter().any(|x| x.domain == d.id), "domain {} unused", d.id);
    }
}

#[test]
fn the_file_appends_to_the_profile() {
    let text = format!("{PROFILE}\n{PLAN}");
    assert_eq!(toml::from_str::<Doc>(&text).unwrap().plan, config());
    let s = statuses();
    let loaded = PlanConfig::from_toml(&text, &s.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    assert_eq!(loaded, config());
    // And it serializes back to TOML that reads the same.
    let back = toml::to_string(&toml::Value::try_from(config()).unwrap()).unwrap();
    assert_eq!(toml::from_str::<PlanConfig>(&back).unwrap(), config());
}

#[test]
fn broken_rule_sets_are_refused_with_the_place() {
    type Break = fn(&mut PlanConfig);
    let cases: Vec<(Break, &str, &str)> = vec![
        (|c| c.rules[0].circumstance = "nope".into(), "RULE_UNKNOWN_CODE", "plan.rules[0].circumstance"),
        (|c| c.rules[1].measures[0].agency = "nope".into(), "RULE_UNKNOWN_AGENCY", "plan.rules[1].measures[0].agency"),
        (|c| c.rules[5].id = c.rules[2].id.clone(), "RULE_DUPLICATE", "plan.rules[5].id"),
        (
            |c| c.rules[0].measures[1].key = "temporary_care".into(),
            "RULE_DUPLICATE_KEY",
            "plan.rules[0].measures[1].key",
        ),
        (
            |c| {
                let mut x = c.circumstances[0].clone();
                x.code = "new_code".into();
                c.circumstances.push(x);
            },
            "PLAN_UNCOVERED",
            "plan.circumstances[30].code",
        ),
        (
            |c| c.rules[0].when.legal_status.push("married".into()),
            "RULE_UNKNOWN_LEGAL_STATUS",
            "plan.rules[0].when.legal_status[3]",
        ),
        (|c| c.circumstances[2].domain = "spirit".into(), "PLAN_UNKNOWN_DOMAIN", "plan.circumstances[2].domain"),
        (
            |c| c.rules[3].measures[1].due_working_days = 366,
            "RULE_DUE_RANGE",
            "plan.rules[3].measures[1].due_working_days",
        ),
        (|c| c.version = " ".into(), "PLAN_VERSION", "plan.version"),
        (|c| c.rules[4].when.sex = Some("f".into()), "RULE_BAD_SEX", "plan.rules[4].when.sex"),
        (|c| c.rules[3].when.min_age = Some(18), "RULE_AGE_RANGE", "plan.rules[3].when.max_age"),
        (|c| c.rules[6].measures.clear(), "RULE_NO_MEASURES", "plan.rules[6].measures"),
        (|c| c.rules[7].measures[0].title.ky = String::new(), "PLAN_LABEL_EMPTY", "plan.rules[7].measures[0].title.ky"),
        (|c| c.agencies[3].en = String::new(), "PLAN_LABEL_EMPTY", "plan.agencies[3].en"),
        (|c| c.circumstances[4].code = "orphan".into(), "PLAN_DUPLICATE", "plan.circumstances[4].code"),
        (|c| c.domains[1].id = "Education".into(), "PLAN_BAD_CODE", "plan.domains[1].id"),
        (|c| c.rules[8].id = "manual".into(), "RULE_BAD_ID", "plan.rules[8].id"),
        (|c| c.rules[8].measures[0].key = "a/b".into(), "RULE_BAD_ID", "plan.rules[8].measures[0].key"),
    ];
    for (i, (f, code, path)) in cases.into_iter().enumerate() {
        let mut c = config();
        f(&mut c);
        let e = check(&c).expect_err(&format!("case {i} accepted"));
        assert_eq!((e.code(), e.path()), (code, Some(path)), "case {i}: {e}");
    }
    let e = check(&{
        let mut c = config();
        c.rules[1].measures[0].agency = "nope".into();
        c
    })
    .unwrap_err();
    assert_eq!(e.value(), Some("nope"));
    assert!(e.to_string().contains("plan.rules[1].measures[0].agency"), "{e}");
}

#[test]
fn syntax_errors_and_unknown_keys_are_refused_at_load() {
    let s = statuses();
    let st: Vec<&str> = s.iter().map(String::as_str).collect();
    let line = PLAN.lines().position(|l| l.starts_with("due_working_days")).unwrap();
    let broken: String = PLAN
        .lines()
        .enumerate()
        .map(|(i, l)| if i == line { "due_working_days = = 3\n".into() } else { format!("{l}\n") })
        .collect();
    assert!(toml::from_str::<Doc>(&broken).is_err());
    let e = PlanConfig::from_toml(&broken, &st).unwrap_err();
    assert_eq!((e.code(), e.path()), ("PLAN_SYNTAX", Some(format!("line {}", line + 1).as_str())));
    // A misspelt key is refused too, not silently ignored.
    let typo = PLAN.replacen("circumstance = \"orphan\"", "circumstanse = \"orphan\"", 1);
    assert_eq!(PlanConfig::from_toml(&typo, &st).unwrap_err().code(), "PLAN_SYNTAX");
    let bad_plan = PLAN.replacen("plan = \"child\"", "plan = \"school\"", 1);
    assert_eq!(PlanConfig::from_toml(&bad_plan, &st).unwrap_err().code(), "PLAN_SYNTAX");
}

#[test]
fn generation_cites_rule_and_circumstance_and_respects_conditions() {
    let c = config();
    let out_of_school = circs(&[("out_of_school", Severity::High)]);
    let at10 = generate(&c, &child(&out_of_school, 10));
    let at15 = generate(&c, &child(&out_of_school, 15));
    let at4 = generate(&c, &child(&out_of_school, 4));
    assert!(!ids(&at10).contains(&"R59-school-vocational/vocational_lyceum"));
    assert!(ids(&at15).contains(&"R59-school-vocational/vocational_lyceum"));
    assert!(ids(&at10).contains(&"R58-school-enrol/school_enrolment"));
    assert_eq!(ids(&at4), ["R60-school-preschool/preschool_place"]);
    for p in at10.iter().chain(&at15) {
        let rule = c.rule(&p.rule).unwrap();
        assert_eq!(p.circumstance, "out_of_school");
        assert_eq!(rule.circumstance, p.circumstance);
        assert_eq!(p.rule_version, "2026.1");
        assert_eq!(p.need, rule.need);
        let m = rule.measures.iter().find(|m| format!("{}/{}", rule.id, m.key) == p.id).unwrap();
        assert_eq!(
            (&p.title, &p.agency, p.due_working_days, p.plan),
            (&m.title, &m.agency, m.due_working_days, m.plan)
        );
    }
    // Sex: adolescent pregnancy rules apply to girls only.
    let preg = circs(&[("adolescent_pregnancy", Severity::High)]);
    let girl = Situation { sex: "female", ..child(&preg, 16) };
    assert!(generate(&c, &child(&preg, 16)).is_empty());
    assert!(generate(&c, &girl).iter().any(|p| p.id == "R56-pregnancy/antenatal_care"));
    // Legal status: an orphan already under guardianship gets support, not placement.
    let orphan = circs(&[("orphan", Severity::High)]);
    let placed = generate(&c, &Situation { legal_status: "guardianship", ..child(&orphan, 8) });
    let unplaced = generate(&c, &Situation { legal_status: "orphan", ..child(&orphan, 8) });
    assert!(
        placed.iter().all(|p| p.rule != "R01-orphan-placement")
            && placed.iter().any(|p| p.rule == "R03-orphan-guardian-support")
    );
    assert!(
        unplaced.iter().any(|p| p.rule == "R01-orphan-placement")
            && unplaced.iter().all(|p| !p.rule.starts_with("R03"))
    );
    // Disability and severity.
    let inst = circs(&[("residential_placement", Severity::High)]);
    assert!(!generate(&c, &child(&inst, 9)).iter().any(|p| p.rule == "R13-institution-disability"));
    assert!(generate(&c, &Situation { disability: true, ..child(&inst, 9) })
        .iter()
        .any(|p| p.rule == "R13-institution-disability"));
    let house = |s| generate(&c, &child(&circs(&[("unsafe_housing", s)]), 9));
    assert!(!house(Severity::High).iter().any(|p| p.rule == "R25-unsafe-housing-urgent"));
    assert!(house(Severity::Critical).iter().any(|p| p.rule == "R25-unsafe-housing-urgent"));
    // Both plans, sorted by (plan, id); unknown codes are ignored.
    let mixed = circs(&[("neglect", Severity::High), ("no_such_code", Severity::Low)]);
    let out = generate(&c, &child(&mixed, 4));
    assert!(out.iter().any(|p| p.plan == PlanKind::Child) && out.iter().any(|p| p.plan == PlanKind::Family));
    assert!(out.windows(2).all(|w| (w[0].plan, &w[0].id) < (w[1].plan, &w[1].id)));
}

#[test]
fn every_circumstance_yields_measures_for_some_child() {
    let c = config();
    for circ in &c.circumstances {
        let list = circs(&[(circ.code.as_str(), Severity::Critical)]);
        let any = (0..=17).any(|age| {
            ["female", "male"].into_iter().any(|sex| !generate(&c, &Situation { sex, ..child(&list, age) }).is_empty())
        });
        assert!(any, "{} never produces a measure", circ.code);
    }
}

#[test]
fn manual_edits_need_a_reason_and_are_recorded() {
    let c = config();
    let list = circs(&[("no_pin", Severity::Medium)]);
    let mut plan: Vec<PlanMeasure> = generate(&c, &child(&list, 7)).iter().map(PlanMeasure::from_proposed).collect();
    let content = MeasureContent {
        title: Label { ru: "Встреча".into(), ky: "Жолугушуу".into(), en: "Meeting".into() },
        agency: "education".into(),
        plan: PlanKind::Family,
        due_working_days: 5,
    };
    assert_eq!(add_manual(&mut plan, content.clone(), " ", "u1", day()).unwrap_err().code(), "REASON_REQUIRED");
    assert_eq!(add_manual(&mut plan, content.clone(), "asked by the school", "u1", day()).unwrap(), "manual/1");
    assert_eq!(add_manual(&mut plan, content.clone(), "again", "u1", day()).unwrap(), "manual/2");
    let too_late = MeasureContent { due_working_days: 400, ..content };
    assert_eq!(add_manual(&mut plan, too_late, "x", "u1", day()).unwrap_err().code(), "MEASURE_DUE_RANGE");
    let id = "R47-nopin/assign_pin";
    let ch = MeasureChange { due_working_days: Some(3), ..Default::default() };
    assert_eq!(change_manual(&mut plan, id, ch.clone(), "", "u2", day()).unwrap_err().code(), "REASON_REQUIRED");
    let none = MeasureChange::default();
    assert_eq!(change_manual(&mut plan, id, none, "r", "u2", day()).unwrap_err().code(), "MEASURE_NO_CHANGE");
    assert_eq!(
        change_manual(&mut plan, "R00/x", ch.clone(), "r", "u2", day()).unwrap_err().code(),
        "MEASURE_NOT_FOUND"
    );
    change_manual(&mut plan, id, ch.clone(), "urgent: school enrolment", "u2", day()).unwrap();
    let m = plan.iter().find(|m| m.id == id).unwrap();
    assert_eq!(m.due_working_days, 3);
    assert_eq!(
        m.manual.as_ref().map(|e| (e.kind, e.reason.as_str())),
        Some((EditKind::Changed, "urgent: school enrolment"))
    );
    assert!(m.proposed.is_some());
    assert_eq!(drop_manual(&mut plan, "manual/1", "\t", "u3", day()).unwrap_err().code(), "REASON_REQUIRED");
    drop_manual(&mut plan, "manual/1", "duplicate", "u3", day()).unwrap();
    assert_eq!(drop_manual(&mut plan, "manual/1", "again", "u3", day()).unwrap_err().code(), "MEASURE_DROPPED");
    assert_eq!(change_manual(&mut plan, "manual/1", ch, "r", "u3", day()).unwrap_err().code(), "MEASURE_DROPPED");
    let dropped = plan.iter().find(|m| m.id == "manual/1").unwrap();
    assert!(dropped.dropped && dropped.manual.as_ref().unwrap().kind == EditKind::Dropped);
}

#[test]
fn regeneration_proposes_a_diff_and_applies_only_what_is_accepted() {
    let c = config();
    let before = circs(&[("orphan", Severity::High), ("no_documents", Severity::Medium)]);
    let s1 = Situation { legal_status: "orphan", ..child(&before, 10) };
    let first = generate(&c, &s1);
    let d0 = diff(&[], &first);
    assert_eq!(d0.add, first);
    let mut plan = apply(&[], &d0, &d0.ids());
    assert_eq!(plan.len(), first.len());
    assert!(diff(&plan, &first).is_empty());
    // A person drops one generated measure and changes another.
    drop_manual(&mut plan, "R01-orphan-placement/relatives_search", "no relatives alive", "u", day()).unwrap();
    let ch = MeasureChange { agency: Some("local_government".into()), ..Default::default() };
    change_manual(&mut plan, "R44-nodocs-birth/court_facts", ch, "ayil okmotu helps", "u", day()).unwrap();
    // Now the child is under guardianship and the documents are found.
    let after = circs(&[("orphan", Severity::High)]);
    let s2 = Situation { legal_status: "guardianship", ..child(&after, 10) };
    let second = generate(&c, &s2);
    let d = diff(&plan, &second);
    assert!(d.add.iter().all(|p| p.rule == "R03-orphan-guardian-support") && d.add.len() == 2);
    assert!(d.drop.contains(&"R01-orphan-placement/temporary_care".to_string()));
    assert!(d.drop.contains(&"R44-nodocs-birth/birth_certificate".to_string()));
    // Hand-edited measures are never proposed for dropping.
    assert!(!d.drop.iter().any(|id| id.ends_with("relatives_search") || id.ends_with("court_facts")));
    assert!(d.change.is_empty());
    // Accept one addition and one drop only.
    let accepted = vec![d.add[0].id.clone(), "R44-nodocs-birth/birth_certificate".to_string()];
    let next = apply(&plan, &d, &accepted);
    assert!(next.iter().any(|m| m.id == d.add[0].id));
    assert!(!next.iter().any(|m| m.id == d.add[1].id));
    assert!(!next.iter().any(|m| m.id == "R44-nodocs-birth/birth_certificate"));
    assert!(next.iter().any(|m| m.id == "R01-orphan-placement/temporary_care"));
    assert_eq!(next.len(), plan.len());
    // A new rule-set version proposes changes to untouched generated measures only.
    let mut c2 = c.clone();
    c2.version = "2026.2".into();
    c2.rules[1].measures[0].due_working_days = 12;
    let third = generate(&c2, &s2);
    let d3 = diff(&next, &third);
    assert!(!d3.change.is_empty());
    assert!(d3.change.iter().all(|(id, p)| id == &p.id && p.rule_version == "2026.2"));
    let all = apply(&next, &d3, &d3.ids());
    let pension = all.iter().find(|m| m.id == "R02-orphan-pension-property/survivor_pension").unwrap();
    assert_eq!((pension.due_working_days, pension.proposed.as_ref().unwrap().rule_version.as_str()), (12, "2026.2"));
    for m in next.iter().filter(|m| m.manual.is_some()) {
        assert_eq!(all.iter().find(|x| x.id == m.id), Some(m));
    }
    assert!(diff(&all, &third).is_empty());
}

#[derive(Clone, Debug)]
enum Op {
    Add(u32),
    Change(usize, u32),
    Drop(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..40).prop_map(Op::Add),
        (any::<usize>(), 0u32..40).prop_map(|(i, d)| Op::Change(i, d)),
        any::<usize>().prop_map(Op::Drop),
    ]
}

fn situation_parts() -> impl Strategy<Value = (Vec<(usize, u8)>, u32, bool, bool, usize)> {
    (prop::collection::vec((0usize..30, 0u8..4), 0..8), 0u32..20, any::<bool>(), any::<bool>(), 0usize..8)
}

fn sev(n: u8) -> Severity {
    [Severity::Low, Severity::Medium, Severity::High, Severity::Critical][usize::from(n % 4)]
}

fn realize(c: &PlanConfig, picks: &[(usize, u8)]) -> Vec<(String, Severity)> {
    picks.iter().map(|(i, s)| (c.circumstances[i % c.circumstances.len()].code.clone(), sev(*s))).collect()
}

const STATUSES: [&str; 8] = [
    "with_parents",
    "orphan",
    "without_parental_care",
    "guardianship",
    "foster_family",
    "residential_institution",
    "adopted",
    "not_established",
];

proptest! {
    #[test]
    fn generation_is_deterministic_and_order_free(
        (picks, shuffled) in prop::collection::vec((0usize..30, 0u8..4), 0..10)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        age in 0u32..20, disability: bool, female: bool, status in 0usize..8,
    ) {
        let c = config();
        let list = realize(&c, &picks);
        let perm = realize(&c, &shuffled);
        let sex = if female { "female" } else { "male" };
        let s = Situation { circumstances: &list, age_years: age, disability, sex, legal_status: STATUSES[status] };
        let a = generate(&c, &s);
        prop_assert_eq!(&a, &generate(&c, &s));
        prop_assert_eq!(&a, &generate(&c, &Situation { circumstances: &perm, ..s }));
        let unique: BTreeSet<&str> = a.iter().map(|p| p.id.as_str()).collect();
        prop_assert_eq!(unique.len(), a.len());
    }

    #[test]
    fn regeneration_never_touches_hand_edits(
        first in situation_parts(), second in situation_parts(), ops in prop::collection::vec(op(), 0..12),
    ) {
        let c = config();
        let build = |(picks, age, disability, female, status): &(Vec<(usize, u8)>, u32, bool, bool, usize)| {
            let list = realize(&c, picks);
            let sex = if *female { "female" } else { "male" };
            generate(&c, &Situation { circumstances: &list, age_years: *age, disability: *disability, sex, legal_status: STATUSES[*status] })
        };
        let p1 = build(&first);
        let d1 = diff(&[], &p1);
        let mut plan = apply(&[], &d1, &d1.ids());
        for o in ops {
            let n = plan.len();
            match o {
                Op::Add(due) => {
                    let title = Label { ru: "р".into(), ky: "к".into(), en: "e".into() };
                    let content = MeasureContent { title, agency: "health".into(), plan: PlanKind::Family, due_working_days: due };
                    add_manual(&mut plan, content, "needed", "u", day()).unwrap();
                }
                Op::Change(i, due) if n > 0 => {
                    let id = plan[i % n].id.clone();
                    let ch = MeasureChange { due_working_days: Some(due), ..Default::default() };
                    let _ = change_manual(&mut plan, &id, ch, "adjusted", "u", day());
                }
                Op::Drop(i) if n > 0 => {
                    let id = plan[i % n].id.clone();
                    let _ = drop_manual(&mut plan, &id, "not needed", "u", day());
                }
                _ => {}
            }
        }
        let p2 = build(&second);
        let d2 = diff(&plan, &p2);
        let next = apply(&plan, &d2, &d2.ids());
        for m in plan.iter().filter(|m| m.manual.is_some()) {
            let same: Vec<&PlanMeasure> = next.iter().filter(|x| x.id == m.id).collect();
            prop_assert_eq!(same, vec![m]);
        }
        let unique: BTreeSet<&str> = next.iter().map(|m| m.id.as_str()).collect();
        prop_assert_eq!(unique.len(), next.len());
        for p in &p2 {
            prop_assert!(next.iter().any(|m| m.id == p.id));
        }
        for m in next.iter().filter(|m| m.is_untouched()) {
            prop_assert!(p2.iter().any(|p| Some(p) == m.proposed.as_ref()));
        }
        prop_assert!(diff(&next, &p2).is_empty());
    }
}
