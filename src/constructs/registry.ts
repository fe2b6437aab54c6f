import { IConstruct } from 'constructs';
import { TerraformStack } from 'cdktf';

/**
 * A change counter, so validation results can be cached across the thousands
 * of constructs that ask for them and recomputed when the tree grows. One
 * counter for the process: a change above any stack (an acknowledgement made on
 * the App) concerns every stack below it.
 */
let changes = 0;

export function touch(_scope: IConstruct): void {
  changes += 1;
}

export function generation(_stack: TerraformStack): number {
  return changes;
}
