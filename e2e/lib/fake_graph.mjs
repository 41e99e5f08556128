// The project's one fake Microsoft Graph (tests/fake_graph), started on loopback for a journey:
// the bot and the CLI get its settings as environment variables.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { projectPython, ROOT } from './project.mjs';

/**
 * Start it with `users` ([aad id, name, mail]) and staff `groups` ({ id: [member aad ids] });
 * resolves to { env, stop() }.
 */
export async function startFakeGraph(users, groups = {}) {
  const args = [
    '-m', 'tests.fake_graph',
    ...users.flatMap((user) => ['--user', user.join(',')]),
    ...Object.entries(groups).flatMap(([id, members]) => ['--group', [id, ...members].join(',')]),
  ];
  const child = spawn(projectPython(), args, {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: ROOT },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const env = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the fake Graph exited with ${code}`)));
    lines.once('line', (line) => resolve(JSON.parse(line)));
  });
  return {
    env,
    stop() {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    },
  };
}
