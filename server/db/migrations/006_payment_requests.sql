-- Requests to pay (server/payment-requests). Users are referenced by
-- user_id TEXT with no foreign key to the wallet's tables (migration 005),
-- so each context migrates alone.

-- Merchants that ask for payment through the server's API with their own
-- credential `mc_<id>.<secret>`; only SHA-256 of the random secret is kept.
CREATE TABLE merchants (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at  TIMESTAMPTZ
);

-- One row per request, its state written only by conditional UPDATEs
-- (WHERE state = 'pending'), so the first answer wins across processes.
-- A pending row past expires_at is expired for every reader (decided in SQL),
-- whether or not a sweeper has written it yet.
-- Replication (later): site_id + site_seq are the (site, commit order) a
-- gateway's pull needs. site_seq is the row's last event in the feed
-- 'site:<site_id>', taken under that feed's counter row lock held to COMMIT,
-- so ordering by it never skips a commit (as change_counters does).
CREATE TABLE payment_requests (
  id              TEXT PRIMARY KEY,
  requester_kind  TEXT NOT NULL CHECK (requester_kind IN ('site', 'gateway', 'merchant')),
  requester_id    TEXT NOT NULL,
  site_id         TEXT,
  site_seq        BIGINT,
  target          JSONB NOT NULL,
  payee_id        TEXT NOT NULL,
  payee_name      TEXT NOT NULL,
  amount          BIGINT NOT NULL CHECK (amount > 0),
  currency        TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  items           JSONB NOT NULL DEFAULT '[]',
  place           TEXT,
  note            TEXT,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'declined', 'expired', 'cancelled')),
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at      TIMESTAMPTZ NOT NULL,
  answered_at     TIMESTAMPTZ,
  answered_by     TEXT,
  approval_method TEXT CHECK (approval_method IN ('passkey', 'password')),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- An answer is recorded with its state: who (a recipient) and, for an approval, how.
  CHECK ((state IN ('approved', 'declined')) = (answered_by IS NOT NULL)),
  CHECK ((state = 'approved') = (approval_method IS NOT NULL)),
  -- Requests of a gateway or a site belong to that site (and replicate to it); a merchant's to no site.
  CHECK ((requester_kind = 'merchant') = (site_id IS NULL))
);
-- The sweeper's scan: pending requests by deadline.
CREATE INDEX payment_requests_pending ON payment_requests (expires_at) WHERE state = 'pending';
CREATE INDEX payment_requests_requester ON payment_requests (requester_kind, requester_id, created_at);
CREATE UNIQUE INDEX payment_requests_site_feed ON payment_requests (site_id, site_seq) WHERE site_id IS NOT NULL;

-- Who may answer: the user, or everyone at the unit when the request was made.
CREATE TABLE payment_request_recipients (
  request_id TEXT NOT NULL REFERENCES payment_requests (id),
  user_id    TEXT NOT NULL,
  PRIMARY KEY (request_id, user_id)
);
CREATE INDEX payment_request_recipients_user ON payment_request_recipients (user_id, request_id);

-- One counter per feed ('user:<id>', 'site:<id>', 'merchant:<id>'). An event
-- takes its feed's row lock and holds it to COMMIT, so a feed's seqs commit in
-- order and a reader resuming after seq N can never step over a commit that
-- becomes visible later (a plain sequence can). Transactions lock their feeds
-- in sorted order, so they cannot deadlock on them.
CREATE TABLE payment_request_feeds (
  feed     TEXT PRIMARY KEY,
  last_seq BIGINT NOT NULL
);

-- The events of every feed, kept for resuming streams (Last-Event-ID) and polling.
CREATE TABLE payment_request_events (
  feed       TEXT NOT NULL,
  seq        BIGINT NOT NULL,
  request_id TEXT NOT NULL,
  type       TEXT NOT NULL CHECK (type IN ('request', 'resolved', 'outcome')),
  data       JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (feed, seq)
);
