// Which grid thumbnail a browser gets: the AVIF copy (about half the bytes: the first
// screen of a shared album arrives sooner on a phone) when its Accept header names
// image/avif, else the WebP every browser shows. Both answers carry `Vary: Accept`.
// Assets derived before the AVIF copies existed have none until `shoebox rebuild
// --missing`; they get the WebP.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { sendFile, type SendFileOptions } from '../http/send-file.ts';
import { absolute, smallAvifRelPath, smallThumbRelPath } from '../storage/layout.ts';

export interface GridThumbnailFile {
  rel: string;
  contentType: string;
  etag: string;
}

/** Whether an Accept header takes AVIF (named, and not with q=0). */
export function acceptsAvif(accept: string | undefined): boolean {
  return !!accept && /(?:^|,)\s*image\/avif\s*(?:,|$|;(?!\s*q=0(?:\.0*)?\s*(?:,|$)))/i.test(accept);
}

/** The ETag of a file of the asset `hash` ('thumb', 'thumb-avif', 'preview', 'original'): plain for the owner, opaque for guests (Signer.mediaTag). */
export type MediaTag = (hash: string, variant: string) => string;
export const ownerMediaTag: MediaTag = (hash, variant) => (variant === 'original' ? hash : `${hash}-${variant}`);

/** The grid thumbnail to send: AVIF when the browser takes it, else WebP. */
export function gridThumbnailFile(hash: string, avif: boolean, tag: MediaTag = ownerMediaTag): GridThumbnailFile {
  return avif
    ? { rel: smallAvifRelPath(hash), contentType: 'image/avif', etag: tag(hash, 'thumb-avif') }
    : { rel: smallThumbRelPath(hash), contentType: 'image/webp', etag: tag(hash, 'thumb') };
}

export async function sendGridThumbnail(
  c: Context,
  root: string,
  hash: string,
  options: Pick<SendFileOptions, 'cacheControl' | 'memo'> & { tag?: MediaTag },
): Promise<Response> {
  const send = (file: GridThumbnailFile) =>
    sendFile(c, absolute(root, file.rel), {
      contentType: file.contentType,
      etag: file.etag,
      cacheControl: options.cacheControl,
      memo: options.memo,
      vary: 'Accept',
    });
  if (acceptsAvif(c.req.header('accept'))) {
    try {
      return await send(gridThumbnailFile(hash, true, options.tag));
    } catch (err) {
      if (!(err instanceof HTTPException && err.status === 404)) throw err;
    }
  }
  return send(gridThumbnailFile(hash, false, options.tag));
}
