/**
 * A service's power state, when the stack manages it: the value a declaration
 * passes (`PowerState.RUNNING`) and its id in the model, manifests and
 * documents (`running`, `powered-off`).
 */
import { finding, MstValidationError, quote } from './findings';

/** How a power state is spelled in the model, manifests and access documents. */
export type PowerStateId = 'running' | 'powered-off';

/** A service's power state, when the stack manages it. */
export class PowerState {
  public static readonly RUNNING = new PowerState('running');
  public static readonly POWERED_OFF = new PowerState('powered-off');

  /** The state spelled `id` (`running`, `powered-off`). */
  public static of(id: string): PowerState {
    const state = [PowerState.RUNNING, PowerState.POWERED_OFF].find((s) => s.id === id);
    if (!state) {
      throw new MstValidationError([finding('MST-API-001', 'PowerState.of', `power state ${quote(String(id))} is not known`,
        'use PowerState.RUNNING or PowerState.POWERED_OFF (running or powered-off)', String(id))]);
    }
    return state;
  }

  private constructor(public readonly id: PowerStateId) {}
}
