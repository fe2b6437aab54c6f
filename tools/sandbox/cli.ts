/**
 * Local PostgreSQL sandbox for the demo:
 *
 *   ts-node tools/sandbox/cli.ts start NAME [--mode mst|superuser]
 *   ts-node tools/sandbox/cli.ts stop      # stops every recorded cluster
 *   ts-node tools/sandbox/cli.ts status
 *
 * Clusters are recorded in the state file (see stateFilePath()) so `stop`
 * works from a later process. Errors print one line and exit 1; set
 * MST_SANDBOX_VERBOSE=1 for the server log / stack.
 */
import { ClusterMode, SandboxError, isRunning, readState, startCluster, stateFilePath, stopAll } from './cluster';

const USAGE = 'usage: cli.ts start NAME [--mode mst|superuser] | stop | status';

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start': {
      let name: string | undefined;
      let mode: ClusterMode = 'superuser';
      for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        const m = a === '--mode' ? rest[++i] : a.startsWith('--mode=') ? a.slice('--mode='.length) : undefined;
        if (a === '--mode' || a.startsWith('--mode=')) {
          if (m !== 'mst' && m !== 'superuser') throw new UsageError(`--mode must be mst or superuser, got "${m ?? ''}"`);
          mode = m;
        } else if (a.startsWith('-') || name !== undefined) {
          throw new UsageError(`unexpected argument "${a}"`);
        } else {
          name = a;
        }
      }
      if (!name) throw new UsageError('start needs a NAME');
      const info = await startCluster({ name, mode, record: true });
      // The URL carries the password on purpose: it's a throwaway local demo cluster.
      console.log(`service ${info.name}: ${info.url}`);
      return;
    }
    case 'stop': {
      if (rest.length) throw new UsageError(`stop takes no arguments`);
      const stopped = await stopAll();
      console.log(stopped.length ? stopped.map((n) => `stopped ${n}`).join('\n') : 'no recorded clusters');
      return;
    }
    case 'status': {
      if (rest.length) throw new UsageError(`status takes no arguments`);
      const clusters = readState();
      if (!clusters.length) {
        console.log(`no recorded clusters (${stateFilePath()})`);
        return;
      }
      for (const c of clusters) {
        const state = (await isRunning(c)) ? 'running' : 'not running';
        console.log(`${c.name}\t${c.mode}\t${c.host}:${c.port}\t${state}`);
      }
      return;
    }
    default:
      throw new UsageError(cmd ? `unknown command "${cmd}"` : 'missing command');
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const verbose = Boolean(process.env.MST_SANDBOX_VERBOSE);
  if (err instanceof UsageError) {
    console.error(`sandbox: ${err.message}\n${USAGE}`);
  } else if (err instanceof SandboxError) {
    console.error(`sandbox: ${verbose ? err.message : err.summary}`);
  } else {
    const e = err as Error;
    console.error(`sandbox: ${verbose ? (e.stack ?? e.message) : e.message}`);
  }
  process.exit(1);
});
