// What a share link allows (stored as shared_links.permissions) and the input schemas
// for creating and editing one, from JSON or from the share sheet's form.
import * as v from 'valibot';
import { MIN_PASSWORD_LENGTH } from '../auth/passwords.ts';

export interface LinkPermissions {
  allowDownload: boolean;
  showMetadata: boolean;
  /** On by default: no location in the page, the JSON or the bytes of any file served. */
  stripLocation: boolean;
  allowUpload: boolean;
}

export const DEFAULT_PERMISSIONS: LinkPermissions = {
  allowDownload: true,
  showMetadata: false,
  stripLocation: true,
  allowUpload: false,
};

/** Stored JSON → permissions; anything missing or odd takes the safe default. */
export function readPermissions(stored: unknown): LinkPermissions {
  const p = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  const flag = (key: keyof LinkPermissions) => (typeof p[key] === 'boolean' ? (p[key] as boolean) : DEFAULT_PERMISSIONS[key]);
  return {
    allowDownload: flag('allowDownload'),
    showMetadata: flag('showMetadata'),
    stripLocation: flag('stripLocation'),
    allowUpload: flag('allowUpload'),
  };
}

const Label = v.pipe(v.string('label must be text'), v.trim(), v.maxLength(100, 'label is too long (100 characters at most)'));
const Password = v.pipe(
  v.string('password must be text'),
  v.minLength(MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`),
  v.maxLength(200, 'password is too long'),
);
const ExpiresAt = v.pipe(
  v.string('expiresAt must be a date and time'),
  v.transform((s) => new Date(s)),
  // Years 1 to 9999: what a timestamptz column takes as written (year 0 or +275760 it refuses).
  v.check((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, 'expiresAt must be a date and time such as 2026-12-31T23:59:00Z'),
);

const switches = {
  allowDownload: v.optional(v.boolean('allowDownload must be true or false')),
  showMetadata: v.optional(v.boolean('showMetadata must be true or false')),
  stripLocation: v.optional(v.boolean('stripLocation must be true or false')),
  allowUpload: v.optional(v.boolean('allowUpload must be true or false')),
};

/** POST /api/albums/:id/share */
export const NewLinkInput = v.object({
  label: v.optional(Label, ''),
  password: v.optional(v.nullable(Password)),
  expiresAt: v.optional(v.nullable(ExpiresAt)),
  ...switches,
});

/**
 * PATCH /api/share/:token: what is absent stays; null clears the password or expiry;
 * `revoked: false` turns a link that was turned off on again (same token, same URL).
 */
export const LinkChangesInput = v.object({
  label: v.optional(Label),
  password: v.optional(v.nullable(Password)),
  expiresAt: v.optional(v.nullable(ExpiresAt)),
  revoked: v.optional(v.boolean('revoked must be true or false')),
  ...switches,
});

export type NewLink = v.InferOutput<typeof NewLinkInput>;
export type LinkEdit = v.InferOutput<typeof LinkChangesInput>;

export function mergePermissions(base: LinkPermissions, input: Partial<LinkPermissions>): LinkPermissions {
  return {
    allowDownload: input.allowDownload ?? base.allowDownload,
    showMetadata: input.showMetadata ?? base.showMetadata,
    stripLocation: input.stripLocation ?? base.stripLocation,
    allowUpload: input.allowUpload ?? base.allowUpload,
  };
}

const EXPIRY_CHOICES: Record<string, number | null> = { never: null, '1d': 1, '7d': 7, '30d': 30, '365d': 365 };

/**
 * The share sheet's form (checkboxes are present or absent; expiry is a choice of days)
 * → the JSON input shape, so one schema checks both. When editing, "keep" leaves the
 * expiry alone, an empty password leaves it, and clearPassword removes it.
 */
export function formToLinkInput(form: Record<string, string>, now = new Date()): Record<string, unknown> {
  const input: Record<string, unknown> = {
    label: form.label ?? '',
    allowDownload: form.allowDownload === 'on',
    showMetadata: form.showMetadata === 'on',
    stripLocation: form.stripLocation === 'on',
    allowUpload: form.allowUpload === 'on',
  };
  if (form.clearPassword === 'on') input.password = null;
  else if (form.password) input.password = form.password;
  const choice = form.expires ?? 'never';
  if (choice !== 'keep') {
    const days = EXPIRY_CHOICES[choice];
    if (days === undefined) input.expiresAt = choice; // not a choice we offer: validation says so
    else input.expiresAt = days === null ? null : new Date(now.getTime() + days * 86_400_000).toISOString();
  }
  return input;
}
