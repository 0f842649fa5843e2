// The JS harness of the cross-language scenarios: replays each tests/scenarios/*.json in a
// fresh registry of the WebAssembly package, exactly as tests/scenarios/README.md says (and as
// core/tests/scenario_runner/mod.rs does in Rust).

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { check, ScenarioError, short, substitute, pointer } from './matcher.mjs';
import { NO_SESSION, OPS } from './ops.mjs';

export const PASSWORD = 'correct horse battery';
const MASTER_KEY = new Uint8Array(32).fill(7);
const SEED = 42;
const STEP_KEYS = new Set(['comment', 'as', 'op', 'args', 'session', 'expect', 'bug']);
const EXPECT_KEYS = new Set(['ok', 'error', 'match', 'save']);
const FILE_KEYS = new Set(['name', 'description', 'profile', 'clock', 'admin', 'users', 'steps']);

export function scenarioFiles(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f));
}

/** Lowers the Argon2 cost of a profile, JSON form or TOML (no result depends on it). */
export function cheapArgon2(text) {
  if (text.trimStart().startsWith('{')) {
    const profile = JSON.parse(text);
    Object.assign(profile.security, { argon2_memory_kib: 64, argon2_iterations: 1 });
    return JSON.stringify(profile);
  }
  return text
    .split('\n')
    .map((l) => {
      const t = l.trimStart();
      if (t.startsWith('argon2_memory_kib') && t.includes('=')) return 'argon2_memory_kib = 64';
      if (t.startsWith('argon2_iterations') && t.includes('=')) return 'argon2_iterations = 1';
      return l;
    })
    .join('\n');
}

function newUser(fields) {
  return {
    surname: 'Асанова', given_name: 'Гүлзат', position: 'Специалист', agency: 'Агентство', address: 'Бишкек',
    valid_from: '2000-01-01', valid_until: '2099-12-31', password: PASSWORD, ...fields,
  };
}

/** The core's error as the result document `{code, reason, field, args}`; anything else is not ours. */
function errorDoc(e) {
  if (e && e.name === 'KamkorError' && typeof e.code === 'string') {
    return { code: e.code, reason: e.reason, field: e.field, args: e.args };
  }
  throw new ScenarioError(`the call threw something that is not a core error: ${e && e.stack ? e.stack : e}`);
}

function setup(kamkor, sc, path) {
  const text = kamkor.builtinProfile(sc.profile) ?? readFileSync(join(dirname(path), sc.profile), 'utf8');
  const admin = newUser({ login: 'admin', role: 'administrator', territory: '41700000000000', agency_inn: '00000000000001', ...(sc.admin ?? {}) });
  const reg = kamkor.Registry.create(cheapArgon2(text), MASTER_KEY, admin, { now: sc.clock, seed: SEED, lang: 'en' });
  const ctx = { reg, sessions: new Map(), vars: { password: PASSWORD } };
  const adminSession = reg.login('admin', PASSWORD);
  ctx.vars['user.admin'] = reg.whoami(adminSession).id;
  const logins = [];
  for (const fields of sc.users ?? []) {
    const info = reg.addUser(adminSession, newUser(fields));
    ctx.vars[`user.${fields.login}`] = info.id;
    logins.push(fields.login);
  }
  ctx.sessions.set('admin', adminSession);
  for (const login of logins) ctx.sessions.set(login, reg.login(login, PASSWORD));
  return ctx;
}

class Mismatch extends Error {
  constructor(args, doc, problems) {
    super(problems.join('\n    '));
    Object.assign(this, { args, doc, problems });
  }
}

