-- Unpairing a dongle (the wallet's "Unpair") destroys its secrets: the sealed
-- identity key and the sealed OTP secret become NULL, so nothing can resolve
-- its broadcast or check its codes any more, in any server process; the row
-- stays (sessions, sightings and flags name it) with retired_at set, and the
-- serial can never be paired again (the maker provisions new secrets under a
-- new serial).
ALTER TABLE two_channel_dongles ALTER COLUMN identity_key_sealed DROP NOT NULL;
ALTER TABLE two_channel_dongles ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE two_channel_dongles ADD CONSTRAINT two_channel_dongles_retired_check
  CHECK (retired_at IS NULL OR (identity_key_sealed IS NULL AND user_id IS NULL));
ALTER TABLE otp_credentials ALTER COLUMN secret_sealed DROP NOT NULL;
ALTER TABLE otp_credentials ADD COLUMN revoked_at TIMESTAMPTZ;
ALTER TABLE otp_credentials ADD CONSTRAINT otp_credentials_revoked_check CHECK (revoked_at IS NULL OR secret_sealed IS NULL);
