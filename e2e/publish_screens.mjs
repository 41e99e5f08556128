// After a passing run, the journeys' screenshots become the ones the README shows.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/project.mjs';
import { ARTIFACTS } from './lib/teams.mjs';

const SCREENS = path.join(ROOT, 'docs', 'screens');
rmSync(SCREENS, { recursive: true, force: true });
mkdirSync(SCREENS, { recursive: true });
const shots = readdirSync(ARTIFACTS).filter((file) => file.endsWith('.png'));
for (const file of shots) cpSync(path.join(ARTIFACTS, file), path.join(SCREENS, file));
console.log(`${shots.length} screenshots in docs/screens/`);
