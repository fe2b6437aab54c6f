import * as fs from 'fs';
import * as path from 'path';

/**
 * Compares `actual` with the golden file `name` under test/golden; with
 * UPDATE_GOLDEN=1 it rewrites the file instead (review the diff like code).
 */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(__dirname, 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`golden file ${file} is missing; run UPDATE_GOLDEN=1 npx jest`);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}
