// A share link as the owner sees it (the API's JSON and the share sheet): never its
// password, only whether it has one.
import type { SharedLink } from '../db/schema.ts';
import { readPermissions, type LinkPermissions } from './link-settings.ts';

export type LinkStatus = 'active' | 'expired' | 'revoked';

export interface LinkView extends LinkPermissions {
  id: string;
  token: string;
  url: string;
  albumId: string;
  albumTitle?: string;
  label: string;
  status: LinkStatus;
  hasPassword: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  views: number;
  downloads: number;
  lastOpenedAt: string | null;
}

export function linkStatus(row: Pick<SharedLink, 'revoked' | 'expires_at'>, now = Date.now()): LinkStatus {
  if (row.revoked) return 'revoked';
  if (row.expires_at && row.expires_at.getTime() <= now) return 'expired';
  return 'active';
}

export function viewLink(row: SharedLink & { album_title?: string }, origin: string): LinkView {
  return {
    id: row.id,
    token: row.token,
    url: `${origin}/s/${row.token}`,
    albumId: row.album_id,
    ...(row.album_title !== undefined ? { albumTitle: row.album_title } : {}),
    label: row.label,
    status: linkStatus(row),
    hasPassword: row.password_hash !== null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    views: row.view_count,
    downloads: row.download_count,
    lastOpenedAt: row.last_opened_at?.toISOString() ?? null,
    ...readPermissions(row.permissions),
  };
}
