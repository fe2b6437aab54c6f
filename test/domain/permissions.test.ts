import { Permission, PERMISSION_LABELS, PERMISSIONS, ProjectRole } from '../../src/domain/permissions';
import { parseRole } from '../../src/domain/checks';

/**
 * The table of ../shared/spec/mst-user-management.md ("Project members"),
 * transcribed by hand. The code holds the same table as data; this test is the
 * independent copy it is checked against, cell by cell.
 */
const SPEC_TABLE = `
|Role|Invite more users|Modify billing information|Manage services|Start and stop services|View service information|
|-|-|-|-|-|-|
|Admin|✅|✅|✅|✅|✅|
|Operator|❌|❌|✅|✅|✅|
|Developer|✅|❌|✅|❌|✅|
|Read-only|❌|❌|❌|❌|✅|
`;

const rows = SPEC_TABLE.trim().split('\n').map((line) => line.split('|').slice(1, -1));
const header = rows[0].slice(1);
const body = rows.slice(2);

/** Column heading → permission, through the labels (so a renamed label fails too). */
function permissionOf(label: string): Permission {
  const found = PERMISSIONS.find((p) => PERMISSION_LABELS[p] === label);
  if (!found) throw new Error(`no permission is labelled "${label}"`);
  return found;
}

function roleOf(label: string): ProjectRole {
  const found = ProjectRole.ALL.find((r) => r.label === label);
  if (!found) throw new Error(`no role is labelled "${label}"`);
  return found;
}

const CELLS: Array<[string, string, boolean]> = body.flatMap(([role, ...marks]) =>
  marks.map((mark, i): [string, string, boolean] => {
    if (mark !== '✅' && mark !== '❌') throw new Error(`bad mark ${mark}`);
    return [role, header[i], mark === '✅'];
  }));

describe('the permission table', () => {
  it('has 4 roles × 5 permissions = 20 cells', () => {
    expect(CELLS).toHaveLength(20);
    expect(ProjectRole.ALL).toHaveLength(4);
    expect(PERMISSIONS).toHaveLength(5);
  });

  it('lists the permissions in the console table\'s column order, with its headings', () => {
    expect(PERMISSIONS.map((p) => PERMISSION_LABELS[p])).toEqual([
      'Invite more users',
      'Modify billing information',
      'Manage services',
      'Start and stop services',
      'View service information',
    ]);
    expect(PERMISSIONS.map((p) => PERMISSION_LABELS[p])).toEqual(header);
  });

  it('lists the roles in the console table\'s row order', () => {
    expect(ProjectRole.ALL.map((r) => r.label)).toEqual(['Admin', 'Operator', 'Developer', 'Read-only']);
    expect(ProjectRole.ALL.map((r) => r.label)).toEqual(body.map((r) => r[0]));
    expect(ProjectRole.ALL).toEqual([
      ProjectRole.ADMIN, ProjectRole.OPERATOR, ProjectRole.DEVELOPER, ProjectRole.READ_ONLY,
    ]);
  });

  it.each(CELLS)('%s × %s = %s', (roleLabel, permissionLabel, expected) => {
    expect(roleOf(roleLabel).can(permissionOf(permissionLabel))).toBe(expected);
  });

  it('gives each role exactly the permissions ticked in its row, in column order', () => {
    expect(ProjectRole.ADMIN.permissions).toEqual([
      'invite-users', 'modify-billing', 'manage-services', 'start-stop-services', 'view-services',
    ]);
    expect(ProjectRole.OPERATOR.permissions).toEqual(['manage-services', 'start-stop-services', 'view-services']);
    expect(ProjectRole.DEVELOPER.permissions).toEqual(['invite-users', 'manage-services', 'view-services']);
    expect(ProjectRole.READ_ONLY.permissions).toEqual(['view-services']);
  });
});

describe('parseRole / ProjectRole.tryOf', () => {
  it.each([
    ['admin', ProjectRole.ADMIN, 'Admin'],
    ['operator', ProjectRole.OPERATOR, 'Operator'],
    ['developer', ProjectRole.DEVELOPER, 'Developer'],
    ['read-only', ProjectRole.READ_ONLY, 'Read-only'],
  ])('maps "%s" to the constant', (id, role, label) => {
    expect(parseRole(id)).toBe(role);
    expect(ProjectRole.tryOf(id)).toBe(role);
    expect(role.id).toBe(id);
    expect(role.label).toBe(label);
    expect(String(role)).toBe(label);
  });

  it.each(['owner', 'Admin', 'readonly', 'read_only', ''])('does not know "%s"', (id) => {
    expect(ProjectRole.tryOf(id)).toBeUndefined();
    expect(() => parseRole(id)).toThrow(
      `[role] MST-API-001: unknown project role "${id}"; use one of admin, operator, developer, read-only.`,
    );
  });
});

describe('ProjectRole.lacksFrom', () => {
  it('names what a Developer lacks to hand out each role', () => {
    expect(ProjectRole.DEVELOPER.lacksFrom(ProjectRole.ADMIN)).toEqual(['modify-billing', 'start-stop-services']);
    expect(ProjectRole.DEVELOPER.lacksFrom(ProjectRole.OPERATOR)).toEqual(['start-stop-services']);
    expect(ProjectRole.DEVELOPER.lacksFrom(ProjectRole.DEVELOPER)).toEqual([]);
    expect(ProjectRole.DEVELOPER.lacksFrom(ProjectRole.READ_ONLY)).toEqual([]);
  });

  it('finds nothing an Admin lacks, and everything but viewing that Read-only lacks from an Admin', () => {
    for (const other of ProjectRole.ALL) expect(ProjectRole.ADMIN.lacksFrom(other)).toEqual([]);
    expect(ProjectRole.READ_ONLY.lacksFrom(ProjectRole.ADMIN)).toEqual([
      'invite-users', 'modify-billing', 'manage-services', 'start-stop-services',
    ]);
    expect(ProjectRole.OPERATOR.lacksFrom(ProjectRole.DEVELOPER)).toEqual(['invite-users']);
  });

  it('agrees with the transcribed table for every pair of roles', () => {
    const granted = (label: string) => new Set(CELLS.filter(([r, , ok]) => r === label && ok).map(([, p]) => permissionOf(p)));
    for (const self of ProjectRole.ALL) {
      for (const other of ProjectRole.ALL) {
        const mine = granted(self.label);
        const expected = PERMISSIONS.filter((p) => granted(other.label).has(p) && !mine.has(p));
        expect([self.label, other.label, self.lacksFrom(other)]).toEqual([self.label, other.label, expected]);
      }
    }
  });
});
