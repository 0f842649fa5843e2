// Browser tests of the demo page: headless Debian Chromium driven by playwright-core. They go
// through the main flows as a person would and assert what the page shows; screenshots
// (desktop and phone width) go to web-demo/screenshots/ (git-ignored).
//   CHROMIUM=/usr/bin/chromium node --test web-demo/tests/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';
import { DEMO_PASSPHRASE, DEMO_PASSWORD, kgPin } from '../demo.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const shots = join(here, '..', 'screenshots');
mkdirSync(shots, { recursive: true });

let server;
let browser;
let base;

before(async () => {
  server = await serve(0);
  base = `http://127.0.0.1:${server.address().port}/`;
  // Playwright gives every launch a fresh, temporary --user-data-dir itself.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function page(opts = DESKTOP, lang = 'ru') {
  const context = await browser.newContext({ ...opts, acceptDownloads: true });
  await context.addInitScript((l) => { if (!localStorage.getItem('kamkor.lang')) localStorage.setItem('kamkor.lang', l); }, lang);
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e));
  p.errors = errors;
  await p.goto(base);
  await p.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return p;
}

async function signIn(p, login, password = DEMO_PASSWORD) {
  await p.selectOption('#login', login);
  await p.fill('#password', password);
  await p.press('#password', 'Enter');
}

const text = (p, sel) => p.locator(sel).innerText();
const shot = (p, name) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

async function noHorizontalScroll(p) {
  const [sw, w] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= w + 1, `the page scrolls sideways: ${sw} > ${w}`);
}

