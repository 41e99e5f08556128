// The system under test for the journeys: the bot on a fresh SQLite file (demo programme
// seeded) and an Agents Playground per person, since a Playground has one signed-in user: the
// demo coordinator (Alex Wilber, with the team "My Team"), a trainee (Lynne Robbins, a
// Playground user the demo does not know yet) and a mentor (Megan Bowen, an accepted mentor).
// Their configurations are the ones `stepforward demo` uses (`python -m bot.tools.playground config`).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectPython, ROOT } from './project.mjs';

const PLAYGROUND = path.join(ROOT, 'e2e', 'node_modules', '.bin', 'agentsplayground');
const LOG_TAIL_LINES = 40;

export const COORDINATOR = 'Alex Wilber';
export const TRAINEE = 'Lynne Robbins';
export const MENTOR = 'Megan Bowen';
const PERSONAS = ['coordinator', 'trainee', 'mentor'];

/** The `.m365agentsplayground.yml` of a demo persona, from the project itself. */
async function playgroundConfig(persona, env) {
  const { stdout } = await promisify(execFile)(
    projectPython(),
    ['-m', 'bot.tools.playground', 'config', persona, persona],
    { cwd: ROOT, env },
  );
  return stdout;
}

/** A loopback port nothing listens on now, chosen by the OS (a fixed port may be taken). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The last lines of each child's log, so that a failed start says why. */
export function logTails(work, children) {
  return children
    .map((child) => {
      const file = path.join(work, child.log);
      const lines = existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : [];
      const tail = lines.slice(-LOG_TAIL_LINES).join('\n');
      return `--- ${child.log} (exit code ${child.exitCode ?? 'none, still running'})\n${tail}`;
    })
    .join('\n');
}

export async function waitFor(url, child, what) {
  for (let i = 0; i < 600; i++) { // two minutes: a busy 2-core machine starts slowly
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not answer ${url}`);
}

export function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The stack; `env` is added to the bot's and the CLI's environment (e.g. a fake Graph's). */
export async function startStack({ env: extra = {} } = {}) {
  const work = mkdtempSync(path.join(tmpdir(), 'stepforward-e2e-'));
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:///${path.join(work, 'stepforward.db')}`,
    STEPFORWARD_SCHEDULER: 'false',
    PYTHONPATH: ROOT,
    ...extra,
  };
  delete env.MicrosoftAppId;
  const children = [];
  const launch = (command, args, extraEnv, log) => {
    const out = openSync(path.join(work, log), 'a');
    const child = spawn(command, args, { cwd: work, env: { ...env, ...extraEnv }, stdio: ['ignore', out, out] });
    child.log = log;
    children.push(child);
    return child;
  };
  try {
    const botPort = await freePort();
    const bot = launch(
      projectPython(),
      ['-m', 'bot.cli', 'demo', '--no-playground', '--host', '127.0.0.1', '--port', String(botPort)],
      {},
      'bot.log',
    );
    await waitFor(`http://127.0.0.1:${botPort}/readyz`, bot, 'the bot');
    const playgrounds = {};
    for (const who of PERSONAS) {
      const port = await freePort();
      const config = path.join(work, `${who}.yml`);
      writeFileSync(config, await playgroundConfig(who, env));
      const child = launch(
        PLAYGROUND,
        ['-e', `http://127.0.0.1:${botPort}/api/messages`, '-c', 'msteams', '-p', String(port), '--disable-telemetry'],
        {
          TEAMSAPPTESTER_BROWSER: 'none',
          M365_AGENTS_PLAYGROUND_CONFIG_PATH: config,
          M365_AGENTS_PLAYGROUND_LOGFILE: path.join(work, `${who}-playground.log`),
        },
        `${who}-playground.out`,
      );
      await waitFor(`http://127.0.0.1:${port}/_debug/ping`, child, `the ${who}'s Playground`);
      playgrounds[who] = `http://localhost:${port}/`;
    }
    return {
      work,
      playgrounds,
      /** `stepforward sweep --now <iso>` against the same database; returns its report. */
      async sweep(now) {
        const { stdout } = await promisify(execFile)(
          projectPython(),
          ['-m', 'bot.cli', 'sweep', '--now', now],
          { cwd: work, env },
        );
        return stdout;
      },
      /** Run a Python script of the project's against the same database; its output. */
      async python(...args) {
        const { stdout } = await promisify(execFile)(projectPython(), args, { cwd: work, env });
        return stdout;
      },
      async stop() {
        await Promise.all(children.map(stop));
        // STEPFORWARD_E2E_KEEP=1 keeps the database and the logs for a look after a failure.
        if (process.env.STEPFORWARD_E2E_KEEP) console.log(`kept ${work}`);
        else rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(children.map(stop));
    const detail = logTails(work, children);
    console.error(`The system under test did not start: ${error.message}\n${detail}`);
    throw new Error(`${error.message}\n${detail}`, { cause: error });
  }
}
