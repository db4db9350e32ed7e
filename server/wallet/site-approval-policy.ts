/**
 * Per-site approval policy: a site may require that requests to pay made by
 * it or its gateways be approved with a passkey only (no payment password).
 * Kept by the wallet, which enforces it when it verifies an approval; the
 * operator sets it through server/admin.
 */
import type { Db } from '../db/index.ts';

export type SiteApprovalPolicy = { siteId: string; requirePasskey: boolean; updatedAt: string | null };

/** The site's policy; a site never set requires nothing (updatedAt null). */
export async function siteApprovalPolicy(db: Db, siteId: string): Promise<SiteApprovalPolicy> {
  const r = await db.query<{ require_passkey: boolean; updated_at: Date }>('SELECT require_passkey, updated_at FROM site_approval_policies WHERE site_id = $1', [siteId]);
  const row = r.rows[0];
  return { siteId, requirePasskey: row?.require_passkey ?? false, updatedAt: row ? new Date(row.updated_at).toISOString() : null };
}

export async function setSiteApprovalPolicy(db: Db, siteId: string, requirePasskey: boolean): Promise<SiteApprovalPolicy> {
  await db.query(
    `INSERT INTO site_approval_policies (site_id, require_passkey, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (site_id) DO UPDATE SET require_passkey = EXCLUDED.require_passkey, updated_at = now()`,
    [siteId, requirePasskey],
  );
  return siteApprovalPolicy(db, siteId);
}

/**
 * Whether approving this request to pay needs a passkey: its site's policy.
 * Read from payment_requests by SQL (the wallet may not import
 * server/payment-requests, which sits above it); a merchant's request has no
 * site and needs none, nor does an unknown id (payreq refuses it anyway).
 */
export async function passkeyRequiredForRequest(db: Db, requestId: string): Promise<boolean> {
  const r = await db.query<{ require_passkey: boolean }>(`SELECT p.require_passkey FROM payment_requests r JOIN site_approval_policies p ON p.site_id = r.site_id WHERE r.id = $1`, [requestId]);
  return r.rows[0]?.require_passkey ?? false;
}
