// Table types for Kysely: one interface per table, as the migrations create them.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Patch } from '../media/location-patches.ts';

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
  processing_error: string | null;
  processing_warning: string | null;
  derived_source: string | null;
  /** Set while the asset is in the trash (it is in no album then; see trashed_album_assets). */
  deleted_at: Timestamp | null;
  /** Byte patches that strip location from the served original; null: not worked out yet. */
  location_patches: ColumnType<Patch[] | null, Patch[] | null | undefined, Patch[] | null>;
  /** CRC-32 of the original with those patches applied; null: not worked out yet. */
  location_crc32: ColumnType<number | null, number | null | undefined, number | null>;
  /** The patched bytes checked again: 'clean', or why a position remains; null: not checked yet. */
  location_check: ColumnType<string | null, string | null | undefined, string | null>;
  /** How a video plays in browsers (migrations/0014_jobs.sql); null for photos and videos not looked at yet. */
  playback: ColumnType<VideoPlayback | null, VideoPlayback | null | undefined, VideoPlayback | null>;
  /** When the integrity scrub last re-hashed its original, and what it found (migrations/0016). */
  checked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  integrity: ColumnType<IntegrityState | null, IntegrityState | null | undefined, IntegrityState | null>;
  integrity_detail: ColumnType<string | null, string | null | undefined, string | null>;
  /** Apple's content identifier, which pairs a Live Photo's photo and video. */
  content_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** On a Live Photo's video: its photo (the item it is the motion clip of). */
  live_photo_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** A motion photo's clip: where the MP4 lies inside the original. */
  motion_offset: ColumnType<number | null, number | null | undefined, number | null>;
  motion_length: ColumnType<number | null, number | null | undefined, number | null>;
}

export type VideoPlayback = 'original' | 'copy' | 'preparing' | 'none';

export type IntegrityState = 'ok' | 'mismatch' | 'missing' | 'unreadable';

export type AssetKind = 'photo' | 'raw' | 'video';
export type AssetStatus = 'pending' | 'ready' | 'failed';

export const JOB_KINDS = ['derive', 'transcode', 'scrub'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** One kind of background work on one asset (migrations/0014_jobs.sql). */
export interface JobsTable {
  id: Generated<number>;
  kind: JobKind;
  asset_id: string;
  payload: ColumnType<Record<string, unknown>, Record<string, unknown> | undefined, Record<string, unknown>>;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  started_at: Timestamp | null;
  locked_at: Timestamp | null;
  progress: number | null;
  error: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface AlbumsTable {
  id: Generated<string>;
  title: string;
  description: Generated<string>;
  is_private: Generated<boolean>;
  owner_id: string;
  created_at: CreatedAt;
  cover_asset_id: string | null;
  sort_order: ColumnType<AlbumSortOrder, AlbumSortOrder | undefined, AlbumSortOrder>;
  group_by: ColumnType<AlbumGrouping, AlbumGrouping | undefined, AlbumGrouping>;
}

export const ALBUM_SORT_ORDERS = ['taken_asc', 'taken_desc', 'manual'] as const;
export type AlbumSortOrder = (typeof ALBUM_SORT_ORDERS)[number];
/** How the grid groups items under headers ('auto': by month for an album spanning years sparsely, else by day). */
export const ALBUM_GROUPINGS = ['auto', 'day', 'month', 'none'] as const;
export type AlbumGrouping = (typeof ALBUM_GROUPINGS)[number];

export interface AlbumAssetsTable {
  album_id: string;
  asset_id: string;
  position: number;
  added_at: CreatedAt;
  /** A guest's addition through this share link, under the name they gave. */
  added_by_link: Generated<string | null>;
  added_by_name: Generated<string | null>;
  /** An uploader's addition. */
  added_by_user: Generated<string | null>;
  /** The file name the guest or uploader gave bytes the library already held (the asset keeps its own). */
  entry_filename: Generated<string | null>;
}

/** An album's counts and date range, kept by triggers (migrations/0013_album_stats.sql, 0017); read, never written, by the app. */
export interface AlbumStatsTable {
  album_id: string;
  item_count: number;
  photo_count: number;
  video_count: number;
  byte_count: number;
  /** 'YYYY-MM-DD' of the items with a local time. */
  first_local_day: string | null;
  last_local_day: string | null;
  /** Of the items without one: their days depend on DEFAULT_TZ. */
  first_instant: Date | null;
  last_instant: Date | null;
  /** Of the counts above, the items whose processing failed (guests are not shown them). */
  failed_count: number;
  failed_video_count: number;
  failed_byte_count: number;
}

/** An album membership of a trashed asset, kept to put it back where it was. */
export interface TrashedAlbumAssetsTable {
  album_id: string;
  asset_id: string;
  position: number;
  added_at: Date;
  was_cover: Generated<boolean>;
  added_by_link: Generated<string | null>;
  added_by_name: Generated<string | null>;
  added_by_user: Generated<string | null>;
  entry_filename: Generated<string | null>;
}

/** Files of purged assets still to be removed from disk. */
export interface PurgedFilesTable {
  storage_path: string;
  file_hash: string;
  purged_at: CreatedAt;
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
  label: Generated<string>;
  revoked_at: Timestamp | null;
  updated_at: Generated<Date>;
  view_count: Generated<number>;
  download_count: Generated<number>;
  last_opened_at: Timestamp | null;
}

export interface ShareUploadUsageTable {
  link_id: string;
  /** 'YYYY-MM-DD' (UTC). */
  day: string;
  files: Generated<number>;
  bytes: Generated<number>;
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
  /** What the token may do (TokenScope). */
  scopes: ColumnType<TokenScope[], TokenScope[] | undefined, TokenScope[]>;
}

export const TOKEN_SCOPES = ['api', 'metrics'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface AlbumUploadersTable {
  album_id: string;
  user_id: string;
  granted_at: CreatedAt;
}

/** A selection to download as one ZIP, by a short URL, until it expires. */
export interface DownloadSelectionsTable {
  id: string;
  /** The album it was picked in (its title names the ZIP); null: the library. */
  album_id: string | null;
  /** A guest's selection belongs to the link it was made through. */
  link_id: string | null;
  asset_ids: string[];
  created_at: CreatedAt;
  expires_at: Timestamp;
}

/** An XMP sidecar kept with its photo (migrations/0018_asset_sidecars.sql). */
export interface AssetSidecarsTable {
  asset_id: string;
  filename: string;
  bytes: Buffer;
  created_at: CreatedAt;
}

export interface DB {
  users: UsersTable;
  assets: AssetsTable;
  jobs: JobsTable;
  albums: AlbumsTable;
  album_assets: AlbumAssetsTable;
  album_stats: AlbumStatsTable;
  shared_links: SharedLinksTable;
  share_upload_usage: ShareUploadUsageTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  album_uploaders: AlbumUploadersTable;
  trashed_album_assets: TrashedAlbumAssetsTable;
  purged_files: PurgedFilesTable;
  download_selections: DownloadSelectionsTable;
  asset_sidecars: AssetSidecarsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Asset = Selectable<AssetsTable>;
export type Album = Selectable<AlbumsTable>;
export type Session = Selectable<SessionsTable>;
export type SharedLink = Selectable<SharedLinksTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type DownloadSelection = Selectable<DownloadSelectionsTable>;
