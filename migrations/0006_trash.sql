-- Trash: a deleted asset keeps its row and files for 30 days (deleted_at), but leaves
-- every album: its album_assets rows move to trashed_album_assets, so nothing that reads
-- albums (pages, counts, covers, share links) can reach it. Restoring moves them back at
-- their positions; was_cover puts it back as the album's cover.
ALTER TABLE assets ADD COLUMN deleted_at timestamptz;
CREATE INDEX assets_deleted_at_idx ON assets (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE trashed_album_assets (
  album_id  uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  asset_id  uuid NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  position  integer NOT NULL,
  added_at  timestamptz NOT NULL,
  was_cover boolean NOT NULL DEFAULT false,
  PRIMARY KEY (album_id, asset_id)
);
CREATE INDEX trashed_album_assets_asset_idx ON trashed_album_assets (asset_id);

-- Files of purged assets not yet removed from disk. Written in the transaction that deletes
-- the rows and cleared once the files are gone, so a crash in between leaves a note, not an
-- orphan original that start-up recovery would give a new row.
CREATE TABLE purged_files (
  storage_path text PRIMARY KEY,
  file_hash    char(64) NOT NULL,
  purged_at    timestamptz NOT NULL DEFAULT now()
);
