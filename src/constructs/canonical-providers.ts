import { TerraformStack } from 'cdktf';

/**
 * @internal cdktf writes cdk.tf.json with its keys sorted; the one array whose
 * order follows declarations is each provider type's list of configurations
 * (one aliased `postgresql` provider per service). Ordered by alias,
 * reordering services leaves the bytes unchanged. Applied once per stack.
 */
export function canonicalProviders(stack: TerraformStack): void {
  const render = stack.toTerraform.bind(stack);
  stack.toTerraform = () => {
    const tf = render() as { provider?: Record<string, unknown> };
    for (const configs of Object.values(tf.provider ?? {})) {
      if (!Array.isArray(configs)) continue;
      const alias = (c: unknown) => (typeof c === 'object' && c !== null && typeof (c as { alias?: unknown }).alias === 'string' ? (c as { alias: string }).alias : '');
      configs.sort((a, b) => (alias(a) < alias(b) ? -1 : alias(a) > alias(b) ? 1 : 0));
    }
    return tf;
  };
}
