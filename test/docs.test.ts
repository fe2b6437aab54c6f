import * as fs from 'fs';
import { renderReadme } from '../tools/docs';

test('the README\'s generated table and rule catalogue are up to date (npm run docs)', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  expect(renderReadme(readme)).toBe(readme);
});
