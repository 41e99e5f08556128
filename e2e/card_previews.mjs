// Card previews: every Adaptive Card template, filled with its sample data by the project's own
// templating (python -m adaptive_cards.samples), rendered by Microsoft's `adaptivecards`
// renderer in headless Chromium to docs/cards/<name>.png. Parse warnings and validation events
// (unknown elements, duplicate input ids, missing required properties) fail the run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser } from './lib/browser.mjs';
import { projectPython, ROOT } from './lib/project.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RENDERER = path.join(HERE, 'node_modules', 'adaptivecards', 'dist');
const OUT = process.env.STEPFORWARD_CARDS_OUT || path.join(ROOT, 'docs', 'cards');

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="${pathToFileURL(path.join(RENDERER, 'adaptivecards.css'))}">
<script src="${pathToFileURL(path.join(RENDERER, 'adaptivecards.min.js'))}"></script>
<style>
  body { margin: 0; padding: 16px; background: #f5f5f5; font-family: 'Segoe UI', system-ui, sans-serif; }
  #card { width: 540px; background: #fff; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
</style></head>
<body><div id="card"></div></body></html>`;

/** Parse, validate and render one card in the page; returns the renderer's complaints. */
function renderInPage(payload) {
  const AC = window.AdaptiveCards;
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig({
    fontFamily: "'Segoe UI', system-ui, sans-serif",
    actions: { actionsOrientation: 'horizontal', maxActions: 6, buttonSpacing: 8 },
  });
  const context = new AC.SerializationContext(AC.Version.parse('1.5'));
  card.parse(payload, context);
  const problems = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(`validation: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  const host = document.getElementById('card');
  host.replaceChildren();
  const element = card.render();
  if (!element) problems.push('render: the renderer produced nothing');
  else host.appendChild(element);
  return problems;
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), 'stepforward-cards-'));
  const browser = await launchBrowser({ viewport: { width: 572, height: 400 } });
  let failures = 0;
  try {
    const filled = path.join(work, 'filled');
    execFileSync(projectPython(), ['-m', 'adaptive_cards.samples', filled], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const names = readdirSync(filled).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    if (names.length === 0) throw new Error('no card templates found');
    writeFileSync(path.join(work, 'preview.html'), PAGE);
    mkdirSync(OUT, { recursive: true });
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(path.join(work, 'preview.html')).href);
    await page.waitForFunction(() => window.AdaptiveCards !== undefined);
    for (const name of names) {
      const payload = JSON.parse(readFileSync(path.join(filled, `${name}.json`), 'utf8'));
      const problems = await page.evaluate(renderInPage, payload);
      await page.locator('#card').screenshot({ path: path.join(OUT, `${name}.png`) });
      if (problems.length) {
        failures += 1;
        console.error(`FAIL ${name}\n  ${problems.join('\n  ')}`);
      } else {
        console.log(`ok   ${name} -> ${path.relative(ROOT, path.join(OUT, `${name}.png`))}`);
      }
    }
    if (browser.blocked.length) {
      failures += 1;
      console.error(`FAIL the page tried to reach the network: ${browser.blocked.join(', ')}`);
    }
    // A template removed since the last run leaves no stale preview behind.
    for (const file of readdirSync(OUT)) {
      if (file.endsWith('.png') && !names.includes(file.slice(0, -4))) rmSync(path.join(OUT, file));
    }
    console.log(`${names.length - failures} of ${names.length} cards rendered cleanly`);
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
  if (failures) process.exitCode = 1;
}

if (!existsSync(RENDERER)) {
  console.error('adaptivecards is not installed: run `npm ci` in e2e/');
  process.exit(2);
}
await main();
