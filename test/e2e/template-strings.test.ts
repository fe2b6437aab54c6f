/**
 * A string of a manifest that reaches the provider block is read by the
 * engine as a Terraform template: `${file("…")}` in a database name is a call
 * the engine makes, with the deploy's credentials and files, before anything
 * is applied. The real engine shows it evaluating the block as cdktf-mst
 * rendered such a manifest before MST-TF-001; the library now refuses the
 * manifest at load, before anything is rendered.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { loadManifest } from '../../src/manifest/constructs';
import { Manifest } from '../../src/manifest/schema';
import { engine } from '../../tools/local/engine';

const MARKER = 'cdktf-mst-no-such-file';

function manifest(database: string): Manifest {
  return {
    project: 'acme-prod',
    deployer: 'ci@acme.example',
    members: [{ email: 'ci@acme.example', role: 'admin' }],
    services: [{ name: 'metrics', postgresVersion: 16, connection: { host: 'metrics.acme.example', port: 5432, database }, users: [{ username: 'app' }] }],
  };
}

/** Synthesizes `m` as an app would and returns the stack folder (cdk.tf.json and the users' file). */
function synth(m: Manifest, outdir: string): string {
  const app = new App({ outdir });
  loadManifest(new TerraformStack(app, 'access'), m);
  app.synth();
  return path.join(outdir, 'stacks', 'access');
}

describe('a template in a manifest string, before the engine', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-template-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const hostile = `\${file("${path.join(tmp, MARKER)}")}`;

  async function validate(stackDir: string): Promise<{ code: number; out: string }> {
    const eng = await engine(); // throws, naming the build script's failure, when there is no engine
    const env = { ...process.env, ...eng.env, TF_IN_AUTOMATION: '1' };
    try {
      execFileSync(eng.binary, ['init', '-backend=false', '-input=false', '-no-color'], { cwd: stackDir, env, stdio: 'pipe' });
      const out = execFileSync(eng.binary, ['validate', '-no-color'], { cwd: stackDir, env, stdio: 'pipe' });
      return { code: 0, out: out.toString() };
    } catch (e) {
      const r = e as { status?: number; stdout?: Buffer; stderr?: Buffer };
      return { code: r.status ?? -1, out: `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}` };
    }
  }

  it('was evaluated by the engine as the library rendered it, and is now refused at synth', async () => {
    // The nearest good case: the same stack with a plain database name validates.
    const good = synth(manifest('defaultdb'), path.join(tmp, 'good.out'));
    expect(await validate(good)).toMatchObject({ code: 0 });

    // As rendered before MST-TF-001: the string verbatim in the provider block.
    const old = synth(manifest('placeholder-db'), path.join(tmp, 'old.out'));
    const file = path.join(old, 'cdk.tf.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const [block] = json.provider.postgresql;
    expect(block.database).toBe('placeholder-db');
    block.database = hostile;
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    const evaluated = await validate(old);
    // The engine called file() on the runner: it failed only because the file does not exist.
    expect(evaluated.code).not.toBe(0);
    expect(evaluated.out).toContain('while calling file(path)');
    expect(evaluated.out).toMatch(new RegExp(`no file exists at\\s+"[^"]*${MARKER}"`));

    // Now: refused before anything is rendered, naming the value and the rule.
    expect(() => synth(manifest(hostile), path.join(tmp, 'new.out')))
      .toThrow(/\[access\/acme-prod\/metrics\] MST-TF-001: the connection's database "\$\{file\(.*" of service "metrics" holds a Terraform template sequence/);
    expect(fs.existsSync(path.join(tmp, 'new.out', 'stacks', 'access', 'cdk.tf.json'))).toBe(false);
  }, 120_000);
});
