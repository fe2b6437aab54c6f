/**
 * A user's own resources after a library role, against real PostgreSQL with
 * the real engine: a grant that names `user.role.name` and a database that
 * lists `user.role` in `dependsOn` are created after the role in one apply,
 * and removed before it, so dropping the role never meets what depends on it.
 */
import { TerraformStack } from 'cdktf';
import { Database } from '@cdktf/provider-postgresql/lib/database';
import { Grant } from '@cdktf/provider-postgresql/lib/grant';
import { MstProject, ProjectRole } from '../../src';
import { sql } from '../../tools/sandbox/cluster';
import { Deployment } from './support';

jest.setTimeout(240_000);

function build(withOwnResources: boolean) {
  return (stack: TerraformStack): void => {
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const metrics = project.addService('metrics', { postgresVersion: 17 });
    const grafana = metrics.addUser('grafana');
    if (!withOwnResources) return;
    // The role's name as a reference: the engine orders the grant after the role.
    new Grant(stack, 'grafana-connect', {
      provider: metrics.provider, database: 'defaultdb', role: grafana.role.name, objectType: 'database', privileges: ['CONNECT'],
    });
    // A literal name and an explicit dependency: the same order.
    new Database(stack, 'dashboards', { provider: metrics.provider, name: 'dashboards', owner: 'grafana', dependsOn: [grafana.role] });
  };
}

/** Lines of the engine's log that say an address finished or started something, in order. */
function events(log: string): string[] {
  return log.split('\n').map((l) => /^(\S+): (Creating|Creation complete|Destroying|Destruction complete)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null).map((m) => `${m[1]} ${m[2]}`);
}

describe('the user\'s own resources after a library role (PostgreSQL 17, MST-like admin)', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await Deployment.start('ownres', { metrics: { major: 17 } });
  });
  afterAll(async () => d?.stop());

  test('one apply creates the role first, then the grant naming it and the database depending on it', async () => {
    d.synth(build(true));
    const log = events((await d.apply()).stdout);
    const roleDone = log.indexOf('postgresql_role.metrics_grafana Creation complete');
    expect(roleDone).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('postgresql_grant.grafana-connect Creating')).toBeGreaterThan(roleDone);
    expect(log.indexOf('postgresql_database.dashboards Creating')).toBeGreaterThan(roleDone);
    const owner = await sql(d.cluster('metrics'), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'dashboards'");
    expect(owner.stdout.trim()).toBe('grafana');
    const connect = await sql(d.cluster('metrics'), "SELECT has_database_privilege('grafana', 'defaultdb', 'CONNECT')");
    expect(connect.stdout.trim()).toBe('t');
    expect((await d.plan()).code).toBe(0);
  });

  test('destroying removes the grant and the database before the role', async () => {
    const log = events((await d.destroy()).stdout);
    const roleGone = log.indexOf('postgresql_role.metrics_grafana Destroying');
    expect(roleGone).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('postgresql_grant.grafana-connect Destruction complete')).toBeLessThan(roleGone);
    expect(log.indexOf('postgresql_database.dashboards Destruction complete')).toBeLessThan(roleGone);
    expect(log.indexOf('postgresql_database.dashboards Destruction complete')).toBeGreaterThanOrEqual(0);
    expect((await sql(d.cluster('metrics'), "SELECT count(*) FROM pg_roles WHERE rolname = 'grafana'")).stdout.trim()).toBe('0');
  });
});
