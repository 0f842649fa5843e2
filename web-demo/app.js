// The Kamkor web demo: a field worker's and a supervisor's page over the WebAssembly package.
// Plain ES module, no framework: state in one object, every change re-renders the view.

import init, * as kamkor from './pkg/kamkor_wasm.js';
import { LANGS, t } from './i18n.js';
import { DEMO_PASSPHRASE, DEMO_PASSWORD, DEMO_USERS, seedDemo } from './demo.js';
import { deriveKey, loadState, saveState, clearState } from './store.js';

const S = {
  lang: localStorage.getItem('kamkor.lang') || 'ru',
  reg: null,
  key: null,
  passphrase: sessionStorage.getItem('kamkor.passphrase') || DEMO_PASSPHRASE,
  profile: null,
  territories: [],
  session: null,
  me: null,
  view: 'children',
  childId: null,
  draft: {},
  pinNote: null,
  dups: [],
  notice: null, // {kind: 'error'|'ok'|'warn', error?, key?, list?}
  proposal: null,
  reportTable: null,
  savedAt: null,
};
if (!LANGS.includes(S.lang)) S.lang = 'ru';

const $ = (sel) => document.querySelector(sel);
const tr = (key, vars) => t(S.lang, key, vars);
const L = (label) => (label ? label[S.lang] ?? label.en : '');

/** Creates an element: h('button', {class: 'x', onclick}, 'text', child...). */
function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'html') el.innerHTML = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
  return el;
}

// ------------------------------------------------------------------ profile helpers

const vocab = (name) => S.profile.vocabularies[name] ?? [];
const term = (name, code) => {
  const x = vocab(name).find((v) => v.code === code);
  return x ? x[S.lang] : code;
};
const stateLabel = (id) => L(S.profile.workflow.states.find((s) => s.id === id)?.label) || id;
const transitionLabel = (id) => L(S.profile.workflow.transitions.find((s) => s.id === id)?.label) || id;
const openingLabel = (id) => L(S.profile.workflow.openings.find((s) => s.id === id)?.label) || id;
const circumstance = (code) => {
  const c = S.profile.plan.circumstances.find((x) => x.code === code);
  return c ? c[S.lang] : code;
};
const agencyLabel = (code) => {
  const a = S.profile.plan.agencies.find((x) => x.code === code);
  return a ? a[S.lang] : code;
};
const roleLabel = (id) => L(S.profile.roles.find((r) => r.id === id)?.label) || id;
const territoryName = (code) => {
  const x = S.territories.find((z) => z.code === code);
  return x ? x[`name_${S.lang}`] : code;
};
const isReadOnly = () => !S.profile.roles.find((r) => r.id === S.me?.role)?.grants.some((g) => g.action === 'write');
const fmtDate = (d) => {
  if (!d) return '';
  const [y, m, day] = d.slice(0, 10).split('-');
  return S.lang === 'en' ? `${y}-${m}-${day}` : `${day}.${m}.${y}`;
};
const fullName = (r) => [r.surname, r.given_name, r.patronymic].filter(Boolean).join(' ');
const todayIso = () => S.reg.now().slice(0, 10);

/** Territories at or under `code`, in tree order. */
function under(code) {
  const out = [];
  const walk = (c, depth) => {
    const node = S.territories.find((z) => z.code === c && !z.valid_to);
    if (!node) return;
    out.push([node, depth]);
    for (const k of S.territories.filter((z) => z.parent === c && !z.valid_to)) walk(k.code, depth + 1);
  };
  walk(code, 0);
  return out;
}

// ------------------------------------------------------------------ actions with feedback

/** Runs a registry call; a thrown core error becomes the localized notice and changes nothing. */
function act(fn, okKey) {
  try {
    const out = fn();
    S.notice = okKey ? { kind: 'ok', key: okKey } : null;
    persist();
    return out;
  } catch (e) {
    if (e && e.name === 'KamkorError') {
      S.notice = { kind: 'error', error: e };
      if (e.reason === 'SESSION_EXPIRED' || e.reason === 'SESSION_INVALID') signOut(false);
      return undefined;
    }
    throw e;
  } finally {
    render();
  }
}

let saving = Promise.resolve();
function persist() {
  if (!S.reg) return;
  const bytes = S.reg.exportState();
  saving = saving.then(() => saveState(bytes)).then(() => {
    S.savedAt = new Date();
    const el = $('#saved-at');
    if (el) el.textContent = tr('lastSaved', { time: S.savedAt.toLocaleTimeString() });
  }).catch(() => {});
}

