/**
 * Every endpoint of the local MST against Aiven's published client: tools/mst/conformance (Go,
 * github.com/aiven/go-client-codegen v0.239.0) calls each one with the codegen's own handler
 * functions and fails on a decode error, a missing required field, an undeclared field or an error
 * outside Aiven's error shape. The program is built once per source and Go version, then cached.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../tools/sandbox/process';
import { Harness, MEMBER, ORG, PROJECT, TOKEN } from './support';

jest.setTimeout(600_000);

const SOURCE = path.resolve(__dirname, '../../tools/mst/conformance');

async function conformanceBinary(): Promise<string> {
  const version = await run('go', ['env', 'GOVERSION'], { timeoutMs: 30_000, env: process.env });
  if (version.code !== 0) throw new Error(`the conformance check needs Go (go env GOVERSION failed: ${version.stderr.trim()}); install Go 1.26+`);
  const hash = crypto.createHash('sha256').update(version.stdout);
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(fs.readFileSync(path.join(SOURCE, f)));
  const dir = path.join(os.tmpdir(), 'cdktf-mst-conformance');
  const bin = path.join(dir, `conformance-${hash.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = await run('go', ['-C', SOURCE, 'build', '-mod=readonly', '-trimpath', '-o', tmp, '.'],
    { timeoutMs: 540_000, env: { ...process.env, CGO_ENABLED: '0' } });
  if (r.code !== 0) throw new Error(`building tools/mst/conformance failed (exit ${r.code}):\n${r.stderr}`);
  fs.renameSync(tmp, bin);
  return bin;
}

describe('local MST conformance with go-client-codegen v0.239.0', () => {
  let h: Harness;
  let bin: string;
  beforeAll(async () => {
    [h, bin] = await Promise.all([Harness.start('conf'), conformanceBinary()]);
  });
  afterAll(async () => h?.stop());

  test('every endpoint decodes into the codegen\'s types with all required fields and no undeclared ones', async () => {
    const r = await run(bin, ['-url', h.mst.url, '-token', TOKEN, '-project', PROJECT, '-service', 'metrics',
      '-org', ORG, '-member', MEMBER, '-invitee', 'newcomer@acme.example'], { timeoutMs: 120_000, env: process.env });
    const summary = /conformance: (\d+) checks, (\d+) failures/.exec(r.stdout);
    expect({ code: r.code, failures: r.stdout.split('\n').filter((l) => l.startsWith('FAIL')) }).toEqual({ code: 0, failures: [] });
    expect(Number(summary?.[1])).toBeGreaterThan(500);
  });
});
