// Booking the month's session from the card, in a real browser: the bot runs with Microsoft
// Graph pointed at the project's fake Graph on loopback (tests/fake_graph), so the card offers
// three times both people are free and one tap books a Teams meeting in the mentor's calendar.
// The trainee (Lynne Robbins) starts accepted; the coordinator pairs her with Megan Bowen.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { startFakeGraph } from '../lib/fake_graph.mjs';
import { ROOT } from '../lib/project.mjs';
import { startStack } from '../lib/stack.mjs';
import { sent, sweepUntilSent, workingMorning } from '../lib/sweeps.mjs';
import { TeamsPage } from '../lib/teams.mjs';

const LYNNE = ['00000000-0000-0000-0000-0000000000025', 'Lynne Robbins', 'lynner@example.com'];
const MEGAN = ['00000000-0000-0000-0000-0000000000021', 'Megan Bowen', 'meganb@example.com'];
const SLOT = /^\w{3} \d{1,2} \w{3} at \d\d:\d\d$/;
const DAY = 24 * 60 * 60 * 1000;

describe('Booking a session from the card, with Microsoft Graph', () => {
  let graph;
  let stack;
  let browser;
  let coordinator;
  let trainee;
  let mentor;

  before(async () => {
    graph = await startFakeGraph([LYNNE, MEGAN]);
    stack = await startStack({ env: graph.env });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await graph?.stop();
  });

  test('a paired trainee books a time from the card and gets the confirmation with the join link', async () => {
    coordinator = new TeamsPage(await browser.context.newPage(), 'booking-channel');
    await coordinator.open(stack.playgrounds.coordinator);
    await coordinator.openChat('Coordinators');
    await coordinator.post('setup coordinator channel');
    await coordinator.reply(/this channel is now the coordinator channel/);

    trainee = new TeamsPage(await browser.context.newPage(), 'booking');
    await trainee.open(stack.playgrounds.trainee);
    await trainee.card('Welcome to Step Forward');
    await stack.python(path.join(ROOT, 'e2e', 'lib', 'accepted_trainee.py'), LYNNE[0], LYNNE[1]);

    // The mentor opens her chat (so she can be introduced): an accepted mentor is welcomed
    // back, not asked to apply.
    mentor = new TeamsPage(await browser.context.newPage(), 'booking-mentor');
    await mentor.open(stack.playgrounds.mentor);
    const welcome = await mentor.card('Welcome back');
    assert.equal(await welcome.getByRole('button', { name: 'Apply' }).count(), 0);
    await mentor.shot('welcome-back');

    await coordinator.post(`pair ${LYNNE[1]} with ${MEGAN[1]}`);
    await coordinator.reply(`Paired ${LYNNE[1]} with ${MEGAN[1]}. I've introduced them to each other.`);
    await coordinator.shot('paired');
    await trainee.card(/Megan Bowen/);

    // The next working morning: the sweep reads both calendars and sends the month's card.
    const report = await sweepUntilSent(stack, workingMorning(new Date(Date.now() + DAY)), 'book_session');
    assert.ok(sent(report, 'book_session'), report);

    const offer = await trainee.card("Time to book this month's session");
    const times = offer.getByRole('button', { name: SLOT });
    assert.equal(await times.count(), 3);
    assert.match(await offer.innerText(), /in Megan Bowen's calendar with you both invited/);
    await offer.scrollIntoViewIfNeeded();
    await trainee.shot('offer');
    await times.first().click();

    const booked = await trainee.card('Booked: your mentoring session with Megan Bowen');
    assert.match(await booked.innerText(), /Teams meeting in both your calendars \(Megan Bowen organises it\)/);
    // An Action.OpenUrl: the Playground draws it as a link-role button titled with its URL.
    const join = booked.getByRole('link', { name: 'Join in Teams' });
    assert.match(await join.getAttribute('title'), /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    await booked.scrollIntoViewIfNeeded();
    await trainee.shot('confirmed');
    const hers = await mentor.card('Booked: your mentoring session with Lynne Robbins');
    assert.match(await hers.innerText(), /Lynne Robbins booked it/);
    await hers.scrollIntoViewIfNeeded();
    await mentor.shot('confirmed');

    // The coordinators see the month as booked (not yet held).
    await coordinator.post('pairs');
    const listing = coordinator.page.getByText(/planned so far \(of 6\) · 1 booked · held: 0 verified/).last();
    await listing.waitFor();
    await coordinator.shot('pairs');

    // Reschedule: three new times for the same month.
    await trainee.press(booked, 'Reschedule');
    const moving = await trainee.card('Pick a new time');
    assert.equal(await moving.getByRole('button', { name: SLOT }).count(), 3);
    await moving.scrollIntoViewIfNeeded();
    await trainee.shot('reschedule');
  });
});
