/**
 * `npm run bench:shapes`: the candidate shapes of issue 9, planned by the real
 * engine (`plan -refresh=false` of a fresh stack, no database needed). Each
 * shape is written as Terraform JSON directly (no cdktf), for the same users
 * as the bench (10 services, replication on every tenth user):
 *
 *   foreach          one `for_each` role and one `for_each` random_password block per service, map inline (cdktf-mst 0.1)
 *   locals           the same, the map in a `locals` block
 *   blocks           one role and one random_password block per user (hand-written per-user L1)
 *   +outputs         ... and one sensitive output per user
 *   +mapout          ... and one sensitive map output per service
 *
 * Usage: node -r ts-node/register/transpile-only bench/plan-shapes.ts [users] [shape ...]
 * (default 1000 and every shape). Prints wall and CPU seconds (tofu and its
 * providers, through /usr/bin/time when present) and the engine's peak memory.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { engine } from '../tools/local/engine';
import { cleanEnv, run } from '../tools/sandbox/process';
import { replicates, serviceCount, serviceName, username, usersOf } from './shapes';

const SHAPES = ['foreach', 'locals', 'blocks', 'blocks+outputs', 'blocks+mapout'];

function config(shape: string, users: number): Record<string, unknown> {
  const tf: Record<string, any> = {
    terraform: { required_providers: {
      postgresql: { source: 'cyrilgdn/postgresql', version: '1.26.0' }, random: { source: 'hashicorp/random', version: '3.7.2' },
    } },
    provider: { postgresql: [], random: [{}] }, variable: {}, resource: { postgresql_role: {}, random_password: {} },
    output: {}, locals: {},
  };
  for (let s = 0; s < serviceCount(users); s++) {
    const svc = serviceName(s);
    const p = svc.replace(/-/g, '_');
    tf.variable[`${p}_admin_password`] = { type: 'string', sensitive: true, default: 'unused' };
    tf.provider.postgresql.push({
      alias: svc, host: '127.0.0.1', port: 5432, database: 'defaultdb', username: 'tsdbadmin',
      password: `\${var.${p}_admin_password}`, sslmode: 'disable', superuser: false,
    });
    const map = Object.fromEntries(usersOf(s, users).map((i) => [username(i), { name: username(i), replication: replicates(i), version: '1' }]));
    if (shape === 'foreach' || shape === 'locals') {
      const each = shape === 'locals' ? `\${local.${p}_users}` : map;
      if (shape === 'locals') tf.locals[`${p}_users`] = map;
      tf.resource.random_password[svc] = { for_each: each, length: 32, special: false, keepers: { version: '${each.value.version}' } };
      tf.resource.postgresql_role[svc] = {
        for_each: each, provider: `postgresql.${svc}`, name: '${each.value.name}', login: true,
        replication: '${each.value.replication}', password: `\${random_password.${svc}[each.key].result}`,
      };
      continue;
    }
    const passwords: Record<string, string> = {};
    for (const [u, v] of Object.entries(map)) {
      const n = `${svc}_${u}`;
      tf.resource.random_password[n] = { length: 32, special: false, keepers: { version: '1' } };
      tf.resource.postgresql_role[n] = { provider: `postgresql.${svc}`, name: u, login: true, replication: v.replication, password: `\${random_password.${n}.result}` };
      if (shape.includes('+outputs')) tf.output[`${n}_password`] = { value: `\${random_password.${n}.result}`, sensitive: true };
      passwords[u] = `\${random_password.${n}.result}`;
    }
    if (shape.includes('+mapout')) tf.output[`${p}_passwords`] = { value: passwords, sensitive: true };
  }
  for (const k of ['output', 'locals']) if (Object.keys(tf[k]).length === 0) delete tf[k];
  return tf;
}

async function main(): Promise<void> {
  const [usersArg, ...shapes] = process.argv.slice(2);
  const users = Number(usersArg ?? 1000);
  const eng = await engine();
  const time = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  for (const shape of shapes.length > 0 ? shapes : SHAPES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-shape-'));
    try {
      fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(config(shape, users), null, 2));
      const env = cleanEnv({ ...eng.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0' });
      const init = await run(eng.binary, ['init', '-input=false', '-no-color'], { cwd: dir, env, timeoutMs: 300_000 });
      if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
      const args = ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color'];
      const t0 = Date.now();
      const r = await run(time ?? eng.binary, time ? ['-f', 'shape-time %e %U %S %M', eng.binary, ...args] : args, { cwd: dir, env, timeoutMs: 1_800_000 });
      const m = /shape-time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
      const planned = /Plan: .*/.exec(r.stdout)?.[0] ?? `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}`;
      process.stdout.write(`shape=${shape} users=${users} wall_s=${((Date.now() - t0) / 1000).toFixed(1)}`
        + `${m ? ` cpu_s=${(Number(m[2]) + Number(m[3])).toFixed(1)} peak_mb=${(Number(m[4]) / 1024).toFixed(0)}` : ''}`
        + ` load=${os.loadavg()[0].toFixed(1)} ${planned}\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`plan-shapes: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
