/** The baseline stack, written with the provider bindings alone (no cdktf-mst). */
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { USERS_PER_SERVICE, replicates, serviceCount, serviceName, username } from './shapes';

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

