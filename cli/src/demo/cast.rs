//! The demo's people: users of every role of the Kyrgyz profile, with fictional
//! agencies, and the few records the tour relies on.

use crate::error::CliResult;
use chrono::{Duration, Months, NaiveDate};
use kamkor_core::pin::KgPin;
use kamkor_core::registry::ExternalPrincipal;
use kamkor_core::synth::Synth;
use kamkor_core::{NewUser, Registry, Session, Sex, Territories, TerritoryCode};

/// The identification system named in the audit log when demo users sign in through it.
const ISSUER: &str = "Tunduk (demo)";

/// The password of every demo account (synthetic data only; printed by the demo).
pub const DEMO_PASSWORD: &str = "kamkor-demo-2026";

/// Chui oblast.
pub const CHUI: &str = "41708000000000";
/// Alamudun raion (Chui oblast).
pub const ALAMUDUN: &str = "41708203000000";
/// Sokuluk raion (Chui oblast).
pub const SOKULUK: &str = "41708222000000";
/// Bishkek city.
pub const BISHKEK: &str = "41711000000000";
/// Leninsky district of Bishkek.
pub const LENINSKY: &str = "41711201000000";

/// One demo account.
#[derive(Debug, Clone)]
pub struct DemoUser {
    /// Login.
    pub login: String,
    /// Role id.
    pub role: &'static str,
    /// Territory.
    pub territory: TerritoryCode,
    /// Agency name.
    pub agency: String,
    /// Agency INN.
    pub inn: String,
    /// Surname and given name.
    pub name: (&'static str, &'static str),
    /// Position.
    pub position: &'static str,
}

/// Every demo account.
#[derive(Debug, Clone)]
pub struct Cast {
    /// Administrator.
    pub admin: DemoUser,
    /// Central body, read-only.
    pub central: DemoUser,
    /// Territorial division of Chui oblast, read-only.
    pub chui_reader: DemoUser,
    /// Specialist in Alamudun raion.
    pub alamudun: DemoUser,
    /// Specialist in Sokuluk raion (another agency).
    pub sokuluk: DemoUser,
    /// Specialist in Leninsky district of Bishkek (another agency).
    pub leninsky: DemoUser,
    /// Statistics body.
    pub statistician: DemoUser,
    /// An account whose term ended yesterday.
    pub expired: DemoUser,
    /// A revoked account.
    pub revoked: DemoUser,
    /// One registering specialist per oblast and city of republican significance.
    pub registrars: Vec<DemoUser>,
    today: NaiveDate,
}

fn user(
    login: &str,
    role: &'static str,
    territory: TerritoryCode,
    agency: &str,
    inn: &str,
    name: (&'static str, &'static str),
    position: &'static str,
) -> DemoUser {
    DemoUser { login: login.into(), role, territory, agency: agency.into(), inn: inn.into(), name, position }
}

