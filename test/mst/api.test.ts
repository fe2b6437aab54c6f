/**
 * The local MST over HTTP, against a real PostgreSQL cluster: service users are roles that log in,
 * REPLICATION follows the API, a powered-off service refuses user changes, invitations and joins,
 * records that survive a restart, and Aiven's error shape for bad tokens, paths and bodies.
 */
import * as fc from 'fast-check';
import { ORG, PROJECT, MEMBER, Harness, TOKEN, errorOf } from './support';

jest.setTimeout(120_000);

const SVC = `/v1/project/${PROJECT}/service/metrics`;

describe('local MST API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start('api');
  });
  afterAll(async () => h?.stop());

  test('a missing or wrong token gets 403 in Aiven\'s error shape', async () => {
    expect(errorOf(await h.call('GET', SVC, undefined, null), 403)).toMatch(/aivenv1/);
    expect(errorOf(await h.call('GET', SVC, undefined, 'not-the-token'), 403)).toMatch(/Invalid token/);
    expect(errorOf(await h.call('GET', SVC, undefined, `${TOKEN}x`), 403)).toMatch(/Invalid token/);
  });

  test('unknown paths, services and methods get 404/405 in Aiven\'s error shape', async () => {
    expect(errorOf(await h.call('GET', '/v1/project/acme/kafka'), 404)).toMatch(/GET \/v1\/project\/acme\/kafka/);
    expect(errorOf(await h.call('GET', `/v1/project/${PROJECT}/service/nope`), 404)).toMatch(/'nope'/);
    expect(errorOf(await h.call('GET', '/v1/project/other/service/metrics'), 404)).toMatch(/'other'/);
    expect(errorOf(await h.call('PATCH', SVC, {}), 405)).toMatch(/PATCH/);
  });

  test('a service user is a role that logs in with the readable generated password; REPLICATION follows the API; delete drops it', async () => {
    const created = await h.call('POST', `${SVC}/user`, { username: 'grafana', access_control: { pg_allow_replication: true } });
    expect(created.status).toBe(200);
    const user = created.body.user as { password: string; type: string; access_control: { pg_allow_replication: boolean } };
    expect(user.type).toBe('normal');
    expect(user.password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(await h.login('metrics', 'grafana', user.password)).toBe(true);
    expect(await h.replication('metrics', 'grafana')).toBe(true);
    expect(((await h.call('GET', `${SVC}/user/grafana`)).body.user as { password: string }).password).toBe(user.password);

    errorOf(await h.call('POST', `${SVC}/user`, { username: 'grafana' }), 409);

    const off = await h.call('PUT', `${SVC}/user/grafana`, { operation: 'set-access-control', access_control: { pg_allow_replication: false } });
    expect(off.status).toBe(200);
    expect(await h.replication('metrics', 'grafana')).toBe(false);

    const reset = await h.call('PUT', `${SVC}/user/grafana`, { operation: 'reset-credentials', new_password: 'Chosen$Password-1' });
    expect(reset.status).toBe(200);
    expect(await h.login('metrics', 'grafana', 'Chosen$Password-1')).toBe(true);
    expect(await h.login('metrics', 'grafana', user.password)).toBe(false);
    expect(((await h.call('GET', `${SVC}/user/grafana`)).body.user as { password: string }).password).toBe('Chosen$Password-1');

    const generated = await h.call('PUT', `${SVC}/user/grafana`, { operation: 'reset-credentials' });
    expect(generated.status).toBe(200);
    const fresh = ((await h.call('GET', `${SVC}/user/grafana`)).body.user as { password: string }).password;
    expect(fresh).not.toBe('Chosen$Password-1');
    expect(await h.login('metrics', 'grafana', fresh)).toBe(true);

    expect((await h.call('DELETE', `${SVC}/user/grafana`)).status).toBe(200);
    expect(await h.replication('metrics', 'grafana')).toBeUndefined();
    errorOf(await h.call('GET', `${SVC}/user/grafana`), 404);
  });

  test('reserved and malformed usernames are refused, naming the value', async () => {
    expect(errorOf(await h.call('POST', `${SVC}/user`, { username: 'tsdbadmin' }), 400)).toMatch(/'tsdbadmin' is reserved/);
    expect(errorOf(await h.call('POST', `${SVC}/user`, { username: 'pg_monitor2' }), 400)).toMatch(/'pg_monitor2' is reserved/);
    expect(errorOf(await h.call('POST', `${SVC}/user`, { username: 'a"b' }), 400)).toMatch(/'a"b' is invalid/);
    expect(errorOf(await h.call('POST', `${SVC}/user`, { username: 'x'.repeat(65) }), 400)).toMatch(/is invalid/);
  });

  test('a powered-off or rebuilding service refuses user changes with a message naming its state', async () => {
    const created = await h.call('POST', `${SVC}/user`, { username: 'batch' });
    expect(created.status).toBe(200);
    const off = await h.call('PUT', SVC, { powered: false, project_vpc_id: null });
    expect(off.status).toBe(200);
    expect((off.body.service as { state: string }).state).toBe('POWEROFF');
    // Powering off stops the service's PostgreSQL.
    expect(await h.login('metrics', 'tsdbadmin', h.cluster('metrics').adminPassword)).toBe(false);
    expect(errorOf(await h.call('POST', `${SVC}/user`, { username: 'late' }), 409)).toMatch(/state POWEROFF.*power the service on/);
    expect(errorOf(await h.call('DELETE', `${SVC}/user/batch`), 409)).toMatch(/POWEROFF/);
    expect(errorOf(await h.call('PUT', `${SVC}/user/batch`, { operation: 'reset-credentials' }), 409)).toMatch(/POWEROFF/);
    // Reads still answer from the records.
    expect((await h.call('GET', `${SVC}/user/batch`)).status).toBe(200);

    const on = await h.call('PUT', SVC, { powered: true, project_vpc_id: null });
    expect((on.body.service as { state: string }).state).toBe('RUNNING');
    const password = (created.body.user as { password: string }).password;
    expect(await h.login('metrics', 'batch', password)).toBe(true);

    expect((await h.call('PUT', `/_local/project/${PROJECT}/service/metrics/state`, { state: 'REBUILDING' })).status).toBe(200);
    expect((await h.call('GET', SVC)).body.service).toMatchObject({ state: 'REBUILDING' });
    expect(errorOf(await h.call('POST', `${SVC}/user`, { username: 'late' }), 409)).toMatch(/REBUILDING/);
    await h.mst.setState(PROJECT, 'metrics', 'REBALANCING');
    expect((await h.call('POST', `${SVC}/user`, { username: 'late' })).status).toBe(200);
    await h.mst.setState(PROJECT, 'metrics', 'RUNNING');
  });

  test('an invitation stays pending until the invitee joins; then it is a project member with the offered role', async () => {
    const invitee = 'bob@acme.example';
    expect((await h.call('POST', `/v1/project/${PROJECT}/invite`, { user_email: invitee, member_type: 'operator' })).status).toBe(200);
    errorOf(await h.call('POST', `/v1/project/${PROJECT}/invite`, { user_email: invitee, member_type: 'operator' }), 409);
    let users = (await h.call('GET', `/v1/project/${PROJECT}/users`)).body;
    expect(users.invitations).toEqual([expect.objectContaining({ invited_user_email: invitee, member_type: 'operator' })]);
    expect(users.users).toEqual([]);
    const orgUsers = async (): Promise<string[]> =>
      ((await h.call('GET', `/v1/organization/${ORG}/user`)).body.users as { user_info: { user_email: string } }[]).map((u) => u.user_info.user_email);
    expect(await orgUsers()).toEqual([MEMBER]);

    const joined = await h.call('POST', `/_local/organization/${ORG}/join`, { email: invitee });
    expect(joined.status).toBe(200);
    const userId = joined.body.user_id as string;
    expect(await orgUsers()).toEqual([MEMBER, invitee]);
    users = (await h.call('GET', `/v1/project/${PROJECT}/users`)).body;
    expect(users.invitations).toEqual([]);
    expect(users.users).toEqual([expect.objectContaining({ user_email: invitee, user_id: userId, member_type: 'operator' })]);
    const perms = (await h.call('GET', `/v1/organization/${ORG}/permissions/project/${PROJECT}`)).body.permissions;
    expect(perms).toEqual([expect.objectContaining({ principal_type: 'user', principal_id: userId, permissions: ['operator'] })]);

    // A pending invitation can be withdrawn.
    await h.call('POST', `/v1/project/${PROJECT}/invite`, { user_email: 'carol@acme.example', member_type: 'read_only' });
    expect((await h.call('DELETE', `/v1/project/${PROJECT}/invite/carol%40acme.example`)).status).toBe(200);
    expect((await h.call('GET', `/v1/project/${PROJECT}/users`)).body.invitations).toEqual([]);
    errorOf(await h.call('DELETE', `/v1/project/${PROJECT}/invite/carol%40acme.example`), 404);

    // The permission set replaces the project's permissions; an empty list removes them.
    expect((await h.call('PUT', `/v1/organization/${ORG}/permissions/project/${PROJECT}`, { permissions: [] })).status).toBe(200);
    expect((await h.call('GET', `/v1/project/${PROJECT}/users`)).body.users).toEqual([]);
  });

  test('permissions name unknown roles, principals and resource types', async () => {
    const url = `/v1/organization/${ORG}/permissions/project/${PROJECT}`;
    expect(errorOf(await h.call('PUT', url, { permissions: [{ principal_type: 'user', principal_id: 'u000', permissions: ['developer'] }] }), 404))
      .toMatch(/'u000' is not a member/);
    const users = (await h.call('GET', `/v1/organization/${ORG}/user`)).body.users as { user_id: string }[];
    expect(errorOf(await h.call('PUT', url, { permissions: [{ principal_type: 'user', principal_id: users[0].user_id, permissions: ['owner'] }] }), 400))
      .toMatch(/"owner" is not a project role; use one of admin, operator, developer, read_only/);
    expect(errorOf(await h.call('GET', `/v1/organization/${ORG}/permissions/organization/${ORG}`), 400)).toMatch(/'organization' is not supported/);
    errorOf(await h.call('GET', `/v1/organization/org-other/permissions/project/${PROJECT}`), 404);
  });

  test('records survive a restart of the server: users, passwords, permissions, power state', async () => {
    const created = await h.call('POST', `${SVC}/user`, { username: 'survivor' });
    const password = (created.body.user as { password: string }).password;
    const users = (await h.call('GET', `/v1/organization/${ORG}/user`)).body.users as { user_id: string }[];
    const url = `/v1/organization/${ORG}/permissions/project/${PROJECT}`;
    await h.call('PUT', url, { permissions: [{ principal_type: 'user', principal_id: users[0].user_id, permissions: ['developer'] }] });
    await h.mst.setState(PROJECT, 'metrics', 'REBUILDING');

    await h.restart({ services: undefined });

    expect(((await h.call('GET', `${SVC}/user/survivor`)).body.user as { password: string }).password).toBe(password);
    expect(((await h.call('GET', url)).body.permissions as { permissions: string[] }[])[0].permissions).toEqual(['developer']);
    expect((await h.call('GET', SVC)).body.service).toMatchObject({ state: 'REBUILDING' });
    await h.mst.setState(PROJECT, 'metrics', 'RUNNING');
    expect(await h.login('metrics', 'survivor', password)).toBe(true);
  });

  test('bad bodies on every write endpoint get a 4xx in Aiven\'s error shape, never a crash', async () => {
    const writes: [string, string][] = [
      ['POST', `${SVC}/user`],
      ['PUT', `${SVC}/user/survivor`],
      ['PUT', SVC],
      ['PUT', `/v1/organization/${ORG}/permissions/project/${PROJECT}`],
      ['POST', `/v1/project/${PROJECT}/invite`],
      ['POST', `/_local/organization/${ORG}/join`],
      ['PUT', `/_local/project/${PROJECT}/service/metrics/state`],
    ];
    const body = fc.oneof(
      fc.string().map((s) => `{${s}`), // not JSON
      fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.constantFrom('username', 'operation', 'new_password', 'access_control', 'powered', 'permissions',
        'user_email', 'member_type', 'email', 'state', 'project_vpc_id', 'zzz'), fc.jsonValue(), { maxKeys: 4 })
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...writes), body, async ([method, url], text) => {
      const r = await h.call(method, url, text);
      if (r.status >= 200 && r.status < 300) return; // a body that happens to be valid
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      errorOf(r, r.status);
    }), { numRuns: 300, seed: 42 });
    // Still serving, and the cluster still answers.
    expect((await h.call('GET', SVC)).status).toBe(200);
  });
});
