/**
 * Hostile HEADs against a fixed BASE: the author of a pull request controls
 * all of HEAD — the deployer it names, members, invitations, billing, the
 * services' admin connections and password sources, users, the project's
 * name — and may change several things at once. Whatever HEAD says, every
 * change BASE's deployer could not make must fail `--fail-on error` (an error
 * in the diff's summary), and every change of where an admin password goes
 * must be an escalation, and so must user passwords leaving write-only.
 *
 * The verdict is an oracle written from the permission table and the
 * documented rules (docs/reviewing-access.md, docs/threat-model.md), on the
 * manifests themselves, not from diff.ts; and it is checked both ways: what
 * the oracle allows carries no MST-DIFF error either. One fixed BASE per role
 * of its deployer; seeded, 1,000 HEADs each, and a run that cannot finish in
 * its time budget fails rather than passing on fewer.
 */
import fc from 'fast-check';
import { Finding } from '../../src/domain/findings';
import { Permission, RoleId } from '../../src/domain/permissions';
import { parseRole } from '../../src/domain/checks';
import { validateProjects } from '../../src/domain/validate';
import { manifestToSpec } from '../../src/manifest/load';
import { Manifest } from '../../src/manifest/schema';
import { AccessDiff, diffAccess } from '../../src/report/diff';

const RUNS = { numRuns: 1000, seed: 20261206, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true };

type ManifestService = NonNullable<Manifest['services']>[number];
type ManifestUser = NonNullable<ManifestService['users']>[number];
type ConnectionKey = 'host' | 'port' | 'database' | 'username' | 'sslmode';

// Members of BASE, then people BASE has never heard of.
const PEOPLE = ['ana', 'op', 'dev', 'ro', 'inv', 'eve', 'mal'].map((n) => `${n}@acme.example`);
const ROLES: RoleId[] = ['admin', 'operator', 'developer', 'read-only'];

function baseManifest(deployer: string): Manifest {
  return {
    project: 'acme-prod',
    deployer,
    members: [
      { email: 'ana@acme.example', role: 'admin' },
      { email: 'op@acme.example', role: 'operator' },
      { email: 'dev@acme.example', role: 'developer' },
      { email: 'ro@acme.example', role: 'read-only' },
    ],
    invitations: [{ email: 'inv@acme.example', role: 'read-only', invitedBy: 'ana@acme.example' }],
    services: [
      {
        name: 'metrics', state: 'running', postgresVersion: 16,
        connection: { host: 'metrics.acme.example', port: 5432, sslmode: 'verify-full' },
        users: [
          { username: 'app', password: { variable: 'app_password' } },
          { username: 'etl' },
          { username: 'cdc', allowReplication: true, acknowledge: [{ rule: 'MST-USER-006', reason: 'change data capture' }] },
        ],
      },
      { name: 'events', postgresVersion: 16, users: [{ username: 'ingest' }] },
    ],
  };
}

// ---------------------------------------------------------------------------
// What a hostile HEAD may do, one edit at a time.

const who = fc.nat(PEOPLE.length - 1);
const role = fc.constantFrom(...ROLES);
const serviceName = fc.constantFrom('metrics', 'events', 'archive');
const variable = fc.constantFrom('app_password', 'etl_password', 'metrics_admin_password', 'events_admin_password', 'new_password');
const CONNECTION_VALUES: Record<ConnectionKey, readonly (string | number)[]> = {
  host: ['metrics.acme.example', 'events.acme.example', 'db.elsewhere.example', '${var.events_admin_password}.x.example'],
  port: [5432, 6432],
  database: ['defaultdb', 'other', '${file("/etc/passwd")}'],
  username: ['tsdbadmin', 'someone'],
  sslmode: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
};
const connectionEdit = fc.constantFrom(...(Object.keys(CONNECTION_VALUES) as ConnectionKey[])).chain((key) => fc.record({
  op: fc.constant('connection' as const), service: serviceName, key: fc.constant(key),
  value: fc.option(fc.constantFrom(...CONNECTION_VALUES[key]), { nil: undefined }),
}));

