/**
 * Write-only passwords (no password in the state) and replication users under
 * an MST-like admin on PostgreSQL 15 and 17, against real clusters with the
 * real engine.
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { Acknowledgements, MstProject, ProjectRole, Secret } from '../../src';
import { Deployment } from './support';

jest.setTimeout(240_000);

describe('write-only passwords', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await Deployment.start('wo', { vault: { major: 17 } });
  });
  afterAll(async () => d?.stop());

  const build = (versions: Record<string, number>) => (stack: TerraformStack): void => {
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const vault = project.addService('vault', { postgresVersion: 17, writeOnlyPasswords: true });
    for (const [user, version] of Object.entries(versions)) {
      const v = new TerraformVariable(stack, `${user}_password`, { type: 'string', sensitive: true });
      vault.addUser(user, { password: Secret.fromVariable(v), passwordVersion: version });
    }
  };

  test('users log in, and no password appears anywhere in the state file', async () => {
    d.variables.app_password = 'app-password-first-0123456789';
    d.variables.batch_password = 'batch-password-first-0123456789';
    const json = d.synth(build({ app: 1, batch: 1 }));
    expect(json).toContain('password_wo');
    await d.apply();
    expect((await d.login('vault', 'app', 'app-password-first-0123456789')).ok).toBe(true);
    expect((await d.login('vault', 'batch', 'batch-password-first-0123456789')).ok).toBe(true);
    const state = d.state();
    expect(state).toContain('"password_wo_version"');
    for (const secret of [...Object.values(d.variables), d.cluster('vault').adminPassword]) expect(state).not.toContain(secret);
  });

  test('a changed variable is sent only when passwordVersion is bumped', async () => {
    d.variables.app_password = 'app-password-second-0123456789';
    const unchanged = await d.plan();
    expect(unchanged.code).toBe(0); // write-only values are not compared: same version, nothing to send
    d.synth(build({ app: 2, batch: 1 }));
    await d.apply();
    expect((await d.login('vault', 'app', 'app-password-second-0123456789')).ok).toBe(true);
    expect((await d.login('vault', 'app', 'app-password-first-0123456789')).ok).toBe(false);
    expect((await d.login('vault', 'batch', 'batch-password-first-0123456789')).ok).toBe(true);
    expect(d.state()).not.toContain('app-password-second-0123456789');
  });
});

describe('replication users under an MST-like admin', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await Deployment.start('repl', { old: { major: 15 }, current: { major: 17 } });
  });
  afterAll(async () => d?.stop());

  const build = (service: string, declaredVersion: number) => (stack: TerraformStack): void => {
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const svc = project.addService(service, { postgresVersion: declaredVersion });
    Acknowledgements.of(svc.addUser('replicator', { allowReplication: true })).add('MST-USER-006', 'feeds a replica');
  };

  test('on 15 the synth refuses the replication user (MST-USER-004)', () => {
    expect(() => d.synth(build('old', 15))).toThrow(/MST-USER-004: replication user "replicator"/);
  });

  test('without the rule (the stack claims 17, the server is 15) the apply really fails', async () => {
    d.synth(build('old', 17));
    const r = await d.tofu(['apply', '-auto-approve', '-input=false', '-no-color']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/must be superuser to create replication users/);
    expect(await d.roles('old')).toEqual([]);
  });

  test('on 17 the same stack applies and the user can replicate', async () => {
    await d.tofu(['destroy', '-auto-approve', '-input=false', '-no-color']);
    d.synth(build('current', 17));
    await d.apply();
    expect(await d.roles('current')).toEqual([{ name: 'replicator', login: true, replication: true }]);
    expect(await d.replicate('current', 'replicator', await d.password('current', 'replicator'))).toBe(true);
  });
});
