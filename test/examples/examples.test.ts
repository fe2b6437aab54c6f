import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { AcmeAccess } from '../../examples/typed/main';
import { loadManifest } from '../../src';
import { expectGolden } from '../golden';

const ROOT = path.resolve(__dirname, '../..');
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmp(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}


/** The stack's cdk.tf.json. */
function synthStack(build: (app: App) => void): string {
  const outdir = tmp('mst-example-');
  const app = new App({ outdir });
  build(app);
  app.synth();
  return readStack(outdir);
}

/** The synthesized JSON with the machine-specific state path made portable. */
function readStack(outdir: string): string {
  const text = fs.readFileSync(path.join(outdir, 'stacks', 'acme-access', 'cdk.tf.json'), 'utf8');
  return text.split(ROOT).join('<repo>');
}

const typedApp = (app: App) => new AcmeAccess(app, 'acme-access');
const manifestApp = (app: App) => {
  loadManifest(new TerraformStack(app, 'acme-access'), path.join(ROOT, 'examples/manifest/acme.yaml'));
};

describe('examples', () => {
  test('the typed example synthesizes the golden JSON', () => {
    expectGolden('examples/typed.cdk.tf.json', synthStack(typedApp));
  });

  test('the manifest example synthesizes the golden JSON', () => {
    expectGolden('examples/manifest.cdk.tf.json', synthStack(manifestApp));
  });

  test('typed and manifest examples describe the same project: identical resources, providers, variables and outputs', () => {
    const typed = synthStack(typedApp);
    const manifest = synthStack(manifestApp);
    const strip = (text: string) => {
      const tf = JSON.parse(text);
      // cdktf's "//" metadata names each element's construct path, which differs: the project's construct id.
      for (const blocks of Object.values<Record<string, Record<string, unknown>>>(tf.resource ?? {})) {
        for (const block of Object.values(blocks)) delete block['//'];
      }
      return { resource: tf.resource, provider: tf.provider, variable: tf.variable, output: tf.output, terraform: tf.terraform };
    };
    expect(strip(manifest)).toEqual(strip(typed));
  });

  test('synthesizing twice gives byte-identical JSON', () => {
    expect(synthStack(typedApp)).toBe(synthStack(typedApp));
  });

  test('the real cdktf CLI synthesizes the app of cdktf.json to the same JSON', () => {
    const outdir = tmp('mst-cli-');
    execFileSync('npx', ['cdktf', 'synth', '--output', outdir], {
      cwd: ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0' },
      stdio: 'pipe',
      timeout: 120_000,
    });
    expect(readStack(outdir)).toBe(fs.readFileSync(path.join(__dirname, '../golden/examples/typed.cdk.tf.json'), 'utf8'));
  }, 150_000);

  test('the real cdktf CLI fails the synth with every finding when the stack is invalid', () => {
    const outdir = tmp('mst-cli-');
    const bad = path.join(outdir, 'bad.yaml');
    fs.writeFileSync(bad, [
      'project: acme-prod',
      'deployer: ci@acme.example',
      'members:',
      '  - { email: ci@acme.example, role: admin }',
      '  - { email: ops@acme.example, role: operator }',
      'invitations:',
      '  - { email: x@acme.example, role: admin, invitedBy: ops@acme.example }',
      'services:',
      '  - name: metrics',
      '    users: [{ username: grafana }, { username: Grafana }]',
    ].join('\n'));
    let stderr = '';
    let status: number | null = 0;
    try {
      execFileSync('npx', ['cdktf', 'synth', '--output', path.join(outdir, 'out'), '--app', 'npx ts-node --transpile-only examples/manifest/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0', MST_MANIFEST: bad },
        stdio: 'pipe',
        timeout: 120_000,
      });
    } catch (e) {
      const err = e as { status: number | null; stderr: Buffer; stdout: Buffer };
      status = err.status;
      stderr = `${err.stdout}${err.stderr}`;
    }
    expect(status).not.toBe(0);
    expect(stderr).toContain('MST-USER-002: username "Grafana" collides with "grafana" in service "metrics"');
    expect(stderr).toContain('MST-INVITE-002');
    expect(stderr).not.toMatch(/at Object\.<anonymous>|at Module\._compile/);
    // No partial output: no stack JSON was written.
    expect(fs.existsSync(path.join(outdir, 'out', 'stacks', 'acme-access', 'cdk.tf.json'))).toBe(false);
  }, 150_000);
});
