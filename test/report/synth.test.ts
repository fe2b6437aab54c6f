/**
 * Synthesized output reads the same as the manifests it was built from: the
 * diff of two `cdktf synth` folders equals the diff of the two manifests,
 * whichever form of synthesized input is given (the cdktf.out folder, a stack
 * folder, a cdk.tf.json, cdktf.out/manifest.json), and stacks built with the
 * typed constructs are read like manifest-driven ones.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { AcmeAccess } from '../../examples/typed/main';
import { loadManifest } from '../../src/manifest/constructs';
import { readAccessInput } from '../../src/report/input';
import { DIFF_CASES, expectGolden, fixture, run } from './golden';

const EXAMPLE_MANIFEST = path.join(__dirname, '..', '..', 'examples', 'manifest', 'acme.yaml');
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mst-report-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Synthesizes an app whose stacks are built by `build`, into a fresh folder; returns the folder. */
function synth(name: string, build: (app: App) => void): string {
  const outdir = path.join(tmp, name);
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

function fromManifest(stackId: string, manifest: string): (app: App) => void {
  return (app) => loadManifest(new TerraformStack(app, stackId), manifest);
}

describe('synthesized folders diff the same as their manifests', () => {
  it.each(DIFF_CASES)('%s', (name) => {
    const baseYaml = fixture(name, 'base.yaml');
    const headYaml = fixture(name, 'head.yaml');
    const baseOut = synth(`${name}-base`, fromManifest('access', baseYaml));
    const headOut = synth(`${name}-head`, fromManifest('access', headYaml));
    for (const format of ['markdown', 'json']) {
      const expected = run('diff', baseYaml, headYaml, '--format', format);
      const actual = run('diff', baseOut, headOut, '--format', format);
      expect(actual).toEqual(expected);
    }
  });

  it('accepts every form of synthesized input, and a manifest on one side', () => {
    const baseYaml = fixture('escalations', 'base.yaml');
    const headYaml = fixture('escalations', 'head.yaml');
    const headOut = synth('forms-head', fromManifest('access', headYaml));
    const expected = run('diff', baseYaml, headYaml).out;
    for (const head of [
      headOut,
      path.join(headOut, 'manifest.json'),
      path.join(headOut, 'stacks', 'access'),
      path.join(headOut, 'stacks', 'access', 'cdk.tf.json'),
    ]) {
      expect(run('diff', baseYaml, head).out).toBe(expected);
    }
  });
});

describe('stacks built with the typed constructs', () => {
  it('report the example stack (golden)', () => {
    const out = synth('typed', (app) => new AcmeAccess(app, 'acme-access'));
    const md = run('report', out);
    expect(md.code).toBe(0);
    expectGolden('report/typed-synth.md', md.out);
  });

  it('hold the same access as the example manifest: no access changes', () => {
    const out = synth('typed-again', (app) => new AcmeAccess(app, 'acme-access'));
    const d = run('diff', EXAMPLE_MANIFEST, out);
    expect(d.out).toBe('## MST access changes\n\nNo access changes — project `acme-prod`.\n');
  });
});

describe('an app with several stacks', () => {
  it('reads every stack\'s access document, and names the project of each change (golden)', () => {
    const base = synth('two-base', (app) => {
      new AcmeAccess(app, 'acme-access');
      fromManifest('lab-access', fixture('beyond-deployer', 'base.yaml'))(app);
    });
    const head = synth('two-head', (app) => {
      new AcmeAccess(app, 'acme-access');
      fromManifest('lab-access', fixture('beyond-deployer', 'head.yaml'))(app);
      new TerraformStack(app, 'unrelated'); // a stack without cdktf-mst is skipped
    });
    expect(readAccessInput(head).projects.map((p) => p.name)).toEqual(['acme-prod', 'acme-lab']);
    const d = run('diff', base, head);
    expectGolden('diff/two-stacks.md', d.out);
    expect(d.out).toContain('projects `acme-lab`, `acme-prod`');
    expect(d.out).toContain('**Role changed** (`acme-lab`)');
    const r = run('report', head);
    expect(r.out).toContain('### Project `acme-prod`');
    expect(r.out).toContain('### Project `acme-lab`');
  });
});
