-- The smart cart flow (server/flows/cart): what the server decides about a
-- cart session the store gateway pushed (collection cart-sessions): which
-- phone paired with it, and its checkout (the request to pay, the payment,
-- the exit pass). One row per session; `version` grows with every change, so
-- the gateway's status call can wait for a newer one.
CREATE TABLE cart_session_outcomes (
  session_id    TEXT PRIMARY KEY,
  site_id       TEXT NOT NULL,
  gateway_id    TEXT NOT NULL,
  cart_id       TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  paired_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  checkout_id   TEXT,
  request_id    TEXT,
  amount        BIGINT,
  currency      TEXT,
  -- pending -> charging -> paid | declined | failed; pending -> declined | expired | failed
  checkout_state TEXT CHECK (checkout_state IN ('pending', 'charging', 'paid', 'declined', 'expired', 'failed')),
  payment_id    TEXT,
  exit_pass     JSONB,
  reason        TEXT,
  claimed_at    TIMESTAMPTZ,
  version       BIGINT NOT NULL DEFAULT 1,
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX cart_session_outcomes_user ON cart_session_outcomes (user_id, paired_at DESC);
CREATE UNIQUE INDEX cart_session_outcomes_request ON cart_session_outcomes (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX cart_session_outcomes_open ON cart_session_outcomes (checkout_state) WHERE checkout_state IN ('pending', 'charging');
