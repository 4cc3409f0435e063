-- Live Photos and motion photos. An iPhone writes a photo (HEIC/JPEG) and a short video (MOV) that carry the
-- same content identifier (the photo's Apple maker note, the video's
-- com.apple.quicktime.content.identifier). Paired, they are one item: the photo, with the
-- video as its motion clip. The clip keeps its own row and file (stored byte-identical,
-- in every download next to its photo) but is in no album: live_photo_id says whose clip
-- it is. A clip whose photo is purged is an item of its own again (ON DELETE SET NULL).
ALTER TABLE assets
  ADD COLUMN content_id text,
  ADD COLUMN live_photo_id uuid REFERENCES assets (id) ON DELETE SET NULL,
  -- A motion photo (Google's or Samsung's camera) carries its clip inside the JPEG, after
  -- the image: where, found when its derived files are made.
  ADD COLUMN motion_offset bigint,
  ADD COLUMN motion_length bigint;

CREATE INDEX assets_content_id_idx ON assets (content_id) WHERE content_id IS NOT NULL;
CREATE INDEX assets_live_photo_idx ON assets (live_photo_id) WHERE live_photo_id IS NOT NULL;
