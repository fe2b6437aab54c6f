/**
 * The engine the local deploys and the end-to-end tests run: whatever
 * tools/engine/build.sh provides (OpenTofu and the providers the stacks pin,
 * postgresql, random and aiven, built from source with an offline mirror, or a
 * tofu/terraform 1.11+ found on PATH).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../sandbox/process';

const BUILD = path.resolve(__dirname, '../engine/build.sh');

export interface Engine {
  /** Environment for the engine and the cdktf CLI: PATH, TF_CLI_CONFIG_FILE, TERRAFORM_BINARY_NAME, CHECKPOINT_DISABLE. */
  readonly env: Record<string, string>;
  /** The binary to run: `tofu` or `terraform`. */
  readonly binary: string;
  /** The build script's one-line summary (built, cached, or found on PATH). */
  readonly summary: string;
}

/** Thrown when the engine cannot be built or found; the message is the build script's one line. */
export class EngineError extends Error {}

let cached: Promise<Engine> | undefined;

/**
 * Builds the engine if needed (minutes, once per machine; later calls read the
 * cache in a fraction of a second) and returns its environment.
 * `onProgress` receives the build script's progress lines.
 */
export function engine(onProgress?: (line: string) => void): Promise<Engine> {
  cached ??= build(onProgress);
  return cached;
}

async function build(onProgress?: (line: string) => void): Promise<Engine> {
  const r = await run('bash', [BUILD], {
    timeoutMs: 40 * 60_000,
    env: process.env,
    onOutput: onProgress && ((chunk) => chunk.split('\n').filter((l) => l.startsWith('engine:')).forEach(onProgress)),
  });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('engine:'));
  if (r.code !== 0) {
    cached = undefined;
    throw new EngineError(lines.find((l) => l.includes('FAILED')) ?? `engine: build failed (exit ${r.code})`);
  }
  const dir = (await run('bash', [BUILD, '--print-dir'], { timeoutMs: 10_000, env: process.env })).stdout.trim();
  const env = parseEnvFile(path.join(dir, 'env.sh'));
  return { env, binary: env.TERRAFORM_BINARY_NAME ?? 'tofu', summary: lines[lines.length - 1] ?? '' };
}

/** Reads the `export NAME="value"` lines of env.sh, expanding `$PATH`. */
function parseEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)="?(.*?)"?$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/\$PATH/g, process.env.PATH ?? '');
  }
  return env;
}
