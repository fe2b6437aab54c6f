import { GrantSpec } from '../../src/domain/grants';
import { UserSpec } from '../../src/domain/model';
import { blockNamePart, grantBlocks, GrantService, roleBlockOverrides } from '../../src/render/grants';

const METRICS: GrantService = { name: 'metrics', providerFqn: 'postgresql.metrics', adminUsername: 'tsdbadmin', database: 'defaultdb' };

function user(username: string, grants: GrantSpec[]): UserSpec {
  return { path: `acme/metrics/users/${username}`, username, allowReplication: false, password: { kind: 'generated', length: 32 }, passwordVersion: 1, grants };
}

const names = (u: UserSpec) => grantBlocks(u, METRICS).map((b) => `${b.type}.${b.name}`);

describe('grantBlocks', () => {
  test('a read on a schema: USAGE on it, SELECT on its tables, and default privileges for the admin\'s future tables', () => {
    expect(grantBlocks(user('Grafana', [{ kind: 'read', schema: 'public' }]), METRICS)).toEqual([
      {
        type: 'postgresql_default_privileges', name: 'metrics_grafana-tables-defaultdb-public',
        body: {
          database: 'defaultdb', object_type: 'table', owner: 'tsdbadmin', privileges: ['SELECT'],
          provider: 'postgresql.metrics', role: '${postgresql_role.metrics_grafana.name}', schema: 'public',
        },
      },
      {
        type: 'postgresql_grant', name: 'metrics_grafana-schema-defaultdb-public',
        body: {
          database: 'defaultdb', object_type: 'schema', privileges: ['USAGE'],
          provider: 'postgresql.metrics', role: '${postgresql_role.metrics_grafana.name}', schema: 'public',
        },
      },
      {
        type: 'postgresql_grant', name: 'metrics_grafana-tables-defaultdb-public',
        body: {
          database: 'defaultdb', object_type: 'table', privileges: ['SELECT'],
          provider: 'postgresql.metrics', role: '${postgresql_role.metrics_grafana.name}', schema: 'public',
        },
      },
    ]);
  });

  test('a write on a schema also covers its sequences, present and future', () => {
    expect(names(user('etl', [{ kind: 'write', schema: 'staging', database: 'warehouse' }]))).toEqual([
      'postgresql_default_privileges.metrics_etl-sequences-warehouse-staging',
      'postgresql_default_privileges.metrics_etl-tables-warehouse-staging',
      'postgresql_grant.metrics_etl-schema-warehouse-staging',
      'postgresql_grant.metrics_etl-sequences-warehouse-staging',
      'postgresql_grant.metrics_etl-tables-warehouse-staging',
    ]);
    const tables = grantBlocks(user('etl', [{ kind: 'write', schema: 'staging' }]), METRICS).find((b) => b.name.endsWith('-tables-defaultdb-staging'))!;
    expect(tables.body.privileges).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
  });

  test('a write on named tables: one block per table and per named sequence, no default privileges', () => {
    const blocks = grantBlocks(user('ingest', [{ kind: 'write', schema: 'metrics', tables: ['samples', 'events'], sequences: ['samples_id_seq'], privileges: ['INSERT'] }]), METRICS);
    expect(blocks.map((b) => [b.name, b.body.objects ?? null, b.body.privileges])).toEqual([
      ['metrics_ingest-schema-defaultdb-metrics', null, ['USAGE']],
      ['metrics_ingest-sequence-defaultdb-metrics-samples_id_seq', ['samples_id_seq'], ['SELECT', 'USAGE']],
      ['metrics_ingest-table-defaultdb-metrics-events', ['events'], ['INSERT']],
      ['metrics_ingest-table-defaultdb-metrics-samples', ['samples'], ['INSERT']],
    ]);
  });

  test('a write that neither inserts nor updates asks for no sequence', () => {
    expect(names(user('janitor', [{ kind: 'write', schema: 'metrics', tables: ['samples'], sequences: ['samples_id_seq'], privileges: ['DELETE'] }])))
      .toEqual(['postgresql_grant.metrics_janitor-schema-defaultdb-metrics', 'postgresql_grant.metrics_janitor-table-defaultdb-metrics-samples']);
  });

  test('connect and memberships: a predefined role by name, a user of the service by its role\'s name attribute', () => {
    expect(grantBlocks(user('ops', [{ kind: 'connect', database: 'analytics' }, { kind: 'role', role: 'pg_monitor' }, { kind: 'role', role: 'Grafana', service: 'metrics' }]), METRICS)
      .map((b) => [b.type, b.name, b.body])).toEqual([
      ['postgresql_grant', 'metrics_ops-connect-analytics', {
        database: 'analytics', object_type: 'database', privileges: ['CONNECT'], provider: 'postgresql.metrics', role: '${postgresql_role.metrics_ops.name}',
      }],
      ['postgresql_grant_role', 'metrics_ops-member-grafana', {
        grant_role: '${postgresql_role.metrics_grafana.name}', provider: 'postgresql.metrics', role: '${postgresql_role.metrics_ops.name}',
      }],
      ['postgresql_grant_role', 'metrics_ops-member-pg_monitor', {
        grant_role: 'pg_monitor', provider: 'postgresql.metrics', role: '${postgresql_role.metrics_ops.name}',
      }],
    ]);
  });

  test('every block names its user\'s role through the role\'s name attribute', () => {
    const all = grantBlocks(user('x', [
      { kind: 'read', schema: 'a' }, { kind: 'write', schema: 'b', tables: ['t'], sequences: ['s'] }, { kind: 'connect', database: 'd' }, { kind: 'role', role: 'pg_monitor' },
    ]), METRICS);
    expect(all.length).toBe(8);
    for (const b of all) expect(b.body.role).toBe('${postgresql_role.metrics_x.name}');
  });

  test('names do not depend on the order of the grants, and a reader turned writer keeps its blocks', () => {
    const grants: GrantSpec[] = [{ kind: 'read', schema: 'a' }, { kind: 'read', schema: 'b', tables: ['t'] }, { kind: 'connect', database: 'd' }];
    expect(grantBlocks(user('u', [...grants].reverse()), METRICS)).toEqual(grantBlocks(user('u', grants), METRICS));
    const reader = grantBlocks(user('u', [{ kind: 'read', schema: 'b', tables: ['t'] }]), METRICS);
    const writer = grantBlocks(user('u', [{ kind: 'write', schema: 'b', tables: ['t'] }]), METRICS);
    expect(writer.map((b) => b.name)).toEqual(reader.map((b) => b.name));
    expect(writer.map((b) => b.body.privileges)).toEqual([['USAGE'], ['DELETE', 'INSERT', 'SELECT', 'UPDATE']]);
  });

  test('names that are not plain identifiers keep what they can and a hash of the whole, so two never meet', () => {
    expect(blockNamePart('samples_2024')).toBe('samples_2024');
    expect(blockNamePart('my-schema')).toMatch(/^myschema_[0-9a-f]{8}$/);
    expect(blockNamePart('my.schema')).toMatch(/^myschema_[0-9a-f]{8}$/);
    expect(blockNamePart('my-schema')).not.toBe(blockNamePart('my.schema'));
    expect(blockNamePart('Ünïcode')).toMatch(/^ncode_[0-9a-f]{8}$/);
    expect(blockNamePart('ü')).toMatch(/^[0-9a-f]{8}$/);
    // Schema "a_b" + table "c" and schema "a" + table "b_c" are different blocks.
    const one = names(user('u', [{ kind: 'read', schema: 'a_b', tables: ['c'] }]));
    const two = names(user('u', [{ kind: 'read', schema: 'a', tables: ['b_c'] }]));
    expect(one.filter((n) => two.includes(n))).toEqual([]);
    for (const n of [...one, ...two]) expect(n.split('.')[1]).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
  });

  test('a user with no grants has no blocks', () => {
    expect(grantBlocks(user('u', []), METRICS)).toEqual([]);
    expect(grantBlocks({ ...user('u', []), grants: undefined }, METRICS)).toEqual([]);
  });
});

describe('roleBlockOverrides', () => {
  test('a user with a membership has its role ignore changes of `roles`, which its grant_role blocks make', () => {
    expect(roleBlockOverrides(user('ops', [{ kind: 'role', role: 'pg_monitor' }]))).toEqual({ lifecycle: { ignore_changes: ['roles'] } });
    expect(roleBlockOverrides(user('ops', [{ kind: 'read', schema: 'public' }]))).toEqual({});
    expect(roleBlockOverrides(user('ops', []))).toEqual({});
  });
});
