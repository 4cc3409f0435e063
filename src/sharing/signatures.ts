// HMAC-SHA-256 (keyed from SECRET_KEY) for what share pages hand out:
// - media URLs: `/media/assets/<id>/<variant>?l=<link id>&exp=<unix s>&sig=<…>` over the
//   asset, expiry, link and (when asked) the client IP. Expiry is rounded up to a window,
//   so the same URL repeats across page loads and browsers can cache it. The variants of
//   an asset share one signature (what each may serve is the link's to say: downloads
//   are checked per request), so a page's three URLs per tile repeat and compress.
// - the password cookie of a link: over the link id and its password hash, so changing
//   the password (or removing it) invalidates every cookie handed out before.
// - the ETags of what guests are sent: over the file's SHA-256 and which file of the asset
//   it is, so a guest learns nothing of the original's hash (with it, someone who has the
//   original, GPS and all, could confirm it is the one shared) and the tag still changes
//   exactly when the bytes do.
import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding';

const encoder = new TextEncoder();
const SIG_BYTES = 16; // 128 bits: unforgeable, and short enough for URLs by the hundred
const MEDIA_MACS_KEPT = 50_000; // ~10 MB at most; the oldest go first

/** Equal strings, in time that depends only on their length. */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** URLs stay valid between one and two windows from when they were made. */
export const URL_WINDOW_SECONDS = 12 * 3600;

export interface Signer {
  /** A signed URL of an asset's file for a link; `ip` only when URLs are bound to the client. */
  signMedia(assetId: string, variant: string, linkId: string, ip?: string, nowMs?: number): string;
  /** undefined when valid; otherwise why not. */
  checkMedia(assetId: string, query: { l?: string; exp?: string; sig?: string }, ip?: string, nowMs?: number): 'bad signature' | 'expired' | undefined;
  linkCookie(linkId: string, passwordHash: string): string;
  linkCookieMatches(value: string | undefined, linkId: string, passwordHash: string): boolean;
  /** An ETag (unquoted) for a file of an asset sent to guests: 'thumb', 'preview', 'original'… */
  mediaTag(fileHash: string, variant: string): string;
}

export function createSigner(secretKey: string): Signer {
  const root = encoder.encode(secretKey);
  const mediaKey = hmac(SHA256, root, encoder.encode('shoebox media url v2'));
  const cookieKey = hmac(SHA256, root, encoder.encode('shoebox link cookie v1'));
  const tagKey = hmac(SHA256, root, encoder.encode('shoebox media etag v1'));
  const tags = new Map<string, string>(); // the hot path asks for the same few again and again

  const mac = (key: Uint8Array, parts: string[]) => hmac(SHA256, key, encoder.encode(parts.join('\n'))).subarray(0, SIG_BYTES);
  const matches = (given: string | undefined, expected: Uint8Array) => {
    if (!given) return false;
    let bytes: Uint8Array;
    try {
      bytes = decodeBase64urlIgnorePadding(given);
    } catch {
      return false;
    }
    return bytes.length === expected.length && constantTimeEqual(bytes, expected);
  };

  // A media URL's signature is the same for a whole window, and a guest page carries
  // hundreds: remembered (as sent, base64url), a page load signs nothing it signed before
  // and a thumbnail request decodes nothing (a signature in JavaScript costs ~15 µs; a
  // lookup well under one). Only signatures made here or shown valid are kept: a request
  // with made-up parts (of any length) must not fill the map or push real ones out.
  const mediaSigs = new Map<string, string>();
  const remember = (key: string, sig: string) => {
    if (mediaSigs.size >= MEDIA_MACS_KEPT) mediaSigs.delete(mediaSigs.keys().next().value!);
    mediaSigs.set(key, sig);
  };
  const mediaKeyOf = (assetId: string, exp: string, linkId: string, ip: string) => `${assetId}\n${exp}\n${linkId}\n${ip}`;
  const computeSig = (assetId: string, exp: string, linkId: string, ip: string) =>
    encodeBase64urlNoPadding(mac(mediaKey, [assetId, exp, linkId, ip]));

  return {
    signMedia(assetId, variant, linkId, ip = '', nowMs = Date.now()) {
      const now = Math.floor(nowMs / 1000);
      const exp = String((Math.floor(now / URL_WINDOW_SECONDS) + 2) * URL_WINDOW_SECONDS);
      const key = mediaKeyOf(assetId, exp, linkId, ip);
      let sig = mediaSigs.get(key);
      if (!sig) remember(key, (sig = computeSig(assetId, exp, linkId, ip)));
      return `/media/assets/${assetId}/${variant}?l=${linkId}&exp=${exp}&sig=${sig}`;
    },
    checkMedia(assetId, query, ip = '', nowMs = Date.now()) {
      const { l, exp, sig } = query;
      if (!l || !exp || !sig || !/^\d{1,12}$/.test(exp)) return 'bad signature';
      const key = mediaKeyOf(assetId, exp, l, ip);
      const kept = mediaSigs.get(key);
      if (!sameString(sig, kept ?? computeSig(assetId, exp, l, ip))) return 'bad signature';
      if (!kept) remember(key, sig);
      if (Number(exp) * 1000 <= nowMs) return 'expired';
      return undefined;
    },
    linkCookie(linkId, passwordHash) {
      return encodeBase64urlNoPadding(mac(cookieKey, [linkId, passwordHash]));
    },
    linkCookieMatches(value, linkId, passwordHash) {
      return matches(value, mac(cookieKey, [linkId, passwordHash]));
    },
    mediaTag(fileHash, variant) {
      const key = `${fileHash}\n${variant}`;
      let tag = tags.get(key);
      if (!tag) {
        if (tags.size >= MEDIA_MACS_KEPT) tags.delete(tags.keys().next().value!);
        tags.set(key, (tag = `m-${encodeBase64urlNoPadding(mac(tagKey, [fileHash, variant]))}`));
      }
      return tag;
    },
  };
}

/** The cookie that carries a link's password grant: one per link, so links don't collide. */
export const linkCookieName = (linkId: string) => `shoebox_link_${linkId.replaceAll('-', '')}`;
