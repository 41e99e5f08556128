// The cohort's shared events in a real browser: the coordinator creates a training course from
// the form card in the coordinator channel, and the trainee answers the invitation in her chat
// ("I can't come": her manager hasn't released her), which reaches the channel as a release
// block. On a database of its own, where the trainee is an accepted participant.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { startStack, TRAINEE } from '../lib/stack.mjs';
import { sent } from '../lib/sweeps.mjs';
import { TeamsPage } from '../lib/teams.mjs';
import { projectPython, ROOT } from '../lib/project.mjs';

const LYNNE = '00000000-0000-0000-0000-0000000000025'; // the trainee's Playground user
// An accepted trainee application for Lynne in the demo programme (settings from DATABASE_URL).
const ACCEPT = `
import sys
from bot.settings import Settings
from domain.clock import SystemClock
from store.db import session_scope
from store.models import Application
from store.people import upsert_person
from store.seed import seed_demo
now = SystemClock().now()
with session_scope(Settings().create_engine()) as session:
    programme = seed_demo(session, now)
    person = upsert_person(session, sys.argv[1], now, display_name="Lynne Robbins")
    session.add(Application(programme_id=programme.id, person_id=person.id, role="trainee",
        status="accepted", organisation="City Council", answers={}, consent_at=now,
        submitted_at=now, created_at=now, updated_at=now))
`;

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

  test('the trainee is an accepted participant of the programme', async () => {
    coordinator = new TeamsPage(await browser.context.newPage(), 'events-setup');
    await coordinator.open(stack.playgrounds.coordinator);
    await coordinator.openChat('Coordinators');
    await coordinator.post('setup coordinator channel');
    await coordinator.reply(/this channel is now the coordinator channel/);

    trainee = new TeamsPage(await browser.context.newPage(), 'events-setup');
    await trainee.open(stack.playgrounds.trainee);
    await trainee.card('Welcome to Step Forward'); // the bot now knows her chat
    // Accepted as journeys.test.mjs shows through the cards (apply, review, offer, accept);
    // here written straight into the stack's database.
    await promisify(execFile)(projectPython(), ['-c', ACCEPT, LYNNE], {
      cwd: stack.work,
      env: { ...process.env, DATABASE_URL: `sqlite:///${path.join(stack.work, 'stepforward.db')}`, PYTHONPATH: ROOT },
    });
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
