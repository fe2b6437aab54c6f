// The per-service rendering of password outputs (src/constructs/password-outputs.ts) must write
// exactly what one TerraformOutput construct per user writes: the same "output" blocks and the same
// "//".outputs entries that `cdktf output` and `--outputs-file` read. A user's `passwordOutput`,
// once asked for, is such a TerraformOutput; so comparing a stack with every output asked for
// against the same stack with none asked for checks the rendering against cdktf's own.
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformOutput, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { MstProject, ProjectRole, Secret, ServiceUser } from '../../src';

function build(app: App): { stack: TerraformStack; users: ServiceUser[] } {
  const stack = new TerraformStack(app, 'stack');
  const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  const metrics = project.addService('metrics', { postgresVersion: 16 });
  const appPassword = new TerraformVariable(stack, 'app_password', { type: 'string', sensitive: true });
  const users = [
    metrics.addUser('grafana'),
    metrics.addUser('Reporting', { passwordVersion: 2 }),
    metrics.addUser('app', { password: Secret.fromVariable(appPassword) }),
    // Declared elsewhere in the tree: its output's construct path follows the declaration.
    new ServiceUser(new Construct(stack, 'teams'), 'moved', { service: metrics, username: 'moved_user' }),
    project.addService('events-eu').addUser('ingest'),
  ];
  return { stack, users };
}

/** The files `cdktf synth` writes for the stack; HCL as SYNTH_HCL_OUTPUT=<hcl> asks (the CLI's --hcl). */
function synthesized(hcl: string | undefined, askForOutputs: boolean): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(Testing.app().outdir, '..', 'password-outputs-'));
  const before = process.env.SYNTH_HCL_OUTPUT;
  if (hcl === undefined) delete process.env.SYNTH_HCL_OUTPUT; else process.env.SYNTH_HCL_OUTPUT = hcl;
  try {
    const app = new App({ outdir, stackTraces: false });
    const { users } = build(app);
    if (askForOutputs) for (const u of users) void u.passwordOutput;
    app.synth();
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT; else process.env.SYNTH_HCL_OUTPUT = before;
  }
  const dir = path.join(outdir, 'stacks', 'stack');
  const files = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  fs.rmSync(outdir, { recursive: true, force: true });
  return files;
}

describe('password outputs rendered per service', () => {
  it('synthesize byte for byte what one TerraformOutput per user synthesizes', () => {
    const rendered = synthesized(undefined, false);
    const perUser = synthesized(undefined, true);
    expect(rendered['cdk.tf.json']).toBe(perUser['cdk.tf.json']);
    const json = JSON.parse(rendered['cdk.tf.json']);
    expect(Object.keys(json.output).sort()).toEqual([
      'events-eu_ingest_password', 'metrics_grafana_password', 'metrics_moved_user_password', 'metrics_reporting_password',
    ]);
    expect(json['//'].outputs.stack.teams.moved.password).toBe('metrics_moved_user_password');
    expect(json['//'].outputs.stack.acme.metrics.users.Reporting.password).toBe('metrics_reporting_password');
  });

  it.each(['true', '1'])('leave HCL (SYNTH_HCL_OUTPUT=%s) to one TerraformOutput per user, as cdktf renders one output per element', (hcl) => {
    const files = synthesized(hcl, false);
    expect(files).toEqual(synthesized(hcl, true));
    // cdktf names the file after the App's hclOutput (SYNTH_HCL_OUTPUT=true) but writes HCL for "1" too.
    const stackFile = files['cdk.tf'] ?? files['cdk.tf.json'];
    expect(stackFile.match(/^output "/gm)).toHaveLength(4);
  });

  it('give a user its own TerraformOutput when asked for, once, and none for a password from a variable', () => {
    const { users } = build(Testing.app());
    const [grafana, , app] = users;
    expect(grafana.node.tryFindChild('password')).toBeUndefined();
    const output = grafana.passwordOutput;
    expect(output).toBeInstanceOf(TerraformOutput);
    expect(grafana.passwordOutput).toBe(output);
    expect(grafana.node.findChild('password')).toBe(output);
    expect(output!.friendlyUniqueId).toBe('metrics_grafana_password');
    expect(app.passwordOutput).toBeUndefined();
  });
});
