/**
 * How a service's users are made real, decided per project (the default of its
 * services) or per service. Both backends take the same model and the same rules.
 */

/** The manifest spelling of each backend. */
export type BackendId = 'postgres-roles' | 'mst-api';

export class UserBackend {
  /** PostgreSQL login roles, created through the service's admin connection (cyrilgdn/postgresql). */
  public static readonly POSTGRES_ROLES = new UserBackend('postgres-roles');
  /**
   * MST's own service users, through its API (Aiven's, with the aiven provider): the console lists them.
   * Needs the project's `mstApi` connection.
   */
  public static readonly MST_API = new UserBackend('mst-api');

  public static readonly ALL: readonly UserBackend[] = [UserBackend.POSTGRES_ROLES, UserBackend.MST_API];

  /** The backend spelled `id`, or undefined. */
  public static tryOf(id: string): UserBackend | undefined {
    return UserBackend.ALL.find((b) => b.id === id);
  }

  private constructor(public readonly id: BackendId) {}

  public toString(): string {
    return this.id;
  }
}

/** The backend a service uses unless it or its project says otherwise. */
export const DEFAULT_BACKEND: BackendId = 'postgres-roles';

/** Aiven's documented default limit of service users per service. */
export const MST_API_USER_LIMIT = 50;
