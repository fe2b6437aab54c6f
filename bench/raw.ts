/** The per-user baseline, written with the provider bindings alone (no cdktf-mst). */
import { App, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Bytes } from '@cdktf/provider-random/lib/bytes';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { replicates, serviceCount, serviceName, username, usersOf } from './shapes';

/**
 * A stack as the bench needs it: its state in the stack's own directory (cdktf's
 * default is a file in the current directory, the repository).
 */
export function benchStack(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'bench');
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  return stack;
}

/**
 * One aliased provider per service, as the library configures it (host, port
 * and admin password as variables; sslmode `require`, or BENCH_SSLMODE for the
 * local PostgreSQL of the apply step, which has no TLS).
 */
export function serviceProvider(stack: TerraformStack, name: string): { prefix: string; provider: PostgresqlProvider } {
  const prefix = name.replace(/-/g, '_');
  const host = new TerraformVariable(stack, `${prefix}_host`, { type: 'string' });
  const port = new TerraformVariable(stack, `${prefix}_port`, { type: 'number' });
  const admin = new TerraformVariable(stack, `${prefix}_admin_password`, { type: 'string', sensitive: true });
  const provider = new PostgresqlProvider(stack, `pg_${prefix}`, {
    alias: name, host: host.stringValue, port: port.numberValue, database: 'defaultdb',
    username: 'tsdbadmin', password: admin.stringValue, sslmode: process.env.BENCH_SSLMODE ?? 'require', superuser: false,
  });
  return { prefix, provider };
}

/**
 * The same roles and passwords written by hand with one L1 per user, passwords
 * derived as the expert stack derives them (bench/expert.ts): per service one
 * `random_bytes` seed (64 bytes, `keepers.version`) and one sensitive map
 * output of the roles' passwords; per user one `postgresql_role` (`login`,
 * `replication`) whose password is `substr(sha256("<seed hex>:<user>:1"), 0, 32)`.
 */
export function rawStack(app: App, users: number): TerraformStack {
  const stack = benchStack(app);
  new RandomProvider(stack, 'random');
  for (let s = 0; s < serviceCount(users); s++) {
    const { prefix, provider } = serviceProvider(stack, serviceName(s));
    const seed = new Bytes(stack, prefix, { length: 64, keepers: { version: '1' } });
    const passwords: Record<string, string> = {};
    for (const i of usersOf(s, users)) {
      const role = new Role(stack, `${prefix}_${username(i)}`, {
        provider, name: username(i), login: true, replication: replicates(i),
        password: `\${substr(sha256("\${${seed.fqn}.hex}:${username(i)}:1"), 0, 32)}`,
      });
      passwords[username(i)] = role.password;
    }
    new TerraformOutput(stack, `${prefix}_out`, { value: passwords, sensitive: true }).overrideLogicalId(`${prefix}_passwords`);
  }
  return stack;
}
