/** The TerraformIterator baseline, written with the provider bindings alone (no cdktf-mst). */
import { App, TerraformIterator, TerraformOutput, TerraformStack } from 'cdktf';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { benchStack, serviceProvider } from './raw';
import { replicates, serviceCount, serviceName, username, usersOf } from './shapes';

/**
 * The same roles and passwords as a hand-written `for_each` per service: one
 * map of users, one `random_password` and one `postgresql_role` iterating it,
 * the role's password looked up by `each.key`, and one sensitive output with
 * the service's passwords (a `for` expression over the passwords). This is the
 * shortest code, and the fastest to synthesize; its `for_each` maps plan
 * superlinearly (docs/performance.md).
 */
export function iteratorStack(app: App, users: number): TerraformStack {
  const stack = benchStack(app);
  new RandomProvider(stack, 'random');
  for (let s = 0; s < serviceCount(users); s++) {
    const { prefix, provider } = serviceProvider(stack, serviceName(s));
    const map: Record<string, { name: string; replication: boolean; version: string }> = {};
    for (const i of usersOf(s, users)) map[username(i)] = { name: username(i), replication: replicates(i), version: '1' };
    const each = TerraformIterator.fromMap(map);
    const passwords = new Password(stack, `${prefix}_passwords`, {
      forEach: each, length: 32, special: false, keepers: { version: each.getString('version') },
    });
    new Role(stack, `${prefix}_roles`, {
      forEach: each, provider, name: each.getString('name'), login: true,
      replication: each.getBoolean('replication'), password: `\${${passwords.fqn}[each.key].result}`,
    });
    new TerraformOutput(stack, `${prefix}_out`, {
      value: `\${{ for k, p in ${passwords.fqn} : k => p.result }}`, sensitive: true,
    }).overrideLogicalId(`${prefix}_passwords`);
  }
  return stack;
}
