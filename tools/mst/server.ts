/**
 * A local Managed Service for TimescaleDB: the subset of Aiven's API (MST's API is Aiven's) that
 * the aiven Terraform provider's `aiven_pg_user`, `data.aiven_pg`, `aiven_organization_permission`
 * and `data.aiven_organization_user_list` use, plus project invitations and powering a service off
 * and on, over HTTP on 127.0.0.1. Point the provider at it with AIVEN_WEB_URL=<url>.
 *
 *   request ─▶ token check ─▶ route ─▶ handler ─▶ records (data folder, JSON) ─┬─▶ response
 *                                                └▶ roles (the service's PostgreSQL cluster)
 *
 * Every service is a cluster started by tools/sandbox/cluster.ts; its users are real roles there.
 * Failures answer in Aiven's error shape (errors.ts) with Aiven's statuses; docs/local-mst.md lists
 * the endpoints and the local-only ones under /_local/.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ClusterInfo, haltCluster, resumeCluster } from '../sandbox/cluster';
import { ApiError, badRequest, conflict, errorBody, notFound } from './errors';
import {
  PROJECT_ROLES, Permission, Project, ProjectRole, Records, SERVICE_STATES, SERVING_STATES, Service, ServiceState,
  ServiceUser, loadRecords, saveRecords,
} from './records';
import { createRole, dropRole, roleExists, setPassword, setReplication } from './roles';
import {
  adminUser, organizationJson, organizationUserJson, permissionJson, planSpecs, projectUsersJson, serviceJson, userJson,
} from './shapes';

export interface LocalMstService {
  /** MST project the service belongs to. */
  readonly project: string;
  /** Service name, as the provider's `service_name`. */
  readonly name: string;
  /** The PostgreSQL cluster that is this service (tools/sandbox/cluster.ts startCluster). */
  readonly cluster: ClusterInfo;
  /** @default 'timescale-basic-100-compute-optimized' */
  readonly plan?: string;
  /** @default 'timescale-aws-us-east-1' */
  readonly cloud?: string;
}

export interface LocalMstOptions {
  /** Folder for the records file (mst.json); records found there are loaded, so a restart keeps them. */
  readonly dataDir: string;
  /** The API token every request must carry as `Authorization: aivenv1 <token>`. */
  readonly token: string;
  /**
   * Services to serve. A service already recorded keeps its users and power state and takes the
   * cluster given here (a restarted cluster may have moved).
   * @default - the recorded services only
   */
  readonly services?: readonly LocalMstService[];
  /**
   * The organization and its users. Required when the data folder has no records yet; users not
   * yet recorded are added.
   * @default - the recorded organization
   */
  readonly organization?: {
    readonly id: string;
    /** @default - the id */
    readonly name?: string;
    readonly users?: readonly { readonly email: string; readonly realName?: string }[];
  };
  /** @default 0 (a free port) */
  readonly port?: number;
}

export interface LocalMst {
  /** http://127.0.0.1:PORT, for AIVEN_WEB_URL. */
  readonly url: string;
  /** Makes `email` an organization user (as accepting an invitation does) and returns its user ID. */
  join(email: string): Promise<string>;
  /** Sets a service's state directly, e.g. REBUILDING; POWEROFF and RUNNING also halt and resume its cluster. */
  setState(project: string, service: string, state: ServiceState): Promise<void>;
  /** Closes the server (the clusters stay up: they belong to the caller). */
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}$/;
const EMAIL = /^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/;
const RESERVED_USERNAMES = ['avnadmin', 'postgres', 'root'];

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A 24-character password of letters and digits, like Aiven's generated ones. */
function generatePassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(24), (b) => alphabet[b % alphabet.length]).join('');
}

function userIdFor(email: string): string {
  return `u${crypto.createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 12)}`;
}

// ------------------------------------------------------------------ request bodies

type Body = Record<string, unknown>;

function object(value: unknown, what: string): Body {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`${what} must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Body;
}

function onlyKeys(body: Body, allowed: readonly string[], what: string): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw badRequest(`${what}: unsupported field(s) ${extra.map((k) => `'${k}'`).join(', ')}; this endpoint takes ${allowed.join(', ')}`);
}

function str(body: Body, key: string, what: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw badRequest(`${what}: '${key}' must be a string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return v;
}

