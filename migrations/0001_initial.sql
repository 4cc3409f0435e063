-- The user's schema (DESIGN.md section 3) plus sessions.
CREATE TYPE user_role AS ENUM ('owner', 'uploader');

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          user_role NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- One owner per installation.
CREATE UNIQUE INDEX users_single_owner ON users (role) WHERE role = 'owner';

CREATE TABLE assets (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  original_filename text NOT NULL,
  file_hash         char(64) NOT NULL,
  file_size         bigint NOT NULL,
  mime_type         text NOT NULL,
  width             integer,
  height            integer,
  duration_seconds  double precision,
  taken_at          timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  storage_path      text NOT NULL,
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  is_video          boolean NOT NULL DEFAULT false
);
-- Dedup: the same bytes are one asset, whatever races happen.
CREATE UNIQUE INDEX assets_file_hash_key ON assets (file_hash);
CREATE INDEX assets_taken_at_idx ON assets (taken_at DESC);

CREATE TABLE albums (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title       text NOT NULL,
  description text NOT NULL DEFAULT '',
  is_private  boolean NOT NULL DEFAULT true,
  owner_id    uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE album_assets (
  album_id uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  asset_id uuid NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  position integer NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (album_id, asset_id)
);
CREATE INDEX album_assets_asset_idx ON album_assets (asset_id);

CREATE TABLE shared_links (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  album_id      uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  token         char(64) NOT NULL UNIQUE,
  permissions   jsonb NOT NULL DEFAULT '{}'::jsonb,
  password_hash text,
  expires_at    timestamptz,
  revoked       boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shared_links_album_idx ON shared_links (album_id);

-- The cookie holds "<id>.<secret>"; only the SHA-256 (hex) of the secret is stored,
-- compared in constant time after the lookup by id.
CREATE TABLE sessions (
  id           text PRIMARY KEY,
  secret_hash  char(64) NOT NULL,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  user_agent   text,
  ip           text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
