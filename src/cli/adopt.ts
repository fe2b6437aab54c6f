/**
 * `cdktf-mst adopt`: after a deploy was killed between creating roles and
 * writing its state, the next deploy fails once per such role with
 * `role "NAME" already exists`. This turns those errors, as `tofu`, `terraform`
 * or `cdktf deploy` print them, into one `import` block per role: applied
 * with the stack, they put the roles into the state, and the same apply sets
 * each one's password to its newly generated one.
 */

/** A role the log names as existing, and the resource address that tried to create it. */
export interface Adoption {
  readonly address: string;
  readonly role: string;
}

/** What a log holds: the roles to adopt, and the errors of that kind that could not be paired with an address. */
export interface AdoptionLog {
  readonly adoptions: Adoption[];
  readonly unmatched: string[];
}

const EXISTS = /role "(.+?)" already exists/;
// The diagnostic's `with ADDRESS,` line, once cdktf deploy's construct paths (` (acme/metrics/roles)`) are taken out.
const WITH = /\bwith (\S+),\s*$/;
const CONSTRUCT_PATH = / \([^)]*\)/g;
// A role block: this version's per-user blocks, and the keyed blocks of cdktf-mst 0.1.
const ROLE_ADDRESS = /^postgresql_role\.[A-Za-z0-9_-]+(\["[A-Za-z0-9_]+"\])?$/;
// What this library names roles (letters, digits, underscores; MST-USER-001), quoted as an HCL string as it is.
const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The roles a failed deploy's output names as already existing, each with
 * the address of the block that tried to create it (the diagnostic's
 * `with …` line after the error), once each, in the order of the log.
 */
export function readAdoptionLog(log: string): AdoptionLog {
  const adoptions = new Map<string, Adoption>();
  const unmatched: string[] = [];
  let pending: string | undefined;
  for (const line of log.split(/\r?\n/)) {
    const error = EXISTS.exec(line);
    if (error) {
      if (pending !== undefined) unmatched.push(pending);
      pending = error[1];
      continue;
    }
    const withLine = pending === undefined ? null : WITH.exec(line.replace(CONSTRUCT_PATH, ''));
    if (!withLine || pending === undefined) continue;
    const address = withLine[1];
    if (ROLE_ADDRESS.test(address) && ROLE_NAME.test(pending)) {
      if (!adoptions.has(address)) adoptions.set(address, { address, role: pending });
    } else {
      unmatched.push(pending);
    }
    pending = undefined;
  }
  if (pending !== undefined) unmatched.push(pending);
  return { adoptions: [...adoptions.values()], unmatched };
}

/** The `import` blocks (HCL) that adopt `adoptions`. */
export function importBlocks(adoptions: readonly Adoption[]): string {
  return adoptions.map((a) => `import {\n  to = ${a.address}\n  id = "${a.role}"\n}\n`).join('');
}