function optBool(body: Body, key: string, what: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${what}: '${key}' must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function role(value: unknown, what: string): ProjectRole {
  if (typeof value !== 'string' || !(PROJECT_ROLES as readonly string[]).includes(value)) {
    throw badRequest(`${what}: ${JSON.stringify(value)} is not a project role; use one of ${PROJECT_ROLES.join(', ')}`);
  }
  return value as ProjectRole;
}

// ------------------------------------------------------------------ server

class Mst {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly records: Records,
    private readonly dataDir: string,
  ) {}

  save(): void {
    saveRecords(this.dataDir, this.records);
  }

  /** Runs `fn` after every earlier change to the same key, so concurrent requests on one service don't interleave. */
  serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(key, next.catch(() => undefined));
    return next;
  }

  project(name: string): Project {
    const p = this.records.projects.find((x) => x.name === name);
    if (!p) throw notFound(`Project '${name}' not found`);
    return p;
  }

  service(project: string, name: string): Service {
    this.project(project);
    const s = this.records.services.find((x) => x.project === project && x.name === name);
    if (!s) throw notFound(`Service '${name}' not found in project '${project}'`);
    return s;
  }

  organization(id: string): Records['organization'] {
    if (id !== this.records.organization.id) throw notFound(`Organization '${id}' not found`);
    return this.records.organization;
  }

  user(s: Service, username: string): ServiceUser {
    if (username === s.cluster.adminUser) return adminUser(s);
    const u = s.users.find((x) => x.username === username);
    if (!u) throw notFound(`Service user '${username}' not found in service '${s.name}'`);
    return u;
  }

  /** Users change only while the service's PostgreSQL serves. */
  assertServing(s: Service): void {
    if (!SERVING_STATES.includes(s.state)) {
      throw conflict(`Service '${s.name}' is in state ${s.state}: service users cannot be changed until it is RUNNING`
        + (s.state === 'POWEROFF' ? '; power the service on first' : '; retry when it is RUNNING'));
    }
  }

  async setState(s: Service, state: ServiceState): Promise<void> {
    if (state === s.state) return;
    if (state === 'POWEROFF') await haltCluster(s.cluster);
    else if (s.state === 'POWEROFF') await resumeCluster(s.cluster);
    s.state = state;
    s.updateTime = now();
    this.save();
  }

  join(email: string): string {
    const org = this.records.organization;
    let u = org.users.find((x) => x.email.toLowerCase() === email.toLowerCase());
    if (!u) {
      u = { userId: userIdFor(email), email, realName: email.split('@')[0], joinTime: now() };
      org.users.push(u);
    }
    // The invitations it accepts become its project roles.
    for (const p of this.records.projects) {
      const accepted = p.invitations.filter((i) => i.email.toLowerCase() === email.toLowerCase());
      if (!accepted.length) continue;
      p.invitations = p.invitations.filter((i) => !accepted.includes(i));
      const t = now();
      const existing = p.permissions.find((x) => x.principalType === 'user' && x.principalId === u!.userId);
      if (existing) {
        for (const i of accepted) if (!existing.permissions.includes(i.memberType)) existing.permissions.push(i.memberType);
        existing.updateTime = t;
      } else {
        p.permissions.push({
          principalType: 'user', principalId: u.userId, permissions: [...new Set(accepted.map((i) => i.memberType))],
          createTime: t, updateTime: t,
        });
      }
    }
    this.save();
    return u.userId;
  }
}

interface Request {
  /** The parsed JSON body; undefined when there was none. */
  readonly body: unknown;
}

type Handler = (mst: Mst, req: Request, params: string[]) => Promise<unknown> | unknown;

