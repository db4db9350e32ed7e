-- One-time code credentials (server/otp): a shared secret per device (a
-- two-channel dongle today), sealed with a key from the environment
-- (EDGEPAY_OTP_KEYS; key_id names which, so keys can rotate), and the state
-- RFC 4226/6238 validation keeps: the last accepted time step (each code is
-- taken once: the accepting UPDATE requires last_step < the new step, so of
-- two submissions only one wins, in any number of server processes), the
-- dongle's clock drift in steps, a resynchronisation waiting for its second
-- code, and the count of failures in a row with the throttle and lockout
-- they lead to.
CREATE TABLE otp_credentials (
  id              TEXT PRIMARY KEY,
  secret_sealed   TEXT NOT NULL,
  key_id          TEXT NOT NULL,
  digits          INTEGER NOT NULL DEFAULT 6 CHECK (digits BETWEEN 6 AND 8),
  period_seconds  INTEGER NOT NULL DEFAULT 30 CHECK (period_seconds > 0),
  last_step       BIGINT NOT NULL DEFAULT -1,
  drift_steps     INTEGER NOT NULL DEFAULT 0,
  last_offset     INTEGER,
  resync_step     BIGINT,
  resync_offset   INTEGER,
  failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  next_attempt_at TIMESTAMPTZ,
  locked_until    TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX otp_credentials_key_id ON otp_credentials (key_id);
