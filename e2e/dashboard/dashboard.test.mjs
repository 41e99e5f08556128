// The coordinators' dashboard in a real browser: the bot on a seeded programme
// (tests/dashboard_programme.py), the page as a Teams tab in a stand-in for Teams that signs
// the person in (lib/teams_host.mjs), and outside Teams through a signed link. Screenshots go
// to artifacts/dashboard/, and after a passing run to docs/screens/dashboard-*.png.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { projectPython, ROOT } from '../lib/project.mjs';
import { freePort, logTails, stop, waitFor } from '../lib/stack.mjs';
import { ARTIFACTS } from '../lib/teams.mjs';
import { HOST_ORIGIN, hostPage, startTenantKeys, TENANT } from '../lib/teams_host.mjs';

const APP_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const PUBLIC = 'https://stepforward.test';
const AUDIENCE = `api://stepforward.test/${APP_ID}`;
const SHOTS = path.join(ARTIFACTS, 'dashboard');
const TIMEOUT = 30_000;

async function startBot(keysUrl) {
  const work = mkdtempSync(path.join(tmpdir(), 'stepforward-dashboard-'));
  const database = `sqlite:///${path.join(work, 'stepforward.db')}`;
  const env = {
    ...process.env,
    PYTHONPATH: ROOT,
    DATABASE_URL: database,
    STEPFORWARD_SCHEDULER: 'false',
    MicrosoftAppId: APP_ID,
    STEPFORWARD_PUBLIC_HOST: 'stepforward.test',
    STEPFORWARD_PUBLIC_URL: PUBLIC,
    STEPFORWARD_TAB_SSO_KEYS_URL: keysUrl,
    STEPFORWARD_ALLOWED_TENANTS: TENANT,
    STEPFORWARD_CHAMPION: 'aad-dash-champion',
    STEPFORWARD_DASHBOARD_LINK_SECRET: `e2e-${Date.now()}-dashboard-link-secret`,
  };
  const run = promisify(execFile);
  const { stdout } = await run(projectPython(), ['-m', 'tests.dashboard_programme', database], { cwd: ROOT, env });
  const seeded = JSON.parse(stdout);
  const port = await freePort();
  const out = openSync(path.join(work, 'bot.log'), 'a');
  const bot = spawn(projectPython(), ['-m', 'bot.cli', 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: work, env, stdio: ['ignore', out, out],
  });
  bot.log = 'bot.log';
  try {
    await waitFor(`http://127.0.0.1:${port}/readyz`, bot, 'the bot');
  } catch (error) {
    await stop(bot);
    throw new Error(`${error.message}\n${logTails(work, [bot])}`, { cause: error });
  }
  return {
    seeded,
    origin: `http://127.0.0.1:${port}`,
    /** A dashboard link as the `dashboard` command makes it, for `aad`. */
    async link(aad) {
      const code = [
        'import sys', 'from datetime import UTC, datetime', 'from bot.settings import Settings',
        'from bot.dashboard.links import DashboardLinks',
        'print(DashboardLinks(Settings()).make(sys.argv[1], datetime.now(UTC)).url)',
      ].join('\n');
      const { stdout: url } = await run(projectPython(), ['-c', code, aad], { cwd: work, env });
      return url.trim();
    },
    async stop() {
      await stop(bot);
      if (process.env.STEPFORWARD_E2E_KEEP) console.log(`kept ${work}`);
      else rmSync(work, { recursive: true, force: true });
    },
  };
}

