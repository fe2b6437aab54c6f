/**
 * The two stacks the benchmark compares, and the plain specs for the
 * validation-only measurement. Shapes (issue 5): N service users over N/50
 * services, replication on every tenth user, 2,000 members, 200 invitations.
 */
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { MstProject } from '../src/constructs/project';
import { ProjectSpec } from '../src/domain/model';
import { ProjectRole } from '../src/domain/permissions';

export const USERS_PER_SERVICE = 50;
export const MEMBERS = 2000;
export const INVITATIONS = 200;
export const DEPLOYER = 'ci-bot@acme.example';
const ROLES = [ProjectRole.ADMIN, ProjectRole.OPERATOR, ProjectRole.DEVELOPER, ProjectRole.READ_ONLY];

const pad = (i: number, width: number) => String(i).padStart(width, '0');
export const serviceName = (s: number) => `svc-${pad(s, 4)}`;
export const username = (i: number) => `user_${pad(i, 5)}`;
export const memberEmail = (i: number) => `member${pad(i, 5)}@acme.example`;
export const inviteeEmail = (i: number) => `invitee${pad(i, 4)}@acme.example`;
/** Every tenth user may replicate. */
export const replicates = (i: number) => i % 10 === 0;
/** Member 0 is the deployer (Admin), members 1..: roles in turn, so every fourth is an Admin. */
const memberRole = (i: number) => (i === 0 ? ProjectRole.ADMIN : ROLES[i % 4]);
/** Invitations are sent by Admin members (multiples of 4), handing out every role in turn. */
const inviter = (i: number) => memberEmail(4 * ((i % (MEMBERS / 4 - 1)) + 1));

export const serviceCount = (users: number) => Math.max(1, Math.ceil(users / USERS_PER_SERVICE));
export const replicationUsers = (users: number) => Array.from({ length: users }, (_, i) => i).filter(replicates).length;

/** The stack written with the library, full validation on (MST-USER-006 acknowledged project-wide). */
export function libraryStack(app: App, users: number): MstProject {
  const stack = new TerraformStack(app, 'bench');
  const project = new MstProject(stack, 'acme', { name: 'acme-prod', deployer: DEPLOYER });
  for (let i = 0; i < MEMBERS; i++) project.addMember(i === 0 ? DEPLOYER : memberEmail(i), memberRole(i));
  for (let i = 0; i < INVITATIONS; i++) {
    project.invite(inviteeEmail(i), { role: ROLES[i % 4], invitedBy: inviter(i) });
  }
  project.acknowledge('MST-USER-006', 'bench: the replicas are expected');
  for (let s = 0, i = 0; s < serviceCount(users); s++) {
    const service = project.addService(serviceName(s), { postgresVersion: 16 });
    for (let k = 0; k < USERS_PER_SERVICE && i < users; k++, i++) {
      service.addUser(username(i), { allowReplication: replicates(i) });
    }
  }
  return project;
}

/**
 * The baseline: the same roles and passwords written by hand with the
 * provider bindings, one aliased provider per service, each role's password the
 * random_password's result.
 */
export function rawStack(app: App, users: number): TerraformStack {
  const stack = new TerraformStack(app, 'bench');
  new RandomProvider(stack, 'random');
  for (let s = 0, i = 0; s < serviceCount(users); s++) {
    const name = serviceName(s);
    const prefix = name.replace(/-/g, '_');
    const host = new TerraformVariable(stack, `${prefix}_host`, { type: 'string' });
    const port = new TerraformVariable(stack, `${prefix}_port`, { type: 'number' });
    const admin = new TerraformVariable(stack, `${prefix}_admin_password`, { type: 'string', sensitive: true });
    const provider = new PostgresqlProvider(stack, `pg_${prefix}`, {
      alias: name, host: host.stringValue, port: port.numberValue, database: 'defaultdb',
      username: 'tsdbadmin', password: admin.stringValue, sslmode: 'require', superuser: false,
    });
    for (let k = 0; k < USERS_PER_SERVICE && i < users; k++, i++) {
      const id = `${prefix}_${username(i)}`;
      const password = new Password(stack, `${id}_password`, { length: 32, special: false, keepers: { version: '1' } });
      new Role(stack, id, {
        provider, name: username(i), login: true, replication: replicates(i), password: password.result,
      });
    }
  }
  return stack;
}

/** The library stack's model as plain data, for timing validateProjects on its own. */
export function projectSpecs(users: number): ProjectSpec[] {
  const path = 'bench/acme';
  const services = [];
  for (let s = 0, i = 0; s < serviceCount(users); s++) {
    const name = serviceName(s);
    const svcUsers = [];
    for (let k = 0; k < USERS_PER_SERVICE && i < users; k++, i++) {
      svcUsers.push({
        path: `${path}/${name}/users/${username(i)}`, username: username(i), allowReplication: replicates(i),
        password: { kind: 'generated' as const, length: 32 }, passwordVersion: 1,
      });
    }
    services.push({
      path: `${path}/${name}`, name, postgresVersion: 16, adminIsSuperuser: false,
      adminPassword: { kind: 'variable' as const, name: `${name.replace(/-/g, '_')}_admin_password`, sensitive: true },
      writeOnlyPasswords: false, users: svcUsers,
    });
  }
  return [{
    path, name: 'acme-prod', deployer: DEPLOYER,
    members: Array.from({ length: MEMBERS }, (_, i) => {
      const email = i === 0 ? DEPLOYER : memberEmail(i);
      return { path: `${path}/members/${email}`, email, role: memberRole(i) };
    }),
    invitations: Array.from({ length: INVITATIONS }, (_, i) => ({
      path: `${path}/invitations/${inviteeEmail(i)}`, email: inviteeEmail(i), role: ROLES[i % 4], invitedBy: inviter(i),
    })),
    services,
    acknowledgements: [{ path, ruleId: 'MST-USER-006', reason: 'bench: the replicas are expected' }],
  }];
}
