// After a passing run, its screenshots become the ones the README shows. Each run publishes
// its own: `node publish_screens.mjs` the journeys' (artifacts/*.png), `node publish_screens.mjs
// dashboard` the dashboard's (artifacts/dashboard/dashboard-*.png); neither touches the other's.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/project.mjs';
import { ARTIFACTS } from './lib/teams.mjs';

const SCREENS = path.join(ROOT, 'docs', 'screens');
const RUNS = { journeys: { from: ARTIFACTS, prefix: '' }, dashboard: { from: path.join(ARTIFACTS, 'dashboard'), prefix: 'dashboard-' } };
const run = process.argv[2] || 'journeys';
const { from, prefix } = RUNS[run];
const others = Object.values(RUNS).map((r) => r.prefix).filter((p) => p && p !== prefix);
const owned = (file) => file.endsWith('.png') && file.startsWith(prefix) && !others.some((p) => file.startsWith(p));

mkdirSync(SCREENS, { recursive: true });
for (const file of readdirSync(SCREENS).filter(owned)) rmSync(path.join(SCREENS, file));
const shots = readdirSync(from).filter(owned);
for (const file of shots) cpSync(path.join(from, file), path.join(SCREENS, file));
console.log(`${shots.length} screenshots in docs/screens/`);
