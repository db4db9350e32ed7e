-- Idempotency keys of state-changing requests (DESIGN.md section 4): the same
-- key with the same body gets the first answer; with another body, an error.
-- Kept at least 24 hours (expires_at), swept afterwards.
CREATE TABLE idempotency_keys (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
  lease_until  TIMESTAMPTZ NOT NULL,
  status_code  INTEGER,
  response     TEXT,  -- the exact JSON sent, so a replay is byte-identical (JSONB would reorder keys)
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at   TIMESTAMPTZ NOT NULL DEFAULT now() + interval '48 hours',
  PRIMARY KEY (scope, key)
);

-- Offline (stored) payments waiting to be forwarded to the acquirer. A worker
-- claims rows with FOR UPDATE SKIP LOCKED and a lease, so several server
-- processes share the work and a crashed worker's rows are picked up again.
CREATE TABLE forward_queue (
  payment_id  TEXT PRIMARY KEY,
  site_id     TEXT NOT NULL,
  enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  attempts    INTEGER NOT NULL DEFAULT 0,
  lease_until TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_error  TEXT
);
CREATE INDEX forward_queue_due ON forward_queue (lease_until);

-- Every money event, append-only: who, what, when (UTC), with the request's
-- idempotency key. UPDATE and DELETE are refused by a trigger.
CREATE TABLE audit_log (
  seq             BIGSERIAL PRIMARY KEY,
  at              TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor           TEXT NOT NULL,
  action          TEXT NOT NULL,
  payment_id      TEXT,
  site_id         TEXT,
  idempotency_key TEXT,
  amount          BIGINT,
  currency        TEXT,
  details         JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_payment ON audit_log (payment_id, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The sandbox acquirer's own ledger: what it approved or declined, by the
-- idempotency key the caller gave. A retried call gets the recorded answer,
-- so a payment is charged once however often it is forwarded.
CREATE TABLE sandbox_acquirer_transactions (
  idempotency_key TEXT PRIMARY KEY,
  operation       TEXT NOT NULL,
  token           TEXT,
  amount          BIGINT NOT NULL,
  currency        TEXT NOT NULL,
  outcome         JSONB NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
