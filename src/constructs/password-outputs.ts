import { TerraformElement } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import type { ServiceUser } from './service-user';

/**
 * @internal The sensitive password outputs of one service's users, rendered by
 * one element instead of one `TerraformOutput` construct per user.
 *
 * The synthesized JSON is the same, byte for byte: each user's
 * `output.<service>_<username>_password` block, and its entry in `"//".outputs`
 * (cdktf's map from construct path to output name, which `cdktf output` and
 * `--outputs-file` read), under the path a TerraformOutput child `password` of
 * the user would have. At 10,000 users this saves 10,000 elements that cdktf
 * resolves one by one at synth: about 50 MB of peak memory (see docs/performance.md).
 * A user whose {@link ServiceUser.passwordOutput} is asked for gets a real
 * TerraformOutput instead, and is skipped here; so does every user when the app
 * synthesizes HCL, whose renderer takes one output per element (the inherited
 * toHclTerraform renders nothing).
 */
export class PasswordOutputs extends TerraformElement {
  constructor(scope: Construct, id: string, private readonly users: () => readonly ServiceUser[]) {
    super(scope, id);
  }

  public toTerraform(): Record<string, unknown> {
    const rendered = this.rendered();
    if (rendered.length === 0) return {};
    const output: Record<string, unknown> = {};
    const outputs: Record<string, unknown> = {};
    // What TerraformStack.toTerraform records for a TerraformOutput at `<user path>/password`:
    // nested objects along the path. Users mostly share a parent, so its object is looked up once.
    const parents = new Map<IConstruct, Record<string, unknown>>();
    for (const user of rendered) {
      output[user.passwordOutputName] = user.passwordOutputConfig();
      const scope = user.node.scope!;
      let parent = parents.get(scope);
      if (!parent) parents.set(scope, parent = descend(outputs, scope.node.path.split('/')));
      descend(parent, [user.node.id]).password = user.passwordOutputName;
    }
    return { 'output': output, '//': { outputs } };
  }

  private rendered(): ServiceUser[] {
    return this.users().filter((u) => u.password.source.kind === 'generated' && !u.hasOwnPasswordOutput);
  }
}

/** The object at `parts` below `at`, made on the way as cdktf's deepMerge makes it. */
function descend(at: Record<string, unknown>, parts: readonly string[]): Record<string, unknown> {
  for (const part of parts) {
    const next = at[part];
    at = (typeof next === 'object' && next !== null ? next : (at[part] = {})) as Record<string, unknown>;
  }
  return at;
}
