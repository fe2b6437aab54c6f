import { App } from 'cdktf';
import { MstValidationError } from '../domain/findings';

/**
 * `app.synth()` for the app entry point: when validation fails, prints every
 * finding (one line each, with its construct path) to stderr and exits 1
 * instead of throwing a stack trace at the person reading the pipeline log.
 * Pass a function that builds the app to cover errors thrown while building
 * it too (a manifest with errors, a malformed email).
 */
export function synthOrExit(app: App | (() => App)): void {
  try {
    (typeof app === 'function' ? app() : app).synth();
  } catch (e) {
    if (!(e instanceof Error) || !isValidationFailure(e)) throw e;
    process.stderr.write(`${e.message.trim()}\n`);
    process.exit(1);
  }
}

function isValidationFailure(e: Error): boolean {
  // cdktf reports failed validations as "Validation failed with the following errors: ..."
  return e instanceof MstValidationError || /Validation failed with the following errors/.test(e.message);
}
