-- The two-channel flow (server/flows/two-channel). A dongle is provisioned by
-- its maker (serial, identity key sealed like OTP secrets, its OTP credential)
-- and paired to a user from the wallet. A session is one payment at one
-- device: the code heard, the dongle and its owner resolved, the request to
-- pay sent to the owner, the presence number the device shows, the outcome.
-- Sightings remember where each dongle was last heard (a code heard at two
-- sites at once is refused), flags what the operator is warned of.
CREATE TABLE two_channel_dongles (
  id                  TEXT PRIMARY KEY,
  serial              TEXT NOT NULL UNIQUE,
  identity_key_sealed TEXT NOT NULL,
  key_id              TEXT NOT NULL,
  rotation_exponent   INTEGER NOT NULL CHECK (rotation_exponent BETWEEN 0 AND 15),
  otp_credential_id   TEXT NOT NULL REFERENCES otp_credentials (id),
  user_id             TEXT,
  paired_at           TIMESTAMPTZ,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((user_id IS NULL) = (paired_at IS NULL))
);
CREATE INDEX two_channel_dongles_user ON two_channel_dongles (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE two_channel_sessions (
  id               TEXT PRIMARY KEY,
  site_id          TEXT NOT NULL,
  gateway_id       TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL,
  body_hash        TEXT NOT NULL,
  dongle_id        TEXT NOT NULL REFERENCES two_channel_dongles (id),
  user_id          TEXT NOT NULL,
  request_id       TEXT NOT NULL UNIQUE,
  amount           BIGINT NOT NULL CHECK (amount > 0),
  currency         TEXT NOT NULL,
  presence         TEXT NOT NULL CHECK (presence ~ '^[0-9]{2}$'),
  code_window      BIGINT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'approved', 'declined', 'expired', 'cancelled')),
  payment_id       TEXT,
  decline_reason   TEXT,
  expires_at       TIMESTAMPTZ NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (gateway_id, idempotency_key)
);
CREATE INDEX two_channel_sessions_user ON two_channel_sessions (user_id, state);

CREATE TABLE two_channel_sightings (
  dongle_id  TEXT NOT NULL REFERENCES two_channel_dongles (id),
  site_id    TEXT NOT NULL,
  seen_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (dongle_id, site_id)
);

CREATE TABLE two_channel_flags (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('two-sites', 'outside-window')),
  dongle_id     TEXT NOT NULL REFERENCES two_channel_dongles (id),
  site_id       TEXT NOT NULL,
  other_site_id TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX two_channel_flags_time ON two_channel_flags (created_at);

-- A request to pay confirmed with a dongle's one-time code is approved with method 'dongle'.
ALTER TABLE payment_requests DROP CONSTRAINT IF EXISTS payment_requests_approval_method_check;
ALTER TABLE payment_requests ADD CONSTRAINT payment_requests_approval_method_check CHECK (approval_method IN ('passkey', 'password', 'dongle'));
