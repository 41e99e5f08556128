// End-to-end journeys in a real browser: Debian's Chromium drives the Agents Playground, which
// talks to the real bot on a fresh database. Each step leaves a screenshot in e2e/artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { startStack } from '../lib/stack.mjs';
import { TeamsPage } from '../lib/teams.mjs';

describe('Step Forward in the Agents Playground', () => {
  let stack;
  let browser; // the Playground's own web fonts and animations from a CDN are blocked too

  before(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('a trainee gets the welcome card, applies through the form cards and sees the application', async () => {
    const trainee = new TeamsPage(await browser.context.newPage(), 'apply');
    await trainee.open(stack.playgrounds.trainee);
    await trainee.card('Welcome to Step Forward');
    await trainee.shot('welcome');

    // The welcome card's Apply button is a messageBack, which the Playground does not send;
    // typing the same words does what the button does in Teams.
    await trainee.send('apply');
    const start = await trainee.card('Step 1 of 4');
    await start.getByText('Trainee / mentee').click();
    await start.getByText('I have read the privacy notice and agree').click();
    await trainee.shot('consent');
    await trainee.press(start, 'Next');

    const about = await trainee.card('Step 2 of 4');
    await about.getByPlaceholder('e.g. City Council').fill('City Council');
    await about.getByPlaceholder('e.g. Housing').fill('Housing');
    await about.getByPlaceholder('e.g. Scale 5, Sergeant').fill('Scale 5');
    await about.getByPlaceholder('e.g. Leicester').fill('Leicester');
    await trainee.shot('about-you');
    await trainee.press(about, 'Next');

    const goals = await trainee.card('Step 3 of 4');
    await goals.locator('textarea').first().fill('Move into a team leader role within two years.');
    await goals.getByText('Confidence', { exact: true }).click();
    await goals.getByText('Interviews', { exact: true }).click();
    await goals.getByPlaceholder('e.g. Tuesday or Thursday afternoons').fill('Tuesday afternoons');
    await trainee.shot('goals');
    await trainee.press(goals, 'Next');

    const equality = await trainee.card('Step 4 of 4');
    await trainee.press(equality, 'Skip this section');

    const summary = await trainee.card('Please check your answers');
    await trainee.shot('check-answers');
    await trainee.press(summary, 'Submit my application');
    await trainee.reply(/submitted|Thank you/i);
    await trainee.shot('confirmation');

    await trainee.send('my application');
    const mine = await trainee.card(/^Status: submitted/);
    const text = await mine.innerText();
    assert.match(text, /City Council/);
    assert.match(text, /Move into a team leader role within two years\./);
    await trainee.shot('my-application');
  });
});
