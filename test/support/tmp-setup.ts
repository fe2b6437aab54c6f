/**
 * Every temporary folder the tests make lands in one folder per run, removed
 * when the run ends: cdktf's Testing.app() makes an output folder in the
 * system's temporary directory for every app and never removes it.
 * TMPDIR is read by os.tmpdir(), in the test workers and the processes they start.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export default function setup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mst-tests-'));
  // Traversable by the OS user the PostgreSQL clusters run as (tools/sandbox), which owns its own folders inside.
  fs.chmodSync(dir, 0o755);
  process.env.CDKTF_MST_TESTS_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