describe('field worker (desktop, Russian)', () => {
  let p;
  before(async () => { p = await page(DESKTOP, 'ru'); });
  after(async () => { assert.deepEqual(p.errors.map(String), []); await p.context().close(); });

  test('sign in: a wrong password is refused in Russian, then the worker is in', async () => {
    await shot(p, 'desktop-01-sign-in');
    await signIn(p, 'aigul', 'wrong password');
    const err = p.locator('[data-test=error]');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'BAD_CREDENTIALS');
    assert.match(await err.innerText(), /Неверн/);
    await signIn(p, 'aigul');
    await p.locator('[data-test=who]').waitFor();
    assert.match(await text(p, '[data-test=who]'), /Асанова Айгүл · Ответственный специалист/);
  });

  test('the list shows the children of the worker\'s territory only', async () => {
    const list = await text(p, '[data-test=children]');
    assert.match(list, /Асанова Айзада/);
    assert.match(list, /Маматов Эмир/);
    assert.doesNotMatch(list, /Абдыкадыров/, 'a child of Osh is outside Bishkek');
    await shot(p, 'desktop-02-children');
  });

  test('registering: PIN checked and duplicates shown as one types; bad dates refused, nothing lost', async () => {
    await p.click('[data-test=new-child]');
    await p.fill('#f-surname', 'Асанова');
    await p.fill('#f-given_name', 'Айзада');
    await p.fill('#f-pin', '1234');
    await p.locator('[data-test=pin-error]').waitFor();
    assert.match(await text(p, '[data-test=pin-error]'), /14/);
    await p.fill('#f-pin', kgPin('female', '2015-03-14', 11));
    await p.locator('[data-test=pin-ok]').waitFor();
    await p.locator('[data-test=duplicates]').waitFor();
    assert.match(await text(p, '[data-test=duplicates]'), /Асанова Айзада \(14\.03\.2015\)/);
    await shot(p, 'desktop-03-duplicate-warning');

    // Another child: an impossible birth date is refused with the reason, the form keeps its values.
    await p.fill('#f-surname', 'Бекова');
    await p.fill('#f-given_name', 'Мээрим');
    await p.fill('#f-pin', '');
    await p.fill('#f-birth_date', '1899-05-01');
    await p.click('[data-test=child-form] button[type=submit]');
    const err = p.locator('[data-test=error]');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'DATE_IMPOSSIBLE');
    assert.equal(await p.inputValue('#f-surname'), 'Бекова');
    await shot(p, 'desktop-04-impossible-date');

    await p.fill('#f-birth_date', '2016-05-10');
    await p.fill('#f-pin', kgPin('female', '2016-05-10', 52));
    await p.locator('[data-test=pin-ok]').waitFor();
    await p.click('[data-test=child-form] button[type=submit]');
    await p.locator('[data-test=child-name]').waitFor();
    assert.equal(await text(p, '[data-test=child-name]'), 'Бекова Мээрим');
    assert.match(await text(p, '[data-test=ok]'), /зарегистрирован/);
  });

  test('a signal through primary information and the assessment to the generated plans', async () => {
    await p.fill('#f-document_number', 'С-301');
    await p.fill('#f-document_issuer', 'Телефон доверия 111');
    await p.click('[data-test=open-case] button[type=submit]');
    await p.locator('[data-test=case][data-state=identified]').waitFor();
    await p.click('[data-transition=record_primary_info]');
    await p.locator('[data-test=case][data-state=primary_info]').waitFor();
    await p.click('[data-transition=start_assessment]');
    await p.locator('[data-test=assessment]').waitFor();
    await p.check('[data-circumstance=neglect]');
    for (const d of ['health', 'education', 'family', 'housing', 'income', 'legal']) await p.check(`[data-none=${d}]`);
    await shot(p, 'desktop-05-assessment');
    await p.click('[data-test=submit-assessment]');
    await p.locator('[data-test=ok]').waitFor();
    assert.match(await text(p, '[data-test=risk]'), /Уровень риска: (низкий|средний|высокий|критический)/);
    await p.click('[data-transition=complete_assessment]');
    await p.locator('[data-test=case][data-state=planning]').waitFor();
    await p.click('[data-test=propose]');
    const proposed = p.locator('[data-proposed]');
    await proposed.first().waitFor();
    assert.ok((await proposed.count()) >= 2);
    await shot(p, 'desktop-06-proposal');
    await p.click('[data-test=accept]');
    await p.locator('[data-test=plans]').waitFor();
    await p.click('[data-transition=approve_plans]');
    await p.locator('[data-test=case][data-state=in_work]').waitFor();
    const plan = await text(p, '[data-test=plan-child]');
    assert.match(plan, /правило R31-neglect-needs \(версия 2026\.1\)/, 'each measure cites its rule');
    assert.match(plan, /\d+ раб\. дн\. → \d\d\.\d\d\.\d{4}/, 'due in working days with the date');
    await shot(p, 'desktop-07-plans');
  });

  test('marking a measure done', async () => {
    const first = p.locator('[data-test=plan-child] [data-done]').first();
    const id = await first.getAttribute('data-done');
    await first.click();
    const err = p.locator('[data-test=error]');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'REQUIRED', 'done needs a result');
    await p.fill(`[data-result="${id}"]`, 'Потребности проверены, помощь назначена');
    await p.click(`[data-done="${id}"]`);
    await p.locator(`[data-measure="${id}"] .status-done`).waitFor();
    assert.match(await text(p, `[data-measure="${id}"]`), /выполнено[\s\S]*Потребности проверены/);
  });

  test('the due list shows overdue items first with their reasons', async () => {
    await p.click('[data-nav=due]');
    const table = p.locator('[data-test=due]');
    await table.waitFor();
    const rows = await table.locator('tbody tr').allInnerTexts();
    assert.ok(rows.length >= 3, rows.join('\n'));
    assert.match(rows[0], /просрочено/);
    assert.ok(rows.some((r) => /Асанова Айзада/.test(r)));
    await shot(p, 'desktop-08-due');
  });

  test('reports with a chart and the map', async () => {
    await p.click('[data-nav=reports]');
    await p.locator('[data-test=chart] svg').waitFor();
    await p.locator('[data-test=map] svg').waitFor();
    assert.ok((await p.locator('[data-test=report-table] tbody tr').count()) > 0);
    await shot(p, 'desktop-09-reports');
  });

  test('Kyrgyz and English: all page text switches', async () => {
    await p.selectOption('#lang', 'ky');
    assert.equal(await text(p, '[data-nav=children]'), 'Балдар');
    await p.click('[data-nav=due]');
    assert.match(await text(p, 'h1'), /Мөөнөттөр/);
    await shot(p, 'desktop-10-due-ky');
    await p.selectOption('#lang', 'en');
    assert.equal(await text(p, '[data-nav=children]'), 'Children');
    assert.match(await text(p, '[data-test=due]'), /overdue/);
    await p.selectOption('#lang', 'ru');
  });

  test('the registry survives a reload (IndexedDB)', async () => {
    await p.reload();
    await p.waitForSelector('body[data-ready="true"]');
    await signIn(p, 'aigul');
    await p.locator('[data-test=children]').waitFor();
    assert.match(await text(p, '[data-test=children]'), /Бекова Мээрим/);
  });

  test('state file: saved, a damaged one and a wrong passphrase refused without losing anything', async () => {
    await p.click('[data-nav=data]');
    const [download] = await Promise.all([p.waitForEvent('download'), p.click('[data-test=save-file]')]);
    const file = await download.path();
    const bytes = readFileSync(file);
    assert.equal(bytes.subarray(0, 14).toString(), 'KAMKOR-BACKUP\n');

    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 40] ^= 0xff;
    await p.setInputFiles('#state-file', { name: 'damaged.kamkor-backup', mimeType: 'application/octet-stream', buffer: damaged });
    await p.fill('#state-pass', DEMO_PASSPHRASE);
    await p.click('[data-test=open-file] button[type=submit]');
    await p.locator('[data-test=error][data-reason=BACKUP_DAMAGED]').waitFor();
    await shot(p, 'desktop-11-damaged-file');

    await p.setInputFiles('#state-file', { name: 'state.kamkor-backup', mimeType: 'application/octet-stream', buffer: bytes });
    await p.fill('#state-pass', 'not the passphrase');
    await p.click('[data-test=open-file] button[type=submit]');
    await p.locator('[data-test=error][data-reason=WRONG_KEY]').waitFor();
    assert.match(await text(p, '[data-test=error]'), /ключ/i);

    // Still signed in, nothing lost.
    await p.click('[data-nav=children]');
    assert.match(await text(p, '[data-test=children]'), /Бекова Мээрим/);

    await p.click('[data-nav=data]');
    await p.setInputFiles('#state-file', { name: 'state.kamkor-backup', mimeType: 'application/octet-stream', buffer: bytes });
    await p.fill('#state-pass', DEMO_PASSPHRASE);
    await p.click('[data-test=open-file] button[type=submit]');
    await p.locator('[data-test=ok]').waitFor();
    await signIn(p, 'aigul');
    await p.locator('[data-test=children]').waitFor();
    assert.match(await text(p, '[data-test=children]'), /Бекова Мээрим/);
  });
});

