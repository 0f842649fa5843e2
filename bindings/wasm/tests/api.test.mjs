// The JS API beyond the scenarios: errors as JS Errors with the stable code and localized
// messages, the host clock, the state file (save, restore, damaged, wrong key), the SVG chart
// and map, the typed surface. Runs on the Node build in ../pkg/node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cheapArgon2, PASSWORD } from './runner.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const kamkor = createRequire(import.meta.url)(join(here, '..', 'pkg', 'node', 'kamkor_wasm.js'));
const KEY = new Uint8Array(32).fill(3);
const user = (login, role, territory, inn) => ({
  login, role, territory, agency_inn: inn, surname: 'Асанова', given_name: 'Гүлзат', position: 'Специалист',
  agency: 'Агентство', address: 'Бишкек', valid_from: '2000-01-01', valid_until: '2099-12-31', password: PASSWORD,
});
const child = (pin, birth = '2015-01-01') => ({
  record: { surname: 'Асанова', given_name: 'Айгүл', sex: 'female', birth_date: birth, pin, identified_on: '2026-11-23',
    identified_in: '41711201000000', legal_status: 'with_parents' },
  provenance: { source: 'helpline', received_on: '2026-11-23' },
});

function fresh(opts = {}) {
  const reg = kamkor.Registry.create(cheapArgon2(kamkor.kyrgyzstanProfile()), KEY,
    user('admin', 'administrator', '41700000000000', '1'), { now: '2026-11-23T09:00:00Z', seed: 1, lang: 'en', ...opts });
  const admin = reg.login('admin', PASSWORD);
  reg.addUser(admin, user('spec', 'specialist', '41711000000000', '111'));
  reg.addUser(admin, user('treader', 'territorial_reader', '41711000000000', '900'));
  return { reg, admin, spec: reg.login('spec', PASSWORD), treader: reg.login('treader', PASSWORD) };
}

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a throw');
}

test('errors are JS Errors with code, reason, field, args and messages in three languages', () => {
  const { reg, spec, treader } = fresh();
  const e = thrown(() => reg.registerChild(spec, child('1010120150001')));
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'KamkorError');
  assert.equal(e.code, 'VALIDATION');
  assert.equal(e.reason, 'PIN_LENGTH');
  assert.equal(e.field, 'pin');
  assert.equal(typeof e.args, 'object');
  for (const l of ['ru', 'ky', 'en']) assert.ok(e.messages[l].length > 5, l);
  assert.notEqual(e.messages.ru, e.messages.en);
  assert.equal(e.message, e.messages.en, 'message in the registry language');
  reg.lang = 'ky';
  assert.equal(thrown(() => reg.registerChild(spec, child('1'))).message, thrown(() => reg.registerChild(spec, child('1'))).messages.ky);
  const denied = thrown(() => reg.registerChild(treader, child('10101201500011')));
  assert.deepEqual([denied.code, denied.reason], ['ACCESS_DENIED', 'READ_ONLY']);
  const bad = thrown(() => reg.registerChild(spec, { record: { surname: 'x' } }));
  assert.deepEqual([bad.code, bad.reason, bad.field], ['VALIDATION', 'BAD_VALUE', 'child']);
  assert.throws(() => { reg.lang = 'fr'; }, (x) => x.reason === 'UNKNOWN_CODE');
});

test('checkPin validates without touching the registry', () => {
  const { reg } = fresh();
  const before = reg.verifyAuditChain().entries;
  assert.equal(reg.checkPin(' 10101201500011 '), '10101201500011');
  assert.equal(thrown(() => reg.checkPin('10101201500')).reason, 'PIN_LENGTH');
  assert.equal(reg.verifyAuditChain().entries, before, 'no audit entry for a PIN check');
});

test('the clock comes from the host: fixed, moved, or Date.now()', () => {
  const { reg } = fresh();
  assert.equal(reg.now(), '2026-11-23T09:00:00Z');
  reg.advanceClock(25 * 3600_000);
  assert.equal(reg.now(), '2026-11-24T10:00:00Z');
  reg.setClock('2027-01-01T00:00:00Z');
  assert.equal(reg.now(), '2027-01-01T00:00:00Z');
  reg.setClock(null);
  assert.ok(Math.abs(Date.parse(reg.now()) - Date.now()) < 5000);
  const live = kamkor.Registry.create(null, KEY, user('admin', 'administrator', '41700000000000', '1'));
  assert.ok(Math.abs(Date.parse(live.now()) - Date.now()) < 5000, 'default: Date.now()');
});

test('sessions expire on the injected clock', () => {
  const { reg, spec } = fresh();
  reg.advanceClock(9 * 3600_000);
  assert.equal(thrown(() => reg.whoami(spec)).reason, 'SESSION_EXPIRED');
});

test('state file: the native backup format, restored with the key; damaged or wrong key changes nothing', () => {
  const { reg, spec } = fresh();
  const id = reg.registerChild(spec, child('10101201500011')).id;
  const file = reg.exportState();
  assert.ok(file instanceof Uint8Array);
  assert.equal(Buffer.from(file.subarray(0, 14)).toString(), 'KAMKOR-BACKUP\n');
  assert.ok(!Buffer.from(file).includes(Buffer.from('Айгүл')), 'personal data are sealed in the file');

  const back = kamkor.Registry.restore(file, KEY, { now: '2026-11-23T10:00:00Z', lang: 'en' });
  const s = back.login('spec', PASSWORD);
  assert.equal(back.getChild(s, id).record.given_name, 'Айгүл');
  assert.ok(back.verifyAuditChain().ok);

  const wrong = thrown(() => kamkor.Registry.restore(file, new Uint8Array(32).fill(4)));
  assert.deepEqual([wrong.code, wrong.reason], ['CRYPTO', 'WRONG_KEY']);
  assert.match(wrong.messages.ru, /ключ/i);
  const damaged = Uint8Array.from(file);
  damaged[200] ^= 1;
  assert.equal(thrown(() => kamkor.Registry.restore(damaged, KEY)).reason, 'BACKUP_DAMAGED');
  assert.equal(thrown(() => kamkor.Registry.restore(new Uint8Array([1, 2, 3]), KEY)).reason, 'BACKUP_DAMAGED');
  assert.equal(thrown(() => kamkor.Registry.restore(file, new Uint8Array(5))).field, 'masterKey');
  // The original registry is untouched by all this.
  assert.equal(reg.getChild(spec, id).version, 1);
});

