/**
 * The examples in docs/reviewing-access.md are real output: each block marked
 * `<!-- golden: diff/NAME.md -->` or `<!-- golden: report/NAME.md -->` must be
 * what the CLI prints for that fixture. UPDATE_GOLDEN=1 rewrites the blocks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fixture, run, UPDATE } from './golden';

const DOC = path.join(__dirname, '..', '..', 'docs', 'reviewing-access.md');
const BLOCK = /(<!-- golden: (diff|report)\/([\w-]+)\.md -->\n```markdown\n)([\s\S]*?)(```\n)/g;

function output(kind: string, name: string): string {
  const r = kind === 'diff'
    ? run('diff', fixture(name, 'base.yaml'), fixture(name, 'head.yaml'))
    : run('report', fixture('report', `${name}.yaml`));
  expect(r.code).toBe(0);
  return r.out;
}

it('docs/reviewing-access.md shows the output the code prints', () => {
  const text = fs.readFileSync(DOC, 'utf8');
  const blocks = [...text.matchAll(BLOCK)];
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  if (UPDATE) {
    fs.writeFileSync(DOC, text.replace(BLOCK, (_m, open, kind, name, _body, close) => `${open}${output(kind, name)}${close}`));
    return;
  }
  for (const [, , kind, name, body] of blocks) {
    expect(`${kind}/${name}: ${body}`).toBe(`${kind}/${name}: ${output(kind, name)}`);
  }
});