describe('read-only supervisor (English)', () => {
  let p;
  before(async () => { p = await page(DESKTOP, 'en'); });
  after(async () => { assert.deepEqual(p.errors.map(String), []); await p.context().close(); });

  test('sees the children and the plans, and every change is refused with a clear message', async () => {
    await signIn(p, 'nurlan');
    await p.locator('[data-test=read-only]').waitFor();
    assert.match(await text(p, '[data-test=read-only]'), /read-only/);
    await p.click('text=Асанова Айзада');
    await p.locator('[data-test=plans]').waitFor();
    await p.locator('[data-test=plan-child] [data-done]').first().click();
    const err = p.locator('[data-test=error]');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'READ_ONLY');
    assert.match(await err.innerText(), /read|only|not allowed/i);
    await shot(p, 'desktop-12-read-only-refused');

    await p.click('[data-nav=children]');
    await p.click('[data-test=new-child]');
    await p.fill('#f-surname', 'Test');
    await p.fill('#f-given_name', 'Child');
    await p.fill('#f-birth_date', '2018-01-01');
    await p.click('[data-test=child-form] button[type=submit]');
    await p.locator('[data-test=error]').waitFor();
    assert.match(await p.locator('[data-test=error]').getAttribute('data-reason'), /READ_ONLY|NO_PERMISSION/);
    assert.equal(await p.inputValue('#f-surname'), 'Test', 'the form keeps what was typed');
  });
});

describe('phone width (Kyrgyz)', () => {
  let p;
  before(async () => { p = await page(PHONE, 'ky'); });
  after(async () => { assert.deepEqual(p.errors.map(String), []); await p.context().close(); });

  test('sign in, list, a child with plans, deadlines: readable without sideways scrolling', async () => {
    await shot(p, 'phone-01-sign-in');
    await noHorizontalScroll(p);
    await signIn(p, 'aigul');
    await p.locator('[data-test=children]').waitFor();
    await noHorizontalScroll(p);
    await shot(p, 'phone-02-children');
    await p.click('text=Асанова Айзада');
    await p.locator('[data-test=plans]').waitFor();
    assert.match(await text(p, '[data-test=plan-child]'), /иш күнү/);
    await noHorizontalScroll(p);
    await shot(p, 'phone-03-plans');
    await p.click('[data-nav=due]');
    await p.locator('[data-test=due]').waitFor();
    await noHorizontalScroll(p);
    await shot(p, 'phone-04-due');
    await p.click('[data-nav=children]');
    await p.click('[data-test=new-child]');
    await p.fill('#f-pin', '2');
    await p.locator('[data-test=pin-error]').waitFor();
    await noHorizontalScroll(p);
    await shot(p, 'phone-05-register');
  });
});
