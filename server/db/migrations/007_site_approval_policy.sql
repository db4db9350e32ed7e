-- Each site's approval policy (server/wallet/site-approval-policy.ts, set by
-- the operator through PUT /admin/sites/:siteId/approval-policy). A site with
-- no row requires nothing beyond the default: a passkey or the payment password.
-- site_id has no foreign key: sites are the gateways' site ids, not a table.
CREATE TABLE site_approval_policies (
  site_id         TEXT PRIMARY KEY,
  require_passkey BOOLEAN NOT NULL DEFAULT false,
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
