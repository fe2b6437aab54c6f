/** The per-user baseline, written with the provider bindings alone (no cdktf-mst). */
import { App, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Password } from '@cdktf/provider-random/lib/password';
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
 * The same roles and passwords written by hand, one `random_password` (32
 * letters and digits, `keepers.version`), one `postgresql_role` (`login`,
 * `replication`, `password = random_password.result`) and one sensitive output
 * with the password per user (what cdktf-mst 0.1 emitted for viewing passwords).
 */
export function rawStack(app: App, users: number): TerraformStack {
  const stack = benchStack(app);
  new RandomProvider(stack, 'random');
  for (let s = 0; s < serviceCount(users); s++) {
    const { prefix, provider } = serviceProvider(stack, serviceName(s));
    for (const i of usersOf(s, users)) {
      const id = `${prefix}_${username(i)}`;
      const password = new Password(stack, `${id}_password`, { length: 32, special: false, keepers: { version: '1' } });
      new Role(stack, id, {
        provider, name: username(i), login: true, replication: replicates(i), password: password.result,
      });
      new TerraformOutput(stack, `${id}_out`, { value: password.result, sensitive: true }).overrideLogicalId(`${id}_password`);
    }
  }
  return stack;
}
