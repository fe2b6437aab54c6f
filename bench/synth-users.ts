/**
 * `node -r ts-node/register/transpile-only bench/synth-users.ts [users] [reps]`: the in-process time of
 * building and synthesizing the bench's library stack (default 10,000 users, 3 runs, the median and
 * every run printed), without the cdktf CLI around it. A quick check after a change to the constructs;
 * `npm run bench` is the full comparison.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { libraryStack } from './library';

const users = Number(process.argv[2] ?? 10000);
const reps = Number(process.argv[3] ?? 3);
const times: number[] = [];
for (let r = 0; r < reps; r++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mst-synth-users-'));
  const t0 = process.hrtime.bigint();
  const app = new App({ outdir });
  libraryStack(app, users);
  app.synth();
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  fs.rmSync(outdir, { recursive: true, force: true });
}
const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
console.log(`${users} users: median ${median.toFixed(2)} s (runs ${times.map((t) => t.toFixed(2)).join(', ')})`);