function signOut(rerender = true) {
  if (S.session) {
    try { S.reg.logout(S.session); } catch { /* the session is gone anyway */ }
  }
  S.session = null;
  S.me = null;
  S.view = 'children';
  S.childId = null;
  if (rerender) render();
}

// ------------------------------------------------------------------ rendering

function render() {
  document.documentElement.lang = S.lang;
  document.title = tr('appTitle');
  renderHeader();
  const main = $('#main');
  main.replaceChildren();
  if (!S.reg) {
    main.append(h('p', { class: 'muted' }, tr('loading')));
    return;
  }
  main.append(noticeBox());
  if (!S.session) {
    main.append(signInView());
    return;
  }
  if (isReadOnly()) main.append(h('p', { class: 'banner', 'data-test': 'read-only' }, tr('readOnlyNote')));
  const views = { children: childrenView, child: childView, due: dueView, reports: reportsView, data: dataView };
  main.append((views[S.view] ?? childrenView)());
}

function renderHeader() {
  const top = $('#top');
  top.replaceChildren();
  top.append(h('div', { class: 'brand' }, h('strong', {}, 'Kamkor'), h('span', { class: 'sub' }, tr('appSub'))));
  if (S.session) {
    const nav = h('nav', { 'aria-label': 'main' });
    for (const [v, key] of [['children', 'navChildren'], ['due', 'navDue'], ['reports', 'navReports'], ['data', 'navData']]) {
      const current = S.view === v || (v === 'children' && S.view === 'child');
      nav.append(h('button', { class: current ? 'tab current' : 'tab', 'aria-current': current ? 'page' : null, 'data-nav': v, onclick: () => { S.view = v; S.notice = null; render(); } }, tr(key)));
    }
    top.append(nav);
  }
  const langSel = h('select', { id: 'lang', 'aria-label': tr('language'), onchange: (e) => { S.lang = e.target.value; localStorage.setItem('kamkor.lang', S.lang); if (S.reg) S.reg.lang = S.lang; render(); } },
    ...LANGS.map((l) => h('option', { value: l, selected: l === S.lang }, { ru: 'Русский', ky: 'Кыргызча', en: 'English' }[l])));
  const right = h('div', { class: 'right' }, h('label', { class: 'lang' }, h('span', { class: 'sr' }, tr('language')), langSel));
  if (S.me) {
    right.append(h('span', { class: 'who', 'data-test': 'who' }, `${S.me.full_name} · ${roleLabel(S.me.role)}`),
      h('button', { class: 'link', onclick: () => signOut() }, tr('signOut')));
  }
  top.append(right);
}

function noticeBox() {
  const n = S.notice;
  if (!n) return '';
  if (n.kind === 'error') {
    const e = n.error;
    return h('div', { class: 'notice error', role: 'alert', 'data-test': 'error', 'data-reason': e.reason },
      h('strong', {}, tr('errorTitle')), ' ', h('span', {}, e.messages[S.lang]), ' ', h('code', {}, `${e.code}/${e.reason}`));
  }
  if (n.kind === 'warn') {
    return h('div', { class: 'notice warn', role: 'status', 'data-test': 'warnings' }, h('strong', {}, tr(n.key)),
      h('ul', {}, ...n.list.map((w) => h('li', {}, kamkor.warningMessages(w)[S.lang]))));
  }
  return h('div', { class: 'notice ok', role: 'status', 'data-test': 'ok' }, tr(n.key));
}

// ------------------------------------------------------------------ sign in

function signInView() {
  const users = DEMO_USERS;
  const sel = h('select', { id: 'login', name: 'login', required: true },
    ...users.map((u) => h('option', { value: u.login }, `${u.surname} ${u.given_name} — ${roleLabel(u.role)} (${territoryName(u.territory)})`)));
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'card narrow', onsubmit: (e) => {
    e.preventDefault();
    act(() => {
      S.session = S.reg.login(sel.value, pass.value);
      S.me = S.reg.whoami(S.session);
      S.view = 'children';
    });
  } },
  h('h1', {}, tr('signInTitle')),
  h('p', { class: 'muted' }, tr('signInHint', { password: DEMO_PASSWORD })),
  field(tr('user'), sel, 'login'),
  field(tr('password'), pass, 'password'),
  h('div', { class: 'buttons' }, h('button', { class: 'primary', type: 'submit' }, tr('signIn'))));
  return form;
}

function field(label, input, id, hint) {
  if (id && !input.id) input.id = id;
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hint ?? '');
}

// ------------------------------------------------------------------ children

