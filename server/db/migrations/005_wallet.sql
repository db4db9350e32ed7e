-- The wallet (issue 18): users, the places they belong to, their passkeys,
-- sessions, payment password and payment methods. Everything lives here, not
-- in a server process's memory, so several server processes on one database
-- see the same sessions, revocations, challenges, counters and lockouts.

CREATE TABLE wallet_users (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- E.164, normalised by core's normalisePhone; one user per number.
  phone      TEXT NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
  -- The WebAuthn user handle (random, not the phone: it is stored on the authenticator).
  user_handle TEXT NOT NULL UNIQUE,
  -- Seeded by the demo; only these may use the demo's one-click sign-in.
  demo_role  TEXT CHECK (demo_role IN ('resident', 'shopper')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE wallet_buildings (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE wallet_units (
  building_id TEXT NOT NULL REFERENCES wallet_buildings (id),
  unit        TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 40),
  PRIMARY KEY (building_id, unit)
);

-- Several users may share a unit; a user may have several units.
CREATE TABLE wallet_memberships (
  user_id     TEXT NOT NULL REFERENCES wallet_users (id),
  building_id TEXT NOT NULL,
  unit        TEXT NOT NULL,
  role        TEXT NOT NULL DEFAULT 'resident',
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, building_id, unit),
  FOREIGN KEY (building_id, unit) REFERENCES wallet_units (building_id, unit)
);
CREATE INDEX wallet_memberships_unit ON wallet_memberships (building_id, unit);

CREATE TABLE wallet_credentials (
  id          TEXT PRIMARY KEY,          -- the credential id, base64url
  user_id     TEXT NOT NULL REFERENCES wallet_users (id),
  public_key  BYTEA NOT NULL,            -- COSE public key
  counter     BIGINT NOT NULL DEFAULT 0,
  transports  TEXT[] NOT NULL DEFAULT '{}',
  device_type TEXT,
  backed_up   BOOLEAN NOT NULL DEFAULT false,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_used_at TIMESTAMPTZ
);
CREATE INDEX wallet_credentials_user ON wallet_credentials (user_id);

-- WebAuthn challenges of registration and sign-in ceremonies: one use each
-- (consumed by an UPDATE ... WHERE used_at IS NULL), a few minutes to live.
CREATE TABLE wallet_challenges (
  challenge  TEXT PRIMARY KEY,
  purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'sign-in')),
  -- register: the pending user {name, phone, userHandle}; sign-in: {}
  data       JSONB NOT NULL DEFAULT '{}'::jsonb,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ
);
CREATE INDEX wallet_challenges_expiry ON wallet_challenges (expires_at);

-- Approval challenges (dynamic linking): SHA-256 of the binding || a nonce,
-- issued for one user and one binding, used once.
CREATE TABLE wallet_approval_challenges (
  challenge    TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL,
  binding_hash TEXT NOT NULL,
  expires_at   TIMESTAMPTZ NOT NULL,
  used_at      TIMESTAMPTZ
);

-- Sessions: the cookie holds `<id>.<secret>`; only SHA-256 of the secret is
-- kept. Checked in the database on every request, so a revocation holds at
-- once in every server process.
CREATE TABLE wallet_sessions (
  id          TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  user_id     TEXT NOT NULL REFERENCES wallet_users (id),
  csrf_token  TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at  TIMESTAMPTZ NOT NULL,
  revoked_at  TIMESTAMPTZ,
  how         TEXT NOT NULL             -- 'register' | 'passkey' | 'demo'
);
CREATE INDEX wallet_sessions_user ON wallet_sessions (user_id);

-- Fixed-window counters of sign-in attempts per IP and per phone, shared by
-- every server process (an in-memory limiter would give each process its own
-- allowance).
CREATE TABLE wallet_rate_limits (
  key          TEXT NOT NULL,
  window_start TIMESTAMPTZ NOT NULL,
  count        INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
);

-- The 6-digit payment password: scrypt (N, r, p stored with the hash so they
-- can be raised later), attempts counted before each check so parallel
-- guesses cannot outrun the lockout.
CREATE TABLE wallet_payment_passwords (
  user_id      TEXT PRIMARY KEY REFERENCES wallet_users (id),
  hash         TEXT NOT NULL,
  salt         TEXT NOT NULL,
  params       JSONB NOT NULL,
  failed       INTEGER NOT NULL DEFAULT 0,
  locked_until TIMESTAMPTZ,
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Payment methods: acquirer tokens with BIN and last 4 for display, never a card number.
CREATE TABLE wallet_payment_methods (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES wallet_users (id),
  token      TEXT NOT NULL UNIQUE CHECK (token ~ '^tok_[A-Za-z0-9_-]{1,200}$'),
  bin        TEXT NOT NULL CHECK (bin ~ '^[0-9]{6,8}$'),
  last4      TEXT NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  is_default BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX wallet_payment_methods_user ON wallet_payment_methods (user_id);
-- At most one default per user, enforced by the database.
CREATE UNIQUE INDEX wallet_payment_methods_one_default ON wallet_payment_methods (user_id) WHERE is_default;

-- The sandbox acquirer's card tokens: what it keeps of a tokenised card
-- (token, BIN, last 4, expiry), never the number or the CVC.
CREATE TABLE sandbox_acquirer_card_tokens (
  token      TEXT PRIMARY KEY,
  bin        TEXT NOT NULL,
  last4      TEXT NOT NULL,
  exp_month  INTEGER NOT NULL,
  exp_year   INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
