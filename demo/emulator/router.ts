/**
 * A minimal route table: method + path (a string, or a RegExp with named groups for parameters).
 */
import type { EmulatorRequest, HandlerResult } from './http.ts';

/** Handles one request. Throws {@link ApiError} for error answers. */
export type Handler = (req: EmulatorRequest) => Promise<HandlerResult>;

/** One route. */
export interface Route {
  method: string;
  path: string | RegExp;
  handler: Handler;
  /** Session API routes are recorded and subject to faults; admin routes are not. */
  kind: 'api' | 'admin';
}

/** The outcome of matching a request against the table. */
export type RouteMatch =
  { found: true; route: Route; params: Record<string, string> } | { found: false; allowed: string[] };

/** Finds the route for `method pathname`, or the methods the path allows (empty when the path is unknown). */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    let params: Record<string, string> | undefined;
    if (typeof route.path === 'string') {
      if (route.path === pathname) params = {};
    } else {
      const m = route.path.exec(pathname);
      if (m) params = { ...(m.groups ?? {}) };
    }
    if (!params) continue;
    if (route.method === method) return { found: true, route, params };
    allowed.push(route.method);
  }
  return { found: false, allowed };
}
