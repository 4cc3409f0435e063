-- How an album's grid groups its items under headers: by day, by month, in one run without
-- headers, or 'auto' (by month when the album spans more than a year with few items a day,
-- else by day; src/routes/album-grid.ts). Guests see the owner's choice.
ALTER TABLE albums ADD COLUMN group_by text NOT NULL DEFAULT 'auto'
  CHECK (group_by IN ('auto', 'day', 'month', 'none'));
