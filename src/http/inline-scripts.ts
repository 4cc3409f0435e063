// The one inline script pages carry, and the CSP source that allows it: its hash, so the
// policy is the same on every response and a page's HTML can be reused between requests
// (a nonce would have to change with each one).
import { createHash } from 'node:crypto';

/** Marks the page as scripted before it paints (images stay hidden until they have loaded). */
export const MARK_SCRIPTED = "document.documentElement.classList.add('js')";

export const INLINE_SCRIPT_SOURCES = [MARK_SCRIPTED].map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ');
