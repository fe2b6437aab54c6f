// A manifest-driven stack: the access list lives in acme.yaml, reviewed like code.
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { loadManifest, synthOrExit } from '../../src';

synthOrExit(() => {
  const app = new App();
  const stack = new TerraformStack(app, 'acme-access');
  loadManifest(stack, process.env.MST_MANIFEST ?? path.join(__dirname, 'acme.yaml'));
  return app;
});
