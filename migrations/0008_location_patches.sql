-- "Strip location" share links serve originals with their location records neutralised by
-- byte patches (src/media/location-patches.ts), worked out once per original. NULL: not
-- worked out yet (assets stored before this migration get them on first use); '[]':
-- nothing to patch.
ALTER TABLE assets ADD COLUMN location_patches jsonb;
