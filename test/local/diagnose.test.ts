/**
 * The one-line diagnosis of a failed deploy, and `cdktf-mst adopt`'s reading of it, on the
 * two forms the engine's errors take: `tofu apply` (-no-color) and `cdktf
 * deploy` (stack prefix, construct path inside the address). The samples are
 * copied from real runs; test/e2e/faults-*.test.ts produce the live ones.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { MstProject, ProjectRole } from '../../src';
import { StackJson, diagnose, readStack } from '../../tools/local/diagnose';
import { importBlocks, readAdoptionLog } from '../../src/cli/adopt';

function stackJson(): StackJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-diagnose-'));
  try {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'acme-access');
    const project = new MstProject(stack, 'acme', { name: 'acme-prod', deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const metrics = project.addService('metrics', {});
    metrics.addUser('grafana');
    metrics.addUser('loader');
    project.addService('events', {}).addUser('ingest');
    app.synth();
    return readStack(path.join(outdir, 'stacks', 'acme-access'));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const json = stackJson();

/** The address the engine prints for a user's role, whatever the emitted shape (keyed block or one block per user). */
function roleAddress(service: string, user: string): string {
  const roles = (json.resource?.postgresql_role ?? {}) as Record<string, { name?: string }>;
  const own = Object.entries(roles).find(([, r]) => r.name === user);
  return own ? `postgresql_role.${own[0]}` : `postgresql_role.${service}["${user}"]`;
}

/** The same address as `cdktf deploy` prints it, with a construct path after the resource name. */
const withPath = (address: string): string => address.replace(/^(\w+\.[\w-]+)/, '$1 (acme-prod/metrics/roles)');
const tofuError = (message: string, address: string): string =>
  `\nError: ${message}\n\n  with ${address},\n  on cdk.tf.json line 178, in resource.postgresql_role.metrics:\n 178:       }\n\n`;
const cdktfError = (message: string, address: string): string =>
  `             Error: ${message}\n\n               with ${address},\n               on cdk.tf.json line 132, in resource.postgresql_role.metrics (acme-prod/metrics/roles):\n              132:       }\n\n`;
const refused = 'error connecting to PostgreSQL server 127.0.0.1 (scheme: postgres): dial tcp 127.0.0.1:1: connect: connection refused';

describe('diagnose', () => {
  test('tofu output: one line per service, whatever the number of users', () => {
    const out = tofuError(refused, roleAddress('metrics', 'grafana')) + tofuError(refused, roleAddress('metrics', 'loader'))
      + tofuError('error connecting to PostgreSQL server 127.0.0.1 (scheme: postgres): pq: password authentication failed for user "tsdbadmin"', roleAddress('events', 'ingest'));
    expect(diagnose(out, json)).toEqual([
      'service events: the admin password of tsdbadmin was refused (1 resource not read or changed): check TF_VAR_events_admin_password',
      'service metrics: nothing accepts connections at 127.0.0.1:1 (2 resources not read or changed): check TF_VAR_metrics_host and TF_VAR_metrics_port, and that the service is running (MST console)',
    ]);
  });

  test('cdktf deploy output: the construct path in the address is ignored', () => {
    const address = withPath(roleAddress('metrics', 'grafana'));
    const out = `acme-access  ${address}: Refreshing state... [id=grafana]\n${cdktfError(refused, address)}`;
    expect(diagnose(out, json)).toEqual([expect.stringMatching(/^service metrics: nothing accepts connections at 127\.0\.0\.1:1 \(1 resource /)]);
  });

  test('roles an interrupted deploy left: named, with the way out', () => {
    const out = tofuError('error creating role grafana: pq: role "grafana" already exists', roleAddress('metrics', 'grafana'));
    expect(diagnose(out, json)).toEqual([
      'service metrics: 1 role exists but is not in the state (grafana), left by an interrupted deploy: adopt them (README, "Faults and drift")',
    ]);
  });

  test('errors that name no service of the stack give no line', () => {
    expect(diagnose('Error: execution halted\n', json)).toEqual([]);
    expect(diagnose(tofuError(refused, 'postgresql_role.other["x"]'), json)).toEqual([]);
  });
});

describe('cdktf-mst adopt', () => {
  test('turns tofu and cdktf deploy "already exists" errors into import blocks at the right addresses', () => {
    const log = tofuError('error creating role u1: pq: role "u1" already exists', 'postgresql_role.metrics_u1')
      + tofuError(refused, 'postgresql_role.metrics_u9')
      + cdktfError('error creating role u2: pq: role "u2" already exists', 'postgresql_role.metrics_u2 (acme-prod/metrics/users/u2/role)')
      + tofuError('error creating role u3: pq: role "u3" already exists', 'postgresql_role.metrics_u3');
    const { adoptions, unmatched } = readAdoptionLog(log);
    expect(unmatched).toEqual([]);
    expect(importBlocks(adoptions)).toBe([
      'import {\n  to = postgresql_role.metrics_u1\n  id = "u1"\n}',
      'import {\n  to = postgresql_role.metrics_u2\n  id = "u2"\n}',
      'import {\n  to = postgresql_role.metrics_u3\n  id = "u3"\n}',
      '',
    ].join('\n'));
  });
});