/** Routes: method and path pattern (`*` is one path segment, passed to the handler in order). */
const ROUTES: [string, string, Handler][] = [
  ['GET', 'v1/project/*/service/*', (m, _r, [p, s]) => ({ service: serviceJson(m.service(p, s)) })],
  ['PUT', 'v1/project/*/service/*', (m, r, [p, s]) => updateService(m, r, p, s)],
  ['GET', 'v1/project/*/service/*/tags', (m, _r, [p, s]) => (m.service(p, s), { tags: {} })],
  ['GET', 'v1/project/*/static-ips', (m, _r, [p]) => (m.project(p), { static_ips: [] })],
  ['GET', 'v1/project/*/service-types/*/plans/*', (m, _r, [p, type, plan]) => {
    m.project(p);
    if (type !== 'pg') throw notFound(`Service type '${type}' not available: the local MST serves pg only`);
    return planSpecs(plan);
  }],
  ['POST', 'v1/project/*/service/*/user', (m, r, [p, s]) => createUser(m, r, p, s)],
  ['GET', 'v1/project/*/service/*/user/*', (m, _r, [p, s, u]) => {
    const svc = m.service(p, s);
    return { user: userJson(m.user(svc, u), u === svc.cluster.adminUser) };
  }],
  ['PUT', 'v1/project/*/service/*/user/*', (m, r, [p, s, u]) => modifyUser(m, r, p, s, u)],
  ['DELETE', 'v1/project/*/service/*/user/*', (m, _r, [p, s, u]) => deleteUser(m, p, s, u)],
  ['GET', 'v1/organizations', (m) => ({ organizations: [organizationJson(m.records)] })],
  ['GET', 'v1/organization/*/user', (m, _r, [o]) => ({ users: m.organization(o).users.map(organizationUserJson) })],
  ['GET', 'v1/organization/*/permissions/*/*', (m, _r, [o, type, id]) =>
    ({ permissions: permissionsOf(m, o, type, id).map(permissionJson) })],
  ['PUT', 'v1/organization/*/permissions/*/*', (m, r, [o, type, id]) => setPermissions(m, r, o, type, id)],
  ['GET', 'v1/project/*/users', (m, _r, [p]) => projectUsersJson(m.records, m.project(p))],
  ['POST', 'v1/project/*/invite', (m, r, [p]) => invite(m, r, p)],
  ['DELETE', 'v1/project/*/invite/*', (m, _r, [p, email]) => {
    const proj = m.project(p);
    const before = proj.invitations.length;
    proj.invitations = proj.invitations.filter((i) => i.email.toLowerCase() !== email.toLowerCase());
    if (proj.invitations.length === before) throw notFound(`Invitation for '${email}' not found in project '${p}'`);
    m.save();
    return {};
  }],
  ['DELETE', 'v1/project/*/user/*', (m, _r, [p, email]) => {
    const proj = m.project(p);
    const u = m.records.organization.users.find((x) => x.email.toLowerCase() === email.toLowerCase());
    const before = proj.permissions.length;
    proj.permissions = proj.permissions.filter((x) => !(u && x.principalType === 'user' && x.principalId === u.userId));
    if (proj.permissions.length === before) throw notFound(`User '${email}' not found in project '${p}'`);
    m.save();
    return {};
  }],
  // Local only: what happens outside the API on real MST (an invitee signs up, the platform rebuilds a node).
  ['POST', '_local/organization/*/join', (m, r, [o]) => {
    m.organization(o);
    const body = object(r.body, 'join request');
    onlyKeys(body, ['email'], 'join request');
    const email = str(body, 'email', 'join request');
    if (!EMAIL.test(email)) throw badRequest(`join request: '${email}' is not an email address`);
    return { user_id: m.join(email) };
  }],
  ['PUT', '_local/project/*/service/*/state', (m, r, [p, s]) => {
    const svc = m.service(p, s);
    const body = object(r.body, 'state request');
    onlyKeys(body, ['state'], 'state request');
    const state = str(body, 'state', 'state request');
    if (!(SERVICE_STATES as readonly string[]).includes(state)) {
      throw badRequest(`state request: '${state}' is not a service state; use one of ${SERVICE_STATES.join(', ')}`);
    }
    return m.serial(`${p}/${s}`, async () => {
      await m.setState(svc, state as ServiceState);
      return { service: serviceJson(svc) };
    });
  }],
];

