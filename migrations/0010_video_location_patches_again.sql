-- Strip-location patches of MP4/MOV-family videos now also blank timed GPS tracks (GoPro
-- gpmd, Google camm, Apple mebx). Patches worked out before did not: forget them, so each
-- is worked out again, with the tracks, the next time a link serves the original.
UPDATE assets SET location_patches = NULL WHERE format IN ('mp4', 'mov', '3gp');
