-- Share links: a label, counters, when it was revoked (the dashboard shows it), and
-- what guests added through a link (their name is shown on what they added).
ALTER TABLE shared_links
  ADD COLUMN label          text NOT NULL DEFAULT '',
  ADD COLUMN revoked_at     timestamptz,
  ADD COLUMN updated_at     timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN view_count     integer NOT NULL DEFAULT 0,
  ADD COLUMN download_count integer NOT NULL DEFAULT 0,
  ADD COLUMN last_opened_at timestamptz;

ALTER TABLE album_assets
  ADD COLUMN added_by_link uuid REFERENCES shared_links (id) ON DELETE SET NULL,
  ADD COLUMN added_by_name text;

-- Guest uploads per link and day, counted as the bytes arrive, so a leaked link cannot
-- fill the disk.
CREATE TABLE share_upload_usage (
  link_id uuid NOT NULL REFERENCES shared_links (id) ON DELETE CASCADE,
  day     date NOT NULL,
  files   integer NOT NULL DEFAULT 0,
  bytes   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (link_id, day)
);
