/**
 * Both backends in one stack, with grants: `metrics` on the MST API backend (its users made through the
 * local MST with the real aiven provider), `events` on the PostgreSQL-role backend; a grant of an MST API
 * user goes through the service's admin connection and names the user as MST made it. Real PostgreSQL 17
 * clusters with the MST-like admin, the real engine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TerraformStack, TerraformVariable } from 'cdktf';
import { MstProject, ProjectRole, Secret, UserBackend } from '../../src';
import { LocalMst, startLocalMst } from '../../tools/mst/server';
import { sql } from '../../tools/sandbox/cluster';
import { Deployment } from './support';

jest.setTimeout(300_000);

const TOKEN = 'e2e-local-mst-grants-token';
const ORG = 'org1a2b3c4d5e6';
const CI = 'ci@acme.example';

function build(stack: TerraformStack): void {
  const token = new TerraformVariable(stack, 'mst_token', { type: 'string', sensitive: true });
  const project = new MstProject(stack, 'acme', { deployer: CI, mstApi: { organizationId: ORG, apiToken: Secret.fromVariable(token) } });
  project.addMember(CI, ProjectRole.ADMIN);
  project.addService('metrics', { postgresVersion: 17, backend: UserBackend.MST_API }).addUser('grafana').grantRead({ schema: 'public' });
  project.addService('events', { postgresVersion: 17 }).addUser('ingest').grantWrite({ schema: 'public', tables: ['samples'] });
}

describe('both backends in one stack, each user with a grant', () => {
  let d: Deployment;
  let mst: LocalMst;
  let dataDir: string;

  beforeAll(async () => {
    d = await Deployment.start('apigrants', { metrics: {}, events: {} });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-e2e-apigrants-'));
    mst = await startLocalMst({
      dataDir, token: TOKEN,
      services: [{ project: 'acme', name: 'metrics', cluster: d.cluster('metrics') }],
      organization: { id: ORG, name: 'Acme', users: [{ email: CI }] },
    });
    d.environment.AIVEN_WEB_URL = mst.url;
    d.variables.mst_token = TOKEN;
    for (const svc of ['metrics', 'events']) {
      const r = await sql(d.cluster(svc), ['CREATE TABLE public.samples (at timestamptz, v double precision)', "INSERT INTO public.samples VALUES (now(), 1)"]);
      if (r.code !== 0) throw new Error(r.stderr);
    }
  });
  afterAll(async () => {
    await mst?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    await d?.stop();
  });

  test('the MST API user reads through its grant, the PostgreSQL-role user writes through its own; then no change', async () => {
    d.synth(build);
    await d.apply();
    const grafana = (await d.passwords('metrics')).get('grafana')!;
    const ingest = (await d.passwords('events')).get('ingest')!;
    const as = (svc: string, user: string, password: string, text: string) => sql(d.cluster(svc), text, { user, password });
    expect(await as('metrics', 'grafana', grafana, 'SELECT count(*) FROM public.samples')).toMatchObject({ code: 0, stdout: '1' });
    expect((await as('metrics', 'grafana', grafana, 'INSERT INTO public.samples VALUES (now(), 2)')).stderr).toMatch(/permission denied/);
    expect(await as('events', 'ingest', ingest, 'INSERT INTO public.samples VALUES (now(), 2)')).toMatchObject({ code: 0 });
    expect((await d.plan()).code).toBe(0);
  });
});