function childrenView() {
  const wrap = h('section', {});
  wrap.append(h('div', { class: 'row-head' }, h('h1', {}, tr('childrenTitle')),
    h('button', { class: 'primary', 'data-test': 'new-child', onclick: () => { S.view = 'child'; S.childId = null; S.draft = { sex: 'female', identified_on: todayIso(), received_on: todayIso() }; S.pinNote = null; S.dups = []; S.notice = null; render(); } }, tr('registerChild'))));
  let list;
  try {
    list = S.reg.listChildren(S.session, null, 0, 200);
  } catch (e) {
    S.notice = { kind: 'error', error: e };
    wrap.prepend(noticeBox());
    return wrap;
  }
  if (list.total === 0) {
    wrap.append(h('p', { class: 'muted' }, tr('noChildren')));
    return wrap;
  }
  const rows = list.children.map((c) => {
    let state = tr('noCase');
    try {
      const cases = S.reg.childCases(S.session, c.id);
      if (cases.length) state = stateLabel(cases[cases.length - 1].case.state);
    } catch { /* shown as no case */ }
    return h('tr', {},
      h('td', {}, h('a', { href: '#', 'data-child': c.id, onclick: (e) => { e.preventDefault(); openChild(c.id); } }, fullName(c.record))),
      h('td', {}, fmtDate(c.record.birth_date)), h('td', { class: 'mono' }, c.record.pin ?? '—'),
      h('td', {}, territoryName(c.record.identified_in)), h('td', {}, state));
  });
  wrap.append(h('div', { class: 'table-wrap' }, h('table', { 'data-test': 'children' },
    h('thead', {}, h('tr', {}, ...['name', 'birthDate', 'pin', 'territory', 'caseState'].map((k) => h('th', {}, tr(k))))),
    h('tbody', {}, ...rows))));
  return wrap;
}

function openChild(id) {
  S.view = 'child';
  S.childId = id;
  S.notice = null;
  S.proposal = null;
  render();
}

/** The draft as a Child record (for duplicate checks and registration). */
function draftChild() {
  const d = S.draft;
  return {
    surname: d.surname ?? '', given_name: d.given_name ?? '', patronymic: d.patronymic || null, sex: d.sex ?? 'female',
    birth_date: d.birth_date || todayIso(), pin: d.pin?.trim() ? d.pin.trim() : null, identified_on: d.identified_on || todayIso(),
    identified_in: d.identified_in || S.me.territory, legal_status: d.legal_status || 'with_parents',
  };
}

/** As the worker types: PIN check and duplicate search, without touching the registry. */
function liveChecks() {
  const d = S.draft;
  const pin = (d.pin ?? '').trim();
  if (!pin) S.pinNote = { kind: 'hint', text: tr('pinEmpty') };
  else {
    try {
      S.reg.checkPin(pin);
      S.pinNote = { kind: 'ok', text: tr('pinValid') };
    } catch (e) {
      S.pinNote = { kind: 'error', error: e };
    }
  }
  S.dups = [];
  const enough = (d.surname?.trim() && d.given_name?.trim() && d.birth_date) || S.pinNote.kind === 'ok';
  if (enough) {
    try {
      S.dups = S.reg.checkDuplicates(S.session, draftChild());
    } catch { S.dups = []; }
  }
  const box = $('#live');
  if (box) box.replaceWith(liveBox());
}

function liveBox() {
  const n = S.pinNote;
  const pin = !n ? '' : n.kind === 'error'
    ? h('p', { class: 'field-error', 'data-test': 'pin-error', role: 'alert' }, n.error.messages[S.lang])
    : h('p', { class: n.kind === 'ok' ? 'field-ok' : 'muted', 'data-test': n.kind === 'ok' ? 'pin-ok' : 'pin-hint' }, n.text);
  let dups = '';
  if (S.dups.length) {
    dups = h('div', { class: 'notice warn', 'data-test': 'duplicates' }, h('strong', {}, tr('duplicates')),
      h('ul', {}, ...S.dups.map((d) => {
        let who = tr('duplicateHidden');
        if (d.id) {
          try {
            const c = S.reg.getChild(S.session, d.id);
            who = tr('duplicateOf', { name: fullName(c.record), birth: fmtDate(c.record.birth_date) });
          } catch { /* outside the reader's scope */ }
        }
        return h('li', {}, `${who} — ${tr(d.kind === 'pin' ? 'duplicateKindPin' : 'duplicateKindName')}`);
      })));
  }
  return h('div', { id: 'live', 'aria-live': 'polite' }, pin, dups);
}

function input(name, attrs = {}) {
  return h('input', { name, id: `f-${name}`, value: S.draft[name] ?? '', oninput: (e) => { S.draft[name] = e.target.value; if (['pin', 'surname', 'given_name', 'birth_date', 'sex'].includes(name)) liveChecks(); }, ...attrs });
}

