// End-to-end journeys in a real browser: Debian's Chromium drives the Agents Playground, which
// talks to the real bot on a fresh database. Each step leaves a screenshot in e2e/artifacts/.
// The journeys are one programme's story told in order on one database: the coordinator sets up
// the coordinator channel first, so that the trainee's application is posted there.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { COORDINATOR, MENTOR, startStack, TRAINEE } from '../lib/stack.mjs';
import { sent, sweepUntilSent, workingMorning } from '../lib/sweeps.mjs';
import { TeamsPage } from '../lib/teams.mjs';

describe('Step Forward in the Agents Playground', () => {
  let stack;
  let browser; // the Playground's own web fonts and animations from a CDN are blocked too
  let coordinator; // Alex Wilber, the demo coordinator, in the team channel "Coordinators"
  let trainee; // Lynne Robbins, in her personal chat with the bot
  let mentor; // Megan Bowen, an accepted mentor, in her personal chat with the bot

  before(async () => {
    stack = await startStack();
    browser = await launchBrowser().catch((error) => {
      console.error(`Chromium did not start: ${error.message}`);
      throw error;
    });
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('a coordinator @mentions the bot in a team channel to make it the coordinator channel', async () => {
    coordinator = new TeamsPage(await browser.context.newPage(), 'channel');
    await coordinator.open(stack.playgrounds.coordinator);
    await coordinator.openChat('Coordinators');
    await coordinator.post('setup coordinator channel');
    await coordinator.reply(/this channel is now the coordinator channel/);
    await coordinator.shot('setup-channel');
  });

  test('a trainee gets the welcome card, applies through the form cards and sees the application', async () => {
    trainee = new TeamsPage(await browser.context.newPage(), 'apply');
    await trainee.open(stack.playgrounds.trainee);
    const welcome = await trainee.card('Welcome to Step Forward');
    await trainee.shot('welcome');
    await trainee.press(welcome, 'Apply');
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

  test('the application card reaches the coordinator channel, `applications` counts it, Shortlist acts on it', async () => {
    coordinator.begin('review');
    const card = await coordinator.card(`Application: ${TRAINEE}`);
    assert.match(await card.innerText(), /City Council/);
    await coordinator.shot('application-card');

    await coordinator.post('applications');
    await coordinator.reply(/^1 waiting for review\.$/);
    await coordinator.shot('applications');

    await coordinator.press(card, 'Shortlist');
    await coordinator.reply(`Shortlisted. (${COORDINATOR})`);
    assert.match(await card.innerText(), /Status\s+shortlisted/);
    await coordinator.shot('shortlisted');
    await coordinator.post('applications');
    await coordinator.reply(/^0 waiting for review\.$/);
  });

  test('a paired trainee answers the week-2 check-in "I need help" and the channel gets an escalation card', async () => {
    coordinator.begin('help-channel');
    trainee.begin('help-trainee');
    // Through the review to an offer, on the card the previous journey shortlisted.
    const card = await coordinator.card(`Application: ${TRAINEE}`);
    await coordinator.press(card, 'Interview');
    await card.getByText('Passed', { exact: true }).click();
    await coordinator.press(card, 'Record outcome');
    await coordinator.reply(`Interview recorded: passed. (${COORDINATOR})`);
    await coordinator.press(card, 'Line manager');
    await card.getByText('Yes', { exact: true }).click();
    await coordinator.press(card, 'Record support');
    await coordinator.reply(`Line-manager support recorded: yes. (${COORDINATOR})`);
    await coordinator.shot('interview-and-support');
    await coordinator.press(card, 'Make offer');
    await coordinator.reply(`Offer sent. (${COORDINATOR})`);

    const offer = await trainee.card(/offered a place/);
    await trainee.shot('offer');
    await trainee.press(offer, 'Accept');
    await coordinator.reply(`${TRAINEE} accepted the offer.`);
    await coordinator.shot('offer-accepted');

    // The mentor has talked to the bot (opened her chat), so she can be introduced too.
    mentor = new TeamsPage(await browser.context.newPage(), 'help-mentor');
    await mentor.open(stack.playgrounds.mentor);
    await mentor.card('Welcome to Step Forward');
    await mentor.send('my programme');
    await mentor.reply(/waiting to be paired with a mentee/);
    await mentor.shot('waiting');

    await coordinator.post(`pair ${TRAINEE} with ${MENTOR}`);
    await coordinator.reply(`Paired ${TRAINEE} with ${MENTOR}. I've introduced them to each other.`);
    await coordinator.shot('paired');
    await trainee.card(new RegExp(MENTOR));
    await trainee.shot('pairing-intro');
    await mentor.card(`Meet your mentee: ${TRAINEE}`);
    await mentor.shot('pairing-intro');

    // Two weeks on, in working hours: the scheduler's sweep, run as the CLI with its own clock,
    // sends the week-2 check-in through the connector the Playground gave the bot. A message
    // held for the trainee's next allowed time is swept again at that time.
    const now = workingMorning(new Date(Date.now() + 15 * DAY));
    const report = await sweepUntilSent(stack, now, 'check_in');
    assert.ok(sent(report, 'check_in'), report);

    const checkIn = await trainee.card('Quick check-in: week 2');
    await checkIn.locator('textarea').fill('We have not managed to meet yet.');
    await trainee.shot('check-in');
    await trainee.press(checkIn, 'I need help');
    await trainee.shot('need-help');

    const escalation = await coordinator.card(`${TRAINEE} answered “need help” at the week-2 check-in`);
    assert.match(await escalation.innerText(), /Escalation #\d+/);
    await escalation.scrollIntoViewIfNeeded();
    await coordinator.shot('escalation');
  });
});

const DAY = 24 * 60 * 60 * 1000;
