//! Statutory reports from the depersonalized counters (REP-1 .. REP-3): limited to the
//! reader's scope; statistics-only readers get depersonalized, suppressed tables.

use super::{Registry, Session};
use crate::access::DenyReason;
use crate::case::MeasureStatus;
use crate::profile::{Action, Label, OrgScope, TerritoryScope};
use crate::report::{Cell, Column, Report, Row, Table};
use crate::stats::Counters;
use crate::suppress::{suppress, Partition};
use crate::territory::TerritoryCode;
use crate::Error;
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// Which report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportKind {
    /// The consolidated statutory report (001 §23): every table, for the scope.
    Consolidated,
    /// A quarter's report per district and city, with its statutory due date.
    Quarterly {
        /// Year.
        year: i32,
        /// Quarter 1-4.
        quarter: u32,
    },
    /// A quarter's monitoring results (Yamal 003 §5.1), due on the profile's day of the
    /// following month.
    Monitoring {
        /// Year.
        year: i32,
        /// Quarter 1-4.
        quarter: u32,
    },
}

/// First and last day of a quarter.
fn quarter_bounds(year: i32, quarter: u32) -> Result<(NaiveDate, NaiveDate), Error> {
    if !(1..=4).contains(&quarter) {
        return Err(Error::validation("BAD_VALUE", "quarter").arg("detail", quarter));
    }
    let start =
        NaiveDate::from_ymd_opt(year, 3 * quarter - 2, 1).ok_or_else(|| Error::validation("BAD_VALUE", "year"))?;
    let next = if quarter == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, 3 * quarter + 1, 1)
    };
    Ok((start, next.ok_or_else(|| Error::validation("BAD_VALUE", "year"))? - Duration::days(1)))
}

/// A report request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    /// Which report.
    pub report: ReportKind,
    /// The territory reported on (default: the reader's territory, or the republic).
    #[serde(default)]
    pub territory: Option<TerritoryCode>,
    /// Suppress small cells (forced for readers of statistics only).
    #[serde(default)]
    pub depersonalized: bool,
}

fn l(ru: &str, ky: &str, en: &str) -> Label {
    Label { ru: ru.into(), ky: ky.into(), en: en.into() }
}

fn col(id: &str, label: Label) -> Column {
    Column { id: id.into(), label }
}

fn sex_cols() -> Vec<Column> {
    vec![
        col("total", l("Всего", "Баары", "Total")),
        col("female", l("Девочки", "Кыздар", "Girls")),
        col("male", l("Мальчики", "Уулдар", "Boys")),
    ]
}

struct Sums<'a> {
    rows: Vec<(TerritoryCode, Counters)>,
    all: &'a Counters,
}

fn get(c: &Counters, k: &str) -> u64 {
    c.get(k).copied().unwrap_or(0).max(0) as u64
}

fn by_sex(c: &Counters, name: &str) -> Vec<Cell> {
    vec![
        Cell::Count(get(c, name)),
        Cell::Count(get(c, &format!("{name}|female"))),
        Cell::Count(get(c, &format!("{name}|male"))),
    ]
}

impl Registry {
    /// Sums the counters of every territory under a node.
    fn counters_under(&self, node: &TerritoryCode) -> Result<Counters, Error> {
        let mut sum = Counters::new();
        for code in self.territories.subtree(node) {
            for (k, v) in self.counters(&code)? {
                *sum.entry(k).or_default() += v;
            }
        }
        Ok(sum)
    }

