/**
 * The shapes the benchmark compares (issues 5 and 9): one project, N service
 * users over 10 services, replication on every tenth user, 2,000 members and
 * 200 invitations. Names only: each stack module imports just what its stack
 * needs, so a child process loads no more than a user's app would.
 */
export const SERVICES = 10;
export const MEMBERS = 2000;
export const INVITATIONS = 200;
export const DEPLOYER = 'ci-bot@acme.example';
/** Project roles by id, handed out in turn. */
export const ROLE_IDS = ['admin', 'operator', 'developer', 'read-only'] as const;

const pad = (i: number, width: number) => String(i).padStart(width, '0');
export const serviceName = (s: number) => `svc-${pad(s, 4)}`;
export const username = (i: number) => `user_${pad(i, 5)}`;
export const memberEmail = (i: number) => `member${pad(i, 5)}@acme.example`;
export const inviteeEmail = (i: number) => `invitee${pad(i, 4)}@acme.example`;
/** Every tenth user may replicate. */
export const replicates = (i: number) => i % 10 === 0;
/** Member 0 is the deployer (Admin), members 1..: roles in turn, so every fourth is an Admin. */
export const memberRole = (i: number) => (i === 0 ? 'admin' : ROLE_IDS[i % 4]);
/** Invitations are sent by Admin members (multiples of 4), handing out every role in turn. */
export const inviter = (i: number) => memberEmail(4 * ((i % (MEMBERS / 4 - 1)) + 1));

export const serviceCount = (users: number) => Math.min(SERVICES, users);
/** The users of service `s` (0-based): contiguous runs of usernames, the first services one larger when N is not a multiple of 10. */
export function usersOf(s: number, users: number): number[] {
  const n = serviceCount(users);
  const base = Math.floor(users / n);
  const extra = users % n;
  const first = s * base + Math.min(s, extra);
  return Array.from({ length: base + (s < extra ? 1 : 0) }, (_, k) => first + k);
}
export const replicationUsers = (users: number) => Array.from({ length: users }, (_, i) => i).filter(replicates).length;

