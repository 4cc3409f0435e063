-- An album's counts and date range, kept up to date by triggers instead of counted on
-- every page view (30 ms at 20,000 items, growing with the album). Days depend on
-- DEFAULT_TZ for items without a local time, so what is kept is tz-free: the first and
-- last local day of the items that have one, and the first and last instant of those
-- that do not; a query turns the instants into days in its zone.
CREATE TABLE album_stats (
  album_id uuid PRIMARY KEY REFERENCES albums (id) ON DELETE CASCADE,
  item_count integer NOT NULL,
  photo_count integer NOT NULL,
  video_count integer NOT NULL,
  byte_count bigint NOT NULL,
  first_local_day text,
  last_local_day text,
  first_instant timestamptz,
  last_instant timestamptz
);

-- Counted again from the album's items: one statement per change, however many rows it
-- touched, and never drifting. The album row is locked first (FOR NO KEY UPDATE, which an
-- insert's foreign-key check does not wait for), so two transactions changing one album
-- take turns and the second counts with the first's rows committed.
CREATE FUNCTION refresh_album_stats(album_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM albums WHERE id = ANY (album_ids) ORDER BY id FOR NO KEY UPDATE;
  INSERT INTO album_stats AS s (album_id, item_count, photo_count, video_count, byte_count,
                                first_local_day, last_local_day, first_instant, last_instant)
  SELECT al.id,
         count(a.id),
         count(a.id) FILTER (WHERE a.kind <> 'video'),
         count(a.id) FILTER (WHERE a.kind = 'video'),
         coalesce(sum(a.file_size), 0),
         min(left(a.taken_at_local, 10)),
         max(left(a.taken_at_local, 10)),
         min(coalesce(a.taken_at, a.created_at)) FILTER (WHERE a.taken_at_local IS NULL),
         max(coalesce(a.taken_at, a.created_at)) FILTER (WHERE a.taken_at_local IS NULL)
  FROM albums al
  LEFT JOIN album_assets aa ON aa.album_id = al.id
  LEFT JOIN assets a ON a.id = aa.asset_id
  WHERE al.id = ANY (album_ids)
  GROUP BY al.id
  ON CONFLICT (album_id) DO UPDATE SET
    item_count = excluded.item_count, photo_count = excluded.photo_count,
    video_count = excluded.video_count, byte_count = excluded.byte_count,
    first_local_day = excluded.first_local_day, last_local_day = excluded.last_local_day,
    first_instant = excluded.first_instant, last_instant = excluded.last_instant;
END $$;

CREATE FUNCTION album_assets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_album_stats(array_agg(DISTINCT album_id)) FROM changed;
  RETURN NULL;
END $$;

CREATE TRIGGER album_assets_added AFTER INSERT ON album_assets
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION album_assets_changed();
CREATE TRIGGER album_assets_removed AFTER DELETE ON album_assets
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION album_assets_changed();

-- What an item counts as and when it was taken hardly ever change (nothing in the app
-- changes them today); when they do, its albums are counted again.
CREATE FUNCTION asset_stats_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_album_stats(array_agg(album_id)) FROM album_assets WHERE asset_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER asset_stats_changed AFTER UPDATE OF kind, file_size, taken_at, taken_at_local, created_at ON assets
  FOR EACH ROW
  WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.file_size IS DISTINCT FROM NEW.file_size
        OR OLD.taken_at IS DISTINCT FROM NEW.taken_at OR OLD.taken_at_local IS DISTINCT FROM NEW.taken_at_local
        OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION asset_stats_changed();

SELECT refresh_album_stats(array_agg(id)) FROM albums;
