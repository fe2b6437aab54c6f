/**
 * Turns the engine's error output (`tofu apply`, `cdktf deploy`) into one line
 * per failing service that names the service and what to check, instead of a
 * diagnostic per resource: a wrong port, a refused admin password or a stopped
 * service otherwise print the same three-line error once for every user.
 *
 * The service of an error is found through the stack itself: the resource in the
 * error's `with ADDRESS,` line is configured with the provider `postgresql.<alias>`,
 * and each service's provider alias is its name. That holds for any emitted
 * shape (one keyed block per service or one block per user). The variables to
 * check are read from the same provider block (`${var.metrics_port}` →
 * `TF_VAR_metrics_port`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProviderConfig {
  alias?: string;
  host?: unknown;
  port?: unknown;
  password?: unknown;
  username?: unknown;
}

export interface StackJson {
  provider?: Record<string, ProviderConfig[] | ProviderConfig>;
  resource?: Record<string, Record<string, { provider?: string }>>;
}

type Kind = 'orphans' | 'password' | 'refused' | 'host' | 'timeout' | 'lost' | 'other';

interface Problem {
  kind: Kind;
  message: string;
  address: string;
}

/** Most specific first: the line a service gets is for its first kind in this order. */
const ORDER: Kind[] = ['password', 'host', 'refused', 'timeout', 'lost', 'orphans', 'other'];

const ANSI = /\x1b\[[0-9;]*m/g;

/** The engine's diagnostics: each `Error:` with its message and the address in its `with ...,` line. */
function problems(output: string): Problem[] {
  const out: Problem[] = [];
  const blocks = output.replace(ANSI, '').split(/^.*?Error: /m).slice(1);
  for (const block of blocks) {
    const message = block.split('\n')[0].trim();
    // `cdktf deploy` writes the construct path into the address: `postgresql_role.metrics (acme/metrics/roles)["grafana"]`.
    const address = (/^.*?\bwith (.+?),\s*$/m.exec(block)?.[1] ?? '').replace(/ \([^)]*\)/g, '');
    out.push({ kind: classify(message), message, address });
  }
  return out;
}

function classify(message: string): Kind {
  if (/role "[^"]+" already exists/.test(message)) return 'orphans';
  if (/password authentication failed|no pg_hba\.conf entry/.test(message)) return 'password';
  if (/no such host|server misbehaving/.test(message)) return 'host';
  if (/connection refused/.test(message)) return 'refused';
  if (/i\/o timeout|timed out|timeout expired/.test(message)) return 'timeout';
  if (/terminating connection|shutting down|bad connection|unexpected EOF|connection reset|broken pipe|server closed|starting up|in recovery mode/i.test(message)) return 'lost';
  return 'other';
}

/** `${var.name}` → `TF_VAR_name`; anything else (a literal) → undefined. */
function variableOf(expr: unknown): string | undefined {
  const m = typeof expr === 'string' ? /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(expr) : null;
  return m ? `TF_VAR_${m[1]}` : undefined;
}

function providers(stack: StackJson): Map<string, ProviderConfig> {
  return new Map(asList(stack.provider?.postgresql).filter((p) => p.alias).map((p) => [p.alias as string, p]));
}

/** The provider alias (= service name) of a resource address, through the stack's resource blocks. */
function serviceOf(address: string, stack: StackJson): string | undefined {
  const provider = /^provider\[[^\]]+\]\.([A-Za-z0-9_-]+)$/.exec(address);
  if (provider) return provider[1];
  const m = /^(?:module\.[^.]+\.)*([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[.*\])?$/.exec(address);
  if (!m) return undefined;
  const ref = stack.resource?.[m[1]]?.[m[2]]?.provider;
  return ref?.startsWith('postgresql.') ? ref.slice('postgresql.'.length) : undefined;
}

