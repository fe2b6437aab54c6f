// A typed stack: one project, two services, their users. `npx cdktf synth` builds it.
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Acknowledgements, MstProject, PowerState, ProjectRole, synthOrExit } from '../../src';

export class AcmeAccess extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const project = new MstProject(this, 'acme', {
      name: 'acme-prod',
      deployer: 'ci-bot@acme.example',
      billing: { email: 'billing@acme.example' },
    });
    project.addMember('ana@acme.example', ProjectRole.ADMIN);
    project.addMember('ci-bot@acme.example', ProjectRole.ADMIN);
    project.addMember('dev@acme.example', ProjectRole.DEVELOPER);
    project.addMember('ops@acme.example', ProjectRole.OPERATOR);
    project.addInvitation('new@acme.example', { role: ProjectRole.DEVELOPER, invitedBy: 'dev@acme.example' });
    project.addInvitation('auditor@acme.example', { role: ProjectRole.READ_ONLY, invitedBy: 'ana@acme.example' });

    const metrics = project.addService('metrics', {
      postgresVersion: 16,
      powerState: PowerState.RUNNING,
    });
    metrics.addUser('grafana');
    const replicator = metrics.addUser('replicator', { allowReplication: true });
    Acknowledgements.of(replicator).add('MST-USER-006', 'feeds the analytics read replica');

    const events = project.addService('events', { postgresVersion: 16 });
    events.addUser('ingest', { passwordVersion: 2 });
    events.addUser('reporting');
  }
}

if (require.main === module) {
  const app = new App();
  new AcmeAccess(app, 'acme-access');
  synthOrExit(app);
}