function select(name, options, attrs = {}) {
  return h('select', { name, id: `f-${name}`, onchange: (e) => { S.draft[name] = e.target.value; if (name === 'sex') liveChecks(); }, ...attrs },
    ...options.map(([v, label]) => h('option', { value: v, selected: (S.draft[name] ?? '') === v }, label)));
}

function newChildView() {
  const territories = under(S.me.territory).map(([z, depth]) => [z.code, `${'  '.repeat(depth)}${z[`name_${S.lang}`]}`]);
  if (!S.draft.identified_in) S.draft.identified_in = territories[territories.length > 1 ? 1 : 0]?.[0];
  const form = h('form', { class: 'card', 'data-test': 'child-form', onsubmit: (e) => {
    e.preventDefault();
    const d = S.draft;
    const out = act(() => S.reg.registerChild(S.session, { record: draftChild(), provenance: { source: d.source || 'helpline', received_on: d.received_on || todayIso() } }));
    if (out) {
      S.childId = out.id;
      S.notice = out.warnings.length ? { kind: 'warn', key: 'registered', list: out.warnings } : { kind: 'ok', key: 'registered' };
      S.draft = {};
      render();
    }
  } },
  h('h1', {}, tr('newChildTitle')),
  h('div', { class: 'grid' },
    field(tr('surname'), input('surname', { required: true, autocomplete: 'off' })),
    field(tr('givenName'), input('given_name', { required: true, autocomplete: 'off' })),
    field(tr('patronymic'), input('patronymic', { autocomplete: 'off' })),
    field(tr('sex'), select('sex', [['female', tr('female')], ['male', tr('male')]])),
    field(tr('birthDate'), input('birth_date', { type: 'date', required: true })),
    field(tr('pin'), input('pin', { inputmode: 'numeric', autocomplete: 'off', maxlength: 20, 'aria-describedby': 'live' })),
    field(tr('identifiedOn'), input('identified_on', { type: 'date', required: true })),
    field(tr('identifiedIn'), select('identified_in', territories)),
    field(tr('legalStatus'), select('legal_status', vocab('legal_status').map((v) => [v.code, v[S.lang]]))),
    field(tr('source'), select('source', vocab('source').map((v) => [v.code, v[S.lang]])))),
  liveBox(),
  h('div', { class: 'buttons' },
    h('button', { class: 'primary', type: 'submit' }, tr('save')),
    h('button', { type: 'button', onclick: () => { S.view = 'children'; S.notice = null; render(); } }, tr('cancel'))));
  return form;
}

// ------------------------------------------------------------------ a child and the case

function childView() {
  if (!S.childId) return newChildView();
  const wrap = h('section', {});
  wrap.append(h('button', { class: 'link', onclick: () => { S.view = 'children'; S.notice = null; render(); } }, tr('back')));
  let view;
  let cases = [];
  try {
    view = S.reg.getChild(S.session, S.childId);
    cases = S.reg.childCases(S.session, S.childId);
  } catch (e) {
    S.notice = { kind: 'error', error: e };
    wrap.append(noticeBox());
    return wrap;
  }
  const r = view.record;
  wrap.append(h('div', { class: 'card' }, h('h1', { 'data-test': 'child-name' }, fullName(r)),
    h('dl', { class: 'facts' },
      h('dt', {}, tr('birthDate')), h('dd', {}, fmtDate(r.birth_date)),
      h('dt', {}, tr('sex')), h('dd', {}, tr(r.sex)),
      h('dt', {}, tr('pin')), h('dd', { class: 'mono' }, r.pin ?? '—'),
      h('dt', {}, tr('identifiedIn')), h('dd', {}, territoryName(r.identified_in)),
      h('dt', {}, tr('legalStatus')), h('dd', {}, term('legal_status', r.legal_status)))));
  const c = cases[cases.length - 1];
  if (!c || c.case.state === 'exited') wrap.append(openCaseForm(view));
  if (c) wrap.append(caseCard(c));
  return wrap;
}

function openCaseForm(view) {
  const d = S.draft;
  d.opening ??= 'signal';
  d.ground ??= vocab('inclusion_ground')[0]?.code;
  d.document_kind ??= d.opening === 'signal' ? 'signal_record' : vocab('document_kind')[0]?.code;
  d.document_date ??= todayIso();
  return h('form', { class: 'card', 'data-test': 'open-case', onsubmit: (e) => {
    e.preventDefault();
    act(() => S.reg.openCase(S.session, { child: view.id, opening: d.opening, ground: d.ground,
      document: { kind: d.document_kind, number: d.document_number ?? '', date: d.document_date, issuer: d.document_issuer ?? '' } }), 'done');
  } },
  h('h2', {}, tr('openCaseTitle')),
  h('div', { class: 'grid' },
    field(tr('opening'), select('opening', S.profile.workflow.openings.map((o) => [o.id, L(o.label)]))),
    field(tr('ground'), select('ground', vocab('inclusion_ground').map((v) => [v.code, v[S.lang]]))),
    field(tr('documentKind'), select('document_kind', vocab('document_kind').map((v) => [v.code, v[S.lang]]))),
    field(tr('documentNumber'), input('document_number', { required: true })),
    field(tr('documentDate'), input('document_date', { type: 'date', required: true })),
    field(tr('documentIssuer'), input('document_issuer', { required: true }))),
  h('div', { class: 'buttons' }, h('button', { class: 'primary', type: 'submit' }, tr('openCase'))));
}

