import { IConstruct } from 'constructs';
import { TerraformStack } from 'cdktf';

/**
 * A change counter per stack, so validation results can be cached across the
 * thousands of constructs that ask for them and recomputed when the tree grows.
 */
const generations = new WeakMap<TerraformStack, number>();

export function touch(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  generations.set(stack, (generations.get(stack) ?? 0) + 1);
}

export function generation(stack: TerraformStack): number {
  return generations.get(stack) ?? 0;
}
