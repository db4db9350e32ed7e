/** Posting a loan step's transfers: one linked chain (all or none), every result checked. */
import { EdgePayError } from '../../../core/index.ts';
import type { Queryable } from '../../db/index.ts';
import { createTransfers, type TransferInput } from '../../ledger/index.ts';

export async function postChain(tx: Queryable, transfers: TransferInput[]): Promise<void> {
  const list = transfers.filter((t) => t.kind === 'post_pending' || t.kind === 'void_pending' || (t.amount ?? 0) > 0);
  if (list.length === 0) return;
  const results = await createTransfers(
    tx,
    list.map((t, i) => ({ ...t, linked: i < list.length - 1 })),
  );
  for (const r of results) if (!r.ok) throw new EdgePayError(r.code, r.details);
}
