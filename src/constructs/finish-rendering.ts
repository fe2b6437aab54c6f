import { TerraformStack } from 'cdktf';

/**
 * @internal Finishes the JSON cdktf renders for `stack` (what `toTerraform`
 * returns, after every token is resolved, before cdktf writes it):
 *
 * - cdktf writes cdk.tf.json with its keys sorted; the one array whose order
 *   follows declarations is each provider type's list of configurations (one
 *   aliased `postgresql` provider per service). Ordered by alias, reordering
 *   services leaves the bytes unchanged.
 * - `metadata()` gives what the library adds under the JSON's `"//"` key
 *   (which Terraform ignores): plain data, with no token in it, so it is added
 *   here rather than as an override that cdktf would walk token by token.
 *
 * Set up once per stack. `toTerraform` runs after every element has rendered,
 * so after an element that refuses a stack with errors has thrown.
 */
export function finishRendering(stack: TerraformStack, metadata: () => Record<string, unknown>): void {
  const render = stack.toTerraform.bind(stack);
  stack.toTerraform = () => {
    const tf = render() as { provider?: Record<string, unknown>; '//'?: Record<string, unknown> };
    for (const configs of Object.values(tf.provider ?? {})) {
      if (!Array.isArray(configs)) continue;
      const alias = (c: unknown) => (typeof c === 'object' && c !== null && typeof (c as { alias?: unknown }).alias === 'string' ? (c as { alias: string }).alias : '');
      configs.sort((a, b) => (alias(a) < alias(b) ? -1 : alias(a) > alias(b) ? 1 : 0));
    }
    tf['//'] = { ...tf['//'], ...metadata() };
    return tf;
  };
}
