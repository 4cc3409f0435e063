// Table types for Kysely: one interface per table, as the migrations create them.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: postgres.js and PGlite both take and return plain objects. */
type Json<T = Record<string, unknown>> = ColumnType<T, T, T>;

export type UserRole = 'owner' | 'uploader';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  role: UserRole;
  created_at: CreatedAt;
}

export interface AssetsTable {
  id: Generated<string>;
  original_filename: string;
  file_hash: string;
  file_size: number;
  mime_type: string;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  taken_at: Timestamp | null;
  created_at: CreatedAt;
  storage_path: string;
  metadata: Json;
  is_video: Generated<boolean>;
  kind: ColumnType<AssetKind, AssetKind | undefined, AssetKind>;
  format: Generated<string>;
  crc32: Generated<number>;
  taken_at_local: string | null;
  taken_at_offset: string | null;
  thumbhash: string | null;
  uploaded_by: string | null;
  status: ColumnType<AssetStatus, AssetStatus | undefined, AssetStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  locked_at: Timestamp | null;
  processing_error: string | null;
  processing_warning: string | null;
  derived_source: string | null;
}

export type AssetKind = 'photo' | 'raw' | 'video';
export type AssetStatus = 'pending' | 'processing' | 'ready' | 'failed';

export interface AlbumsTable {
  id: Generated<string>;
  title: string;
  description: Generated<string>;
  is_private: Generated<boolean>;
  owner_id: string;
  created_at: CreatedAt;
  cover_asset_id: string | null;
  sort_order: ColumnType<AlbumSortOrder, AlbumSortOrder | undefined, AlbumSortOrder>;
}

export const ALBUM_SORT_ORDERS = ['taken_asc', 'taken_desc', 'manual'] as const;
export type AlbumSortOrder = (typeof ALBUM_SORT_ORDERS)[number];

export interface AlbumAssetsTable {
  album_id: string;
  asset_id: string;
  position: number;
  added_at: CreatedAt;
}

export interface SharedLinksTable {
  id: Generated<string>;
  album_id: string;
  token: string;
  permissions: Json;
  password_hash: string | null;
  expires_at: Timestamp | null;
  revoked: Generated<boolean>;
  created_at: CreatedAt;
}

export interface SessionsTable {
  id: string;
  secret_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  last_seen_at: ColumnType<Date, Date | undefined, Date>;
  user_agent: string | null;
  ip: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AlbumUploadersTable {
  album_id: string;
  user_id: string;
  granted_at: CreatedAt;
}

export interface DB {
  users: UsersTable;
  assets: AssetsTable;
  albums: AlbumsTable;
  album_assets: AlbumAssetsTable;
  shared_links: SharedLinksTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  album_uploaders: AlbumUploadersTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Asset = Selectable<AssetsTable>;
export type Album = Selectable<AlbumsTable>;
export type Session = Selectable<SessionsTable>;
export type ApiToken = Selectable<ApiTokensTable>;