describe('the programme dashboard', () => {
  let keys;
  let bot;
  let browser;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    keys = await startTenantKeys();
    bot = await startBot(keys.url);
    browser = await launchBrowser();
    // The public host is the bot on loopback; Teams is the stand-in page.
    await browser.context.route(`${PUBLIC}/**`, async (route) => {
      const request = route.request();
      const response = await route.fetch({ url: request.url().replace(PUBLIC, bot.origin) });
      await route.fulfill({ response });
    });
  });

  after(async () => {
    await browser?.close();
    await bot?.stop();
    await keys?.stop();
  });

  /** A page with the tab open in the Teams stand-in, signed in as `who`. */
  async function openTab(who, { theme = 'default', viewport, name, prepare } = {}) {
    const page = await browser.context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    if (prepare) await prepare(page);
    const token = keys.token({ audience: AUDIENCE, oid: who, name });
    const html = hostPage({ tabUrl: `${PUBLIC}/dashboard/`, token, theme, userObjectId: who });
    await page.route(`${HOST_ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${HOST_ORIGIN}/_test/host`);
    const tab = page.frameLocator('#tab');
    return { page, tab, problems };
  }

  /** The tab as it shows now, or one part of it (`selector`) whole. */
  async function shot(page, name, { tab, selector } = {}) {
    const file = path.join(SHOTS, `dashboard-${name}.png`);
    if (!selector) {
      await page.screenshot({ path: file });
      return;
    }
    // A part taller than the window is only drawn once the window holds the whole page.
    const size = page.viewportSize();
    const height = await tab.locator('html').evaluate((html) => html.scrollHeight);
    await page.setViewportSize({ width: size.width, height });
    await tab.locator(selector).screenshot({ path: file });
    await page.setViewportSize(size);
  }

  async function dataAs(who) {
    const response = await fetch(`${bot.origin}/dashboard/api/data`, {
      headers: { Authorization: `Bearer ${keys.token({ audience: AUDIENCE, oid: who })}` },
    });
    return { status: response.status, body: await response.json() };
  }

  test('a coordinator opens the tab: the funnel, the pairs grid and the escalations, as the server sent them', async () => {
    const { page, tab, problems } = await openTab(bot.seeded.coordinator);
    await tab.locator('#sessions-chart svg').waitFor({ timeout: TIMEOUT });
    const { body: data } = await dataAs(bot.seeded.coordinator);

    await shot(page, '01-tab');
    await shot(page, '02-pairs-grid', { tab, selector: '#pairs' });
    await shot(page, '03-escalations', { tab, selector: '#escalations' });

    // The funnel: each organisation's numbers, or the words that stand for a hidden one.
    const funnelRows = await tab.locator('#funnel-table tbody tr').allInnerTexts();
    for (const organisation of data.funnel.organisations) {
      const row = funnelRows.find((text) => text.startsWith(organisation.name));
      assert.ok(row, organisation.name);
      const expected = organisation.counts ? organisation.counts.join('\t') : organisation.hidden;
      assert.ok(row.includes(expected), `${organisation.name}: ${row}`);
    }
    assert.ok(funnelRows.some((row) => row.startsWith('Probation Service') && row.includes('fewer than 5')));
    assert.ok(funnelRows.at(-1).startsWith(`All\t${data.funnel.all.join('\t')}`));
    assert.equal(await tab.locator('#funnel-chart svg').count(), 1);
    assert.deepEqual(await tab.locator('#funnel-chart .ct-labels .ct-vertical').allInnerTexts(),
      data.funnel.organisations.filter((o) => o.counts).map((o) => o.name).reverse());

    // The grid: a row per pair, a cell per programme month, in the states the server gave.
    const rows = tab.locator('#pairs-grid tbody tr');
    assert.equal(await rows.count(), data.pairs.rows.length);
    const first = data.pairs.rows[0];
    const firstCells = await rows.first().locator('td .cell').evaluateAll((cells) => cells.map((c) => c.className));
    assert.deepEqual(firstCells, Array.from(first[6], (letter) => `cell ${data.pairs.month_states[letter]}`));
    assert.match(await tab.locator('#pairs-count').innerText(), /^10 pairs\./);

    // Escalations, oldest first, with who is on it and the way to the card in Teams.
    const items = tab.locator('#escalation-list > li');
    assert.equal(await items.count(), 3);
    assert.match(await items.nth(0).innerText(), /Stalled pairing: no session for too long[\s\S]*open 9 days[\s\S]*Nobody on it yet/);
    assert.match(await items.nth(1).innerText(), /Assigned to Alex Wilber/);
    assert.match(await items.nth(2).innerText(), /Release block: not released[\s\S]*has not reached the coordinator channel yet/);
    const href = await items.nth(0).getByRole('link', { name: 'Open its card in Teams' }).getAttribute('href');
    assert.equal(href, `https://teams.microsoft.com/l/message/19:coordinators-dashboard@thread.tacv2/1700000000001?parentMessageId=1700000000001&tenantId=${TENANT}`);
    await items.nth(0).getByRole('link', { name: 'Open its card in Teams' }).click();
    await page.waitForFunction((url) => window.hostCalls.some((c) => c.func === 'executeDeepLink' && c.args[0] === url), href);

    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the pairs grid filters by organisation, mentor, health colour and missed months', async () => {
    // Health is worked out elsewhere; give two pairs a colour in the data the page receives.
    const withHealth = (page) => page.route(`${PUBLIC}/dashboard/api/data`, async (route) => {
      const response = await route.fetch({ url: `${bot.origin}/dashboard/api/data` });
      const body = await response.json();
      const [a, b] = body.pairs.rows;
      body.pairs.health = {
        [a[0]]: { colour: 'green', reasons: ['sessions on track'] },
        [b[0]]: { colour: 'red', reasons: ['a month missed', 'asked for help'] },
      };
      await route.fulfill({ status: response.status(), json: body });
    });
    const { page, tab } = await openTab(bot.seeded.coordinator, { prepare: withHealth });
    await tab.locator('#pairs-grid tbody tr').first().waitFor({ timeout: TIMEOUT });
    const rows = tab.locator('#pairs-grid tbody tr');
    const names = async () => (await rows.locator('.trainee').allInnerTexts()).map((t) => t.replace(/⚑ escalated/, '').trim());

    await tab.locator('#filter-organisation').selectOption({ label: 'Probation Service' });
    // Probation's trainee, and the pairs whose mentor is from Probation.
    assert.deepEqual(await names(), ['Henrietta Mueller', 'Jordan Miller']);
    assert.match(await tab.locator('#pairs-count').innerText(), /Showing 2 of 10 pairs/);

    await tab.locator('#filter-organisation').selectOption('');
    await tab.locator('#filter-mentor').selectOption({ label: 'Megan Bowen' });
    assert.deepEqual(await names(), ['Lynne Robbins', 'Raul Razo']);

    await tab.locator('#filter-mentor').selectOption('');
    await tab.locator('#filter-colour').selectOption('red');
    assert.deepEqual(await names(), ['Joni Sherman']);
    assert.match(await rows.first().locator('.health').getAttribute('title'), /red \(a month missed; asked for help\)/);
    await tab.locator('#filter-colour').selectOption('not known');
    assert.equal(await rows.count(), 8);

    await tab.locator('#filter-colour').selectOption('');
    await tab.locator('#filter-missed').check();
    const missed = await names();
    assert.ok(missed.length > 0 && missed.length < 10);
    for (const row of await rows.all()) assert.ok((await row.locator('.cell.missed').count()) > 0);
    await shot(page, '04-filtered', { tab, selector: '#pairs' });
    await page.close();
  });

  test('the dark theme applies from Teams, and the page follows a change to high contrast', async () => {
    const { page, tab } = await openTab(bot.seeded.coordinator, { theme: 'dark' });
    await tab.locator('#sessions-chart svg').waitFor({ timeout: TIMEOUT });
    const theme = () => tab.locator('html').getAttribute('data-theme');
    const background = () => tab.locator('body').evaluate((body) => getComputedStyle(body.parentElement).backgroundColor);
    assert.equal(await theme(), 'dark');
    assert.equal(await background(), 'rgb(31, 31, 31)');
    await shot(page, '05-dark');
    await page.evaluate(() => window.setTheme('contrast'));
    await tab.locator('html[data-theme="contrast"]').waitFor({ timeout: TIMEOUT });
    assert.equal(await background(), 'rgb(0, 0, 0)');
    const link = tab.locator('#escalation-list a').first();
    assert.equal(await link.evaluate((a) => getComputedStyle(a).color), 'rgb(255, 255, 1)');
    await shot(page, '06-high-contrast');
    await page.close();
  });

  test('at 320 px (Teams on a phone) nothing runs off the side but the wide tables, which scroll', async () => {
    const { page, tab } = await openTab(bot.seeded.coordinator, { viewport: { width: 320, height: 640 } });
    await tab.locator('#sessions-chart svg').waitFor({ timeout: TIMEOUT });
    const width = await tab.locator('html').evaluate((html) => html.scrollWidth);
    assert.ok(width <= 320, `the page is ${width} px wide`);
    const gridFits = await tab.locator('#pairs-grid').evaluate((grid) => grid.getBoundingClientRect().width <= 320);
    assert.ok(gridFits, 'the pairs grid fits without scrolling');
    await tab.locator('#filter-organisation').selectOption({ label: 'Police Service' });
    assert.match(await tab.locator('#pairs-count').innerText(), /Showing \d of 10 pairs/);
    await shot(page, '07-320px');
    await shot(page, '08-320px-pairs', { tab, selector: '#pairs' });
    await page.close();
  });

  test('anyone but a coordinator or the champion is told the page is for coordinators, and gets no data', async () => {
    const { status, body } = await dataAs(bot.seeded.trainee);
    assert.equal(status, 403);
    assert.deepEqual(Object.keys(body), ['error']);
    const { page, tab } = await openTab(bot.seeded.trainee, { name: 'Lynne Robbins' });
    await tab.getByText('This page is for programme coordinators.').waitFor({ timeout: TIMEOUT });
    assert.equal(await tab.locator('#views').isHidden(), true);
    assert.equal(await tab.locator('#sections').isHidden(), true);
    assert.equal(await tab.locator('#pairs-grid tbody tr').count(), 0);
    await shot(page, '09-not-a-coordinator');
    await page.close();
  });

  test('the champion sees the figures and escalations, not the grid of pairs', async () => {
    const { page, tab } = await openTab(bot.seeded.champion);
    await tab.locator('#funnel-table').waitFor({ timeout: TIMEOUT });
    assert.equal(await tab.locator('#escalation-list > li').count(), 3);
    assert.match(await tab.locator('#pairs-count').innerText(), /for programme coordinators/);
    assert.equal(await tab.locator('#pairs-grid tbody tr').count(), 0);
    await page.close();
  });

  test('outside Teams, the link from the `dashboard` command opens the same page, and only until it expires', async () => {
    const url = await bot.link(bot.seeded.coordinator);
    assert.ok(url.startsWith(`${PUBLIC}/dashboard/#link=`));
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.locator('#pairs-grid tbody tr').first().waitFor({ timeout: TIMEOUT });
    assert.equal(await page.locator('#escalation-list > li').count(), 3);
    assert.equal(new URL(page.url()).hash, '', 'the link is taken out of the address bar');
    await page.reload();
    await page.locator('#funnel-table').waitFor({ timeout: TIMEOUT });

    const tampered = await browser.context.newPage();
    await tampered.goto(url.replace(/.(?=.{6}$)/, (c) => (c === 'A' ? 'B' : 'A')));
    await tampered.getByText('This dashboard link is not valid.').waitFor({ timeout: TIMEOUT });
    const bare = await browser.context.newPage();
    await bare.goto(`${PUBLIC}/dashboard/`);
    await bare.getByText('Open this page from the Dashboard tab in Teams').waitFor({ timeout: TIMEOUT });
    await Promise.all([page.close(), tampered.close(), bare.close()]);
  });
});
