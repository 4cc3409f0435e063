-- Albums: an explicit cover (else the first item in the album's order) and how the album
-- is sorted; the album page reads its items in position order.
ALTER TABLE albums
  ADD COLUMN cover_asset_id uuid REFERENCES assets (id) ON DELETE SET NULL,
  ADD COLUMN sort_order     text NOT NULL DEFAULT 'taken_asc' CHECK (sort_order IN ('taken_asc', 'taken_desc', 'manual'));

CREATE INDEX album_assets_position_idx ON album_assets (album_id, position);
