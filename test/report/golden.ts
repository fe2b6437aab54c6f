/**
 * Golden files: the expected output, committed and reviewed like code.
 * Refresh them with `UPDATE_GOLDEN=1 npx jest test/report`, then read the diff.
 */
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../src/cli/main';

export const GOLDEN_DIR = path.join(__dirname, '__golden__');
export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'report');
export const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compares `actual` with the golden file `name`, or writes it when UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) {
    throw new Error(`golden file ${path.relative(process.cwd(), file)} is missing; run UPDATE_GOLDEN=1 npx jest test/report and review it`);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI in-process. */
export function run(...argv: string[]): Run {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.map((l) => `${l}\n`).join(''), err: err.map((l) => `${l}\n`).join('') };
}

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

/** The base/head pairs under test/fixtures/report, each covering a family of changes. */
export const DIFF_CASES = [
  'unchanged',
  'escalations',
  'members',
  'services',
  'deployer-lacks-invite',
  'self-role-change',
  'beyond-deployer',
  'deployer-lacks-permission',
  'projects',
  'grants',
  'connections',
] as const;