    /// Produces a report within the reader's scope.
    pub fn report(&self, session: &Session, req: &ReportRequest) -> Result<Report, Error> {
        let actor = self.actor(session)?;
        let role = self.profile.role(&actor.user.data.role);
        let personal = role.and_then(|r| r.grant(Action::Read)).filter(|g| g.organization == OrgScope::Any);
        let stats = role.and_then(|r| r.grant(Action::ReadStatistics)).filter(|g| g.organization == OrgScope::Any);
        let Some(grant) = personal.or(stats).cloned() else {
            return Err(self.deny(Some(&actor.user.id), "report", None, DenyReason::NoPermission));
        };
        let depersonalized = req.depersonalized || personal.is_none();
        let node = match (&req.territory, grant.territory) {
            (Some(t), _) => t.clone(),
            (None, TerritoryScope::All) => self.territories.root().clone(),
            (None, TerritoryScope::Subtree) => actor.user.data.territory.clone(),
        };
        if !self.territories.contains(&node) {
            return Err(Error::validation("UNKNOWN_TERRITORY", "territory").arg("code", &node));
        }
        if grant.territory == TerritoryScope::Subtree && !self.territories.is_within(&node, &actor.user.data.territory)
        {
            return Err(self.deny(Some(&actor.user.id), "report", Some(node.to_string()), DenyReason::NotInTerritory));
        }
        let report = self.build_report(req.report, &node, depersonalized)?;
        let detail = format!("{} {} depersonalized={depersonalized}", report.id, node);
        self.audit(super::AuditDraft::allowed(&actor.user.id, "report", Some(node.to_string())).with_detail(detail))?;
        Ok(report)
    }

    /// Builds a report without access checks (the caller has checked).
    pub(crate) fn build_report(
        &self,
        kind: ReportKind,
        node: &TerritoryCode,
        depersonalized: bool,
    ) -> Result<Report, Error> {
        let children: Vec<TerritoryCode> = {
            let c: Vec<TerritoryCode> = self.territories.children(node).into_iter().map(|t| t.code.clone()).collect();
            if c.is_empty() {
                vec![node.clone()]
            } else {
                c
            }
        };
        let mut rows = Vec::new();
        for c in &children {
            rows.push((c.clone(), self.counters_under(c)?));
        }
        let all = self.counters_under(node)?;
        let sums = Sums { rows, all: &all };
        let today = self.clock.today();
        let (id, title, period, due, tables) = match kind {
            ReportKind::Consolidated => (
                "consolidated".to_string(),
                l(
                    "Сводный отчёт о детях в трудной жизненной ситуации",
                    "Оор турмуш абалындагы балдар боюнча жалпы отчет",
                    "Consolidated report on children in difficult life situations",
                ),
                None,
                None,
                self.consolidated_tables(&sums, today),
            ),
            ReportKind::Quarterly { year, quarter } => {
                let (start, end) = quarter_bounds(year, quarter)?;
                let due = end + Duration::days(i64::from(self.profile.reporting.quarterly_due_days));
                let months: Vec<String> = (0..3).map(|m| format!("{year:04}-{:02}", 3 * quarter - 2 + m)).collect();
                let mut tables = vec![self.quarter_table(&sums, &months)];
                tables.extend(self.consolidated_tables(&sums, end.min(today)));
                (
                    "quarterly".to_string(),
                    l(
                        &format!("Квартальный отчёт: {year}, {quarter} квартал"),
                        &format!("Кварталдык отчет: {year}, {quarter}-чейрек"),
                        &format!("Quarterly report: {year} Q{quarter}"),
                    ),
                    Some((start, end)),
                    Some(due),
                    tables,
                )
            }
            ReportKind::Monitoring { year, quarter } => {
                let (start, end) = quarter_bounds(year, quarter)?;
                let next_month = end + Duration::days(1);
                let due = NaiveDate::from_ymd_opt(
                    next_month.year(),
                    next_month.month(),
                    self.profile.reporting.monitoring_due_day,
                )
                .ok_or_else(|| Error::validation("BAD_VALUE", "monitoring_due_day"))?;
                let tables = self
                    .consolidated_tables(&sums, end.min(today))
                    .into_iter()
                    .filter(|t| t.id == "cases" || t.id == "measures")
                    .collect();
                (
                    "monitoring".to_string(),
                    l(
                        &format!("Результаты мониторинга: {year}, {quarter} квартал"),
                        &format!("Мониторингдин жыйынтыктары: {year}, {quarter}-чейрек"),
                        &format!("Monitoring results: {year} Q{quarter}"),
                    ),
                    Some((start, end)),
                    Some(due),
                    tables,
                )
            }
        };
        let threshold = self.profile.reporting.suppression_threshold;
        let mut report = Report {
            id,
            title,
            scope: node.clone(),
            scope_name: self.territory_label(node),
            period,
            due_date: due,
            generated_at: self.now(),
            depersonalized,
            threshold,
            tables,
        };
        if depersonalized {
            for t in &mut report.tables {
                let parts = if t.columns.len() >= 3 && t.columns[1].id == "female" {
                    vec![Partition { parts: vec![1, 2], total: 0 }]
                } else {
                    Vec::new()
                };
                suppress(t, threshold, &parts);
            }
        }
        Ok(report)
    }