impl Cast {
    /// The accounts for a hierarchy (registrars for each child of the root).
    pub fn plan(territories: &Territories, today: NaiveDate) -> Cast {
        // The codes are constants of the shipped hierarchy; the root stands in should a profile lack one.
        let code = |s: &str| {
            TerritoryCode::parse(s)
                .ok()
                .filter(|c| territories.contains(c))
                .unwrap_or_else(|| territories.root().clone())
        };
        let root = territories.root().clone();
        let ministry = "Министерство труда, социального обеспечения и миграции (демо)";
        let registrars = territories
            .children(territories.root())
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let c = t.code.as_str();
                let short = c.get(..5).unwrap_or(c);
                let region = c.get(3..5).unwrap_or("00");
                DemoUser {
                    login: format!("reg.{short}"),
                    role: "specialist",
                    territory: t.code.clone(),
                    agency: format!("Служба по защите детей: {} (демо)", t.name_ru),
                    inn: format!("03{region}00000000{:02}", i % 100),
                    name: ("Бекова", "Нургүл"),
                    position: "Главный специалист",
                }
            })
            .collect();
        Cast {
            admin: user(
                "admin",
                "administrator",
                root.clone(),
                ministry,
                "01001199910001",
                ("Осмонов", "Талант"),
                "Администратор системы",
            ),
            central: user(
                "central",
                "central_reader",
                root.clone(),
                ministry,
                "01001199910001",
                ("Жумабаева", "Айпери"),
                "Главный специалист",
            ),
            chui_reader: user(
                "chui.reader",
                "territorial_reader",
                code(CHUI),
                "Управление социального развития Чуйской области (демо)",
                "02008199910002",
                ("Садыков", "Марат"),
                "Начальник отдела",
            ),
            alamudun: user(
                "alamudun.spec",
                "specialist",
                code(ALAMUDUN),
                "Отдел поддержки семьи и детей Аламудунского района (демо)",
                "02008199920003",
                ("Токтогулова", "Жылдыз"),
                "Ответственный специалист",
            ),
            sokuluk: user(
                "sokuluk.spec",
                "specialist",
                code(SOKULUK),
                "Управление образования Сокулукского района (демо)",
                "02008199930004",
                ("Исаков", "Эрмек"),
                "Социальный педагог",
            ),
            leninsky: user(
                "lenin.spec",
                "specialist",
                code(LENINSKY),
                "Отдел поддержки семьи и детей Ленинского района г. Бишкек (демо)",
                "02011199940005",
                ("Алиева", "Мээрим"),
                "Ответственный специалист",
            ),
            statistician: user(
                "stat",
                "statistician",
                root.clone(),
                "Национальный статистический комитет (демо)",
                "01001199950006",
                ("Мамытов", "Руслан"),
                "Статистик",
            ),
            expired: user(
                "expired.spec",
                "specialist",
                code(ALAMUDUN),
                "Отдел поддержки семьи и детей Аламудунского района (демо)",
                "02008199920003",
                ("Орозбаев", "Улан"),
                "Специалист (временный)",
            ),
            revoked: user(
                "revoked.spec",
                "specialist",
                code(SOKULUK),
                "Управление образования Сокулукского района (демо)",
                "02008199930004",
                ("Каримова", "Асель"),
                "Специалист (уволена)",
            ),
            registrars,
            today,
        }
    }

    /// The registration data of an account.
    pub fn new_user(&self, u: &DemoUser) -> NewUser {
        let expired = u.login == self.expired.login;
        let (valid_from, valid_until) = if expired {
            (self.today - Duration::days(90), self.today - Duration::days(1))
        } else {
            (self.today, self.today.checked_add_months(Months::new(12)).unwrap_or(self.today))
        };
        let pin = self.pin(u);
        NewUser {
            login: u.login.clone(),
            surname: u.name.0.into(),
            given_name: u.name.1.into(),
            patronymic: None,
            external_login: pin.is_some(),
            pin,
            position: u.position.into(),
            agency: u.agency.clone(),
            agency_inn: u.inn.clone(),
            address: "г. Бишкек (демо)".into(),
            territory: u.territory.clone(),
            role: u.role.into(),
            valid_from,
            valid_until,
            password: Some(DEMO_PASSWORD.into()),
        }
    }

    /// A synthetic PIN for the specialists and the territorial reader, who may also sign in
    /// through the national identification system (the walk of cases does: a password
    /// sign-in costs an Argon2 hash, and the walk signs in every working day).
    pub fn pin(&self, u: &DemoUser) -> Option<String> {
        if !matches!(u.role, "specialist" | "territorial_reader") {
            return None;
        }
        let serial = self.others().iter().position(|o| o.login == u.login)? as u32 + 1;
        let sex = if u.name.0.ends_with('а') { Sex::Female } else { Sex::Male };
        let born = NaiveDate::from_ymd_opt(1980, 1, 1)? + Duration::days(i64::from(serial) * 97);
        Some(KgPin::synthesize(sex, born, serial).as_str().to_string())
    }

    /// Signs an account in through the identification system (cheap), else with the password.
    pub fn sign_in(&self, reg: &Registry, u: &DemoUser) -> CliResult<Session> {
        match self.pin(u) {
            Some(pin) => Ok(reg.login_external(&ExternalPrincipal { pin, issuer: ISSUER.into() })?),
            None => self.login(reg, u),
        }
    }

    /// Everyone but the administrator (who is created with the registry).
    pub fn others(&self) -> Vec<&DemoUser> {
        let mut v = vec![
            &self.central,
            &self.chui_reader,
            &self.alamudun,
            &self.sokuluk,
            &self.leninsky,
            &self.statistician,
            &self.expired,
            &self.revoked,
        ];
        v.extend(self.registrars.iter());
        v
    }

    /// The registrar of a top-level territory.
    pub fn registrar(&self, top: &TerritoryCode) -> Option<&DemoUser> {
        self.registrars.iter().find(|r| &r.territory == top)
    }

    /// Registers every account (the administrator exists already) and revokes one.
    pub fn register(&self, reg: &Registry) -> CliResult {
        let admin = reg.login(&self.admin.login, DEMO_PASSWORD)?;
        let mut revoked_id = None;
        for u in self.others() {
            let info = reg.add_user(&admin, self.new_user(u))?;
            if u.login == self.revoked.login {
                revoked_id = Some(info.id);
            }
        }
        if let Some(id) = revoked_id {
            reg.revoke_user(&admin, &id, "Уволена (демо)")?;
        }
        reg.logout(&admin)?;
        Ok(())
    }

    /// Signs an account in.
    pub fn login(&self, reg: &Registry, u: &DemoUser) -> CliResult<Session> {
        Ok(reg.login(&u.login, DEMO_PASSWORD)?)
    }

    /// The records the tour relies on: each district specialist's own child (one updated,
    /// so it has a history), a Chui registrar's child with a PIN in Alamudun, and
    /// "Асанова Айгүл" in Leninsky district.
    pub fn extras(&self, reg: &Registry, synth: &mut Synth) -> CliResult<usize> {
        let mut n = 0;
        for spec in [&self.alamudun, &self.sokuluk] {
            let s = self.login(reg, spec)?;
            let child = synth.child_in(&spec.territory);
            let done = reg.register_child(&s, child)?;
            n += 1;
            if spec.login == self.alamudun.login {
                let change = kamkor_core::FieldChange { field: "legal_status".into(), value: "guardianship".into() };
                let prov = kamkor_core::Provenance {
                    source: "court".into(),
                    received_on: self.today,
                    reference: Some("Решение суда № 2-118 (демо)".into()),
                };
                reg.update_child(&s, &done.id, vec![change], prov, Some("Назначен опекун".into()), None)?;
            }
            reg.logout(&s)?;
        }
        if let Some(registrar) = self.registrar(&self.chui_reader.territory) {
            let s = self.login(reg, registrar)?;
            let child = (0..100).map(|_| synth.child_in(&self.alamudun.territory)).find(|c| c.record.pin.is_some());
            if let Some(c) = child {
                reg.register_child(&s, c)?;
                n += 1;
            }
            reg.logout(&s)?;
        }
        let s = self.login(reg, &self.leninsky)?;
        if let Some(mut c) =
            (0..100).map(|_| synth.child_in(&self.leninsky.territory)).find(|c| c.record.sex == Sex::Female)
        {
            c.record.surname = "Асанова".into();
            c.record.given_name = "Айгүл".into();
            c.record.patronymic = Some("Бакыт кызы".into());
            reg.register_child(&s, c)?;
            n += 1;
        }
        reg.logout(&s)?;
        Ok(n)
    }
}