test('backup through the facade needs the backup grant and is audited', () => {
  const { reg, admin, spec } = fresh();
  const b = reg.backup(admin);
  assert.equal(b.file.length, b.bytes);
  assert.match(b.sha256, /^[0-9a-f]{64}$/);
  assert.equal(thrown(() => reg.backup(spec)).code, 'ACCESS_DENIED');
});

test('reports: the table, a bar chart and the map as SVG, in the asked language', () => {
  const { reg, spec, treader } = fresh();
  reg.registerChild(spec, child('10101201500011'));
  const report = reg.report(treader, { report: { kind: 'consolidated' } });
  assert.ok(report.tables.length > 0);
  const chart = reg.reportChart(report, null, null, 'ru');
  assert.match(chart, /^<svg[\s\S]*<\/svg>\s*$/);
  const table = report.tables.find((t) => t.rows.some((r) => r.territory));
  const map = reg.reportMap(report, table.id, null, 'en');
  assert.match(map, /<svg[\s\S]*Bishkek/);
  assert.equal(thrown(() => reg.reportChart(report, 'no_such_table')).reason, 'UNKNOWN_CODE');
});

test('profile and territories carry the labels the page shows', () => {
  const { reg } = fresh();
  const p = reg.profile();
  assert.equal(p.profile.id, 'kyrgyzstan');
  assert.ok(p.roles.some((r) => r.id === 'specialist' && r.label.ky));
  assert.ok(p.workflow.transitions.some((t) => t.id === 'approve_plans'));
  assert.ok(reg.territories().some((t) => t.code === '41711000000000' && t.name_en === 'Bishkek city'));
  const w = kamkor.warningMessages({ code: 'NO_PIN', field: 'pin', detail: null });
  assert.ok(w.ru && w.ky && w.en && w.ru !== w.en);
});

test('the TypeScript types name the main records (no `any`)', () => {
  const dts = readFileSync(join(here, '..', 'pkg', 'node', 'kamkor_wasm.d.ts'), 'utf8');
  assert.match(dts, /registerChild\(session: Session, child: NewChild\): Registered;/);
  assert.match(dts, /getCase\(session: Session, id: string\): CaseView;/);
  assert.match(dts, /due\(session: Session, query: DueQuery \| undefined\): DueItem\[\];/);
  assert.match(dts, /export interface KamkorError extends Error/);
  assert.doesNotMatch(dts.replace(/\/\*[\s\S]*?\*\//g, ''), /: any\b/);
});

test('profiles: the JSON form, the shipped TOML texts by their hash, other TOML refused', () => {
  const admin = user('admin', 'administrator', '41700000000000', '1');
  const opts = { now: '2026-11-23T09:00:00Z', seed: 1, lang: 'en' };
  // The built-in texts are the JSON form; a custom profile is that form edited.
  assert.equal(JSON.parse(kamkor.builtinProfile('omsk')).profile.id, 'omsk');
  assert.equal(JSON.parse(kamkor.builtinProfile('yamal')).profile.pin, 'snils');
  assert.equal(kamkor.builtinProfile('nowhere'), undefined);
  const json = JSON.parse(kamkor.builtinProfile('kyrgyzstan'));
  json.profile.version = 'custom-1';
  const custom = kamkor.Registry.create(cheapArgon2(JSON.stringify(json)), KEY, admin, opts);
  assert.equal(custom.profile().profile.version, 'custom-1');
  // A shipped profile's own TOML text (as a native backup or sync bundle holds it) is known by
  // its SHA-256 and read from the generated JSON form: no TOML parser in this package.
  const profiles = join(here, '..', '..', '..', 'core', 'profiles');
  const toml = `${readFileSync(join(profiles, 'kyrgyzstan.toml'), 'utf8')}\n${readFileSync(join(profiles, 'kyrgyzstan-plan.toml'), 'utf8')}`;
  const shipped = kamkor.Registry.create(toml, KEY, admin, opts);
  assert.equal(shipped.profile().profile.id, 'kyrgyzstan');
  assert.deepEqual(shipped.profile(), kamkor.Registry.create(kamkor.kyrgyzstanProfile(), KEY, admin, opts).profile());
  // Any other TOML: a syntax error that says this build reads the JSON form, nothing created.
  const e = thrown(() => kamkor.Registry.create(`${toml}\n# edited\n`, KEY, admin, opts));
  assert.equal(e.name, 'KamkorError');
  assert.equal(e.reason, 'PROFILE_SYNTAX');
  assert.match(e.args.detail, /JSON form/);
  // A broken JSON profile names its line.
  const bad = thrown(() => kamkor.Registry.create('{\n"profile": \n}', KEY, admin, opts));
  assert.equal(bad.reason, 'PROFILE_SYNTAX');
  assert.equal(bad.args.line, '3');
});
