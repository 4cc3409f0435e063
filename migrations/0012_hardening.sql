-- What an API token may do: 'api' (the owner's API, all but managing tokens) and/or
-- 'metrics' (GET /metrics). Tokens made before carry 'api'. Only a signed-in session
-- makes or revokes tokens.
ALTER TABLE api_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{api}';

-- An album entry made by a guest or an uploader whose bytes the library already held: the
-- asset stays the owner's, and the entry carries the caller's file name and who added it.
ALTER TABLE album_assets
  ADD COLUMN entry_filename text,
  ADD COLUMN added_by_user uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE trashed_album_assets
  ADD COLUMN entry_filename text,
  ADD COLUMN added_by_user uuid REFERENCES users (id) ON DELETE SET NULL;

-- Fail closed: the patched bytes of an original are checked again before a "strip location"
-- link may serve them. NULL: not checked yet; 'clean'; else why a position remains.
ALTER TABLE assets ADD COLUMN location_check text;
