// The cohort's shared events in a real browser: the coordinator creates a training course from
// the form card in the coordinator channel, and the trainee answers the invitation in her chat
// ("I can't come": her manager hasn't released her), which reaches the channel as a release
// block. The trainee becomes an accepted participant the way journeys.test.mjs shows (apply,
// shortlist, interview, line-manager support, offer, accept), on a database of its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { COORDINATOR, startStack, TRAINEE } from '../lib/stack.mjs';
import { TeamsPage } from '../lib/teams.mjs';

const DAY = 24 * 60 * 60 * 1000;

/** The date `days` from now, as the form's date inputs take it (YYYY-MM-DD), on a weekday. */
function weekday(days) {
  const day = new Date(Date.now() + days * DAY);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** 10:00 UTC on the next weekday after now, as ISO-8601. */
function nextWorkingMorning() {
  return `${weekday(1)}T10:00:00.000Z`;
}

/** Whether a sweep report lists a `kind` message as sent (not held, not failed). */
function sent(report, kind) {
  return report.split('\n').some((line) => {
    const fields = line.split('\t');
    return fields[1] === kind && fields.length === 3;
  });
}

describe('Cohort events in the Agents Playground', () => {
  let stack;
  let browser;
  let coordinator; // Alex Wilber in the team channel "Coordinators"
  let trainee; // Lynne Robbins in her personal chat with the bot
  const first = weekday(21);
  const second = weekday(22);

  before(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('the trainee applies and is accepted into the programme', async () => {
    coordinator = new TeamsPage(await browser.context.newPage(), 'events-setup');
    await coordinator.open(stack.playgrounds.coordinator);
    await coordinator.openChat('Coordinators');
    await coordinator.post('setup coordinator channel');
    await coordinator.reply(/this channel is now the coordinator channel/);

    trainee = new TeamsPage(await browser.context.newPage(), 'events-setup');
    await trainee.open(stack.playgrounds.trainee);
    await trainee.press(await trainee.card('Welcome to Step Forward'), 'Apply');
    const start = await trainee.card('Step 1 of 4');
    await start.getByText('Trainee / mentee').click();
    await start.getByText('I have read the privacy notice and agree').click();
    await trainee.press(start, 'Next');
    const about = await trainee.card('Step 2 of 4');
    await about.getByPlaceholder('e.g. City Council').fill('City Council');
    await about.getByPlaceholder('e.g. Housing').fill('Housing');
    await about.getByPlaceholder('e.g. Scale 5, Sergeant').fill('Scale 5');
    await about.getByPlaceholder('e.g. Leicester').fill('Leicester');
    await trainee.press(about, 'Next');
    const goals = await trainee.card('Step 3 of 4');
    await goals.locator('textarea').first().fill('Move into a team leader role within two years.');
    await goals.getByText('Confidence', { exact: true }).click();
    await goals.getByPlaceholder('e.g. Tuesday or Thursday afternoons').fill('Tuesday afternoons');
    await trainee.press(goals, 'Next');
    await trainee.press(await trainee.card('Step 4 of 4'), 'Skip this section');
    await trainee.press(await trainee.card('Please check your answers'), 'Submit my application');
    await trainee.reply(/submitted|Thank you/i);

    const card = await coordinator.card(`Application: ${TRAINEE}`);
    await coordinator.press(card, 'Shortlist');
    await coordinator.reply(`Shortlisted. (${COORDINATOR})`);
    await coordinator.press(card, 'Interview');
    await card.getByText('Passed', { exact: true }).click();
    await coordinator.press(card, 'Record outcome');
    await coordinator.reply(`Interview recorded: passed. (${COORDINATOR})`);
    await coordinator.press(card, 'Line manager');
    await card.getByText('Yes', { exact: true }).click();
    await coordinator.press(card, 'Record support');
    await coordinator.reply(`Line-manager support recorded: yes. (${COORDINATOR})`);
    await coordinator.press(card, 'Make offer');
    await coordinator.reply(`Offer sent. (${COORDINATOR})`);
    await trainee.press(await trainee.card(/offered a place/), 'Accept');
    await coordinator.reply(`${TRAINEE} accepted the offer.`);
  });

  test('the coordinator creates a two-day training course from the form card', async () => {
    coordinator.begin('events-coordinator');
    await coordinator.post('new event training');
    const form = await coordinator.card('New event');
    await form.getByLabel('Title').fill('Step Forward training course');
    await form.getByLabel('First day').fill(first);
    await form.getByLabel('Day 2 (if it runs over several days)').first().fill(second);
    await form.getByLabel(/^Starts/).fill('09:30');
    await form.getByLabel('Ends').fill('16:30');
    await form.getByLabel(/^Where/).fill('Room 1, County Hall');
    await form.scrollIntoViewIfNeeded();
    await coordinator.shot('form');
    await coordinator.press(form, 'Create and invite');
    const created = await coordinator.reply(/^Created #1: Training “Step Forward training course”/);
    assert.match(await created.innerText(), /Invitations are going to \d+ people/);
    await coordinator.shot('created');

    await coordinator.post('events');
    const list = await coordinator.card('Events: Step Forward demo programme');
    assert.match(await list.innerText(), /#1 Training “Step Forward training course”/);
    await list.scrollIntoViewIfNeeded();
    await coordinator.shot('events');
  });

  test('the trainee gets the invitation and says her manager has not released her', async () => {
    trainee.begin('events-trainee');
    // Sent at once in working hours; otherwise held for her working day: the scheduler's
    // sweep, run as the CLI with its own clock, sends it then.
    let now = nextWorkingMorning();
    let report = '';
    const invited = trainee.page.locator('.ac-adaptiveCard').filter({ hasText: "You're invited" });
    for (let i = 0; i < 4 && !sent(report, 'event_invitation'); i++) {
      if ((await invited.count()) > 0) break;
      report = await stack.sweep(now);
      const held = report.match(/\tevent_invitation\t\S+\theld until (\S+)/);
      if (held) now = held[1];
    }
    const invitation = await trainee.card("You're invited: Training");
    const text = await invitation.innerText();
    assert.match(text, /Day 1/);
    assert.match(text, /Room 1, County Hall/);
    assert.match(text, /the foundation of the programme/);
    await invitation.scrollIntoViewIfNeeded();
    await trainee.shot('invitation');

    await trainee.press(invitation, "I can't come");
    await invitation.getByText("My manager hasn't released me", { exact: true }).click();
    await trainee.shot('why-not');
    await trainee.press(invitation, 'Send');
    await trainee.reply(/because your manager hasn't released you/);
    await trainee.reply(/that has reached the programme coordinators/);
    await trainee.shot('not-released');

    coordinator.begin('events-coordinator-release');
    const block = await coordinator.card(`${TRAINEE} is not released for training by their line manager`);
    assert.match(await block.innerText(), /Training “Step Forward training course”/);
    await block.scrollIntoViewIfNeeded();
    await coordinator.shot('release-block');

    await trainee.send('my programme');
    await trainee.reply('Coming up');
    const coming = trainee.page.locator('li').filter({ hasText: "you said: I can't come" }).last();
    await coming.waitFor();
    await trainee.shot('my-programme');
  });
});
