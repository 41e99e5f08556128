// Where the Python project is, and which Python runs it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** STEPFORWARD_PYTHON, else the checkout's .venv, else python3 on PATH. */
export function projectPython() {
  if (process.env.STEPFORWARD_PYTHON) return process.env.STEPFORWARD_PYTHON;
  const venv = path.join(ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}
