-- A guest's addition keeps its link and name through the trash and back.
ALTER TABLE trashed_album_assets
  ADD COLUMN added_by_link uuid REFERENCES shared_links (id) ON DELETE SET NULL,
  ADD COLUMN added_by_name text;
