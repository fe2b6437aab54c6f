import * as fs from 'fs';
import { App, TerraformStack } from 'cdktf';
import { MstProject, ProjectRole, PowerState, Acknowledgements } from '../src';
function build(outdir: string, rev: boolean) {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 's');
  const p = new MstProject(stack, 'acme', { deployer: 'ci@a.example' });
  const members: [string, ProjectRole][] = [['ci@a.example', ProjectRole.ADMIN], ['b@a.example', ProjectRole.DEVELOPER]];
  for (const [e, r] of rev ? [...members].reverse() : members) p.addMember(e, r);
  const svcs = ['metrics', 'events'];
  for (const name of rev ? [...svcs].reverse() : svcs) {
    const s = p.addService(name, { postgresVersion: 16, state: PowerState.RUNNING });
    const users = ['grafana', 'zed', 'alpha'];
    for (const u of rev ? [...users].reverse() : users) {
      const x = s.addUser(u, { allowReplication: u === 'zed' });
      if (u === 'zed') Acknowledgements.of(x).add('MST-USER-006', 'r');
    }
  }
  app.synth();
  return fs.readFileSync(`${outdir}/stacks/s/cdk.tf.json`, 'utf8');
}
const a = build('tmp-order/a', false), b = build('tmp-order/b', true);
console.log(a === b ? 'SAME' : 'DIFFERENT');
