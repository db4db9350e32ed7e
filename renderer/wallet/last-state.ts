/**
 * The last state the page saw (user, units, cards, requests), kept in
 * localStorage so that offline the page shows it, marked as such. No card
 * number ever reaches it: cards are BIN + last 4.
 */
import type { PaymentMethodView, PhonePaymentRequestView, UnitView, WalletSessionView } from '../../core/index.ts';

export type LastState = {
  savedAt: string;
  session?: Omit<WalletSessionView, 'csrfToken'>;
  units?: UnitView[];
  methods?: PaymentMethodView[];
  requests?: PhonePaymentRequestView[];
};

const KEY = 'edgepay.wallet.last';

export function readLastState(): LastState | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as LastState) : null;
  } catch {
    return null;
  }
}

export function saveLastState(patch: Omit<Partial<LastState>, 'savedAt'>): void {
  const next = { ...(readLastState() ?? {}), ...patch, savedAt: new Date().toISOString() };
  if (next.session && 'csrfToken' in next.session) delete (next.session as { csrfToken?: string }).csrfToken;
  localStorage.setItem(KEY, JSON.stringify(next));
}

export function clearLastState(): void {
  localStorage.removeItem(KEY);
}
