-- The integrity scrub: a background job re-hashes originals, the least recently checked
-- first, a day's budget of bytes at a time (jobs/scrub-original.ts). Each asset keeps when its
-- original was last checked and what was found; a problem is only ever reported, never acted on.
ALTER TABLE assets
  ADD COLUMN checked_at timestamptz,
  ADD COLUMN integrity text CHECK (integrity IN ('ok', 'mismatch', 'missing', 'unreadable')),
  ADD COLUMN integrity_detail text;

CREATE INDEX assets_checked_idx ON assets (checked_at NULLS FIRST, id);
CREATE INDEX assets_integrity_problem_idx ON assets (checked_at) WHERE integrity <> 'ok';

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('derive', 'transcode', 'scrub'));

-- When the scrub was last planned: one process per hour plans it, however many share the database.
CREATE TABLE scrub_plan (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  planned_at timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO scrub_plan DEFAULT VALUES;
