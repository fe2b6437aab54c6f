/** The TerraformIterator baseline, written with the provider bindings alone (no cdktf-mst). */
import { App, TerraformIterator, TerraformOutput, TerraformStack } from 'cdktf';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Bytes } from '@cdktf/provider-random/lib/bytes';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { benchStack, serviceProvider } from './raw';
import { replicates, serviceCount, serviceName, username, usersOf } from './shapes';

/**
 * The same roles and passwords as a hand-written `for_each` per service: one
 * `random_bytes` seed (64 bytes), one map of users and one `postgresql_role`
 * iterating it, the password derived from the seed and `each.key` as in
 * bench/raw.ts, and one sensitive output with the service's passwords (a `for`
 * expression over the roles). This is the shortest code, and the fastest to
 * synthesize; its `for_each` maps plan superlinearly (docs/performance.md).
 */
export function iteratorStack(app: App, users: number): TerraformStack {
  const stack = benchStack(app);
  new RandomProvider(stack, 'random');
  for (let s = 0; s < serviceCount(users); s++) {
    const { prefix, provider } = serviceProvider(stack, serviceName(s));
    const seed = new Bytes(stack, prefix, { length: 64, keepers: { version: '1' } });
    const map: Record<string, { name: string; replication: boolean; version: string }> = {};
    for (const i of usersOf(s, users)) map[username(i)] = { name: username(i), replication: replicates(i), version: '1' };
    const each = TerraformIterator.fromMap(map);
    const roles = new Role(stack, `${prefix}_roles`, {
      forEach: each, provider, name: each.getString('name'), login: true, replication: each.getBoolean('replication'),
      password: `\${substr(sha256("\${${seed.fqn}.hex}:\${each.key}:\${each.value.version}"), 0, 32)}`,
    });
    new TerraformOutput(stack, `${prefix}_out`, {
      value: `\${{ for k, r in ${roles.fqn} : k => r.password }}`, sensitive: true,
    }).overrideLogicalId(`${prefix}_passwords`);
  }
  return stack;
}
