// A pair that drifts, in a real browser: Lynne Robbins (accepted) is paired with Megan Bowen,
// and five weeks pass without a session. The scheduler's sweep, run as the CLI with its own
// clock, works out the pair's health (amber) and sends each of them one re-engagement card
// worded for their role; the coordinators see the pair in `health`; the trainee taps "Ask for
// help" and the channel gets the escalation card. Then the coordinators end the pairing early:
// both get a closing card with a closing check, and the channel is told why it ended.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { ROOT } from '../lib/project.mjs';
import { startStack } from '../lib/stack.mjs';
import { sent, sweepUntilSent, workingMorning } from '../lib/sweeps.mjs';
import { TeamsPage } from '../lib/teams.mjs';

const LYNNE = ['00000000-0000-0000-0000-0000000000025', 'Lynne Robbins'];
const MEGAN = 'Megan Bowen';
const DAY = 24 * 60 * 60 * 1000;

describe('Pair health: a pair that stops meeting gets help before it turns red', () => {
  let stack;
  let browser;
  let coordinator;
  let trainee;
  let mentor;

  before(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('amber: one card each, worded for the reader; the coordinators see why; Ask for help reaches them', async () => {
    coordinator = new TeamsPage(await browser.context.newPage(), 'health-channel');
    await coordinator.open(stack.playgrounds.coordinator);
    await coordinator.openChat('Coordinators');
    await coordinator.post('setup coordinator channel');
    await coordinator.reply(/this channel is now the coordinator channel/);

    trainee = new TeamsPage(await browser.context.newPage(), 'health-trainee');
    await trainee.open(stack.playgrounds.trainee);
    await trainee.card('Welcome to Step Forward');
    await stack.python(path.join(ROOT, 'e2e', 'lib', 'accepted_trainee.py'), LYNNE[0], LYNNE[1]);
    mentor = new TeamsPage(await browser.context.newPage(), 'health-mentor');
    await mentor.open(stack.playgrounds.mentor);
    await mentor.card('Welcome back');

    await coordinator.post(`pair ${LYNNE[1]} with ${MEGAN}`);
    await coordinator.reply(`Paired ${LYNNE[1]} with ${MEGAN}. I've introduced them to each other.`);
    await trainee.card(new RegExp(MEGAN));

    // Five weeks on, no session held or booked: the pair is amber.
    const report = await sweepUntilSent(
      stack, workingMorning(new Date(Date.now() + 36 * DAY)), 're_engagement', 6,
    );
    assert.ok(sent(report, 're_engagement'), report);

    const hers = await trainee.card("How's your mentoring going?");
    const words = await hers.innerText();
    assert.match(words, new RegExp(`your mentor, ${MEGAN}`));
    assert.match(words, /It's fine to be the one who suggests a time/);
    for (const button of ['Book a session', 'Ask for help', 'Pause']) {
      assert.equal(await hers.getByRole('button', { name: button }).count(), 1, button);
    }
    await hers.scrollIntoViewIfNeeded();
    await trainee.shot('re-engagement');

    const his = await mentor.card("How's your mentoring going?");
    assert.match(await his.innerText(), new RegExp(`your mentee, ${LYNNE[1]}`));
    assert.match(await his.innerText(), /Your mentee may be waiting for you to suggest a time/);
    await his.scrollIntoViewIfNeeded();
    await mentor.shot('re-engagement');

    // A second sweep the same day sends neither of them another one.
    const again = await stack.sweep(workingMorning(new Date(Date.now() + 37 * DAY)));
    assert.ok(!sent(again, 're_engagement'), again);

    await coordinator.post('health');
    // The pair is a list item (not a paragraph) of the listing.
    await coordinator.reply(/Pair health/);
    const listing = coordinator.page.getByText(new RegExp(`${LYNNE[1]} ↔ ${MEGAN}.*amber since`)).last();
    await listing.waitFor();
    await coordinator.shot('health');

    await trainee.press(hers, 'Ask for help');
    await trainee.reply(/coordinators/);
    await trainee.shot('asked-for-help');
    const escalation = await coordinator.card(new RegExp(`${LYNNE[1]}`));
    assert.match(await escalation.innerText(), /Escalation #\d+/);
    await escalation.scrollIntoViewIfNeeded();
    await coordinator.shot('escalation');
  });

  test('an early ending: a closing card each with a closing check, and the channel told why', async () => {
    await coordinator.post(`end pairing ${LYNNE[1]}`);
    const hers = await trainee.card('What you achieved together');
    const words = await hers.innerText();
    assert.match(words, new RegExp(`${MEGAN} \\(your mentor\\)`));
    assert.match(words, /Sessions held/);
    assert.match(words, /paired with a new mentor/);
    await hers.scrollIntoViewIfNeeded();
    await trainee.shot('closing-card');
    const his = await mentor.card('What you achieved together');
    assert.match(await his.innerText(), new RegExp(`${LYNNE[1]} \\(your mentee\\)`));
    await his.scrollIntoViewIfNeeded();
    await mentor.shot('closing-card');

    const post = await coordinator.reply(/A pairing ended early/);
    assert.match(await post.innerText(), new RegExp(`${LYNNE[1]} ↔ ${MEGAN}`));
    await coordinator.shot('early-ending');

    await hers.getByText('Somewhat', { exact: true }).click();
    await hers.getByText('Partly', { exact: true }).click();
    await hers.locator('input[type="radio"][value="yes"], [role="radio"][aria-label="Yes"]').first().click();
    await hers.locator('textarea').fill('Thank you for the two chats we had.');
    await trainee.press(hers, 'Send');
    await trainee.reply(/your closing check is saved/);
    await trainee.shot('closing-check-saved');
  });
});