    fn territory_label(&self, code: &TerritoryCode) -> Label {
        self.territories.get(code).map_or_else(
            || l(code.as_str(), code.as_str(), code.as_str()),
            |t| Label { ru: t.name_ru.clone(), ky: t.name_ky.clone(), en: t.name_en.clone() },
        )
    }

    fn table(
        &self,
        id: &str,
        title: Label,
        row_header: Label,
        columns: Vec<Column>,
        rows: Vec<Row>,
        totals: Option<Row>,
    ) -> Table {
        Table { id: id.into(), title, row_header, columns, rows, totals }
    }

    /// One row per territory of the report plus the totals row, with the same cells.
    fn territory_rows(&self, s: &Sums<'_>, cells: impl Fn(&Counters) -> Vec<Cell>) -> (Vec<Row>, Option<Row>) {
        let rows = s
            .rows
            .iter()
            .map(|(t, c)| Row {
                id: t.to_string(),
                label: self.territory_label(t),
                territory: Some(t.clone()),
                cells: cells(c),
            })
            .collect();
        let totals =
            Row {
                id: "total".into(), label: l("Итого", "Жыйынтык", "Total"), territory: None, cells: cells(s.all)
            };
        (rows, Some(totals))
    }

    fn quarter_table(&self, s: &Sums<'_>, months: &[String]) -> Table {
        let cells = |c: &Counters| -> Vec<Cell> {
            let sum = |suffix: &str| months.iter().map(|m| get(c, &format!("identified:{m}{suffix}"))).sum::<u64>();
            vec![Cell::Count(sum("")), Cell::Count(sum("|female")), Cell::Count(sum("|male"))]
        };
        let (rows, totals) = self.territory_rows(s, cells);
        self.table(
            "identified_in_quarter",
            l("Выявлено за квартал", "Чейрек ичинде аныкталды", "Identified in the quarter"),
            l("Территория", "Аймак", "Territory"),
            sex_cols(),
            rows,
            totals,
        )
    }

