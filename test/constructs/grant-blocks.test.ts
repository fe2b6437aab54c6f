// The grants' blocks are added by cdktf-mst to cdk.tf.json beside the roles (render/grants.ts, called from
// src/render/render.ts). They are held here against cdktf's own rendering of the
// provider's Grant, DefaultPrivileges and GrantRole L1s, so every attribute name is one the provider has;
// and a manifest's grants give the same file as the typed API's.
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { DefaultPrivileges } from '@cdktf/provider-postgresql/lib/default-privileges';
import { Grant } from '@cdktf/provider-postgresql/lib/grant';
import { GrantRole } from '@cdktf/provider-postgresql/lib/grant-role';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { loadManifest, MstProject, MstValidationError, PredefinedRole, ProjectRole, ServiceUser } from '../../src';

type Json = any;

function typed(stack: TerraformStack): void {
  const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  const metrics = project.addService('metrics', { postgresVersion: 15, connection: { database: 'tsdb', username: 'admin' } });
  metrics.addUser('grafana').grantRead({ schema: 'public' }).grantConnect('analytics');
  // Declared in a construct of its own: its blocks do not depend on where.
  new ServiceUser(new Construct(stack, 'ingest-team'), 'Ingest', { service: metrics })
    .grantWrite({ schema: 'metrics', tables: ['samples'], sequences: ['samples_id_seq'] });
  const reporting = metrics.addUser('reporting').grantRead({ schema: 'reports', database: 'analytics' });
  metrics.addUser('monitor').grantRole(PredefinedRole.PG_MONITOR).grantRole(reporting);
  project.addService('events', { postgresVersion: 17 }).addUser('etl').grantWrite({ schema: 'staging' });
}

const MANIFEST = {
  project: 'acme',
  deployer: 'ci@acme.example',
  members: [{ email: 'ci@acme.example', role: 'admin' as const }],
  services: [
    {
      name: 'metrics', postgresVersion: 15, connection: { database: 'tsdb', username: 'admin' },
      users: [
        { username: 'grafana', grants: [{ read: { schema: 'public' } }, { connect: 'analytics' }] },
        { username: 'Ingest', grants: [{ write: { schema: 'metrics', tables: ['samples'], sequences: ['samples_id_seq'] } }] },
        { username: 'reporting', grants: [{ read: { schema: 'reports', database: 'analytics' } }] },
        { username: 'monitor', grants: [{ role: 'pg_monitor' }, { role: { user: 'reporting' } }] },
      ],
    },
    { name: 'events', postgresVersion: 17, users: [{ username: 'etl', grants: [{ write: { schema: 'staging' } }] }] },
  ],
};

function usersFile(build: (stack: TerraformStack) => void): Json {
  const outdir = fs.mkdtempSync(path.join(Testing.app().outdir, '..', 'grant-blocks-'));
  try {
    const app = new App({ outdir, stackTraces: false });
    build(new TerraformStack(app, 'stack'));
    app.synth();
    return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'stack', 'cdk.tf.json'), 'utf8'));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** cdktf's rendering of each grant block through the provider's L1 of its type, "//" metadata removed. */
function asL1(resource: Json): Json {
  const stack = new TerraformStack(Testing.app(), 'l1');
  const providers = new Map<string, PostgresqlProvider>();
  const provider = (fqn: string) => {
    const alias = fqn.replace(/^postgresql\./, '');
    if (!providers.has(alias)) providers.set(alias, new PostgresqlProvider(stack, `pg-${alias}`, { alias }));
    return providers.get(alias)!;
  };
  for (const [name, b] of Object.entries<Json>(resource.postgresql_grant ?? {})) {
    new Grant(stack, `g-${name}`, {
      provider: provider(b.provider), role: b.role, database: b.database, schema: b.schema, objectType: b.object_type, objects: b.objects, privileges: b.privileges,
    }).overrideLogicalId(name);
  }
  for (const [name, b] of Object.entries<Json>(resource.postgresql_default_privileges ?? {})) {
    new DefaultPrivileges(stack, `d-${name}`, {
      provider: provider(b.provider), role: b.role, database: b.database, schema: b.schema, owner: b.owner, objectType: b.object_type, privileges: b.privileges,
    }).overrideLogicalId(name);
  }
  for (const [name, b] of Object.entries<Json>(resource.postgresql_grant_role ?? {})) {
    new GrantRole(stack, `r-${name}`, { provider: provider(b.provider), role: b.role, grantRole: b.grant_role }).overrideLogicalId(name);
  }
  const json = JSON.parse(Testing.synth(stack));
  for (const blocks of Object.values<Json>(json.resource)) for (const block of Object.values<Json>(blocks)) delete block['//'];
  return json.resource;
}

