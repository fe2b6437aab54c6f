/** The local deployment's folder and its removal, shared by `npm start` and `npm stop`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateFilePath, stopAll } from '../sandbox/cluster';

export const REPO_ROOT = path.resolve(__dirname, '../..');
/** cdktf.json, cdktf.out/ with the local state, and pgpass of the local deployment (MST_LOCAL_DIR moves it). */
export const LOCAL_DIR = path.resolve(process.env.MST_LOCAL_DIR ?? path.join(REPO_ROOT, '.mst-local'));
// The clusters of the local deployment are recorded beside it.
process.env.MST_SANDBOX_STATE ??= path.join(LOCAL_DIR, 'clusters.json');

/** A failed step of `npm start`: printed as one line with the fix. */
export class StepError extends Error {
  constructor(readonly step: string, readonly reason: string, readonly fix: string) {
    super(`${step}: ${reason}`);
  }
}

/** Stops every recorded cluster and deletes .mst-local/; returns the names of the clusters stopped. */
export async function removeLocal(): Promise<{ clusters: string[]; removedDir: boolean }> {
  const clusters = fs.existsSync(stateFilePath()) ? await stopAll() : [];
  const removedDir = fs.existsSync(LOCAL_DIR);
  fs.rmSync(LOCAL_DIR, { recursive: true, force: true });
  return { clusters, removedDir };
}

export function relative(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}
