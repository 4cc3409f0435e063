-- Accounts: API tokens for scripts, and the albums an uploader may upload into.

-- A token is "sbx_<id>_<secret>", shown once at creation; only the SHA-256 (hex) of the
-- secret is stored, compared in constant time after the lookup by id.
CREATE TABLE api_tokens (
  id           text PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL,
  secret_hash  char(64) NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE album_uploaders (
  album_id   uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (album_id, user_id)
);
CREATE INDEX album_uploaders_user_idx ON album_uploaders (user_id);
