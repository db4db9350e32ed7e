-- The relay flow (issue 22): the app registry, relay terminals and POS agents,
-- relayed codes with their commands, and the sandbox destinations (a
-- payment-code issuer and a membership service). Codes are never stored as
-- they are shown: only SHA-256 of a one-time code (code_key), and a command's
-- code and grant are removed once it is done.

-- App id -> the destination that honours it and what it takes; match_keys
-- name the codes it takes (`barcode:<issuer>`, `cpm:<AID>`, `member:<program>`).
CREATE TABLE relay_apps (
  app_id      TEXT PRIMARY KEY CHECK (app_id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  label       TEXT NOT NULL,
  destination TEXT NOT NULL,
  takes       TEXT NOT NULL CHECK (takes IN ('payment-code', 'membership')),
  match_keys  TEXT[] NOT NULL DEFAULT '{}'
);

CREATE TABLE relay_pos_agents (
  id          TEXT PRIMARY KEY,
  site_id     TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  revoked_at  TIMESTAMPTZ,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A relay terminal is a gateway's (its code scanner and the NFC tag holding
-- its id); paired when pos_agent_id is set.
CREATE TABLE relay_terminals (
  id           TEXT PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  site_id      TEXT NOT NULL,
  gateway_id   TEXT NOT NULL,
  label        TEXT NOT NULL,
  pos_agent_id TEXT REFERENCES relay_pos_agents (id)
);

CREATE TABLE relay_transactions (
  id          TEXT PRIMARY KEY,
  terminal_id TEXT NOT NULL REFERENCES relay_terminals (id),
  site_id     TEXT NOT NULL,
  app_id      TEXT NOT NULL REFERENCES relay_apps (app_id),
  destination TEXT NOT NULL,
  operation   TEXT NOT NULL CHECK (operation IN ('pay', 'accrue', 'redeem')),
  via         TEXT NOT NULL CHECK (via IN ('scan', 'tap')),
  path        TEXT NOT NULL CHECK (path IN ('direct', 'pos')),
  -- One-time codes: SHA-256 of the code, so a code is relayed once, ever.
  -- Membership ids: 'visit:' || id (shown at every visit).
  code_key    TEXT NOT NULL UNIQUE,
  request_hash TEXT NOT NULL,
  points      INTEGER CHECK (points > 0),
  status      TEXT NOT NULL DEFAULT 'relaying'
              CHECK (status IN ('relaying', 'paid', 'accrued', 'redeemed', 'cancelled', 'reversed')),
  reason      TEXT,
  amount      BIGINT,
  currency    TEXT,
  balance     INTEGER,
  user_id     TEXT,
  grant_hash  TEXT NOT NULL,
  deadline    TIMESTAMPTZ NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX relay_transactions_open ON relay_transactions (deadline) WHERE status = 'relaying';
CREATE INDEX relay_transactions_user ON relay_transactions (user_id, updated_at);

-- One command per relay, to the terminal or to the POS agent; sent on the
-- device's stream until its result arrives (state 'done'), never executed twice.
CREATE TABLE relay_commands (
  id         TEXT PRIMARY KEY,
  relay_id   TEXT NOT NULL UNIQUE REFERENCES relay_transactions (id),
  target     TEXT NOT NULL,
  body       JSONB NOT NULL,
  state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
  result     JSONB,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  done_at    TIMESTAMPTZ
);
CREATE INDEX relay_commands_pending ON relay_commands (target, created_at) WHERE state = 'pending';

-- Sandbox payment-code issuer: each wallet user's key (cryptograms of its
-- QR codes) and Payment Account Reference; issued codes by SHA-256.
CREATE TABLE relay_issuer_accounts (
  user_id TEXT PRIMARY KEY,
  par     TEXT NOT NULL UNIQUE,
  key_b64 TEXT NOT NULL,
  atc     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE relay_issued_codes (
  code_key    TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL,
  format      TEXT NOT NULL CHECK (format IN ('payment-barcode', 'cpm-qr')),
  expires_at  TIMESTAMPTZ NOT NULL,
  consumed_by TEXT,
  consumed_at TIMESTAMPTZ,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX relay_issued_codes_user ON relay_issued_codes (user_id, created_at);

-- Every destination's answer per reference (the relay id): what query and reverse read.
CREATE TABLE relay_destination_records (
  destination TEXT NOT NULL,
  reference   TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('approved', 'declined', 'reversed')),
  reason      TEXT,
  user_id     TEXT,
  amount      BIGINT,
  currency    TEXT,
  points      INTEGER,
  balance     INTEGER,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (destination, reference)
);

-- Sandbox membership service: member ids; the points are ledger accounts.
CREATE TABLE relay_members (
  member_id    TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL,
  program      TEXT NOT NULL,
  program_name TEXT NOT NULL,
  UNIQUE (user_id, program)
);
