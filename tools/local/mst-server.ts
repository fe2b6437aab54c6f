/**
 * The local MST of `npm start` as a process of its own, so it keeps serving after `npm start`
 * returns (a later `cdktf deploy` or `destroy` reaches it) until `npm stop`:
 * `node -r ts-node/register/transpile-only tools/local/mst-server.ts CONFIG`.
 * CONFIG holds startLocalMst's options; once listening, the process writes its pid and URL to
 * server.json beside CONFIG, and on SIGTERM or SIGINT closes the server and removes that file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalMstOptions, startLocalMst } from '../mst/server';

async function main(configFile: string): Promise<void> {
  const options = JSON.parse(fs.readFileSync(configFile, 'utf8')) as LocalMstOptions;
  const mst = await startLocalMst(options);
  const ready = path.join(path.dirname(configFile), 'server.json');
  const tmp = `${ready}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, url: mst.url })}\n`);
  fs.renameSync(tmp, ready);
  const stop = (): void => {
    void mst.stop().finally(() => {
      fs.rmSync(ready, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(`local MST: ${(err as Error).message.split('\n')[0]}`);
  process.exit(1);
});
