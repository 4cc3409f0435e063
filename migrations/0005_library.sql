-- The library lists every asset newest first, by when it was taken (else uploaded).
CREATE INDEX assets_taken_key_idx ON assets ((coalesce(taken_at, created_at)) DESC, id DESC);
