/**
 * The local MST of `npm start`: started for stacks whose projects connect to MST's API, as a
 * process of its own (tools/local/mst-server.ts) that serves until `npm stop`, with its records
 * in .mst-local/mst-api/. Every service of those projects is served on its local cluster, every
 * declared member has joined the organization, and every declared invitation is pending, as after
 * the invitations were sent in the console. Also reads back what the console's User management
 * page and each service's Users tab show.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProjectSpec } from '../../src/domain/model';
import { AIVEN_ROLE } from '../../src/render/mst-api';
import { ClusterInfo } from '../sandbox/cluster';
import { LocalMstOptions } from '../mst/server';
import { MST_API_DIR, REPO_ROOT, runningLocalApi, stopLocalApi } from './local';

export interface LocalApi {
  readonly url: string;
  /** The file holding the API token (0600); the token itself is never printed. */
  readonly tokenFile: string;
  /** What the deploy's engine needs: AIVEN_WEB_URL, AIVEN_TOKEN and any token variable the projects declare. */
  readonly env: Record<string, string>;
  readonly token: string;
}

/**
 * (Re)starts the local MST for the projects with an MST API connection, on their services'
 * clusters; stops a running one and returns undefined when no project has one.
 */
export async function startLocalApi(projects: readonly ProjectSpec[], clusters: ReadonlyMap<string, ClusterInfo>): Promise<LocalApi | undefined> {
  const connected = projects.filter((p) => p.mstApi);
  await stopLocalApi();
  if (connected.length === 0) return undefined;
  const orgs = [...new Set(connected.map((p) => p.mstApi!.organizationId))];
  if (orgs.length > 1) {
    throw new Error(`the projects name ${orgs.length} organizations (${orgs.join(', ')}), and the local MST serves one; deploy them one at a time`);
  }
  fs.mkdirSync(MST_API_DIR, { recursive: true, mode: 0o700 });
  const tokenFile = path.join(MST_API_DIR, 'token');
  if (!fs.existsSync(tokenFile)) fs.writeFileSync(tokenFile, crypto.randomBytes(24).toString('hex'), { mode: 0o600 });
  const token = fs.readFileSync(tokenFile, 'utf8').trim();

  const options: LocalMstOptions = {
    dataDir: MST_API_DIR,
    token,
    services: connected.flatMap((p) => p.services.map((s) => ({ project: p.name, name: s.name, cluster: clusters.get(s.name)! }))),
    organization: { id: orgs[0], users: [...new Set(connected.flatMap((p) => p.members.map((m) => m.email)))].map((email) => ({ email })) },
  };
  const config = path.join(MST_API_DIR, 'config.json');
  fs.writeFileSync(config, JSON.stringify(options), { mode: 0o600 });
  const log = fs.openSync(path.join(MST_API_DIR, 'server.log'), 'w', 0o600);
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(__dirname, 'mst-server.ts'), config], {
    detached: true, stdio: ['ignore', log, log], env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, 'tsconfig.json') },
  });
  fs.closeSync(log);
  let exited = false;
  child.on('exit', () => { exited = true; });
  child.unref();
  const deadline = Date.now() + 60_000;
  let server = runningLocalApi();
  while (!server) {
    if (exited || Date.now() > deadline) {
      const last = fs.readFileSync(path.join(MST_API_DIR, 'server.log'), 'utf8').trim().split('\n').pop();
      if (!exited) process.kill(child.pid!, 'SIGKILL');
      throw new Error(`the local MST did not start: ${last || (exited ? 'it exited' : 'no answer within 60 s')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
    server = runningLocalApi();
  }
  const api: LocalApi = {
    url: server.url, token, tokenFile,
    env: {
      AIVEN_WEB_URL: server.url, AIVEN_TOKEN: token,
      ...Object.fromEntries(connected.flatMap((p) => (p.mstApi!.apiToken?.kind === 'variable' ? [[`TF_VAR_${p.mstApi!.apiToken.name}`, token]] : []))),
    },
  };
  for (const p of connected) await invite(api, p);
  return api;
}

/** Sends each declared invitation not yet pending (the library checks invitations; it does not send them). */
async function invite(api: LocalApi, project: ProjectSpec): Promise<void> {
  const { invitations, members } = await userManagement(api, project.name);
  const known = new Set([...invitations, ...members].map((x) => x.email.toLowerCase()));
  for (const i of project.invitations) {
    if (known.has(i.email.toLowerCase())) continue;
    await call(api, 'POST', `/v1/project/${encodeURIComponent(project.name)}/invite`, { user_email: i.email, member_type: AIVEN_ROLE[i.role.id] });
  }
}

/** What the console's User management page of `project` lists: members with their role, pending invitations. */
export async function userManagement(api: LocalApi, project: string): Promise<{
  members: { email: string; role: string }[];
  invitations: { email: string; role: string }[];
}> {
  const body = await call(api, 'GET', `/v1/project/${encodeURIComponent(project)}/users`) as {
    users: { user_email: string; member_type: string }[];
    invitations: { invited_user_email: string; member_type: string }[];
  };
  return {
    members: body.users.map((u) => ({ email: u.user_email, role: u.member_type })),
    invitations: body.invitations.map((i) => ({ email: i.invited_user_email, role: i.member_type })),
  };
}

/** What a service's Users tab lists: its users (the admin first, as `primary`) and their REPLICATION. */
export async function serviceUsers(api: LocalApi, project: string, service: string): Promise<{ username: string; type: string; replication: boolean }[]> {
  const body = await call(api, 'GET', `/v1/project/${encodeURIComponent(project)}/service/${encodeURIComponent(service)}`) as {
    service: { users: { username: string; type: string; access_control: { pg_allow_replication: boolean } }[] };
  };
  return body.service.users.map((u) => ({ username: u.username, type: u.type, replication: u.access_control.pg_allow_replication }));
}

async function call(api: LocalApi, method: string, urlPath: string, body?: unknown): Promise<unknown> {
  const rsp = await fetch(`${api.url}${urlPath}`, {
    method,
    headers: { Authorization: `aivenv1 ${api.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = await rsp.json() as { message?: string };
  if (!rsp.ok) throw new Error(`the local MST answered ${method} ${urlPath} with ${rsp.status}: ${parsed.message ?? ''}`);
  return parsed;
}
