/**
 * Who is asking, and what they may see: the one contract between authentication (accounts and roles)
 * and everything that lists or changes data (pages, /api/v1). `scopeOf(req)` is the only way handlers
 * learn it; the authentication hook sets `req.scope` once per request.
 */
import type { FastifyRequest } from 'fastify';

export type Role = 'admin' | 'inspector' | 'unit';

export interface Scope {
  /** The signed-in user; absent in the one-person modes (loopback without login, shared token). */
  user?: { id: number; name: string };
  role: Role;
  /** Registry owners (主办单位) and groups (部门/地区) a `unit` user is bound to; 'all' for the other roles. */
  units: 'all' | { owners: string[]; groups: string[] };
}

/** The one-person modes (no accounts): everything, as an administrator. */
export const FULL_SCOPE: Scope = { role: 'admin', units: 'all' };

declare module 'fastify' {
  interface FastifyRequest {
    scope?: Scope;
  }
}

export function scopeOf(req: FastifyRequest): Scope {
  return req.scope ?? FULL_SCOPE;
}

/** Whether a site or account with this owner and group is inside the scope. */
export function inScope(scope: Scope, site: { owner?: string | null; group?: string | null }): boolean {
  if (scope.units === 'all') return true;
  return (!!site.owner && scope.units.owners.includes(site.owner)) || (!!site.group && scope.units.groups.includes(site.group));
}
