/**
 * The stacks an expert would write by hand for the bench's users, as Terraform
 * JSON (no cdktf, nothing to synthesize): per service one aliased `postgresql`
 * provider with its host, port and admin password variables, one
 * `postgresql_role` per user (`login`, `replication` on every tenth user) and
 * one sensitive map output `<service>_passwords` per service, so every
 * password stays viewable with one command, as with the library. They differ
 * in where a password comes from:
 *
 *   password   one `random_password` per user (32 letters and digits): its bcrypt hash is computed at create
 *   bytes      one `random_bytes` per user (24 bytes), the password its `hex`
 *   derived    one `random_bytes` per service (64 bytes), the password
 *              `substr(sha256("${random_bytes.<service>.hex}:<user>:1"), 0, 32)`
 *
 * Every random resource carries `keepers.version`, as the library's seed does,
 * so a password (or a service's passwords) rotates by a version change.
 */
import { replicates, serviceCount, serviceName, username, usersOf } from './shapes';

export const EXPERT_SHAPES = ['password', 'bytes', 'derived'] as const;
export type ExpertShape = (typeof EXPERT_SHAPES)[number];

/** What a fresh stack of `users` plans to add: every role, plus its random resources. */
export function expertResources(shape: ExpertShape, users: number): number {
  return users + (shape === 'derived' ? serviceCount(users) : users);
}

/** The grant blocks an expert writes per user for the bench's two grants: read on schema public (usage, its tables, future tables) and CONNECT. */
export const GRANT_BLOCKS_PER_USER = 4;

/**
 * The whole stack as one `main.tf.json`; `sslmode` is `disable` against the local clusters, which have no TLS.
 * With `grants`, each user may read every table of schema public, now and later, and connect to defaultdb.
 */
export function expertConfig(shape: ExpertShape, users: number, sslmode = 'require', grants = false): Record<string, unknown> {
  const grant: Record<string, unknown> = {};
  const defaultPrivileges: Record<string, unknown> = {};
  const variable: Record<string, unknown> = {};
  const postgresql: unknown[] = [];
  const role: Record<string, unknown> = {};
  const randomPassword: Record<string, unknown> = {};
  const randomBytes: Record<string, unknown> = {};
  const output: Record<string, unknown> = {};
  for (let s = 0; s < serviceCount(users); s++) {
    const svc = serviceName(s);
    const p = svc.replace(/-/g, '_');
    variable[`${p}_host`] = { type: 'string' };
    variable[`${p}_port`] = { type: 'number' };
    variable[`${p}_admin_password`] = { type: 'string', sensitive: true };
    postgresql.push({
      alias: svc, host: `\${var.${p}_host}`, port: `\${var.${p}_port}`, database: 'defaultdb', username: 'tsdbadmin',
      password: `\${var.${p}_admin_password}`, sslmode, superuser: false,
    });
    if (shape === 'derived') randomBytes[p] = { length: 64, keepers: { version: '1' } };
    const passwords: Record<string, string> = {};
    for (const i of usersOf(s, users)) {
      const u = username(i);
      const n = `${p}_${u}`;
      let password: string;
      if (shape === 'password') {
        randomPassword[n] = { length: 32, special: false, keepers: { version: '1' } };
        password = `\${random_password.${n}.result}`;
      } else if (shape === 'bytes') {
        randomBytes[n] = { length: 24, keepers: { version: '1' } };
        password = `\${random_bytes.${n}.hex}`;
      } else {
        password = `\${substr(sha256("\${random_bytes.${p}.hex}:${u}:1"), 0, 32)}`;
      }
      role[n] = { provider: `postgresql.${svc}`, name: u, login: true, replication: replicates(i), password };
      if (grants) {
        const on = { provider: `postgresql.${svc}`, role: `\${postgresql_role.${n}.name}`, database: 'defaultdb' };
        grant[`${n}_usage`] = { ...on, schema: 'public', object_type: 'schema', privileges: ['USAGE'] };
        grant[`${n}_tables`] = { ...on, schema: 'public', object_type: 'table', privileges: ['SELECT'] };
        grant[`${n}_connect`] = { ...on, object_type: 'database', privileges: ['CONNECT'] };
        defaultPrivileges[`${n}_tables`] = { ...on, schema: 'public', owner: 'tsdbadmin', object_type: 'table', privileges: ['SELECT'] };
      }
      // The derived password is read back from its role rather than written a second time.
      passwords[u] = shape === 'derived' ? `\${postgresql_role.${n}.password}` : password;
    }
    output[`${p}_passwords`] = { value: passwords, sensitive: true };
  }
  const resource: Record<string, unknown> = { postgresql_role: role };
  if (Object.keys(randomPassword).length > 0) resource.random_password = randomPassword;
  if (Object.keys(randomBytes).length > 0) resource.random_bytes = randomBytes;
  if (grants) Object.assign(resource, { postgresql_grant: grant, postgresql_default_privileges: defaultPrivileges });
  return {
    terraform: {
      backend: { local: { path: 'terraform.tfstate' } },
      required_providers: {
        postgresql: { source: 'cyrilgdn/postgresql', version: '1.26.0' }, random: { source: 'hashicorp/random', version: '3.7.2' },
      },
    },
    variable, provider: { postgresql, random: [{}] }, resource, output,
  };
}
