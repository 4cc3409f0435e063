// The Hono environment shared by every route: dependencies and per-request values.
import type { FileMemo } from './file-memo.ts';
import type { PageCache } from './page-cache.ts';
import type { ViewCounter } from '../sharing/view-counter.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log.ts';
import type { DataDir } from '../storage/data-dir.ts';
import type { AttemptGuard } from '../auth/attempt-guard.ts';
import type { LocationPrep } from '../downloads/location-prep.ts';
import type { RunningZips } from '../downloads/running-zips.ts';
import type { UnreadableOriginals } from '../downloads/unreadable-originals.ts';
import type { AlbumAssetCache } from '../sharing/album-asset-cache.ts';
import type { LinkCache } from '../sharing/link-cache.ts';
import type { Signer } from '../sharing/signatures.ts';
import type { Auth } from './auth.ts';
import type { ResumableUploads } from '../uploads/resumable-uploads.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  dataDir: DataDir;
  secretKey: string;
  log: Logger;
  version: string;
  /** The background worker, when this process runs one: told when new work arrives. */
  worker?: { wake(): void; /** ffmpeg was found: videos get web copies. */ readonly makesVideoCopies: boolean };
}

/** In-process limiters, one set per app. */
export interface Limits {
  /** Owner sign-in attempts, per client and per account. */
  login: AttemptGuard;
  /** Share-link password attempts, per client and per link. */
  linkPassword: AttemptGuard;
  /** ZIP downloads being sent, per client IP and per link. */
  runningZips: RunningZips;
}

/** Share links: their cached state and the signer of their media URLs and cookies. */
export interface Sharing {
  links: LinkCache;
  signer: Signer;
  /** Guest album pages, rendered once for a moment. */
  pages: PageCache;
  /** Which ready assets are in which album, for guests' media requests. */
  albumAssets: AlbumAssetCache;
  /** Grid thumbnails' bytes, as every guest of a shared album asks for the same ones. */
  thumbnails: FileMemo;
  /** Works out what "strip location" ZIPs need of originals stored before it was kept. */
  locationPrep: LocationPrep;
  /** Originals downloads found unreadable: left out of ZIPs until a restart. */
  unreadableOriginals: UnreadableOriginals;
  /** Links' view counts, one write in flight per link. */
  views: ViewCounter;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    limits: Limits;
    sharing: Sharing;
    /** tus uploads in progress (their parts under tmp/tus/). */
    uploads: ResumableUploads;
    auth?: Auth;
  };
}
