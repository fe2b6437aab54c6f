/** `npm stop`: stops the local MST and the local clusters and removes their data and the local state. Idempotent. */
import { SandboxError } from '../sandbox/cluster';
import { LOCAL_DIR, relative, removeLocal } from './local';

removeLocal().then(({ clusters, removedDir, mstApi }) => {
  if (mstApi) console.log('stop: stopped the local MST');
  for (const name of clusters) console.log(`stop: stopped cluster ${name} and removed its data`);
  console.log(removedDir ? `stop: removed ${relative(LOCAL_DIR)} (local state and synthesized stacks)` : 'stop: nothing deployed locally');
}, (err: unknown) => {
  console.error(`stop: FAILED: ${err instanceof SandboxError ? err.summary : (err as Error).message.split('\n')[0]}`);
  process.exit(1);
});
