/**
 * `cdktf-mst adopt`: after a deploy was killed between creating roles and
 * writing its state, the next deploy fails once per such role with
 * `role "NAME" already exists`. This turns those errors, as `tofu`, `terraform`
 * or `cdktf deploy` print them, into one `import` block per role: applied
 * with the stack, they put the roles into the state, and the same apply sets
 * each one's password to its newly generated one.
 *
 * A role is imported only into the block this library gives it
 * (`postgresql_role.<service>_<lowercased role>`): a log that pairs a role
 * with any other address is not followed, so no role can be made to stand in
 * for another user's block.
 */
import { checkServiceName } from '../domain/checks';
import { userKey } from '../domain/conventions';


/** A role the log names as existing, and the resource address that tried to create it. */
export interface Adoption {
  readonly address: string;
  readonly role: string;
}

/** A role the log names as existing that is not adopted, with the address its error named, if any. */
export interface Unmatched {
  readonly role: string;
  readonly address?: string;
}

/** What a log holds: the roles to adopt, and the errors of that kind that could not be paired with their block. */
export interface AdoptionLog {
  readonly adoptions: Adoption[];
  readonly unmatched: Unmatched[];
}

const EXISTS = /role "(.+?)" already exists/;
// The diagnostic's `with ADDRESS,` line, once cdktf deploy's construct paths (` (acme/metrics/roles)`) are taken out.
const WITH = /\bwith (\S+),\s*$/;
const CONSTRUCT_PATH = / \([^)]*\)/g;
const ROLE_ADDRESS = /^postgresql_role\.([a-z0-9_-]+)$/;
// What this library names roles (letters, digits, underscores; MST-USER-001), quoted as an HCL string as it is.
const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The roles a failed deploy's output names as already existing, each with
 * the address of the block that tried to create it (the diagnostic's
 * `with …` line after the error), once each, in the order of the log.
 */
export function readAdoptionLog(log: string): AdoptionLog {
  const adoptions = new Map<string, Adoption>();
  const unmatched: Unmatched[] = [];
  let pending: string | undefined;
  for (const line of log.split(/\r?\n/)) {
    const error = EXISTS.exec(line);
    if (error) {
      if (pending !== undefined) unmatched.push({ role: pending });
      pending = error[1];
      continue;
    }
    const withLine = pending === undefined ? null : WITH.exec(line.replace(CONSTRUCT_PATH, ''));
    if (!withLine || pending === undefined) continue;
    const address = withLine[1];
    if (isBlockOf(address, pending)) {
      if (!adoptions.has(address)) adoptions.set(address, { address, role: pending });
    } else {
      unmatched.push({ role: pending, address });
    }
    pending = undefined;
  }
  if (pending !== undefined) unmatched.push({ role: pending });
  return { adoptions: [...adoptions.values()], unmatched };
}

/**
 * Whether `address` is the block this library gives role `role`:
 * `postgresql_role.` + a valid service name + `_` + the role's user key
 * (userResourceName). Service names hold no underscore, so the split is the
 * last `_` before the key.
 */
export function isBlockOf(address: string, role: string): boolean {
  const block = ROLE_ADDRESS.exec(address);
  if (!block || !ROLE_NAME.test(role)) return false;
  const suffix = `_${userKey(role)}`;
  if (!block[1].endsWith(suffix)) return false;
  const service = block[1].slice(0, block[1].length - suffix.length);
  return service !== '' && checkServiceName('', service).length === 0;
}

/** The `import` blocks (HCL) that adopt `adoptions`. */
export function importBlocks(adoptions: readonly Adoption[]): string {
  return adoptions.map((a) => `import {\n  to = ${a.address}\n  id = "${a.role}"\n}\n`).join('');
}