function endpoint(message: string, p: ProviderConfig | undefined): string {
  const dial = /dial tcp ([^\s:]+:\d+)/.exec(message)?.[1];
  const server = /PostgreSQL server (\S+)/.exec(message)?.[1];
  return dial ?? server ?? (typeof p?.host === 'string' && !p.host.startsWith('${') ? p.host : 'its host');
}

function line(service: string, kind: Kind, found: Problem[], p: ProviderConfig | undefined): string {
  const first = found[0].message;
  const n = found.length;
  const what = `${n} resource${n === 1 ? '' : 's'}`;
  const hostVar = variableOf(p?.host);
  const portVar = variableOf(p?.port);
  const hostPort = hostVar || portVar ? [hostVar, portVar].filter(Boolean).join(' and ') : 'the host and port of its connection';
  const passwordVar = variableOf(p?.password) ?? 'its adminPassword variable';
  const user = typeof p?.username === 'string' ? p.username : 'tsdbadmin';
  switch (kind) {
    case 'password':
      return `service ${service}: the admin password of ${user} was refused (${what} not read or changed): check ${passwordVar}`;
    case 'host':
      return `service ${service}: host ${endpoint(first, p)} not found (${what} not read or changed): check ${hostVar ?? 'the host of its connection'}`;
    case 'refused':
      return `service ${service}: nothing accepts connections at ${endpoint(first, p)} (${what} not read or changed): check ${hostPort}, and that the service is running (MST console)`;
    case 'timeout':
      return `service ${service}: connecting to ${endpoint(first, p)} timed out (${what} not read or changed): check ${hostPort}, the service's allowed IP addresses, and that it is running`;
    case 'lost':
      return `service ${service}: the connection was lost mid-deploy (${first.replace(/^.*?pq: /, '')}; ${what} not changed): deploy again once the service is up`;
    case 'orphans': {
      const roles = found.map((f) => /role "([^"]+)"/.exec(f.message)?.[1]).filter(Boolean);
      return `service ${service}: ${n} ${n === 1 ? 'role exists but is' : 'roles exist but are'} not in the state (${roles.slice(0, 3).join(', ')}${n > 3 ? ', ...' : ''}), left by an interrupted deploy: adopt them (README, "Faults and drift")`;
    }
    default:
      return `service ${service}: ${first}`;
  }
}

/**
 * The configuration the engine ran in `dir`: every `*.tf.json` there (cdk.tf.json
 * and any file the library writes beside it, such as a users file), merged.
 */
export function readStack(dir: string): StackJson {
  const merged: StackJson = { provider: {}, resource: {} };
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tf.json')).sort()) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as StackJson;
    for (const [type, configs] of Object.entries(json.provider ?? {})) {
      merged.provider![type] = [...asList(merged.provider![type]), ...asList(configs)];
    }
    for (const [type, blocks] of Object.entries(json.resource ?? {})) {
      merged.resource![type] = { ...merged.resource![type], ...blocks };
    }
  }
  return merged;
}

const asList = (c: ProviderConfig[] | ProviderConfig | undefined): ProviderConfig[] => (Array.isArray(c) ? c : c ? [c] : []);

/**
 * One line per service that the engine's `output` reports errors for, most
 * specific cause first; an empty list when no error names a service of `stack`
 * (the configuration the engine ran: {@link readStack} of its folder, or one
 * file's JSON text or object).
 */
export function diagnose(output: string, stack: StackJson | string): string[] {
  const json: StackJson = typeof stack === 'string' ? JSON.parse(stack) : stack;
  const configs = providers(json);
  const byService = new Map<string, Problem[]>();
  for (const p of problems(output)) {
    const service = serviceOf(p.address, json);
    if (!service || !configs.has(service)) continue;
    byService.set(service, [...(byService.get(service) ?? []), p]);
  }
  return [...byService.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([service, found]) => {
    const kind = ORDER.find((k) => found.some((f) => f.kind === k)) ?? 'other';
    return line(service, kind, found.filter((f) => f.kind === kind), configs.get(service));
  });
}
