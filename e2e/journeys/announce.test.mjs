// Announcing the application window, in a real browser: the bot runs with Microsoft Graph
// pointed at the project's fake Graph on loopback (tests/fake_graph), where the staff group
// "g-council" holds Lynne Robbins (who has not applied) and Megan Bowen (an accepted mentor).
// The coordinator writes the announcement from the form card, previews it and, as the demo's
// only coordinator, confirms it; the General channel gets a post, Lynne a personal card, and
// Megan nothing (she has applied already). Lynne applies from the card, and the coordinator
// sees whom it reached (a group this small has its counts hidden).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { startFakeGraph } from '../lib/fake_graph.mjs';
import { startStack } from '../lib/stack.mjs';
import { sent, sweepUntilSent, workingMorning } from '../lib/sweeps.mjs';
import { TeamsPage } from '../lib/teams.mjs';

const LYNNE = ['00000000-0000-0000-0000-0000000000025', 'Lynne Robbins', 'lynner@example.com'];
const MEGAN = ['00000000-0000-0000-0000-0000000000021', 'Megan Bowen', 'meganb@example.com'];
const DAY = 24 * 60 * 60 * 1000;

describe('Announcing the application window to a staff group and a channel', () => {
  let graph;
  let stack;
  let browser;

  before(async () => {
    graph = await startFakeGraph([LYNNE, MEGAN], { 'g-council': [LYNNE[0], MEGAN[0]] });
    stack = await startStack({ env: graph.env });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await graph?.stop();
  });

  test('a coordinator announces the programme and a trainee applies from the card', async () => {
    const coordinator = new TeamsPage(await browser.context.newPage(), 'announce-channel');
    await coordinator.open(stack.playgrounds.coordinator);
    await coordinator.openChat('Coordinators');
    await coordinator.post('setup coordinator channel');
    await coordinator.reply(/this channel is now the coordinator channel/);
    // The bot learns of the General channel when someone talks to it there.
    await coordinator.openChat('General');
    await coordinator.post('help');
    await coordinator.reply(/Here is what you can ask me in this channel/);

    const trainee = new TeamsPage(await browser.context.newPage(), 'announce-trainee');
    await trainee.open(stack.playgrounds.trainee);
    await trainee.card('Welcome to Step Forward');
    const mentor = new TeamsPage(await browser.context.newPage(), 'announce-mentor');
    await mentor.open(stack.playgrounds.mentor);
    await mentor.card('Welcome back');

    await coordinator.openChat('Coordinators');
    await coordinator.post('announce');
    const form = await coordinator.card('Announce Step Forward demo programme');
    assert.match(await form.getByLabel(/^What it says/).inputValue(), /line manager's permission/);
    await form.getByRole('checkbox', { name: /General/ }).check();
    await form.getByLabel(/^Staff groups/).fill('g-council, City Council');
    await form.scrollIntoViewIfNeeded();
    await coordinator.shot('form');
    await coordinator.press(form, 'Preview');
    const preview = await coordinator.card(/Preview/);
    assert.match(await preview.innerText(), /City Council \(g-council\)/);
    await preview.scrollIntoViewIfNeeded();
    await coordinator.shot('preview');
    await coordinator.press(preview, 'Confirm and send');
    await coordinator.reply(/^Approved\. It goes out with my next round/);
    await coordinator.shot('confirmed');

    // The next working morning: the group is read from Graph and Lynne's card goes out.
    const report = await sweepUntilSent(stack, workingMorning(new Date(Date.now() + DAY)), 'announcement');
    assert.ok(sent(report, 'announcement'), report);

    const card = await trainee.card(/Step Forward demo programme/);
    for (const button of ['Apply', 'Tell me more', 'Not for me']) {
      assert.equal(await card.getByRole('button', { name: button, exact: true }).count(), 1, button);
    }
    await card.scrollIntoViewIfNeeded();
    await trainee.shot('announcement');
    await trainee.press(card, 'Apply');
    const consent = await trainee.card('Step 1 of 4');
    assert.match(await consent.innerText(), /How would you like to take part\?/);
    await consent.scrollIntoViewIfNeeded();
    await trainee.shot('applying');

    // The reach, by organisation: a group of two is too small to show its counts.
    await coordinator.openChat('Coordinators');
    await coordinator.post('announcements');
    const reach = await coordinator.reply(/People in the staff groups: fewer than 5/);
    await reach.scrollIntoViewIfNeeded();
    await coordinator.shot('reach');
  });
});
