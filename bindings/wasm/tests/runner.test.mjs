// The harness itself: known bugs, unknown ops and arguments fail loudly, the matcher's forms
// (the cases of matcher.rs's unit test).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { check, substitute } from './matcher.mjs';
import { runFile } from './runner.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const kamkor = createRequire(import.meta.url)(join(here, '..', 'pkg', 'node', 'kamkor_wasm.js'));
const dir = mkdtempSync(join(tmpdir(), 'kamkor-scenarios-'));

function scenario(name, steps) {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    name, description: 'harness test', profile: 'kyrgyzstan', clock: '2026-11-23T09:00:00Z',
    users: [{ login: 'spec', role: 'specialist', territory: '41711000000000', agency_inn: '111' }], steps,
  }));
  return path;
}

test('a known bug that fails as stated is listed; one that passes fails the run', () => {
  const failing = runFile(kamkor, scenario('bug-still-there', [
    { as: 'spec', op: 'whoami', expect: { match: { '/login': 'someone else' } }, bug: 'whoami names someone else' },
    { as: 'spec', op: 'whoami', expect: { match: { '/login': 'spec' } } },
  ]));
  assert.deepEqual(failing.failures, []);
  assert.deepEqual(failing.knownBugs.map((b) => b.step), [0]);
  const fixed = runFile(kamkor, scenario('bug-fixed', [
    { as: 'spec', op: 'whoami', expect: { match: { '/login': 'spec' } }, bug: 'was wrong once' },
  ]));
  assert.match(fixed.failures.join(), /remove the `bug` marker/);
  assert.match(runFile(kamkor, scenario('bugs-fail', [
    { as: 'spec', op: 'whoami', expect: { match: { '/login': 'x' } }, bug: 'b' },
  ]), { bugsFail: true }).failures.join(), /expected "x"/);
});

test('unknown ops, unknown arguments, missing sessions and variables are scenario errors', () => {
  const cases = [
    [{ as: 'spec', op: 'teleport' }, /unknown op `teleport`/],
    [{ as: 'spec', op: 'whoami', args: { extra: 1 } }, /unknown arguments \["extra"\]/],
    [{ as: 'nobody', op: 'whoami' }, /no session named "nobody"/],
    [{ op: 'whoami' }, /needs `as`/],
    [{ as: 'spec', op: 'get_child', args: { id: '$nope' } }, /unknown variable \$nope/],
    [{ as: 'spec', op: 'list_children', args: { offset: 0 } }, /`limit` is required/],
  ];
  cases.forEach(([step, re], i) => {
    const r = runFile(kamkor, scenario(`scenario-error-${i}`, [step]));
    assert.match(r.failures.join(), /scenario error/);
    assert.match(r.failures.join(), re);
  });
});

test('errors are matched by code, reason and field; a wrong expectation fails', () => {
  const ok = runFile(kamkor, scenario('errors', [
    { as: 'spec', op: 'get_child', args: { id: '0123456789abcdef0123456789abcdef' }, expect: { error: { code: 'NOT_FOUND' } } },
  ]));
  assert.deepEqual(ok.failures, []);
  const bad = runFile(kamkor, scenario('errors-wrong', [
    { as: 'spec', op: 'get_child', args: { id: '0123456789abcdef0123456789abcdef' }, expect: { error: { code: 'CONFLICT' } } },
  ]));
  assert.match(bad.failures.join(), /error \/code: expected "CONFLICT", got "NOT_FOUND"/);
});

test('matcher forms (as core/tests/scenario_runner/matcher.rs)', () => {
  const doc = { a: [{ x: 1, y: [1, 2] }, { x: 2 }], s: 'abc', f: 1.0 };
  const yes = [['/a/0/x', 1], ['/f', 1], ['/a', { $len: 2 }], ['/s', { $len: 3 }], ['/a', { $includes: { x: 2 } }],
    ['/a', { $includes: [{ y: [2] }, { x: 2 }] }], ['/a', { $excludes: { x: 3 } }], ['/a', { $excludes: [{ x: 3 }, { x: 4 }] }],
    ['/a', { $all: [{ $len: 2 }, { $includes: { x: 2 } }] }], ['', { $all: [{ $absent: false }, { $includes: { s: 'abc' } }] }],
    ['/a/0/y', { $includes: 2 }], ['/b', { $absent: true }], ['/a', { $like: [{ x: 1 }, {}] }], ['/a', { $absent: false }]];
  const no = [['/a', { $excludes: [{ x: 3 }, { x: 2 }] }], ['/a', { $all: [{ $len: 2 }, { $includes: { x: 5 } }] }],
    ['/a', { $like: [{ x: 2 }, {}] }], ['/a', { $like: [{ x: 1 }] }], ['/a/0/x', 2], ['/a', { $includes: { x: 3 } }],
    ['/a', { $len: 1 }], ['a', 1], ['/s', { $len: 2 }], ['/a/0', { x: 1 }]];
  for (const [at, e] of yes) assert.equal(check(doc, at, e), null, `${at} ${JSON.stringify(e)}`);
  for (const [at, e] of no) assert.notEqual(check(doc, at, e), null, `${at} ${JSON.stringify(e)}`);
  assert.deepEqual(substitute({ k: ['$id', '$$lit'] }, { id: 'abc' }), { k: ['abc', '$lit'] });
  assert.throws(() => substitute('$nope', {}));
  assert.equal(check({ s: 'ңөү' }, '/s', { $len: 3 }), null, 'lengths in characters');
});
