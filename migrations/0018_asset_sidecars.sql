-- An XMP sidecar uploaded or imported with its photo (IMG_1234.xmp or IMG_1234.CR2.xmp beside
-- IMG_1234.CR2) is kept with that photo, byte for byte, in the database rather than as a file:
-- backups and restores carry it in the dump, fsck has no new kind of file to reconcile, and a
-- purge of the photo takes it along. At most one per photo (a later one replaces it).
CREATE TABLE asset_sidecars (
  asset_id uuid PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
  filename text NOT NULL,
  bytes bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