function caseCard(c) {
  const k = c.case;
  const card = h('div', { class: 'card', 'data-test': 'case', 'data-state': k.state });
  card.append(h('h2', {}, `${tr('caseTitle')}: ${openingLabel(k.opening)}`),
    h('p', {}, h('span', { class: 'badge' }, stateLabel(k.state)), ' ', h('span', { class: 'muted' }, `${tr('since')} ${fmtDate(k.state_since)}`),
      k.assessment?.risk ? h('span', { class: `risk risk-${k.assessment.risk}`, 'data-test': 'risk' }, ` ${tr('risk')}: ${tr(`severity_${k.assessment.risk}`)}`) : ''));
  if (c.due.length) {
    card.append(h('ul', { class: 'due-mini' }, ...c.due.filter((d) => d.kind !== 'measure').map((d) => h('li', { class: d.overdue ? 'overdue' : '' },
      `${L(d.reason)} — ${fmtDate(d.due_at)}${d.overdue ? ` (${tr('overdue')})` : ''}`))));
  }
  if (k.state === 'assessment') card.append(assessmentForm(c));
  if (k.state === 'planning') card.append(proposalBox(c));
  if (k.measures.length) card.append(plansBox(c));
  card.append(transitionsBox(c));
  return card;
}

function transitionsBox(c) {
  const box = h('div', { class: 'actions', 'data-test': 'transitions' }, h('h3', {}, tr('actions')));
  const needs = (id) => S.profile.workflow.transitions.find((x) => x.id === id)?.requires ?? [];
  const d = S.draft;
  for (const id of c.available) {
    const req = needs(id);
    const extra = [];
    if (req.includes('text')) extra.push(field(tr('text'), input(`text_${id}`), `f-text_${id}`));
    if (req.includes('ground')) extra.push(field(tr('exitGround'), select(`ground_${id}`, [['', tr('choose')], ...vocab('exit_ground').map((v) => [v.code, v[S.lang]])])));
    box.append(h('div', { class: 'transition' }, ...extra, h('button', { 'data-transition': id, onclick: () => {
      const request = { transition: id };
      if (req.includes('text')) request.text = d[`text_${id}`] ?? null;
      if (req.includes('ground')) request.ground = d[`ground_${id}`] || null;
      S.proposal = null;
      act(() => S.reg.transition(S.session, c.id, request), 'done');
    } }, transitionLabel(id))));
  }
  return box;
}

function assessmentForm(c) {
  const saved = c.case.assessment ?? { findings: [], no_concerns: [] };
  const d = S.draft;
  d.assessment ??= { caseId: c.id, found: Object.fromEntries(saved.findings.map((f) => [f.circumstance, f.domain])), none: [...saved.no_concerns] };
  const a = d.assessment;
  const box = h('div', { class: 'assessment', 'data-test': 'assessment' }, h('h3', {}, tr('assessmentTitle')), h('p', { class: 'muted' }, tr('assessmentHint')));
  for (const dom of S.profile.plan.domains) {
    const list = S.profile.plan.circumstances.filter((x) => x.domain === dom.id);
    const none = a.none.includes(dom.id);
    const fs = h('fieldset', { class: 'domain' }, h('legend', {}, L(dom.label)),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', 'data-none': dom.id, checked: none, onchange: (e) => {
        a.none = e.target.checked ? [...a.none, dom.id] : a.none.filter((x) => x !== dom.id);
        if (e.target.checked) for (const x of list) delete a.found[x.code];
        render();
      } }), h('strong', {}, tr('noConcerns'))),
      ...list.map((x) => h('label', { class: 'check' }, h('input', { type: 'checkbox', 'data-circumstance': x.code, checked: a.found[x.code] === dom.id, disabled: none, onchange: (e) => {
        if (e.target.checked) a.found[x.code] = dom.id; else delete a.found[x.code];
      } }), x[S.lang])));
    box.append(fs);
  }
  const payload = () => ({ findings: Object.entries(a.found).map(([circumstance, domain]) => ({ domain, circumstance })), no_concerns: a.none });
  box.append(h('div', { class: 'buttons' },
    h('button', { type: 'button', 'data-test': 'save-assessment', onclick: () => act(() => S.reg.saveAssessment(S.session, c.id, payload()), 'done') }, tr('saveDraft')),
    h('button', { type: 'button', class: 'primary', 'data-test': 'submit-assessment', onclick: () => act(() => {
      S.reg.saveAssessment(S.session, c.id, payload());
      S.reg.submitAssessment(S.session, c.id);
      delete S.draft.assessment;
    }, 'submitted') }, tr('submitAssessment'))));
  return box;
}

