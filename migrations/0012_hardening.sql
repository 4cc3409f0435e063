-- What an API token may do: 'api' (the owner's API, all but managing tokens) and/or
-- 'metrics' (GET /metrics). Tokens made before carry 'api'. Only a signed-in session
-- makes or revokes tokens.
ALTER TABLE api_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{api}';