async function updateService(m: Mst, r: Request, project: string, name: string): Promise<unknown> {
  const s = m.service(project, name);
  const body = object(r.body, 'service update');
  // The codegen always sends project_vpc_id (it has no omitempty); the local services have no VPC.
  onlyKeys(body, ['powered', 'project_vpc_id'], 'service update');
  if (body.project_vpc_id !== undefined && body.project_vpc_id !== null) {
    throw badRequest(`service update: project_vpc_id ${JSON.stringify(body.project_vpc_id)} is not supported; the local MST has no VPCs`);
  }
  const powered = optBool(body, 'powered', 'service update');
  return m.serial(`${project}/${name}`, async () => {
    if (powered === false) await m.setState(s, 'POWEROFF');
    else if (powered === true && s.state === 'POWEROFF') await m.setState(s, 'RUNNING');
    return { service: serviceJson(s) };
  });
}

async function createUser(m: Mst, r: Request, project: string, name: string): Promise<unknown> {
  const s = m.service(project, name);
  const body = object(r.body, 'service user');
  onlyKeys(body, ['username', 'access_control', 'authentication'], 'service user');
  const username = str(body, 'username', 'service user');
  if (!USERNAME.test(username)) {
    throw badRequest(`Username '${username}' is invalid: use 1-64 letters, digits and _ . @ + - (not starting with . @ + -)`);
  }
  if (RESERVED_USERNAMES.includes(username.toLowerCase()) || username === s.cluster.adminUser || username.toLowerCase().startsWith('pg_')) {
    throw badRequest(`Username '${username}' is reserved; choose another name`);
  }
  if (body.authentication !== undefined && body.authentication !== null) {
    throw badRequest(`service user: 'authentication' is for MySQL services; '${name}' is a PostgreSQL service`);
  }
  let replication = false;
  if (body.access_control !== undefined && body.access_control !== null) {
    const ac = object(body.access_control, 'service user access_control');
    onlyKeys(ac, ['pg_allow_replication'], 'service user access_control');
    replication = optBool(ac, 'pg_allow_replication', 'service user access_control') ?? false;
  }
  return m.serial(`${project}/${name}`, async () => {
    m.assertServing(s);
    if (s.users.some((u) => u.username === username) || await roleExists(s.cluster, username)) {
      throw conflict(`Service user '${username}' already exists`);
    }
    const password = generatePassword();
    await createRole(s.cluster, username, password, replication);
    const t = now();
    const user: ServiceUser = { username, password, replication, createTime: t, passwordUpdatedTime: t };
    s.users.push(user);
    s.updateTime = t;
    m.save();
    return { user: userJson(user) };
  });
}

async function modifyUser(m: Mst, r: Request, project: string, name: string, username: string): Promise<unknown> {
  const s = m.service(project, name);
  const body = object(r.body, 'credentials change');
  onlyKeys(body, ['operation', 'new_password', 'access_control', 'authentication'], 'credentials change');
  const operation = str(body, 'operation', 'credentials change');
  if (operation === 'reset-credentials') {
    const given = body.new_password;
    if (given !== undefined && given !== null && (typeof given !== 'string' || given.length < 8 || given.length > 256)) {
      throw badRequest('new_password must be a string of 8 to 256 characters');
    }
    return m.serial(`${project}/${name}`, async () => {
      const u = m.user(s, username);
      if (username === s.cluster.adminUser) throw badRequest(`the admin '${username}' is managed by the service; reset its password in the console`);
      m.assertServing(s);
      const password = typeof given === 'string' ? given : generatePassword();
      await setPassword(s.cluster, username, password);
      u.password = password;
      u.passwordUpdatedTime = now();
      s.updateTime = u.passwordUpdatedTime;
      m.save();
      return { service: serviceJson(s) };
    });
  }
  if (operation === 'set-access-control') {
    const ac = object(body.access_control, 'credentials change access_control');
    onlyKeys(ac, ['pg_allow_replication'], 'credentials change access_control');
    const replication = optBool(ac, 'pg_allow_replication', 'credentials change access_control');
    return m.serial(`${project}/${name}`, async () => {
      const u = m.user(s, username);
      if (username === s.cluster.adminUser) throw badRequest(`the admin '${username}' always has REPLICATION`);
      m.assertServing(s);
      if (replication !== undefined && replication !== u.replication) {
        await setReplication(s.cluster, username, replication);
        u.replication = replication;
        s.updateTime = now();
        m.save();
      }
      return { service: serviceJson(s) };
    });
  }
  throw badRequest(`operation '${operation}' is not supported for PostgreSQL users; use reset-credentials or set-access-control`);
}

