/**
 * A local MST for the tests: one real PostgreSQL cluster per service (MST-like admin), the server on
 * a free port with its records in a temp folder, and helpers to call it as the provider does and to
 * log in to PostgreSQL as a service user. stop() closes the server, stops the clusters and removes
 * the folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterInfo, ShippedMajor, sql, startCluster, stopCluster } from '../../tools/sandbox/cluster';
import { LocalMst, LocalMstOptions, startLocalMst } from '../../tools/mst/server';

export const TOKEN = 'local-mst-test-token';
export const ORG = 'org1a2b3c4d5e6';
export const PROJECT = 'acme';
export const MEMBER = 'ada@acme.example';

export interface Response {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class Harness {
  public static async start(name: string, services: Record<string, ShippedMajor> = { metrics: 17 }): Promise<Harness> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `mst-local-${name}-`));
    const entries = Object.entries(services);
    const started = await Promise.allSettled(entries.map(([svc, major]) =>
      startCluster({ name: `${name}-${svc}`.slice(0, 40), major, mode: 'mst' })));
    const clusters = new Map<string, ClusterInfo>();
    started.forEach((r, i) => r.status === 'fulfilled' && clusters.set(entries[i][0], r.value));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const h = new Harness(dataDir, clusters);
    if (failed) {
      await h.stop();
      throw failed.reason;
    }
    await h.restart({ organization: { id: ORG, name: 'Acme', users: [{ email: MEMBER }] } });
    return h;
  }

  public mst!: LocalMst;

  private constructor(
    public readonly dataDir: string,
    public readonly clusters: Map<string, ClusterInfo>,
  ) {}

  /** Stops the server (if running) and starts a new one on the same data folder. */
  public async restart(extra: Partial<LocalMstOptions> = {}): Promise<void> {
    await this.mst?.stop();
    this.mst = await startLocalMst({
      dataDir: this.dataDir, token: TOKEN,
      services: [...this.clusters].map(([svc, cluster]) => ({ project: PROJECT, name: svc, cluster })),
      ...extra,
    });
  }

  public cluster(service: string): ClusterInfo {
    const c = this.clusters.get(service);
    if (!c) throw new Error(`no cluster for ${service}`);
    return c;
  }

  /** One API call; `body` undefined sends none, a string is sent as is. */
  public async call(method: string, urlPath: string, body?: unknown, token: string | null = TOKEN): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token !== null) headers.Authorization = `aivenv1 ${token}`;
    const rsp = await fetch(`${this.mst.url}${urlPath}`, {
      method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await rsp.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${method} ${urlPath}: status ${rsp.status}, body is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: rsp.status, body: parsed };
  }

  /** Whether `username` logs in to the service's PostgreSQL with `password`. */
  public async login(service: string, username: string, password: string): Promise<boolean> {
    const r = await sql(this.cluster(service), 'select current_user', { user: username, password });
    return r.code === 0 && r.stdout === username;
  }

  /** The role's REPLICATION attribute, or undefined when there is no such role. */
  public async replication(service: string, username: string): Promise<boolean | undefined> {
    const r = await sql(this.cluster(service), `select rolreplication from pg_roles where rolname = '${username.replace(/'/g, "''")}'`);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout === '' ? undefined : r.stdout === 't';
  }

  public async stop(): Promise<void> {
    await this.mst?.stop();
    await Promise.all([...this.clusters.values()].map((c) => stopCluster(c)));
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Asserts Aiven's error shape and returns the message. */
export function errorOf(r: Response, status: number): string {
  expect(r.status).toBe(status);
  expect(r.body).toEqual({ message: expect.any(String), errors: [{ message: r.body.message, status }] });
  return r.body.message as string;
}
