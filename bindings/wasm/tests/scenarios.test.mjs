// Replays every file of tests/scenarios/ through the JS API of the package (Node build in
// ../pkg/node) and checks the same outcome as the Rust harness: every step passes, except the
// steps marked as known core bugs, which must fail as expected (and are listed).
//   SCENARIO_FILTER=plans node --test tests/      some files
//   SCENARIO_TRACE=1                               print every step's result
//   SCENARIO_BUGS_FAIL=1                           known bugs fail the run

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { runFile, scenarioFiles } from './runner.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const kamkor = createRequire(import.meta.url)(join(here, '..', 'pkg', 'node', 'kamkor_wasm.js'));
const dir = join(here, '..', '..', '..', 'tests', 'scenarios');
const filter = process.env.SCENARIO_FILTER;
const trace = !!process.env.SCENARIO_TRACE && process.env.SCENARIO_TRACE !== '0';
const bugsFail = process.env.SCENARIO_BUGS_FAIL === '1';

const files = scenarioFiles(dir).filter((p) => !filter || p.includes(filter));
assert.ok(files.length > 0, `no scenarios in ${dir}`);

for (const path of files) {
  test(path.split('/').pop(), () => {
    const report = runFile(kamkor, path, { bugsFail, trace });
    for (const b of report.knownBugs) console.log(`  known core bug: ${b.at}: ${b.bug}`);
    assert.deepEqual(report.failures, [], report.failures.join('\n\n'));
    // Agreement with the Rust harness on a green run: the known bugs are exactly the marked steps.
    const marked = JSON.parse(readFileSync(path, 'utf8')).steps.flatMap((s, i) => (s.bug ? [i] : []));
    assert.deepEqual(report.knownBugs.map((b) => b.step), marked);
  });
}
