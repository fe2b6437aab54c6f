/**
 * The library stack and its model as plain data. The library is loaded from
 * BENCH_LIBRARY when set: `npm run bench` points it at the compiled package
 * (what an app's `import 'cdktf-mst'` loads from node_modules, not transpiled
 * at run time); without it, from the sources through ts-node.
 */
import { App, LocalBackend, TerraformStack } from 'cdktf';
import type { MstProject } from '../src';
import type { ProjectSpec } from '../src/domain/model';
import {
  DEPLOYER, INVITATIONS, MEMBERS, ROLE_IDS, inviteeEmail, inviter, memberEmail, memberRole,
  replicates, serviceCount, serviceName, username, usersOf,
} from './shapes';

// BENCH_LIBRARY is the package's compiled lib/ folder: its index and, beside it, the internal modules.
const root = process.env.BENCH_LIBRARY ?? '../src';
const mst: typeof import('../src') = require(root);
const { ProjectRole } = mst;
export const { validateProjects }: typeof import('../src/domain/validate') = require(`${root}/domain/validate`);
const { defaultAdminPasswordVariable }: typeof import('../src/domain/conventions') = require(`${root}/domain/conventions`);

/** The stack written with the library, full validation on (MST-USER-006 acknowledged project-wide). */
export function libraryStack(app: App, users: number): MstProject {
  const stack = new TerraformStack(app, 'bench');
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  const project = new mst.MstProject(stack, 'acme', { name: 'acme-prod', deployer: DEPLOYER });
  for (let i = 0; i < MEMBERS; i++) project.addMember(i === 0 ? DEPLOYER : memberEmail(i), ProjectRole.tryOf(memberRole(i)!)!);
  for (let i = 0; i < INVITATIONS; i++) {
    project.addInvitation(inviteeEmail(i), { role: ProjectRole.tryOf(ROLE_IDS[i % 4])!, invitedBy: inviter(i) });
  }
  project.acknowledge('MST-USER-006', 'bench: the replicas are expected');
  for (let s = 0; s < serviceCount(users); s++) {
    const service = project.addService(serviceName(s), { postgresVersion: 16 });
    for (const i of usersOf(s, users)) {
      const user = service.addUser(username(i), { allowReplication: replicates(i) });
      // The grants step: every user reads schema public (now and later) and connects to defaultdb.
      if (process.env.BENCH_GRANTS === '1') user.grantRead({ schema: 'public' }).grantConnect('defaultdb');
    }
  }
  return project;
}

/** The library stack's model as plain data, for timing validateProjects on its own. */
export function projectSpecs(users: number): ProjectSpec[] {
  const path = 'bench/acme';
  const services = [];
  for (let s = 0; s < serviceCount(users); s++) {
    const name = serviceName(s);
    const svcUsers = [];
    for (const i of usersOf(s, users)) {
      svcUsers.push({
        path: `${path}/${name}/users/${username(i)}`, username: username(i), allowReplication: replicates(i),
        password: { kind: 'generated' as const, length: 32 }, passwordVersion: 1,
      });
    }
    services.push({
      path: `${path}/${name}`, name, postgresVersion: 16, adminIsSuperuser: false,
      adminPassword: { kind: 'variable' as const, name: defaultAdminPasswordVariable(name), sensitive: true },
      writeOnlyPasswords: false, users: svcUsers,
    });
  }
  return [{
    path, name: 'acme-prod', deployer: DEPLOYER,
    members: Array.from({ length: MEMBERS }, (_, i) => {
      const email = i === 0 ? DEPLOYER : memberEmail(i);
      return { path: `${path}/members/${email}`, email, role: ProjectRole.tryOf(memberRole(i)!)! };
    }),
    invitations: Array.from({ length: INVITATIONS }, (_, i) => ({
      path: `${path}/invitations/${inviteeEmail(i)}`, email: inviteeEmail(i), role: ProjectRole.tryOf(ROLE_IDS[i % 4])!, invitedBy: inviter(i),
    })),
    services,
    acknowledgements: [{ path, ruleId: 'MST-USER-006', reason: 'bench: the replicas are expected' }],
  }];
}
