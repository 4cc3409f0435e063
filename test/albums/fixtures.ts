// Albums full of assets like the factory's: sizes, days, kinds and ThumbHashes of soft gradients, so
// pages and screenshots look like photos are on their way. No files exist for them: the
// thumbnails answer 404 and the placeholders stay.
import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Asset, AssetsTable } from '../../src/db/schema.ts';
import { encodeThumbhash } from '../../src/media/thumbhash.ts';
import { appendAssetsToAlbum } from '../../src/queries/albums.ts';
import type { Db } from '../../src/queries/users.ts';
import { newAlbum } from '../helpers/factories.ts';

/** A ThumbHash of a two-colour gradient with a soft blob, different for each seed. */
export function gradientThumbhash(seed: number, width: number, height: number): string {
  const scale = 100 / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const hue = (seed * 47) % 360;
  const [r1, g1, b1] = hsl(hue, 0.45, 0.55);
  const [r2, g2, b2] = hsl((hue + 40) % 360, 0.35, 0.3);
  const cx = ((seed * 37) % 100) / 100;
  const cy = ((seed * 53) % 100) / 100;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = y / h;
      const blob = Math.max(0, 1 - Math.hypot(x / w - cx, y / h - cy) * 2.5);
      const i = (y * w + x) * 4;
      rgba[i] = Math.min(255, r1 * (1 - t) + r2 * t + blob * 70);
      rgba[i + 1] = Math.min(255, g1 * (1 - t) + g2 * t + blob * 60);
      rgba[i + 2] = Math.min(255, b1 * (1 - t) + b2 * t + blob * 40);
      rgba[i + 3] = 255;
    }
  }
  return encodeThumbhash(rgba, w, h);
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return 255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1)));
  };
  return [f(0), f(8), f(4)];
}

// Phone and camera shapes, a panorama, a square.
export const SHAPES: [number, number][] = [
  [4032, 3024],
  [3024, 4032],
  [1920, 1080],
  [1080, 1920],
  [3000, 3000],
  [6000, 4000],
  [4000, 6000],
  [8000, 2000],
];

export interface SeedItem {
  /** Wall-clock time 'YYYY-MM-DDTHH:mm:ss' (stored as taken_at_local, and as UTC for taken_at). */
  local: string;
  width?: number;
  height?: number;
  kind?: 'photo' | 'video';
  duration?: number;
  status?: Asset['status'];
  error?: string;
  thumbhash?: boolean;
}

let seeds = 0;

/** Makes the assets (in one insert) and puts them in a new album in that order. */
export async function seedAlbum(db: Db, ownerId: string, items: SeedItem[], title = 'Lake weekend', description = ''): Promise<{ albumId: string; assets: Asset[] }> {
  const album = await newAlbum(db, ownerId, { title, description });
  const assets = await insertAssets(db, items);
  await appendAssetsToAlbum(db, album.id, assets.map((a) => a.id));
  return { albumId: album.id, assets };
}

/** Assets as newAsset makes them, many at once, returned in the order given. */
export async function insertAssets(db: Db, items: SeedItem[]): Promise<Asset[]> {
  if (!items.length) return [];
  const rows = items.map((item, i) => {
    const [w, h] = item.width && item.height ? [item.width, item.height] : SHAPES[i % SHAPES.length]!;
    const hash = randomBytes(32).toString('hex');
    return {
      original_filename: `IMG_${String(i + 1).padStart(4, '0')}.JPG`,
      file_hash: hash,
      file_size: 1234,
      mime_type: item.kind === 'video' ? 'video/mp4' : 'image/jpeg',
      storage_path: `originals/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.jpg`,
      metadata: {},
      width: w,
      height: h,
      taken_at: new Date(`${item.local}Z`),
      taken_at_local: item.local,
      kind: item.kind ?? 'photo',
      is_video: item.kind === 'video',
      duration_seconds: item.duration ?? null,
      status: item.status ?? 'ready',
      processing_error: item.error ?? null,
      thumbhash: item.thumbhash === false ? null : gradientThumbhash(++seeds, w, h),
    } satisfies Insertable<AssetsTable>;
  });
  const inserted = await db.insertInto('assets').values(rows).returningAll().execute();
  const byHash = new Map(inserted.map((a) => [a.file_hash, a]));
  return rows.map((r) => byHash.get(r.file_hash)!);
}

/** `count` items on `day`, a minute apart from 09:00. */
export function dayOf(day: string, count: number, extra: Partial<SeedItem> = {}): SeedItem[] {
  return Array.from({ length: count }, (_, i) => {
    const minutes = 9 * 60 + i;
    const hh = String(Math.floor(minutes / 60) % 24).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    return { local: `${day}T${hh}:${mm}:00`, ...extra };
  });
}
