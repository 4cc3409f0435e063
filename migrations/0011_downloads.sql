-- Downloads as one ZIP (src/zip/, src/downloads/).
-- The CRC-32 of an original as a "strip location" link serves it (location patches
-- applied): a ZIP entry needs it before its first byte. Worked out with the patches;
-- equal to crc32 where there is nothing to patch; NULL until worked out.
ALTER TABLE assets ADD COLUMN location_crc32 bigint;
UPDATE assets SET location_crc32 = crc32 WHERE location_patches = '[]'::jsonb;

-- A selection to download as one ZIP: posted once, then fetched (and resumed) by a short
-- GET URL for 7 days. A guest's belongs to its link; the owner's to no link.
CREATE TABLE download_selections (
  id         text PRIMARY KEY,
  album_id   uuid REFERENCES albums (id) ON DELETE CASCADE,
  link_id    uuid REFERENCES shared_links (id) ON DELETE CASCADE,
  asset_ids  uuid[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX download_selections_expires_idx ON download_selections (expires_at);
