/** The local deployment's folder and its removal, shared by `npm start` and `npm stop`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateFilePath, stopAll } from '../sandbox/cluster';

export const REPO_ROOT = path.resolve(__dirname, '../..');
/** cdktf.json, cdktf.out/ with the local state, and pgpass of the local deployment (MST_LOCAL_DIR moves it). */
export const LOCAL_DIR = path.resolve(process.env.MST_LOCAL_DIR ?? path.join(REPO_ROOT, '.mst-local'));
// The clusters of the local deployment are recorded beside it.
process.env.MST_SANDBOX_STATE ??= path.join(LOCAL_DIR, 'clusters.json');
/** The local MST's folder: its records, token, and the running server's pid and URL (server.json). */
export const MST_API_DIR = path.join(LOCAL_DIR, 'mst-api');
const SERVER_FILE = path.join(MST_API_DIR, 'server.json');
const SERVER_SCRIPT = 'mst-server.ts';

/** A failed step of `npm start`: printed as one line with the fix. */
export class StepError extends Error {
  constructor(readonly step: string, readonly reason: string, readonly fix: string) {
    super(`${step}: ${reason}`);
  }
}

/**
 * Stops the local MST and every recorded cluster and deletes .mst-local/; returns the names of
 * the clusters stopped and whether the local MST was running.
 */
export async function removeLocal(): Promise<{ clusters: string[]; removedDir: boolean; mstApi: boolean }> {
  const mstApi = await stopLocalApi();
  const clusters = fs.existsSync(stateFilePath()) ? await stopAll() : [];
  const removedDir = fs.existsSync(LOCAL_DIR);
  fs.rmSync(LOCAL_DIR, { recursive: true, force: true });
  return { clusters, removedDir, mstApi };
}

/** The running local MST's pid and URL, if server.json names a live local MST process. */
export function runningLocalApi(): { pid: number; url: string } | undefined {
  let server: { pid: number; url: string };
  try {
    server = JSON.parse(fs.readFileSync(SERVER_FILE, 'utf8')) as { pid: number; url: string };
  } catch {
    return undefined;
  }
  return isLocalApiProcess(server.pid) ? server : undefined;
}

/** Stops the local MST started by `npm start` (by the pid it recorded); false when none was running. */
export async function stopLocalApi(): Promise<boolean> {
  const server = runningLocalApi();
  if (!server) {
    fs.rmSync(SERVER_FILE, { force: true });
    return false;
  }
  process.kill(server.pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(server.pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(server.pid)) process.kill(server.pid, 'SIGKILL');
  fs.rmSync(SERVER_FILE, { force: true });
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is alive and, where /proc tells, runs the local MST's script (a recycled pid is left alone). */
function isLocalApiProcess(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SERVER_SCRIPT);
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

export function relative(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}
