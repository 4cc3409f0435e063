-- One queue for all background work. Until now the derived-file work was the only kind and
-- lived in status columns on assets; web-playable video copies are a second kind, and
-- later issues add more. A job is one kind of work on one asset: at most one row per
-- (kind, asset), made queued again when the work is asked for again. The asset keeps
-- its own outcome (assets.status: pending until its derived files are made, then ready
-- or failed; assets.playback for videos); the job row holds the queue's state.
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('derive', 'transcode')),
  asset_id uuid NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  payload jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- When its latest run started, and its lease, renewed while it runs (one left stale goes back to the queue).
  started_at timestamptz,
  locked_at timestamptz,
  -- 0..1 while it runs, for work long enough to show (a transcode).
  progress real,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (kind, asset_id)
);

-- Due work in order, per kind.
CREATE INDEX jobs_due_idx ON jobs (kind, next_attempt_at) WHERE status = 'queued';
CREATE INDEX jobs_running_idx ON jobs (locked_at) WHERE status = 'running';

INSERT INTO jobs (kind, asset_id, status, attempts, next_attempt_at, error, finished_at)
SELECT 'derive', id,
       CASE status WHEN 'ready' THEN 'done' WHEN 'failed' THEN 'failed' ELSE 'queued' END,
       CASE status WHEN 'processing' THEN greatest(attempts - 1, 0) ELSE attempts END,
       next_attempt_at,
       processing_error,
       CASE WHEN status IN ('ready', 'failed') THEN now() END
FROM assets;

-- Every asset that waits for its derived files has a derive job, however it came to wait
-- (an insert, a rebuild, a restore): the row and its job are written in one statement.
CREATE FUNCTION queue_derive_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO jobs (kind, asset_id) VALUES ('derive', NEW.id)
  ON CONFLICT (kind, asset_id) DO UPDATE
    SET status = 'queued', attempts = 0, next_attempt_at = now(), locked_at = NULL, progress = NULL, error = NULL, finished_at = NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER assets_queue_derive_insert AFTER INSERT ON assets
  FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION queue_derive_job();
CREATE TRIGGER assets_queue_derive_update AFTER UPDATE OF status ON assets
  FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status IS DISTINCT FROM 'pending') EXECUTE FUNCTION queue_derive_job();

DROP INDEX assets_pending_idx;
-- 'processing' is the job's state now; an asset in it before this migration waits again.
UPDATE assets SET status = 'pending' WHERE status = 'processing';
ALTER TABLE assets
  DROP COLUMN attempts,
  DROP COLUMN next_attempt_at,
  DROP COLUMN locked_at,
  DROP CONSTRAINT assets_status_check,
  ADD CONSTRAINT assets_status_check CHECK (status IN ('pending', 'ready', 'failed')),
  -- How a video plays in browsers: 'original' as uploaded, 'copy' from its web-playable copy
  -- (videos/), 'preparing' while the copy is made, 'none' when it needs one and has none
  -- (no ffmpeg, the transcode failed or was cancelled). Null for photos and videos not yet looked at.
  ADD COLUMN playback text CHECK (playback IN ('original', 'copy', 'preparing', 'none'));