function proposalBox(c) {
  const box = h('div', { class: 'proposal', 'data-test': 'proposal' });
  if (!S.proposal || S.proposal.caseId !== c.id) {
    box.append(h('button', { class: 'primary', 'data-test': 'propose', onclick: () => {
      const p = act(() => S.reg.proposePlan(S.session, c.id));
      if (p) { S.proposal = { caseId: c.id, plan: p, chosen: new Set(p.diff.add.map((x) => x.id)) }; render(); }
    } }, tr('proposePlans')));
    return box;
  }
  const p = S.proposal;
  box.append(h('h3', {}, tr('proposalTitle')), h('p', { class: 'muted' }, tr('proposalHint')));
  if (!p.plan.diff.add.length) box.append(h('p', {}, tr('nothingProposed')));
  box.append(h('ul', { class: 'plain' }, ...p.plan.diff.add.map((x) => h('li', {}, h('label', { class: 'check' },
    h('input', { type: 'checkbox', checked: p.chosen.has(x.id), 'data-proposed': x.id, onchange: (e) => { if (e.target.checked) p.chosen.add(x.id); else p.chosen.delete(x.id); } }),
    h('span', {}, h('strong', {}, L(x.title)), ' — ', L(x.need), h('br'), h('small', { class: 'muted' },
      `${circumstance(x.circumstance)} · ${tr(x.plan === 'child' ? 'childPlan' : 'familyPlan')} · ${agencyLabel(x.agency)} · ${x.due_working_days}`)))))));
  box.append(h('div', { class: 'buttons' }, h('button', { class: 'primary', 'data-test': 'accept', onclick: () => {
    const ok = act(() => S.reg.acceptPlan(S.session, c.id, [...p.chosen]), 'done');
    if (ok) { S.proposal = null; render(); }
  } }, tr('acceptSelected'))));
  return box;
}

function plansBox(c) {
  const box = h('div', { class: 'plans', 'data-test': 'plans' });
  const statusKey = { planned: 'statusPlanned', in_progress: 'statusInProgress', done: 'statusDone', cancelled: 'statusCancelled' };
  const dueOf = Object.fromEntries(c.due.filter((d) => d.kind === 'measure').map((d) => [d.reference, d]));
  for (const [kind, key] of [['child', 'childPlan'], ['family', 'familyPlan']]) {
    const ms = c.case.measures.filter((m) => m.measure.plan === kind && !m.measure.dropped);
    if (!ms.length) continue;
    box.append(h('h3', {}, tr(key)), h('div', { class: 'table-wrap' }, h('table', { 'data-test': `plan-${kind}`, class: 'cards' },
      h('thead', {}, h('tr', {}, ...['measure', 'reason', 'agency', 'due', 'status', 'actions'].map((k) => h('th', {}, tr(k))))),
      h('tbody', {}, ...ms.map((m) => {
        const pm = m.measure;
        const reason = pm.proposed
          ? [L(pm.proposed.need), h('br'), h('small', { class: 'muted' }, `${circumstance(pm.proposed.circumstance)} · ${tr('rule', { rule: pm.proposed.rule, version: pm.proposed.rule_version })}`)]
          : [pm.manual?.reason ?? '', h('br'), h('small', { class: 'muted' }, tr('manual'))];
        const overdue = dueOf[pm.id]?.overdue;
        return h('tr', { class: overdue ? 'overdue' : '', 'data-measure': pm.id },
          h('td', { 'data-label': tr('measure') }, L(pm.title)), h('td', { 'data-label': tr('reason') }, ...reason), h('td', { 'data-label': tr('agency') }, agencyLabel(pm.agency)),
          h('td', { 'data-label': tr('due') }, tr('dueWorkingDays', { n: pm.due_working_days, date: fmtDate(m.due) }), overdue ? h('span', { class: 'tag overdue' }, tr('overdue')) : ''),
          h('td', { 'data-label': tr('status') }, h('span', { class: `status status-${m.status}` }, tr(statusKey[m.status]))),
          h('td', { 'data-label': tr('actions') }, m.status === 'done' || m.status === 'cancelled' ? (m.result ?? '') : h('div', { class: 'mark' },
            h('input', { 'aria-label': `${tr('result')}: ${L(pm.title)}`, placeholder: tr('result'), 'data-result': pm.id, value: S.draft[`result_${pm.id}`] ?? '', oninput: (e) => { S.draft[`result_${pm.id}`] = e.target.value; } }),
            h('button', { class: 'small', 'data-done': pm.id, onclick: () => act(() => S.reg.updateMeasure(S.session, c.id, pm.id, { status: 'done', result: S.draft[`result_${pm.id}`]?.trim() || null }), 'done') }, tr('markDone')))));
      })))));
  }
  return box;
}

