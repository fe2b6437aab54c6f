/**
 * The app `cdktf deploy` runs in the bench's end-to-end step: the library
 * stack of bench/library.ts for BENCH_DEPLOY_USERS users. cdktf passes the
 * output directory and the context of the project's cdktf.json (sslmode).
 */
import { App } from 'cdktf';
import { libraryStack } from './library';

const users = Number(process.env.BENCH_DEPLOY_USERS);
if (!Number.isInteger(users) || users < 1) {
  process.stderr.write(`bench deploy-app: BENCH_DEPLOY_USERS is "${process.env.BENCH_DEPLOY_USERS ?? ''}"; set it to a number of users\n`);
  process.exit(2);
}
const app = new App();
libraryStack(app, users);
app.synth();
