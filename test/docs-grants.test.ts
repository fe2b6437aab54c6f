// docs/grants.md states facts the code decides: its manifest example passes `check`, and its table of
// predefined roles is the one PredefinedRole.refusal gives for MST's admin.
import * as fs from 'fs';
import * as path from 'path';
import { grantableRoles, PredefinedRole } from '../src/domain/grants';
import { checkManifestText } from '../src/manifest/load';

const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'grants.md'), 'utf8');

test('the manifest example passes check', () => {
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
  const manifest = `project: acme-prod\ndeployer: ci@acme.example\nmembers:\n  - { email: ci@acme.example, role: admin }\n${yaml}`;
  const { spec, findings } = checkManifestText(manifest, 'grants.yaml');
  expect(findings.filter((f) => f.level === 'error' || f.acknowledged === undefined)).toEqual([]);
  expect(spec!.services.flatMap((s) => s.users.flatMap((u) => u.grants ?? [])).length).toBe(3);
});

test('the table of predefined roles is what the rules decide for MST\'s admin', () => {
  const section = doc.slice(doc.indexOf('## The predefined roles'), doc.indexOf('## What is emitted'));
  const rows = section.split('\n').filter((l) => /^\| `pg_/.test(l)).map((l) => {
    const cells = l.split('|').slice(1, -1).map((c) => c.trim());
    return { roles: [...cells[0].matchAll(/`(pg_[a-z_]+)`/g)].map((m) => m[1]), marks: cells.slice(1) };
  });
  const columns: Array<readonly number[]> = [[12, 13], [14], [15], [16, 17]];
  const documented = new Set(rows.flatMap((r) => r.roles));
  expect([...documented].sort()).toEqual([...PredefinedRole.ALL.map((r) => r.name), 'pg_database_owner'].sort());
  for (const { roles, marks } of rows) {
    for (const role of roles) {
      columns.forEach((versions, i) => {
        for (const v of versions) {
          const known = PredefinedRole.find(role);
          const expected = !known ? '❌' : known.since > v ? '—' : grantableRoles(v).includes(known) ? '✅' : '❌';
          // A cell spanning roles of different first versions shows the state of the oldest.
          if (expected === '—' && marks[i] === '❌') continue;
          expect(`${role} on ${v}: ${marks[i]}`).toBe(`${role} on ${v}: ${expected}`);
        }
      });
    }
  }
});