async function deleteUser(m: Mst, project: string, name: string, username: string): Promise<unknown> {
  const s = m.service(project, name);
  return m.serial(`${project}/${name}`, async () => {
    m.user(s, username);
    if (username === s.cluster.adminUser) throw badRequest(`the admin '${username}' belongs to the service and cannot be deleted`);
    m.assertServing(s);
    await dropRole(s.cluster, username);
    s.users = s.users.filter((u) => u.username !== username);
    s.updateTime = now();
    m.save();
    return {};
  });
}

function permissionsOf(m: Mst, org: string, type: string, id: string): Permission[] {
  m.organization(org);
  if (type !== 'project') throw badRequest(`resource type '${type}' is not supported by the local MST; use 'project'`);
  return m.project(id).permissions;
}

function setPermissions(m: Mst, r: Request, org: string, type: string, id: string): unknown {
  const current = permissionsOf(m, org, type, id);
  const body = object(r.body, 'permissions');
  onlyKeys(body, ['permissions'], 'permissions');
  if (!Array.isArray(body.permissions)) throw badRequest(`permissions: 'permissions' must be a list, got ${JSON.stringify(body.permissions ?? null)}`);
  const users = m.records.organization.users;
  const t = now();
  const next: Permission[] = body.permissions.map((item, i) => {
    const what = `permissions[${i}]`;
    const e = object(item, what);
    onlyKeys(e, ['principal_type', 'principal_id', 'permissions'], what);
    const principalType = str(e, 'principal_type', what);
    if (principalType !== 'user') throw badRequest(`${what}: principal_type '${principalType}' is not supported by the local MST; use 'user'`);
    const principalId = str(e, 'principal_id', what);
    if (!users.some((u) => u.userId === principalId)) {
      throw notFound(`${what}: user '${principalId}' is not a member of organization '${org}'`);
    }
    if (!Array.isArray(e.permissions)) throw badRequest(`${what}: 'permissions' must be a list of roles`);
    const roles = [...new Set(e.permissions.map((x) => role(x, what)))];
    const old = current.find((x) => x.principalType === 'user' && x.principalId === principalId);
    const same = old && old.permissions.length === roles.length && roles.every((x) => old.permissions.includes(x));
    return { principalType: 'user' as const, principalId, permissions: roles, createTime: old?.createTime ?? t, updateTime: same ? old.updateTime : t };
  }).filter((p) => p.permissions.length > 0);
  const ids = next.map((p) => p.principalId);
  const dup = ids.find((x, i) => ids.indexOf(x) !== i);
  if (dup) throw badRequest(`permissions: principal '${dup}' is listed twice; give each principal one entry with all its roles`);
  m.project(id).permissions = next;
  m.save();
  return {};
}

function invite(m: Mst, r: Request, project: string): unknown {
  const p = m.project(project);
  const body = object(r.body, 'invitation');
  onlyKeys(body, ['user_email', 'member_type'], 'invitation');
  const email = str(body, 'user_email', 'invitation');
  if (!EMAIL.test(email)) throw badRequest(`invitation: '${email}' is not an email address`);
  const memberType = role(body.member_type, 'invitation member_type');
  if (p.invitations.some((i) => i.email.toLowerCase() === email.toLowerCase())) {
    throw conflict(`An invitation for '${email}' to project '${project}' already exists`);
  }
  const member = m.records.organization.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  if (member && p.permissions.some((x) => x.principalType === 'user' && x.principalId === member.userId)) {
    throw conflict(`User '${email}' is already a member of project '${project}'`);
  }
  p.invitations.push({ email, memberType, invitingEmail: m.records.organization.users[0]?.email ?? '', inviteTime: now() });
  m.save();
  return {};
}

// ------------------------------------------------------------------ http