// ------------------------------------------------------------------ due list

function dueView() {
  const wrap = h('section', {}, h('h1', {}, tr('dueTitle')));
  let items;
  try {
    items = S.reg.due(S.session, {});
  } catch (e) {
    S.notice = { kind: 'error', error: e };
    wrap.append(noticeBox());
    return wrap;
  }
  if (!items.length) {
    wrap.append(h('p', { class: 'muted' }, tr('noDue')));
    return wrap;
  }
  const names = {};
  const nameOf = (id) => {
    if (!(id in names)) {
      try { names[id] = fullName(S.reg.getChild(S.session, id).record); } catch { names[id] = id.slice(0, 8); }
    }
    return names[id];
  };
  const kindKey = { stage: 'kindStage', measure: 'kindMeasure', visit: 'kindVisit' };
  wrap.append(h('div', { class: 'table-wrap' }, h('table', { 'data-test': 'due', class: 'cards' },
    h('thead', {}, h('tr', {}, ...['due', 'child', 'what', 'territory'].map((k) => h('th', {}, tr(k))))),
    h('tbody', {}, ...items.map((d) => h('tr', { class: d.overdue ? 'overdue' : '' },
      h('td', { 'data-label': tr('due') }, fmtDate(d.due_at), d.overdue ? h('span', { class: 'tag overdue' }, tr('overdue')) : '', d.urgent ? h('span', { class: 'tag urgent' }, tr('urgent')) : ''),
      h('td', { 'data-label': tr('child') }, h('a', { href: '#', onclick: (e) => { e.preventDefault(); openChild(d.child); } }, nameOf(d.child))),
      h('td', { 'data-label': tr('what') }, h('span', { class: 'muted' }, `${tr(kindKey[d.kind])}: `), L(d.reason)),
      h('td', { 'data-label': tr('territory') }, territoryName(d.territory))))))));
  return wrap;
}

// ------------------------------------------------------------------ reports

function reportsView() {
  const wrap = h('section', {}, h('h1', {}, tr('reportsTitle')));
  let report;
  try {
    report = S.reg.report(S.session, { report: { kind: 'consolidated' } });
  } catch (e) {
    S.notice = { kind: 'error', error: e };
    wrap.append(noticeBox());
    return wrap;
  }
  const byTerritory = report.tables.filter((tb) => tb.rows.some((r) => r.territory));
  const tables = byTerritory.length ? byTerritory : report.tables;
  if (!S.reportTable || !tables.some((tb) => tb.id === S.reportTable)) S.reportTable = tables[0]?.id;
  const table = report.tables.find((tb) => tb.id === S.reportTable);
  wrap.append(h('p', { class: 'muted' }, `${L(report.title)} — ${L(report.scope_name)}`));
  wrap.append(field(tr('reportTable'), h('select', { id: 'report-table', onchange: (e) => { S.reportTable = e.target.value; render(); } },
    ...tables.map((tb) => h('option', { value: tb.id, selected: tb.id === S.reportTable }, L(tb.title))))));
  if (table) {
    const cell = (c) => (c === 'suppressed' ? `<${report.threshold}` : String(c.count));
    wrap.append(h('div', { class: 'table-wrap' }, h('table', { 'data-test': 'report-table' },
      h('thead', {}, h('tr', {}, h('th', {}, L(table.row_header)), ...table.columns.map((c) => h('th', { class: 'num' }, L(c.label))))),
      h('tbody', {}, ...table.rows.map((r) => h('tr', {}, h('td', {}, L(r.label)), ...r.cells.map((c) => h('td', { class: 'num' }, cell(c)))))),
      table.totals ? h('tfoot', {}, h('tr', {}, h('th', {}, L(table.totals.label)), ...table.totals.cells.map((c) => h('th', { class: 'num' }, cell(c))))) : '')));
    const figs = h('div', { class: 'figures' });
    try {
      figs.append(h('figure', { 'data-test': 'chart' }, h('figcaption', {}, tr('chart')), h('div', { class: 'svg', html: S.reg.reportChart(report, table.id, null, S.lang) })));
      figs.append(h('figure', { 'data-test': 'map' }, h('figcaption', {}, tr('map')), h('div', { class: 'svg', html: S.reg.reportMap(report, table.id, null, S.lang) })));
    } catch (e) {
      S.notice = { kind: 'error', error: e };
      figs.append(noticeBox());
    }
    wrap.append(figs);
  }
  return wrap;
}

