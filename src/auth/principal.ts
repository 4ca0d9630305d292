import { Permission } from './policy';

/** The authenticated caller, built once per request from a verified bearer token. */
export interface Principal {
  readonly sub: string;
  readonly roles: readonly string[];
  /** Union of the permissions of the caller's roles (see Policy.permissionsFor). */
  readonly permissions: ReadonlySet<Permission>;
  /** ISO-2 countries every read is limited to; null when the token carries no scope claim. */
  readonly countries: readonly string[] | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the AuthGuard on authenticated routes. */
    principal?: Principal;
  }
}
