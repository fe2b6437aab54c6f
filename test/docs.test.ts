import * as fs from 'fs';
import { renderReadme, renderReviewDoc } from '../tools/docs';

test('the README\'s generated table and rule catalogue are up to date (npm run docs)', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  expect(renderReadme(readme)).toBe(readme);
});

test('docs/reviewing-access.md\'s generated table is up to date (npm run docs)', () => {
  const doc = fs.readFileSync('docs/reviewing-access.md', 'utf8');
  expect(renderReviewDoc(doc)).toBe(doc);
});
