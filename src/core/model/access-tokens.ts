/**
 * Access tokens over time. Each distinct token string seen (in a response, or presented as Bearer without
 * having been seen issued) becomes one {@link AccessTokenVersion}, diffed against the previous version of
 * the same session lane. Indexed by token string, so recognising the Bearer token of a call is O(1).
 */
import { readAccessClaims } from '../tokens/claims.ts';
import { diffScopes } from '../tokens/scopes.ts';
import { TokenTable } from '../tokens/token-table.ts';
import type { AccessTokenSource, AccessTokenVersion } from './types.ts';

/** Access token versions, indexed by token string and by session lane. */
export class AccessTokenStore {
  readonly versions: AccessTokenVersion[] = [];
  /** Not a Map: every call brings its token as a new string, which a Map would hash whole (token-table.ts). */
  private readonly byRaw = new TokenTable<number>();
  private readonly latestByLane = new Map<string, number>();
  private cache: readonly AccessTokenVersion[] | null = [];

  /** The version for a token string, if it was seen. */
  lookup(raw: string): AccessTokenVersion | undefined {
    const id = this.byRaw.get(raw);
    return id === undefined ? undefined : this.versions[id];
  }

  /** The latest version of a lane. */
  latest(lane: string): AccessTokenVersion | undefined {
    const id = this.latestByLane.get(lane);
    return id === undefined ? undefined : this.versions[id];
  }

  /**
   * Records a token (decoded claims given). Returns the version and whether it is new; a token seen before
   * keeps its first version.
   */
  add(
    raw: string,
    claims: Record<string, unknown>,
    exchange: number,
    source: AccessTokenSource,
  ): { version: AccessTokenVersion; isNew: boolean } {
    const known = this.lookup(raw);
    if (known !== undefined) return { version: known, isNew: false };
    const access = readAccessClaims(claims);
    const lane = access.sid ?? access.sub ?? 'unknown';
    const previous = this.latest(lane);
    const version: AccessTokenVersion = {
      id: this.versions.length,
      exchange,
      source,
      raw,
      lane,
      scopes: access.scopes,
      previous: previous?.id ?? null,
      diff: previous === undefined ? null : diffScopes([...previous.scopes], access.scopes),
    };
    if (access.sub !== undefined) version.sub = access.sub;
    if (access.sid !== undefined) version.sid = access.sid;
    if (access.iss !== undefined) version.iss = access.iss;
    if (access.iat !== undefined) version.iat = access.iat;
    if (access.exp !== undefined) version.exp = access.exp;
    if (access.cnfJkt !== undefined) version.cnfJkt = access.cnfJkt;
    this.versions.push(version);
    this.byRaw.set(raw, version.id);
    this.latestByLane.set(lane, version.id);
    this.cache = null;
    return { version, isNew: true };
  }

  /** All versions; the same array until a version is added. */
  list(): readonly AccessTokenVersion[] {
    if (this.cache === null) this.cache = this.versions.slice();
    return this.cache;
  }
}
