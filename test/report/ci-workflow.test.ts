/**
 * examples/ci/access-review.yml is the gate as users copy it: the diff runs
 * with --fail-on error, escalations wait for a reviewer, and the pull
 * request's code never runs beside the gate or with a write token.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

interface Step { readonly name?: string; readonly run?: string; readonly uses?: string; readonly if?: string; readonly 'working-directory'?: string }
interface Job {
  readonly name: string; readonly needs?: string; readonly if?: string; readonly environment?: string;
  readonly permissions?: Record<string, string>; readonly steps: readonly Step[];
}

interface Env { readonly env?: Record<string, string> }
const workflow = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'ci', 'access-review.yml'), 'utf8')) as {
  permissions: Record<string, string>; jobs: Record<string, Job & Env>;
};
const jobs = workflow.jobs;

describe('examples/ci/access-review.yml', () => {
  it('runs the gate with --fail-on error, with the target branch\'s cdktf-mst, and fails the check on an error', () => {
    const steps = jobs['access-diff'].steps;
    const gate = steps.find((s) => s.run?.includes('cdktf-mst diff'))!;
    expect(gate.run).toMatch(/cdktf-mst diff "\$BASE_OUT" "\$HEAD_OUT" --fail-on error/);
    expect(gate['working-directory']).toBe('base');
    expect(gate.run).toMatch(/if \[ "\$gate" -gt 1 \]; then exit "\$gate"; fi/);
    const fail = steps.find((s) => s.if === "steps.diff.outputs.error == 'true'")!;
    expect(fail.run).toMatch(/exit 1/);
  });

  it('holds escalations for a reviewer of the mst-access environment', () => {
    const approval = jobs['escalation-approval'];
    expect(approval.needs).toBe('access-diff');
    expect(approval.if).toBe("needs.access-diff.outputs.escalation == 'true'");
    expect(approval.environment).toBe('mst-access');
    expect(jobs['access-diff'].steps.find((s) => s.run?.includes('summary.escalations'))).toBeDefined();
  });

  it('reads HEAD\'s manifests as data, never through HEAD\'s code, and judges each with BASE\'s cdktf-mst', () => {
    const job = jobs['access-diff'];
    expect(job.env).toHaveProperty('MST_MANIFESTS');
    const read = job.steps.find((s) => s.name === 'Read HEAD\'s manifests as data') as Step & Env;
    // The merge commit's files through the API: no checkout of HEAD, nothing of it run.
    expect(read.run).toMatch(/gh api -H 'Accept: application\/vnd\.github\.raw' "repos\/\$REPO\/contents\/\$m\?ref=\$MERGE_SHA"/);
    expect(read.env).toMatchObject({ MERGE_SHA: '${{ github.sha }}' });
    const gate = job.steps.find((s) => s.run?.includes('cdktf-mst diff'))!;
    expect(gate.run).toMatch(/npx --no cdktf-mst diff "\$m" "\$head_m" --fail-on error/);
    expect(gate.run).toMatch(/if \[ "\$code" -eq 1 \]; then gate=1; fi/);
    // Every cdktf-mst is BASE's installed one, never one npx would download.
    expect(gate.run!.match(/npx (?!--no )/g)).toBeNull();
    // The only npm ci of the job is BASE's.
    expect(job.steps.filter((s) => s.run?.includes('npm ci')).map((s) => s['working-directory'])).toEqual(['base']);
  });

  it('runs the pull request\'s code only in a job of its own, with a read-only token', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(jobs['synth-head'].permissions).toEqual({ contents: 'read' });
    const headRuns = Object.entries(jobs).filter(([, job]) => job.steps.some((s) => s.uses?.startsWith('actions/checkout') && !JSON.stringify(s).includes('base.sha')));
    expect(headRuns.map(([id]) => id)).toEqual(['synth-head']);
  });
});
