-- Ingest: what kind of file an asset is, its checksums, when it was taken as a wall clock,
-- and the processing state the background worker works through.
ALTER TABLE assets
  ADD COLUMN kind              text NOT NULL DEFAULT 'photo' CHECK (kind IN ('photo', 'raw', 'video')),
  ADD COLUMN format            text NOT NULL DEFAULT 'jpeg',
  ADD COLUMN crc32             bigint NOT NULL DEFAULT 0,
  ADD COLUMN taken_at_local    text,
  ADD COLUMN taken_at_offset   text,
  ADD COLUMN thumbhash         text,
  ADD COLUMN uploaded_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
  ADD COLUMN attempts          integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN locked_at         timestamptz,
  ADD COLUMN processing_error  text,
  ADD COLUMN processing_warning text,
  ADD COLUMN derived_source    text;

-- The worker's queue: pending work in due order.
CREATE INDEX assets_pending_idx ON assets (next_attempt_at) WHERE status = 'pending';
