/** Removes the run's temporary folder (tmp-setup.ts). */
import * as fs from 'fs';

export default function teardown(): void {
  const dir = process.env.CDKTF_MST_TESTS_TMPDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