function runStep(ctx, step) {
  for (const k of Object.keys(step)) if (!STEP_KEYS.has(k)) throw new ScenarioError(`unknown step field ${k}`);
  const expect = step.expect ?? {};
  for (const k of Object.keys(expect)) if (!EXPECT_KEYS.has(k)) throw new ScenarioError(`unknown expect field ${k}`);
  const entry = OPS[step.op];
  if (!entry) throw new ScenarioError(`unknown op \`${step.op}\` (see tests/scenarios/README.md)`);
  const [params, call] = entry;
  const args = substitute(step.args ?? {}, ctx.vars);
  const names = params.map((p) => p.replace(/\?$/, ''));
  const extra = Object.keys(args).filter((k) => !names.includes(k));
  if (extra.length) throw new ScenarioError(`${step.op}: unknown arguments ${JSON.stringify(extra)} (takes ${JSON.stringify(names)})`);
  for (const p of params) {
    if (!p.endsWith('?') && (args[p] === undefined || args[p] === null)) throw new ScenarioError(`${step.op}: argument \`${p}\` is required`);
  }
  const noSession = NO_SESSION.has(step.op);
  let session;
  if (noSession && step.as !== undefined) throw new ScenarioError(`\`${step.op}\` takes no \`as\` (got ${step.as})`);
  if (!noSession) {
    if (step.as === undefined) throw new ScenarioError(`\`${step.op}\` needs \`as\``);
    session = ctx.sessions.get(step.as);
    if (!session) throw new ScenarioError(`no session named ${JSON.stringify(step.as)}: sign in first`);
  }
  if (step.session !== undefined && step.op !== 'login' && step.op !== 'login_external') {
    throw new ScenarioError('`session` is only for login and login_external');
  }
  if (step.session === undefined && step.op === 'login_external') {
    throw new ScenarioError('login_external needs `session` (the name to keep it under)');
  }
  let doc;
  let ok;
  try {
    const value = call(ctx.reg, session, args, ctx);
    if (step.op === 'login' || step.op === 'login_external') {
      ctx.sessions.set(step.session ?? args.login, value);
      doc = null;
    } else {
      doc = value === undefined ? null : value;
    }
    ok = true;
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    doc = errorDoc(e);
    ok = false;
  }
  const problems = [];
  if (expect.ok === true && expect.error !== undefined) throw new ScenarioError('expect has both ok: true and error');
  const wantOk = expect.ok ?? expect.error === undefined;
  if (wantOk && !ok) problems.push('expected success, got an error');
  if (!wantOk && ok) problems.push('expected an error, got success');
  if (expect.error !== undefined && !ok) {
    for (const [k, v] of Object.entries(expect.error)) {
      if (!['code', 'reason', 'field'].includes(k)) throw new ScenarioError(`expect.error takes code, reason, field (got ${k})`);
      const p = check(doc, `/${k}`, substitute(v, ctx.vars));
      if (p) problems.push(`error ${p}`);
    }
  }
  if (problems.length === 0) {
    for (const [name, ptr] of Object.entries(expect.save ?? {})) {
      if (typeof ptr !== 'string') throw new ScenarioError(`save.${name} must be a JSON Pointer string`);
      const v = pointer(doc, ptr);
      if (v === undefined) problems.push(`save ${name}: nothing at ${ptr}`);
      else ctx.vars[name] = v;
    }
    for (const [ptr, expected] of Object.entries(expect.match ?? {})) {
      const p = check(doc, ptr, substitute(expected, ctx.vars));
      if (p) problems.push(p);
    }
  }
  if (problems.length) throw new Mismatch(args, doc, problems);
  return [doc, ok];
}

/**
 * Replays one file: `{file, steps, failures, knownBugs}` (knownBugs: `{step, bug}` for every
 * step marked as a known core bug that failed as expected).
 */
export function runFile(kamkor, path, { bugsFail = false, trace = false } = {}) {
  const file = path.split('/').pop();
  const report = { file, steps: 0, failures: [], knownBugs: [] };
  let sc;
  try {
    sc = JSON.parse(readFileSync(path, 'utf8'));
    for (const k of Object.keys(sc)) if (!FILE_KEYS.has(k)) throw new Error(`unknown field ${k}`);
  } catch (e) {
    report.failures.push(`${file}: not a scenario: ${e.message}`);
    return report;
  }
  if (`${sc.name}.json` !== file) report.failures.push(`${file}: \`name\` is ${JSON.stringify(sc.name)}; it must be the file name without .json`);
  let ctx;
  try {
    ctx = setup(kamkor, sc, path);
  } catch (e) {
    report.failures.push(`${file}: setup failed: ${e.stack ?? e}`);
    return report;
  }
  sc.steps.forEach((step, i) => step.__index = i);
  for (const step of sc.steps) {
    const i = step.__index;
    delete step.__index;
    report.steps += 1;
    const at = `${file} step ${i} \`${step.op}\`${step.as ? ` as ${step.as}` : ''}`;
    try {
      const [doc, ok] = runStep(ctx, step);
      if (trace) console.error(`[trace] ${at}: ${ok ? 'ok' : 'error'} ${short(doc, 4000)}`);
      if (step.bug) {
        report.failures.push(`${at}: marked as a known core bug (${step.bug}) but now behaves as expected: remove the \`bug\` marker`);
      }
    } catch (e) {
      if (e instanceof Mismatch) {
        if (step.bug && !bugsFail) {
          report.knownBugs.push({ step: i, at, bug: step.bug });
          continue;
        }
        report.failures.push(
          `${at}${step.comment ? ` (${step.comment})` : ''}\n    args:     ${short(e.args, 1500)}\n    expected: ${short(step.expect ?? { ok: true }, 1500)}\n    got:      ${short(e.doc, 3000)}\n    ${e.problems.join('\n    ')}`,
        );
      } else {
        report.failures.push(`${at}: scenario error: ${e instanceof ScenarioError ? e.message : e.stack ?? e}`);
      }
      break;
    }
  }
  return report;
}
