/**
 * Child processes with a hard timeout, for the sandbox clusters, the engine and
 * the local deploy. Never rejects; never waits on pipes that grandchildren hold
 * open after a kill.
 */
import { spawn } from 'node:child_process';

/** OS user that owns the cluster files when we run as root (initdb and the server refuse root). */
export const OS_USER = 'postgres';

export interface RunOptions {
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as the `postgres` OS user (needed for initdb/pg_ctl when we are root). */
  asPostgres?: boolean;
  cwd?: string;
  /** Called with each chunk of stdout and stderr as it arrives (e.g. to stream a deploy). */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Our environment without PG* variables, so a developer's PGHOST/PGSSLMODE etc. can't leak in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  return { ...env, ...extra };
}

/** Spawn with a hard timeout. Never rejects; never waits on pipes held open by grandchildren after a kill. */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const [file, argv] =
    opts.asPostgres && isRoot()
      ? ['setpriv', [`--reuid=${OS_USER}`, `--regid=${OS_USER}`, '--init-groups', '--', cmd, ...args]]
      : [cmd, args];
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let done = false;
    const child = spawn(file, argv, { env: opts.env ?? cleanEnv(), cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      finish(-1);
    }, opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onOutput?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onOutput?.(d.toString());
    });
    child.on('error', (err) => {
      stderr += `${err.message}\n`;
      finish(-1);
    });
    child.on('close', (code) => finish(code ?? -1));
    child.stdin.on('error', () => undefined); // child may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

export function explain(r: RunResult, timeoutMs: number): string {
  if (r.timedOut) return `timed out after ${timeoutMs / 1000}s`;
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10).join('\n');
  return `exit code ${r.code}${out ? `: ${out}` : ''}`;
}

