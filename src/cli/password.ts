/**
 * `cdktf-mst password SERVICE USERNAME [OUTPUTS]`: one user's generated
 * password out of a stack's `tofu output -json`, which holds every sensitive
 * output at once (each service's password map, per-user password outputs).
 */
import { servicePasswordsOutputName, userKey, userPasswordOutputName } from '../domain/conventions';
import { visible } from '../domain/visible';

/** The user's password, or why the outputs hold none (naming what they hold for the service instead). */
export type PasswordLookup = { readonly password: string } | { readonly problem: string };

/**
 * Finds `username`'s password in `outputs` (the parsed `output -json`): its own
 * output `<service>_<user>_password` first, else its key in the service's map `<service>_passwords`.
 */
export function passwordFromOutputs(outputs: unknown, service: string, username: string): PasswordLookup {
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
    return { problem: 'the input is not the JSON object `tofu output -json` prints; pipe in that command\'s output' };
  }
  const byName = outputs as Record<string, { value?: unknown } | undefined>;
  const key = userKey(username);
  const own = byName[userPasswordOutputName(service, username)]?.value;
  if (typeof own === 'string') return { password: own };
  const mapName = servicePasswordsOutputName(service);
  const map = byName[mapName]?.value;
  const entries = typeof map === 'object' && map !== null ? map as Record<string, unknown> : undefined;
  if (typeof entries?.[key] === 'string') return { password: entries[key] as string };
  const known = [
    ...Object.keys(entries ?? {}),
    ...Object.keys(byName).flatMap((name) => {
      const prefix = `${service}_`;
      return name.startsWith(prefix) && name.endsWith('_password') ? [name.slice(prefix.length, -'_password'.length)] : [];
    }),
  ].sort();
  const user = visible(username);
  const svc = visible(service);
  return {
    problem: known.length > 0
      ? `no generated password for user "${user}" of service "${svc}"; the outputs hold generated passwords of: ${known.map(visible).join(', ')}`
      : `no generated password of service "${svc}" in the outputs (neither ${mapName} nor ${userPasswordOutputName(service, username)}); `
        + 'check the service name, and that the stack is deployed and its user has a generated password (a password from a variable is that variable)',
  };
}