const GRANT_TYPES = ['postgresql_default_privileges', 'postgresql_grant', 'postgresql_grant_role'];
const grantsOf = (resource: Json) => Object.fromEntries(GRANT_TYPES.map((t) => [t, resource[t]]));

describe('the grants\' blocks in cdk.tf.json', () => {
  it('hold what cdktf renders for the provider\'s L1 of each type, with the same logical IDs', () => {
    const written = usersFile(typed).resource;
    expect(grantsOf(written)).toEqual(asL1(written));
    expect(Object.keys(written)).toEqual([...GRANT_TYPES, 'postgresql_role', 'random_bytes']);
    expect(Object.keys(written.postgresql_grant_role)).toEqual(['metrics_monitor-member-pg_monitor', 'metrics_monitor-member-reporting']);
    expect(written.postgresql_grant_role['metrics_monitor-member-reporting'].grant_role).toBe('${postgresql_role.metrics_reporting.name}');
    // The member's role leaves its memberships to the grant_role blocks; the others' roles are as before.
    expect(written.postgresql_role.metrics_monitor.lifecycle).toEqual({ ignore_changes: ['roles'] });
    expect(Object.keys(written.postgresql_role.metrics_monitor)[0]).toBe('lifecycle');
    expect(written.postgresql_role.metrics_reporting.lifecycle).toBeUndefined();
    // The service's connection decides the database and the owner of future tables.
    expect(written.postgresql_default_privileges['metrics_grafana-tables-tsdb-public']).toMatchObject({ database: 'tsdb', owner: 'admin' });
    expect(written.postgresql_default_privileges['events_etl-sequences-defaultdb-staging']).toMatchObject({ database: 'defaultdb', owner: 'tsdbadmin' });
    // Every block belongs to a declared role, named through its name attribute.
    const roles = Object.keys(written.postgresql_role);
    for (const t of GRANT_TYPES) {
      for (const b of Object.values<Json>(written[t])) expect(roles).toContain(/^\$\{postgresql_role\.(.+)\.name\}$/.exec(b.role)![1]);
    }
  });

  it('are the same from a manifest as from the typed API', () => {
    expect(usersFile((stack) => loadManifest(stack, MANIFEST)).resource).toEqual(usersFile(typed).resource);
  });

  it('are not written for a stack whose grants break a rule: the synth fails, naming it', () => {
    expect(() => usersFile((stack) => {
      typed(stack);
      const events = (stack.node.findAll().find((c) => c instanceof ServiceUser && c.username === 'etl') as ServiceUser);
      events.grantRole(PredefinedRole.PG_MONITOR);
    })).toThrow(/MST-GRANT-006: user "etl" on service "events" is made a member of "pg_monitor"/);
  });

  it('refuse a grant wrong on its own at the call, with its rule', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const grafana = project.addService('metrics').addUser('grafana');
    expect(() => grafana.grantRead({ schema: '' })).toThrow(MstValidationError);
    expect(() => grafana.grantRead({ schema: '' })).toThrow(/^\[stack\/acme\/metrics\/users\/grafana\] MST-GRANT-007: schema "" in a grant of user "grafana" is empty; give a PostgreSQL name of 1 to 63 bytes\.$/);
    expect(grafana.grants).toEqual([]);
  });
});