function match(pattern: string, parts: string[]): string[] | undefined {
  const pat = pattern.split('/');
  if (pat.length !== parts.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < pat.length; i++) {
    if (pat[i] === '*') params.push(parts[i]);
    else if (pat[i] !== parts[i]) return undefined;
  }
  return params;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, `request body larger than ${MAX_BODY} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(mst: Mst, token: string, req: http.IncomingMessage): Promise<[number, unknown]> {
  const auth = req.headers.authorization ?? '';
  const given = /^aivenv1 (.+)$/.exec(auth)?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
    throw new ApiError(403, given ? 'Invalid token: authentication failed' : "Missing token: send the header 'Authorization: aivenv1 <token>'");
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  let parts: string[];
  try {
    parts = url.pathname.replace(/^\/+|\/+$/g, '').split('/').map(decodeURIComponent);
  } catch {
    throw badRequest(`malformed path '${url.pathname}'`);
  }
  const method = req.method ?? 'GET';
  const candidates = ROUTES.map(([m, pattern, h]) => [m, match(pattern, parts), h] as const).filter(([, p]) => p);
  const route = candidates.find(([m]) => m === method);
  if (!route) {
    if (candidates.length) throw new ApiError(405, `Method ${method} not allowed on ${url.pathname}`);
    throw notFound(`Not found: ${method} ${url.pathname} is not part of the API the local MST serves`);
  }
  const text = await readBody(req);
  let body: unknown;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest('Request body is not valid JSON');
    }
  }
  // Query parameters (the codegen's limit=999, include_secrets) change nothing here: lists are whole
  // and secrets are always included.
  const result = await route[2](mst, { body }, route[1]!);
  return [200, result];
}

/** Starts the local MST on 127.0.0.1. See {@link LocalMstOptions}. */
export async function startLocalMst(opts: LocalMstOptions): Promise<LocalMst> {
  if (!opts.token) throw new Error('startLocalMst: token is empty; give the API token the provider will send');
  const t = now();
  let records = loadRecords(opts.dataDir);
  if (!records) {
    if (!opts.organization) {
      throw new Error(`startLocalMst: ${opts.dataDir} holds no records yet; give organization: { id, users } for the first start`);
    }
    records = {
      version: 1,
      organization: {
        id: opts.organization.id, name: opts.organization.name ?? opts.organization.id,
        accountId: `a${opts.organization.id.replace(/^org/, '')}`, createTime: t, users: [],
      },
      projects: [],
      services: [],
    };
  } else if (opts.organization && opts.organization.id !== records.organization.id) {
    throw new Error(`startLocalMst: ${opts.dataDir} holds organization '${records.organization.id}', not '${opts.organization.id}'; use another data folder`);
  }
  for (const u of opts.organization?.users ?? []) {
    if (!EMAIL.test(u.email)) throw new Error(`startLocalMst: organization user '${u.email}' is not an email address`);
    if (!records.organization.users.some((x) => x.email.toLowerCase() === u.email.toLowerCase())) {
      records.organization.users.push({ userId: userIdFor(u.email), email: u.email, realName: u.realName ?? u.email.split('@')[0], joinTime: t });
    }
  }
  for (const svc of opts.services ?? []) {
    if (!records.projects.some((p) => p.name === svc.project)) {
      records.projects.push({ name: svc.project, createTime: t, permissions: [], invitations: [] });
    }
    const existing = records.services.find((s) => s.project === svc.project && s.name === svc.name);
    if (existing) {
      existing.cluster = svc.cluster;
      if (svc.plan) existing.plan = svc.plan;
      if (svc.cloud) existing.cloud = svc.cloud;
    } else {
      records.services.push({
        project: svc.project, name: svc.name, plan: svc.plan ?? 'timescale-basic-100-compute-optimized',
        cloud: svc.cloud ?? 'timescale-aws-us-east-1', state: 'RUNNING', createTime: t, updateTime: t, cluster: svc.cluster, users: [],
      });
    }
  }
  const mst = new Mst(records, opts.dataDir);
  mst.save();

  const server = http.createServer((req, res) => {
    const reply = (status: number, payload: unknown): void => {
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    handle(mst, opts.token, req).then(
      ([status, payload]) => reply(status, payload),
      (err: unknown) => {
        if (err instanceof ApiError) reply(err.status, errorBody(err.status, err.message));
        else reply(500, errorBody(500, `local MST internal error: ${(err as Error).message?.split('\n')[0] ?? String(err)}`));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    join: async (email) => mst.join(email),
    setState: (project, service, state) => {
      const s = mst.service(project, service);
      return mst.serial(`${project}/${service}`, () => mst.setState(s, state));
    },
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
