// The demo registry: a few users of different roles (one read-only) and some children, one
// of them with a case worked through to the plans 40 days ago (so that some measures are now
// overdue). Built through the package's API like any host would, with the clock moved back.

export const DEMO_PASSWORD = 'kamkor-demo-2026';
export const DEMO_PASSPHRASE = 'kamkor-demo';

const DAY = 86_400_000;
const BISHKEK = '41711000000000';
const OSH = '41721000000000';

/** The demo users: login, role, territory, agency and names. */
export const DEMO_USERS = [
  { login: 'aigul', role: 'specialist', territory: BISHKEK, agency_inn: '02301200010011', surname: 'Асанова', given_name: 'Айгүл', position: 'Ответственный специалист', agency: 'Управление соцзащиты Бишкека' },
  { login: 'bakyt', role: 'specialist', territory: OSH, agency_inn: '02301200010022', surname: 'Токтогулов', given_name: 'Бакыт', position: 'Ответственный специалист', agency: 'Управление соцзащиты Оша' },
  { login: 'nurlan', role: 'territorial_reader', territory: BISHKEK, agency_inn: '02301200010033', surname: 'Жумабеков', given_name: 'Нурлан', position: 'Начальник отдела', agency: 'Территориальное подразделение, Бишкек' },
  { login: 'chinara', role: 'central_reader', territory: '41700000000000', agency_inn: '02301200010044', surname: 'Осмонова', given_name: 'Чынара', position: 'Главный специалист', agency: 'Министерство труда и социального развития' },
  { login: 'admin', role: 'administrator', territory: '41700000000000', agency_inn: '02301200010000', surname: 'Исаков', given_name: 'Эрлан', position: 'Администратор', agency: 'Министерство труда и социального развития' },
];

const iso = (ms) => new Date(ms).toISOString().slice(0, 10);

function newUser(u, today) {
  return {
    login: u.login, surname: u.surname, given_name: u.given_name, position: u.position, agency: u.agency,
    agency_inn: u.agency_inn, address: 'Бишкек', territory: u.territory, role: u.role,
    valid_from: '2020-01-01', valid_until: `${Number(today.slice(0, 4)) + 5}-12-31`, password: DEMO_PASSWORD,
  };
}

/** Kyrgyz PIN: sex digit (1 female, 2 male), birth date DDMMYYYY, five-digit serial. */
export function kgPin(sex, birth, serial) {
  const [y, m, d] = birth.split('-');
  return `${sex === 'female' ? 1 : 2}${d}${m}${y}${String(serial).padStart(5, '0')}`;
}

function child(surname, given, sex, birth, serial, territory, on, extra = {}) {
  return {
    record: {
      surname, given_name: given, sex, birth_date: birth, pin: serial ? kgPin(sex, birth, serial) : null,
      identified_on: on, identified_in: territory, legal_status: 'with_parents', ...extra,
    },
    provenance: { source: 'helpline', received_on: on },
  };
}

/** Creates and fills the demo registry (`kamkor`: the package module, `key`: 32 bytes). */
export function seedDemo(kamkor, key, lang) {
  const now = Date.now();
  const today = iso(now);
  const admin = DEMO_USERS.find((u) => u.login === 'admin');
  const reg = kamkor.Registry.create(null, key, newUser(admin, today), { lang });
  const start = now - 40 * DAY;
  reg.setClock(new Date(start).toISOString());
  const on = iso(start);
  const adminSession = reg.login('admin', DEMO_PASSWORD);
  for (const u of DEMO_USERS) if (u.login !== 'admin') reg.addUser(adminSession, newUser(u, today));
  const aigul = reg.login('aigul', DEMO_PASSWORD);
  const bakyt = reg.login('bakyt', DEMO_PASSWORD);

  const a = reg.registerChild(aigul, child('Асанова', 'Айзада', 'female', '2015-03-14', 11, '41711201000000', on, {
    relatives: [{ relation: 'mother', presence: 'abroad_migrant' }, { relation: 'grandmother', presence: 'present' }],
  }));
  const b = reg.registerChild(aigul, child('Маматов', 'Эмир', 'male', '2012-09-02', 27, '41711203000000', on));
  reg.registerChild(aigul, child('Сыдыкова', 'Нурай', 'female', '2019-06-21', 35, '41711204000000', on));
  reg.registerChild(bakyt, child('Абдыкадыров', 'Тилек', 'male', '2014-11-30', 41, '41721000000000', on));

  // The first child: a signal worked through to approved plans.
  const doc = { kind: 'signal_record', number: 'С-118', date: on, issuer: 'Телефон доверия 111' };
  let c = reg.openCase(aigul, { child: a.id, opening: 'signal', ground: 'signal_danger', document: doc });
  reg.transition(aigul, c.id, { transition: 'record_primary_info' });
  reg.transition(aigul, c.id, { transition: 'start_assessment' });
  reg.saveAssessment(aigul, c.id, {
    findings: [
      { domain: 'safety', circumstance: 'neglect', note: 'Ребёнок подолгу один дома' },
      { domain: 'family', circumstance: 'parents_labour_migrants' },
    ],
    no_concerns: ['health', 'education', 'housing', 'income', 'legal'],
  });
  reg.submitAssessment(aigul, c.id);
  reg.transition(aigul, c.id, { transition: 'complete_assessment' });
  const proposal = reg.proposePlan(aigul, c.id);
  reg.acceptPlan(aigul, c.id, proposal.diff.add.map((p) => p.id));
  c = reg.transition(aigul, c.id, { transition: 'approve_plans' });
  const first = c.case.measures[0].measure.id;
  reg.updateMeasure(aigul, c.id, first, { status: 'done', result: 'Условия проверены' });

  // The second child: an identification, at the assessment stage.
  const doc2 = { kind: 'official_conclusion', number: '42', date: on, issuer: 'Школа-гимназия № 5' };
  const c2 = reg.openCase(aigul, { child: b.id, opening: 'identification', ground: 'identified_by_specialist', document: doc2 });
  reg.transition(aigul, c2.id, { transition: 'record_primary_info' });

  reg.setClock(null);
  return reg;
}
