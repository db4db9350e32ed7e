-- Gateways enrolled per site. Only a hash of the credential's secret is kept.
CREATE TABLE gateways (
  id          TEXT PRIMARY KEY,
  site_id     TEXT NOT NULL,
  name        TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at  TIMESTAMPTZ
);
CREATE INDEX gateways_site ON gateways (site_id);

-- One commit counter per (collection, site). A write takes the counter row's
-- lock and holds it to COMMIT, so counter order is commit order for that site:
-- a pull by `seq > checkpoint` can never step over a commit that becomes
-- visible later (the flaw of a plain sequence, whose values are handed out
-- before commit and can commit out of order).
CREATE TABLE change_counters (
  collection TEXT NOT NULL,
  site_id    TEXT NOT NULL,
  value      BIGINT NOT NULL,
  PRIMARY KEY (collection, site_id)
);

-- Every replicated document, as the server holds it (the master state).
CREATE TABLE documents (
  collection TEXT NOT NULL,
  id         TEXT NOT NULL,
  site_id    TEXT NOT NULL,
  seq        BIGINT NOT NULL,
  deleted    BOOLEAN NOT NULL,
  data       JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_by TEXT NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE UNIQUE INDEX documents_feed ON documents (collection, site_id, seq);
