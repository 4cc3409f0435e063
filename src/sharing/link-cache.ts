// The state of share links, cached in process so a thumbnail request costs no query for
// the link. Every change to a link through the app drops its entry (and deleting an
// album drops them all); entries also age out after a few seconds, which bounds how long
// a change made outside this process (another server on the same Postgres, the CLI)
// can go unseen. A token that names no link is remembered as such for as long as a
// revoked one is (in a map of its own, bounded): an unknown and a revoked token then cost
// the same, and their answer times tell nothing of which is which.
import type { Kysely } from 'kysely';
import type { DB, SharedLink } from '../db/schema.ts';
import { findLinkById, findLinkByToken } from '../queries/links.ts';
import { readPermissions, type LinkPermissions } from './link-settings.ts';
import { SharedLoads } from './shared-loads.ts';

export interface LinkState {
  id: string;
  albumId: string;
  token: string;
  label: string;
  passwordHash: string | null;
  expiresAt: Date | null;
  revoked: boolean;
  permissions: LinkPermissions;
}

/** What a request through a link may see: nothing (unknown or revoked), "expired", or the link. */
export type LinkVerdict = { kind: 'gone' } | { kind: 'expired'; link: LinkState } | { kind: 'open'; link: LinkState };

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export function linkState(row: SharedLink): LinkState {
  return {
    id: row.id,
    albumId: row.album_id,
    token: row.token,
    label: row.label,
    passwordHash: row.password_hash,
    expiresAt: row.expires_at,
    revoked: row.revoked,
    permissions: readPermissions(row.permissions),
  };
}

export function judgeLink(link: LinkState | undefined, now = Date.now()): LinkVerdict {
  if (!link || link.revoked) return { kind: 'gone' };
  if (link.expiresAt && link.expiresAt.getTime() <= now) return { kind: 'expired', link };
  return { kind: 'open', link };
}

interface Entry {
  state: LinkState | undefined;
  at: number;
}

export class LinkCache {
  private entries = new Map<string, Entry>();
  private idByToken = new Map<string, string>();
  /** Tokens that named no link, and when that was read. */
  private unknownTokens = new Map<string, number>();
  private loads = new SharedLoads<LinkState | undefined>();

  constructor(private readonly db: () => Kysely<DB>) {}

  async byToken(token: string): Promise<LinkState | undefined> {
    const id = this.idByToken.get(token);
    const hit = id ? this.fresh(id) : undefined;
    if (hit) return hit.state;
    const unknownAt = this.unknownTokens.get(token);
    if (unknownAt !== undefined && Date.now() - unknownAt < TTL_MS) return undefined;
    return this.loads.run(
      `token:${token}`,
      async () => {
        const row = await findLinkByToken(this.db(), token);
        return row ? linkState(row) : undefined;
      },
      (state) => {
        if (state) this.remember(state);
        else {
          if (this.unknownTokens.size >= MAX_ENTRIES) this.unknownTokens.clear(); // junk cannot grow it
          this.unknownTokens.set(token, Date.now());
        }
      },
    );
  }

  async byId(id: string): Promise<LinkState | undefined> {
    const hit = this.fresh(id);
    if (hit) return hit.state;
    return this.loads.run(
      `id:${id}`,
      async () => {
        const row = await findLinkById(this.db(), id);
        return row ? linkState(row) : undefined;
      },
      (state) => (state ? this.remember(state) : this.put(id, undefined)),
    );
  }

  /** The link's state if this process knows it fresh, without asking the database (undefined: ask byId). */
  peekById(id: string): LinkState | undefined {
    return this.fresh(id)?.state;
  }

  /** After any change to a link. */
  drop(id: string): void {
    this.loads.forget();
    this.entries.delete(id);
    for (const [token, linkId] of this.idByToken) if (linkId === id) this.idByToken.delete(token);
  }

  /** After changes that touch many links (an album deleted). */
  clear(): void {
    this.loads.forget();
    this.entries.clear();
    this.idByToken.clear();
    this.unknownTokens.clear();
  }

  private fresh(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    return entry && Date.now() - entry.at < TTL_MS ? entry : undefined;
  }

  private remember(state: LinkState): void {
    this.put(state.id, state);
    this.idByToken.set(state.token, state.id);
  }

  private put(id: string, state: LinkState | undefined) {
    if (this.entries.size >= MAX_ENTRIES) this.clear();
    this.entries.set(id, { state, at: Date.now() });
  }
}
