import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { importBlocks, readAdoptionLog } from '../../src/cli/adopt';
import { main } from '../../src/cli/main';

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// What `tofu apply` prints for a role it cannot create because it exists (the engine's diagnostic box),
// and what `cdktf deploy` prints for the same, each line prefixed with the stack's name.
const diagnostic = (role: string, address: string, prefix = '') => [
  '╷', `│ Error: could not create role ${role}: pq: role "${role}" already exists`, '│ ',
  `│   with ${address},`, `│   on mst-users.tf.json line 40, in resource.postgresql_role.${address.split('.')[1]}:`,
  '│   40:       "metrics_u0017": {', '│ ', '╵',
].map((l) => prefix + l).join('\n');

describe('cdktf-mst adopt', () => {
  it('turns each `role "…" already exists` error and its `with` address into one import block', () => {
    const log = [
      'postgresql_role.metrics_u0001: Creating...',
      diagnostic('u0017', 'postgresql_role.metrics_u0017'),
      'Error: some other failure',
      diagnostic('Reporting', 'postgresql_role.events-eu_reporting'),
      // The same error twice (a retry in the same log) adopts the role once.
      diagnostic('u0017', 'postgresql_role.metrics_u0017'),
    ].join('\n');
    const { adoptions, unmatched } = readAdoptionLog(log);
    expect(adoptions).toEqual([
      { address: 'postgresql_role.metrics_u0017', role: 'u0017' },
      { address: 'postgresql_role.events-eu_reporting', role: 'Reporting' },
    ]);
    expect(unmatched).toEqual([]);
    expect(importBlocks(adoptions)).toBe(
      'import {\n  to = postgresql_role.metrics_u0017\n  id = "u0017"\n}\n'
      + 'import {\n  to = postgresql_role.events-eu_reporting\n  id = "Reporting"\n}\n');
  });

  it('reads cdktf deploy\'s output too: lines prefixed with the stack, an address followed by a construct path, CRLF', () => {
    const log = diagnostic('u0017', 'postgresql_role.metrics_u0017 (acme/metrics)', 'acme-access  ').replace(/\n/g, '\r\n');
    expect(readAdoptionLog(log).adoptions).toEqual([{ address: 'postgresql_role.metrics_u0017', role: 'u0017' }]);
  });

  it('adopts nothing it cannot pair with a role block of the library\'s naming, and says so', () => {
    const log = [
      'Error: pq: role "orphan" already exists',                             // no `with` line follows
      diagnostic('x', 'postgresql_role.metrics_x'),
      diagnostic('bad"name', 'postgresql_role.metrics_bad'),                 // not a name the library gives
      diagnostic('app', 'module.legacy.postgresql_role.app'),                // not a block of the library
    ].join('\n');
    expect(readAdoptionLog(log)).toEqual({
      adoptions: [{ address: 'postgresql_role.metrics_x', role: 'x' }],
      unmatched: [{ role: 'orphan' }, { role: 'bad"name', address: 'postgresql_role.metrics_bad' }, { role: 'app', address: 'module.legacy.postgresql_role.app' }],
    });
  });

  it('imports a role only into its own block: postgresql_role.<service>_<lowercased role>, the service a valid service name', () => {
    const pairs: Array<[role: string, address: string, adopted: boolean]> = [
      ['Grafana', 'postgresql_role.metrics_grafana', true],
      ['x_y', 'postgresql_role.metrics_x_y', true],                // the service is what precedes the role's key
      ['reporting', 'postgresql_role.events-eu_reporting', true],
      ['tsdbadmin', 'postgresql_role.metrics_grafana', false],     // another user's block
      ['admin', 'postgresql_role.metrics_grafana', false],
      ['y', 'postgresql_role.metrics_x_y', false],                 // service "metrics_x" is no service name
      ['x', 'postgresql_role.constructor_x', false],               // nor is "constructor"
      ['x', 'postgresql_role.Metrics_x', false],                   // nor "Metrics"
      ['x', 'postgresql_role._x', false],                          // nor ""
      ['grafana', 'postgresql_role.metrics["grafana"]', false],    // a keyed block is no block of the library's
      ['grafana', 'postgresql_role.grafana', false],
    ];
    for (const [role, address, adopted] of pairs) {
      expect({ role, address, adopted: readAdoptionLog(diagnostic(role, address)).adoptions.length === 1 }).toEqual({ role, address, adopted });
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-adopt-'));
    const log = path.join(dir, 'deploy.log');
    fs.writeFileSync(log, diagnostic('tsdbadmin', 'postgresql_role.metrics_grafana'));
    expect(run('adopt', log)).toEqual({
      code: 1, out: '',
      err: 'cdktf-mst adopt: role "tsdbadmin" already exists, but postgresql_role.metrics_grafana is not the block this library gives it '
        + '(postgresql_role.<service>_tsdbadmin); not adopted: import it by hand only if your stack created it\n'
        + `cdktf-mst adopt: no role in ${log} to adopt into its own block; nothing to adopt`,
    });
  });

  it('reads a log no further than its size cap', () => {
    if (!fs.existsSync('/dev/zero')) throw new Error('this test needs /dev/zero');
    expect(run('adopt', '/dev/zero')).toEqual({ code: 2, out: '', err: 'cdktf-mst adopt: /dev/zero is more than the 64 MiB limit; give only the output of the failed deploy' });
  });

  it('prints the blocks on stdout and a summary on stderr (exit 0); exit 1 with nothing to adopt; exit 2 for an unreadable log', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-adopt-'));
    const log = path.join(dir, 'deploy.log');
    fs.writeFileSync(log, diagnostic('u0017', 'postgresql_role.metrics_u0017'));
    const r = run('adopt', log);
    expect(r).toEqual({
      code: 0, out: 'import {\n  to = postgresql_role.metrics_u0017\n  id = "u0017"\n}',
      err: 'cdktf-mst adopt: 1 role(s); apply these blocks with the stack once, then remove them',
    });
    fs.writeFileSync(log, 'Apply complete! Resources: 3 added, 0 changed, 0 destroyed.\n');
    expect(run('adopt', log)).toEqual({ code: 1, out: '', err: expect.stringMatching(/^cdktf-mst adopt: no `role "…" already exists` error in .*deploy\.log; nothing to adopt$/) });
    expect(run('adopt', path.join(dir, 'missing.log'))).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/missing\.log: cannot be read \(ENOENT\)/) });
    expect(run('adopt', '--json')).toMatchObject({ code: 2, err: expect.stringMatching(/^usage: cdktf-mst adopt \[LOG\]/) });
  });

  it('reads standard input through the installed command', () => {
    const bin = path.join(__dirname, '..', '..', 'bin', 'cdktf-mst.js');
    const r = spawnSync(process.execPath, [bin, 'adopt'], { input: diagnostic('u0017', 'postgresql_role.metrics_u0017'), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('import {\n  to = postgresql_role.metrics_u0017\n  id = "u0017"\n}\n');
  });
});