const edit = fc.oneof(
  fc.record({ op: fc.constant('deployer' as const), who }),
  fc.record({ op: fc.constant('upper' as const), who }),
  fc.record({ op: fc.constant('member' as const), who, role: fc.option(role, { nil: undefined }) }),
  fc.record({ op: fc.constant('invite' as const), who, role: fc.option(role, { nil: undefined }), by: who }),
  fc.record({ op: fc.constant('billing' as const), email: fc.option(fc.constantFrom('billing@acme.example', 'mal@acme.example'), { nil: undefined }) }),
  fc.record({ op: fc.constant('state' as const), service: serviceName, state: fc.constantFrom(undefined, 'running' as const, 'powered-off' as const) }),
  connectionEdit,
  fc.record({ op: fc.constant('admin-password' as const), service: serviceName, variable: fc.option(variable, { nil: undefined }) }),
  fc.record({ op: fc.constant('write-only' as const), service: serviceName, on: fc.option(fc.boolean(), { nil: undefined }) }),
  fc.record({
    op: fc.constant('user' as const), service: serviceName, username: fc.constantFrom('app', 'App', 'etl', 'cdc', 'bi'),
    user: fc.option(fc.record({
      replication: fc.boolean(), password: fc.option(variable, { nil: undefined }), version: fc.constantFrom(1, 2),
    }), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('remove-service' as const), service: serviceName }),
  fc.record({ op: fc.constant('rename-project' as const) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function applyEdits(base: Manifest, edits: readonly Edit[]): Manifest {
  const m = JSON.parse(JSON.stringify(base)) as Manifest & { members: Manifest['members'][number][] };
  const invitations = (m.invitations ??= []) as NonNullable<Manifest['invitations']>[number][];
  const services = (m.services ??= []) as ManifestService[];
  const key = (e: string) => e.toLowerCase();
  const service = (name: string): ManifestService => {
    let s = services.find((x) => x.name === name);
    if (!s) services.push(s = { name, postgresVersion: 16 });
    return s;
  };
  for (const e of edits) {
    switch (e.op) {
      case 'deployer':
        m.deployer = PEOPLE[e.who];
        break;
      case 'upper':
        for (const x of [...m.members, ...invitations]) if (key(x.email) === PEOPLE[e.who]) x.email = x.email.toUpperCase();
        break;
      case 'member': {
        const i = m.members.findIndex((x) => key(x.email) === PEOPLE[e.who]);
        if (i >= 0) m.members.splice(i, 1);
        if (e.role) {
          const j = invitations.findIndex((x) => key(x.email) === PEOPLE[e.who]);
          if (j >= 0) invitations.splice(j, 1);
          m.members.push({ email: PEOPLE[e.who], role: e.role });
        }
        break;
      }
      case 'invite': {
        const i = invitations.findIndex((x) => key(x.email) === PEOPLE[e.who]);
        if (i >= 0) invitations.splice(i, 1);
        if (e.role && !m.members.some((x) => key(x.email) === PEOPLE[e.who])) {
          invitations.push({ email: PEOPLE[e.who], role: e.role, invitedBy: PEOPLE[e.by] });
        }
        break;
      }
      case 'billing':
        if (e.email === undefined) delete m.billing; else m.billing = { email: e.email };
        break;
      case 'state': {
        const s = service(e.service);
        if (e.state === undefined) delete s.state; else s.state = e.state;
        break;
      }
      case 'connection': {
        const s = service(e.service);
        const c: Record<string, unknown> = { ...(s.connection ?? {}) };
        if (e.value === undefined) delete c[e.key]; else c[e.key] = e.value;
        s.connection = c as ManifestService['connection'];
        break;
      }
      case 'admin-password': {
        const s = service(e.service);
        if (e.variable === undefined) delete s.adminPassword; else s.adminPassword = { variable: e.variable };
        break;
      }
      case 'write-only': {
        const s = service(e.service);
        if (e.on === undefined) delete s.writeOnlyPasswords; else s.writeOnlyPasswords = e.on;
        break;
      }
      case 'user': {
        const s = service(e.service);
        const users = (s.users ??= []) as ManifestUser[];
        const i = users.findIndex((u) => u.username.toLowerCase() === e.username.toLowerCase());
        if (i >= 0) users.splice(i, 1);
        if (e.user) {
          users.push({
            username: e.username, allowReplication: e.user.replication, passwordVersion: e.user.version,
            ...(e.user.password ? { password: { variable: e.user.password } } : {}),
            ...(e.user.replication ? { acknowledge: [{ rule: 'MST-USER-006', reason: 'needed' }] } : {}),
          });
        }
        break;
      }
      case 'remove-service': {
        const i = services.findIndex((x) => x.name === e.service);
        if (i >= 0) services.splice(i, 1);
        break;
      }
      case 'rename-project':
        m.project = 'acme-prod2';
        break;
    }
  }
  return m;
}

// ---------------------------------------------------------------------------
// The oracle: what BASE's deployer may do, from the permission table.

type Standing = { kind: 'absent' } | { kind: 'member'; role: RoleId } | { kind: 'invited'; role: RoleId; by: string };

function standing(m: Manifest, email: string): Standing {
  const member = m.members.find((x) => x.email.toLowerCase() === email);
  if (member) return { kind: 'member', role: member.role };
  const invited = (m.invitations ?? []).find((x) => x.email.toLowerCase() === email);
  return invited ? { kind: 'invited', role: invited.role, by: invited.invitedBy.toLowerCase() } : { kind: 'absent' };
}

const perms = (r: RoleId) => parseRole(r).permissions;
const VIEW = perms('read-only');

/** Everything a service decides about access, MST's defaults filled in, as text to compare. */
function serviceText(s: ManifestService | undefined, name: string): {
  users: string; admin: string; writeOnly: boolean; connection: Record<ConnectionKey, string>; state?: string;
} {
  const c = s?.connection ?? {};
  const connection: Record<ConnectionKey, string> = {
    host: JSON.stringify(c.host ?? `var ${name}_host`),
    port: JSON.stringify(c.port ?? `var ${name}_port`),
    database: JSON.stringify(c.database ?? 'defaultdb'),
    username: JSON.stringify(c.username ?? 'tsdbadmin'),
    sslmode: JSON.stringify(c.sslmode ?? 'require'),
  };
  const users = (s?.users ?? []).map((u) => JSON.stringify([
    u.username, u.allowReplication ?? false, u.passwordVersion ?? 1,
    typeof u.password === 'object' && 'variable' in u.password ? u.password.variable : 'generated',
  ])).sort().join('|');
  const admin = s?.adminPassword && typeof s.adminPassword === 'object' && 'variable' in s.adminPassword
    ? s.adminPassword.variable : `${name}_admin_password`;
  return { users, admin, writeOnly: s?.writeOnlyPasswords ?? false, connection, ...(s?.state ? { state: s.state } : {}) };
}

const TLS = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

interface Verdict {
  /** Whether BASE's deployer may make every change of HEAD. */
  readonly allowed: boolean;
  /** Whether some change decides anew where an admin password goes, or weakens TLS, or shares a password. */
  readonly escalation: boolean;
}

function verdict(base: Manifest, head: Manifest): Verdict {
  const deployer = base.deployer.toLowerCase();
  const own = standing(base, deployer);
  const role = own.kind === 'member' ? parseRole(own.role) : undefined;
  const holds = (p: Permission) => role?.can(p) ?? false;
  const needs = new Set<Permission>();
  let refused = false;

  const names = [...new Set([...(base.services ?? []), ...(head.services ?? [])].map((s) => s.name))];
  const baseService = (n: string) => (base.services ?? []).find((s) => s.name === n);
  const headService = (n: string) => (head.services ?? []).find((s) => s.name === n);
  let escalation = false;

  if (head.project !== base.project) {
    // A project of its own: nobody holds anything in it. BASE's project is removed, its users dropped.
    const anything = head.members.length > 0 || (head.invitations ?? []).length > 0 || head.billing !== undefined
      || (head.services ?? []).some((s) => (s.users ?? []).length > 0 || s.state !== undefined
        || JSON.stringify(serviceText(s, s.name)) !== JSON.stringify(serviceText(undefined, s.name)));
    if (anything) refused = true;
    if ((base.services ?? []).some((s) => (s.users ?? []).length > 0)) needs.add('manage-services');
    for (const s of head.services ?? []) {
      const t = serviceText(s, s.name);
      const d = serviceText(undefined, s.name);
      if ((['host', 'port', 'database', 'username'] as const).some((k) => t.connection[k] !== d.connection[k]) || t.admin !== d.admin) escalation = true;
    }
  } else {
    // Members, invitations and the deployer: Invite more users; no grant beyond the deployer's own role; not its own role.
    let membership = head.deployer.toLowerCase() !== deployer;
    for (const email of PEOPLE) {
      const b = standing(base, email);
      const h = standing(head, email);
      const accepted = b.kind === 'invited' && h.kind === 'member' && b.role === h.role;
      const same = JSON.stringify(b) === JSON.stringify(h);
      if (!same && !accepted) membership = true;
      if (h.kind === 'absent') continue;
      const before = b.kind === 'absent' || (b.kind === 'member' && h.kind === 'invited') ? VIEW : perms(b.role);
      const gained = perms(h.role).filter((p) => !before.includes(p));
      if (email === deployer) {
        if (b.kind !== 'absent' && h.kind === 'member' && h.role !== b.role) refused = true;
      } else if (gained.length > 0 && (!role || role.lacksFrom(parseRole(h.role)).length > 0)) {
        refused = true;
      }
    }
    if (membership) needs.add('invite-users');

    for (const n of names) {
      const b = baseService(n);
      const h = headService(n);
      const [bt, ht] = [serviceText(b, n), serviceText(h, n)];
      if (bt.users !== ht.users) needs.add('manage-services');
      if (h) {
        const moved = (['host', 'port', 'database', 'username'] as const).some((k) => bt.connection[k] !== ht.connection[k]);
        const tls = bt.connection.sslmode !== ht.connection.sslmode;
        if (moved || tls || bt.admin !== ht.admin || bt.writeOnly !== ht.writeOnly) needs.add('manage-services');
        const rank = (x: string) => TLS.indexOf(JSON.parse(x));
        const weaker = tls && (rank(ht.connection.sslmode) < TLS.indexOf('require') || rank(ht.connection.sslmode) < rank(bt.connection.sslmode));
        if (moved || weaker || bt.admin !== ht.admin || (bt.writeOnly && !ht.writeOnly)) escalation = true;
        if (ht.state !== undefined && ht.state !== bt.state) needs.add('start-stop-services');
      }
    }
    if (head.billing && (!base.billing || (head.billing.email ?? '').toLowerCase() !== (base.billing.email ?? '').toLowerCase())) {
      needs.add('modify-billing');
    }
  }
  const allowed = !refused && [...needs].every(holds);
  return { allowed, escalation };
}

function read(m: Manifest): { projects: ReturnType<typeof manifestToSpec>[]; findings: Finding[] } {
  const projects = [manifestToSpec(m)];
  return { projects, findings: validateProjects(projects) };
}

const diffErrors = (d: AccessDiff) => d.errors.filter((e) => e.ruleId.startsWith('MST-DIFF-'));

describe.each(['ana', 'op', 'dev', 'ro'])('hostile HEADs against a BASE deployed by %s', (name) => {
  const base = baseManifest(`${name}@acme.example`);
  const baseSide = read(base);

  it('every change BASE\'s deployer may not make fails --fail-on error; what it may make carries no MST-DIFF error', () => {
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 5 }), (edits) => {
      const head = applyEdits(base, edits);
      const d = diffAccess(baseSide, read(head));
      const v = verdict(base, head);
      if (v.allowed) {
        expect(diffErrors(d)).toEqual([]);
      } else {
        expect(diffErrors(d).length).toBeGreaterThan(0);
        expect(d.summary.errors).toBeGreaterThan(0);
      }
      if (v.escalation) expect(d.summary.escalations).toBeGreaterThan(0);
    }), RUNS);
  });
});
