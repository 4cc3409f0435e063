-- Guests never see items whose processing failed (they would be blank tiles): their counts
-- leave those out. album_stats keeps how many of an album's items failed, so a guest's
-- counts are the album's less these, without counting on every page view.
ALTER TABLE album_stats
  ADD COLUMN failed_count integer NOT NULL DEFAULT 0,
  ADD COLUMN failed_video_count integer NOT NULL DEFAULT 0,
  ADD COLUMN failed_byte_count bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION refresh_album_stats(album_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM albums WHERE id = ANY (album_ids) ORDER BY id FOR NO KEY UPDATE;
  INSERT INTO album_stats AS s (album_id, item_count, photo_count, video_count, byte_count,
                                first_local_day, last_local_day, first_instant, last_instant,
                                failed_count, failed_video_count, failed_byte_count)
  SELECT al.id,
         count(a.id),
         count(a.id) FILTER (WHERE a.kind <> 'video'),
         count(a.id) FILTER (WHERE a.kind = 'video'),
         coalesce(sum(a.file_size), 0),
         min(left(a.taken_at_local, 10)),
         max(left(a.taken_at_local, 10)),
         min(coalesce(a.taken_at, a.created_at)) FILTER (WHERE a.taken_at_local IS NULL),
         max(coalesce(a.taken_at, a.created_at)) FILTER (WHERE a.taken_at_local IS NULL),
         count(a.id) FILTER (WHERE a.status = 'failed'),
         count(a.id) FILTER (WHERE a.status = 'failed' AND a.kind = 'video'),
         coalesce(sum(a.file_size) FILTER (WHERE a.status = 'failed'), 0)
  FROM albums al
  LEFT JOIN album_assets aa ON aa.album_id = al.id
  LEFT JOIN assets a ON a.id = aa.asset_id
  WHERE al.id = ANY (album_ids)
  GROUP BY al.id
  ON CONFLICT (album_id) DO UPDATE SET
    item_count = excluded.item_count, photo_count = excluded.photo_count,
    video_count = excluded.video_count, byte_count = excluded.byte_count,
    first_local_day = excluded.first_local_day, last_local_day = excluded.last_local_day,
    first_instant = excluded.first_instant, last_instant = excluded.last_instant,
    failed_count = excluded.failed_count, failed_video_count = excluded.failed_video_count,
    failed_byte_count = excluded.failed_byte_count;
END $$;

-- Counted again also when an item fails or is made ready after a failure (a retry):
-- not on every pending → ready, which every upload goes through.
DROP TRIGGER asset_stats_changed ON assets;
CREATE TRIGGER asset_stats_changed AFTER UPDATE OF kind, file_size, taken_at, taken_at_local, created_at, status ON assets
  FOR EACH ROW
  WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.file_size IS DISTINCT FROM NEW.file_size
        OR OLD.taken_at IS DISTINCT FROM NEW.taken_at OR OLD.taken_at_local IS DISTINCT FROM NEW.taken_at_local
        OR OLD.created_at IS DISTINCT FROM NEW.created_at
        OR (OLD.status = 'failed') IS DISTINCT FROM (NEW.status = 'failed'))
  EXECUTE FUNCTION asset_stats_changed();

SELECT refresh_album_stats(array_agg(id)) FROM albums;