// ------------------------------------------------------------------ data: state file

function dataView() {
  const wrap = h('section', {}, h('h1', {}, tr('dataTitle')), h('p', { class: 'muted' }, tr('dataHint')),
    h('p', { id: 'saved-at', class: 'muted' }, S.savedAt ? tr('lastSaved', { time: S.savedAt.toLocaleTimeString() }) : ''));
  wrap.append(h('div', { class: 'card' }, h('h2', {}, tr('saveFile')), h('button', { class: 'primary', 'data-test': 'save-file', onclick: () => {
    const bytes = S.reg.exportState();
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const a = h('a', { href: url, download: `kamkor-${todayIso()}.kamkor-backup` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    S.notice = { kind: 'ok', key: 'saved' };
    render();
  } }, tr('saveFile'))));
  const file = h('input', { type: 'file', id: 'state-file', accept: '.kamkor-backup,application/octet-stream' });
  const phrase = h('input', { type: 'password', id: 'state-pass', autocomplete: 'off' });
  wrap.append(h('form', { class: 'card', 'data-test': 'open-file', onsubmit: async (e) => {
    e.preventDefault();
    if (!file.files?.length) { S.notice = { kind: 'error', error: localError('chooseFile') }; render(); return; }
    const bytes = new Uint8Array(await file.files[0].arrayBuffer());
    const key = await deriveKey(phrase.value);
    try {
      const reg = kamkor.Registry.restore(bytes, key, { lang: S.lang });
      S.reg.free();
      S.reg = reg;
      S.key = key;
      S.passphrase = phrase.value;
      sessionStorage.setItem('kamkor.passphrase', phrase.value);
      await loadProfile();
      S.session = null;
      S.me = null;
      S.notice = { kind: 'ok', key: 'restored' };
      persist();
    } catch (err) {
      if (err?.name !== 'KamkorError') throw err;
      S.notice = { kind: 'error', error: err };
    }
    render();
  } }, h('h2', {}, tr('openFile')), field(tr('openFile'), file), field(tr('passphrase'), phrase, 'state-pass', h('small', { class: 'muted' }, tr('passphraseHint', { phrase: DEMO_PASSPHRASE }))),
  h('div', { class: 'buttons' }, h('button', { class: 'primary', type: 'submit' }, tr('restore')))));
  wrap.append(h('div', { class: 'card' }, h('button', { 'data-test': 'reset', onclick: async () => {
    await clearState();
    S.key = await deriveKey(DEMO_PASSPHRASE);
    S.passphrase = DEMO_PASSPHRASE;
    sessionStorage.removeItem('kamkor.passphrase');
    S.reg.free();
    S.reg = seedDemo(kamkor, S.key, S.lang);
    await loadProfile();
    S.session = null;
    S.me = null;
    S.notice = { kind: 'ok', key: 'resetDone' };
    persist();
    render();
  } }, tr('resetDemo'))));
  return wrap;
}

/** A page-side message shaped like a core error (all three languages from i18n.js). */
function localError(key) {
  return { name: 'KamkorError', code: 'VALIDATION', reason: 'REQUIRED', messages: { ru: t('ru', key), ky: t('ky', key), en: t('en', key) } };
}

// ------------------------------------------------------------------ start

async function loadProfile() {
  S.profile = S.reg.profile();
  S.territories = S.reg.territories();
}

async function start() {
  render();
  await init();
  S.key = await deriveKey(S.passphrase);
  const saved = await loadState();
  if (saved) {
    try {
      S.reg = kamkor.Registry.restore(saved, S.key, { lang: S.lang });
    } catch (e) {
      // A stored state this page cannot open (damaged, or another key): keep it aside, say so.
      if (e?.name !== 'KamkorError') throw e;
      await saveState(saved, `unreadable-${Date.now()}`);
      S.notice = { kind: 'error', error: e };
    }
  }
  if (!S.reg) {
    S.key = await deriveKey(DEMO_PASSPHRASE);
    S.reg = seedDemo(kamkor, S.key, S.lang);
    persist();
  }
  await loadProfile();
  render();
  document.body.dataset.ready = 'true';
}

start();
