/**
 * The docs tell the truth about the code: their generated blocks are up to
 * date, the README's examples synthesize, and every link and every section the
 * library's messages send a reader to exists.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import * as lib from '../src';
import { checkManifestText } from '../src/manifest/load';
import { renderReadme, renderReviewDoc, renderRules } from '../tools/docs';
import { DOCUMENT_KEY } from '../src/domain/document';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const DOCS = ['README.md', 'RULES.md', 'CONTRIBUTING.md', 'CHANGELOG.md',
  ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The fenced blocks of `lang` in a Markdown text. */
function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === lang).map((m) => m[2]);
}

/** The text without fenced blocks and code spans, where a link is only an example. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function headings(text: string): string[] {
  return [...prose(text).matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim());
}

describe('generated blocks (npm run docs)', () => {
  test('the README\'s permission table is up to date', () => {
    expect(renderReadme(read('README.md'))).toBe(read('README.md'));
  });

  test('RULES.md\'s needs table and rule catalogue are up to date', () => {
    expect(renderRules(read('RULES.md'))).toBe(read('RULES.md'));
  });

  test('docs/reviewing-access.md\'s generated table is up to date', () => {
    expect(renderReviewDoc(read('docs/reviewing-access.md'))).toBe(read('docs/reviewing-access.md'));
  });

  test('RULES.md catalogues every rule, once', () => {
    const ids = [...read('RULES.md').matchAll(/^### (MST-[A-Z]+-\d{3}) /gm)].map((m) => m[1]);
    expect(ids).toEqual(lib.RULES.map((r) => r.id));
  });
});

describe('the examples', () => {
  const readme = read('README.md');
  let outdir: string;
  beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-readme-')); });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('each program synthesizes, as `cdktf synth` would run it, without a finding', () => {
    const programs = blocks(readme, 'ts').filter((b) => b.includes('new App('));
    expect(programs.length).toBeGreaterThanOrEqual(1);
    for (const program of programs) {
      const js = ts.transpileModule(program, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
      // synthOrExit would exit the test runner on a finding; synth throws it instead.
      const shim = { ...lib, synthOrExit: (app: { synth(): void }) => app.synth() };
      const requireFor = (id: string): unknown => (id === 'cdktf-mst' ? shim : require(id));
      const saved = process.env.CDKTF_OUTDIR;
      process.env.CDKTF_OUTDIR = outdir;
      try {
        new Function('require', 'module', 'exports', js)(requireFor, { exports: {} }, {});
      } finally {
        if (saved === undefined) delete process.env.CDKTF_OUTDIR; else process.env.CDKTF_OUTDIR = saved;
      }
      const stackDir = path.join(outdir, 'stacks', 'acme-access');
      const stack = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
      expect(Object.keys(stack.resource.postgresql_role)).toContain('metrics_grafana');
      expect(stack['//'][DOCUMENT_KEY].findings ?? []).toEqual([]);
    }
  });

  test.each(['README.md', 'docs/manifest.md'])('each manifest in %s passes `cdktf-mst check` with no error and no unacknowledged warning', (doc) => {
    const manifests = blocks(read(doc), 'yaml');
    expect(manifests.length).toBeGreaterThanOrEqual(1);
    for (const manifest of manifests) {
      const { findings } = checkManifestText(manifest, doc);
      expect(findings.filter((f) => f.level === 'error' || !f.acknowledged).map(lib.formatFinding)).toEqual([]);
    }
  });
});

describe('the API the docs name', () => {
  // The changelog names the API as it was before a rename, on purpose.
  test.each(DOCS.filter((d) => d !== 'CHANGELOG.md'))('every method and constant %s calls exists', (doc) => {
    const text = read(doc);
    const owners: Array<[RegExp, object]> = [
      [/(?<![\w/-])project\.(\w+)\(/g, lib.MstProject.prototype],
      [/(?<![\w/-])(?:service|metrics)\.(\w+)\(/g, lib.MstService.prototype],
      [/(?<![\w/-])user\.(\w+)\b/g, lib.ServiceUser.prototype],
      [/\brole\.(\w+)\(/g, lib.ProjectRole.ADMIN],
      [/\bSecret\.(\w+)\b/g, lib.Secret],
      [/\bProjectRole\.(\w+)\b/g, lib.ProjectRole],
      [/\bPowerState\.(\w+)\b/g, lib.PowerState],
      [/\bAcknowledgements\.(\w+)\b/g, lib.Acknowledgements],
    ];
    const missing: string[] = [];
    for (const [pattern, owner] of owners) {
      for (const m of text.matchAll(pattern)) if (!(m[1] in owner)) missing.push(m[0]);
    }
    expect(missing).toEqual([]);
  });
});

describe('links', () => {
  test.each(DOCS)('every relative link in %s leads to a file, and to a heading there when it names one', (doc) => {
    const broken: string[] = [];
    for (const [, target] of prose(read(doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [file, anchor] = target.split('#');
      const resolved = file ? path.join(path.dirname(doc), file) : doc;
      if (!fs.existsSync(path.join(ROOT, resolved))) {
        broken.push(`${target}: no such file`);
      } else if (anchor && !headings(read(resolved)).map(slug).includes(anchor)) {
        broken.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('the README links every document under docs/', () => {
    const readme = read('README.md');
    expect(DOCS.filter((d) => d.startsWith('docs/') && !readme.includes(`](${d})`))).toEqual([]);
  });

  test('every README section and document a message or a comment of the library names exists', () => {
    const cited = new Set<string>();
    const documents = new Set<string>();
    const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() && e.name !== 'node_modules' ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    for (const file of [...walk(path.join(ROOT, 'src')), ...walk(path.join(ROOT, 'tools'))]) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/README, "([^"]+)"/g)) cited.add(m[1]);
      for (const m of text.matchAll(/see ([A-Z][\w ]*?) in the README/g)) cited.add(m[1]);
      for (const m of text.matchAll(/\b(docs\/[\w-]+\.md)\b/g)) documents.add(m[1]);
    }
    expect(cited.size + documents.size).toBeGreaterThanOrEqual(2);
    const sections = headings(read('README.md'));
    expect([...cited].filter((s) => !sections.includes(s))).toEqual([]);
    expect([...documents].filter((d) => !fs.existsSync(path.join(ROOT, d)))).toEqual([]);
  });
});