    fn consolidated_tables(&self, s: &Sums<'_>, on: NaiveDate) -> Vec<Table> {
        let mut out = Vec::new();
        let territory_header = l("Территория", "Аймак", "Territory");
        let total_label = l("Итого", "Жыйынтык", "Total");
        // 1. Identified children and families, by sex, with disabilities and migrant parents; by territory.
        let cols = {
            let mut c = sex_cols();
            c.push(col("disability", l("С инвалидностью", "Мүмкүнчүлүгү чектелген", "With disabilities")));
            c.push(col("migrant", l("Родители — мигранты", "Ата-энеси мигрант", "Migrant parents")));
            c.push(col("no_pin", l("Без ПИН", "ЖИНсиз", "Without PIN")));
            c.push(col("families", l("Семьи", "Үй-бүлөлөр", "Families")));
            c
        };
        let cells = |c: &Counters| {
            let mut v = by_sex(c, "children");
            v.extend([
                Cell::Count(get(c, "disability")),
                Cell::Count(get(c, "migrant")),
                Cell::Count(get(c, "no_pin")),
                Cell::Count(get(c, "families")),
            ]);
            v
        };
        let (rows, totals) = self.territory_rows(s, cells);
        out.push(self.table(
            "identified",
            l(
                "Выявленные дети и семьи в ТЖС",
                "ТЖАдагы аныкталган балдар жана үй-бүлөлөр",
                "Identified children and families in difficult situations",
            ),
            territory_header.clone(),
            cols,
            rows,
            totals,
        ));
        // 2-4. Status and reasons (legal status, circumstances found, inclusion grounds), by sex.
        let vocab_rows = |prefix: &str, terms: Vec<(String, Label)>| -> Vec<Row> {
            terms
                .into_iter()
                .map(|(code, label)| Row {
                    cells: by_sex(s.all, &format!("{prefix}:{code}")),
                    id: code,
                    label,
                    territory: None,
                })
                .collect()
        };
        let term_labels = |name: &str| -> Vec<(String, Label)> {
            self.profile
                .vocabularies
                .get(name)
                .map(|v| v.iter().map(|t| (t.code.clone(), l(&t.ru, &t.ky, &t.en))).collect())
                .unwrap_or_default()
        };
        out.push(self.table(
            "legal_status",
            l("Правовой статус", "Укуктук абалы", "Legal status"),
            l("Статус", "Абалы", "Status"),
            sex_cols(),
            vocab_rows("legal", term_labels("legal_status")),
            None,
        ));
        if let Some(plan) = &self.profile.plan {
            let circ = plan.circumstances.iter().map(|c| (c.code.clone(), l(&c.ru, &c.ky, &c.en))).collect();
            out.push(self.table(
                "reasons",
                l(
                    "Причины попадания в ТЖС (по оценке)",
                    "ТЖАга туш болуу себептери (баалоо боюнча)",
                    "Reasons for the difficult situation (assessed)",
                ),
                l("Обстоятельство", "Жагдай", "Circumstance"),
                sex_cols(),
                vocab_rows("circ", circ),
                None,
            ));
        }
        out.push(self.table(
            "grounds",
            l("Основания постановки на учёт", "Каттоого алуу негиздери", "Grounds for inclusion"),
            l("Основание", "Негиз", "Ground"),
            sex_cols(),
            vocab_rows("ground", term_labels("inclusion_ground")),
            None,
        ));
        // 5. Results of identification: how cases opened, where they are, risk levels, exits, monitoring.
        if let Some(w) = &self.profile.workflow {
            let mut rows: Vec<Row> = w
                .openings
                .iter()
                .map(|o| Row {
                    id: format!("opening:{}", o.id),
                    label: o.label.clone(),
                    territory: None,
                    cells: by_sex(s.all, &format!("opening:{}", o.id)),
                })
                .collect();
            rows.extend(w.states.iter().map(|st| Row {
                id: format!("state:{}", st.id),
                label: st.label.clone(),
                territory: None,
                cells: by_sex(s.all, &format!("state:{}", st.id)),
            }));
            rows.push(Row {
                id: "monitored".into(),
                label: l("С мониторингом", "Мониторинг менен", "With monitoring"),
                territory: None,
                cells: by_sex(s.all, "monitored"),
            });
            for (code, label) in term_labels("exit_ground") {
                rows.push(Row {
                    cells: by_sex(s.all, &format!("exit:{code}")),
                    id: format!("exit:{code}"),
                    label: Label {
                        ru: format!("Выведен: {}", label.ru),
                        ky: format!("Чыгарылды: {}", label.ky),
                        en: format!("Exited: {}", label.en),
                    },
                    territory: None,
                });
            }
            for (code, ru, ky, en) in [
                ("low", "Низкий риск", "Төмөн тобокелдик", "Low risk"),
                ("medium", "Средний риск", "Орточо тобокелдик", "Medium risk"),
                ("high", "Высокий риск", "Жогорку тобокелдик", "High risk"),
                ("critical", "Критический риск", "Өтө жогорку тобокелдик", "Critical risk"),
            ] {
                rows.push(Row {
                    id: format!("risk:{code}"),
                    label: l(ru, ky, en),
                    territory: None,
                    cells: by_sex(s.all, &format!("risk:{code}")),
                });
            }
            out.push(self.table(
                "cases",
                l(
                    "Результаты выявления и мониторинг",
                    "Аныктоонун жыйынтыктары жана мониторинг",
                    "Results of identification and monitoring",
                ),
                l("Показатель", "Көрсөткүч", "Indicator"),
                sex_cols(),
                rows,
                None,
            ));
        }
        // 6. Results of measures by agency: planned, in progress, done, cancelled, overdue on the report date.
        if let Some(plan) = &self.profile.plan {
            let statuses =
                [MeasureStatus::Planned, MeasureStatus::InProgress, MeasureStatus::Done, MeasureStatus::Cancelled];
            let status_id = |st: MeasureStatus| {
                serde_json::to_value(st).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            };
            let mut cols: Vec<Column> = vec![
                col("planned", l("Запланировано", "Пландалды", "Planned")),
                col("in_progress", l("Выполняется", "Аткарылууда", "In progress")),
                col("done", l("Выполнено", "Аткарылды", "Done")),
                col("cancelled", l("Отменено", "Жокко чыгарылды", "Cancelled")),
            ];
            cols.push(col("overdue", l("Просрочено", "Мөөнөтү өттү", "Overdue")));
            let overdue = |agency: &str| -> u64 {
                let prefix = format!("open_due:{agency}:");
                s.all
                    .range(prefix.clone()..)
                    .take_while(|(k, _)| k.starts_with(&prefix))
                    .filter(|(k, _)| NaiveDate::parse_from_str(&k[prefix.len()..], "%Y-%m-%d").is_ok_and(|d| d < on))
                    .map(|(_, v)| (*v).max(0) as u64)
                    .sum()
            };
            let rows = plan
                .agencies
                .iter()
                .map(|a| {
                    let mut cells: Vec<Cell> = statuses
                        .iter()
                        .map(|st| Cell::Count(get(s.all, &format!("measure:{}:{}", a.code, status_id(*st)))))
                        .collect();
                    cells.push(Cell::Count(overdue(&a.code)));
                    Row { id: a.code.clone(), label: l(&a.ru, &a.ky, &a.en), territory: None, cells }
                })
                .collect::<Vec<_>>();
            let totals = {
                let mut t = vec![0u64; 5];
                for r in &rows {
                    for (i, c) in r.cells.iter().enumerate() {
                        t[i] += c.value().unwrap_or(0);
                    }
                }
                Row {
                    id: "total".into(),
                    label: total_label.clone(),
                    territory: None,
                    cells: t.into_iter().map(Cell::Count).collect(),
                }
            };
            out.push(self.table(
                "measures",
                l(
                    "Исполнение мероприятий по органам",
                    "Иш-чаралардын органдар боюнча аткарылышы",
                    "Measures by agency",
                ),
                l("Орган", "Орган", "Agency"),
                cols,
                rows,
                Some(totals),
            ));
        }
        // 7. Families by circumstance.
        let fam_rows = term_labels("family_circumstance")
            .into_iter()
            .map(|(code, label)| Row {
                cells: vec![Cell::Count(get(s.all, &format!("family_circ:{code}")))],
                id: code,
                label,
                territory: None,
            })
            .collect();
        out.push(self.table(
            "families",
            l("Семьи по обстоятельствам", "Үй-бүлөлөр жагдайлары боюнча", "Families by circumstance"),
            l("Обстоятельство", "Жагдай", "Circumstance"),
            vec![col("total", l("Всего", "Баары", "Total"))],
            fam_rows,
            None,
        ));
        let _ = on.year();
        out
    }
}
