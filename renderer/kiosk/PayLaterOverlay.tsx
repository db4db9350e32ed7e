/**
 * Pay later at the kiosk (flow `credit`): the customer gives the phone number
 * of their EdgePay wallet and a plan; the gateway orders the basket from the
 * PG (gateway API `payLater`). Approved by the institution, the loan waits for
 * the buyer to confirm it in the wallet (a request to pay); this screen follows
 * it (`payLaterStatus`, polled: the gateway pushes no event for it) to
 * approved, or shows the decline's reason from the catalogue. The basket is
 * the gateway's: cleared once the order is placed, kept when declined.
 */
import { useEffect, useRef, useState } from 'react';
import type { Money, PayLaterOutcome } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';

const PLANS = [1, 3, 4, 6] as const;
const POLL_MS = 1000;

type Step = { phase: 'form'; error?: unknown } | { phase: 'asking' } | { phase: 'outcome'; outcome: PayLaterOutcome };

export function PayLaterOverlay({ total, onClose, autoCloseMs }: { total: Money; onClose(): void; autoCloseMs: number }) {
  const { t, money, errorText } = useI18n();
  const client = useClient();
  const [step, setStep] = useState<Step>({ phase: 'form' });
  const [phone, setPhone] = useState('');
  const [plan, setPlan] = useState<number>(3);
  const first = useRef<HTMLInputElement>(null);
  const done = useRef<HTMLButtonElement>(null);

  useEffect(() => first.current?.focus(), []);

  const loanId = step.phase === 'outcome' ? step.outcome.loanId : null;
  const state = step.phase === 'outcome' ? step.outcome.state : null;
  // Follow the loan while the buyer has yet to confirm it in the wallet.
  useEffect(() => {
    if (!loanId || state !== 'awaiting-buyer') return;
    let stopped = false;
    const timer = setInterval(() => {
      void client.payLaterStatus(loanId).then(
        (outcome) => {
          if (!stopped && outcome.state !== 'awaiting-buyer') setStep({ phase: 'outcome', outcome });
        },
        () => undefined,
      );
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [client, loanId, state]);

  // A finished sale clears itself for the next customer (as a card payment's result does).
  useEffect(() => {
    if (!state || state === 'awaiting-buyer') return;
    done.current?.focus();
    if (state !== 'authorised') return;
    const timer = setTimeout(onClose, autoCloseMs);
    return () => clearTimeout(timer);
  }, [state, onClose, autoCloseMs]);

  const ask = async () => {
    setStep({ phase: 'asking' });
    try {
      setStep({ phase: 'outcome', outcome: await client.payLater(phone.trim(), plan) });
    } catch (error) {
      setStep({ phase: 'form', error });
    }
  };

  if (step.phase !== 'outcome') {
    const asking = step.phase === 'asking';
    const formError = step.phase === 'form' && step.error ? errorText(step.error) : '';
    return (
      <div className="overlay tone-wait" role="dialog" aria-modal="true" aria-labelledby="paylater-title" data-testid="paylater" data-state={asking ? 'asking' : 'form'}>
        <form
          className="overlay-card paylater-form"
          onSubmit={(e) => {
            e.preventDefault();
            void ask();
          }}
        >
          <h2 id="paylater-title">{t('kiosk.paylater.title')}</h2>
          <p>{t('kiosk.paylater.hint')}</p>
          <label className="paylater-field">
            <span>{t('kiosk.paylater.phone')}</span>
            <input ref={first} type="tel" inputMode="tel" autoComplete="tel" required minLength={6} maxLength={30} value={phone} disabled={asking} onChange={(e) => setPhone(e.target.value)} />
          </label>
          <fieldset className="paylater-plans" disabled={asking}>
            <legend>{t('kiosk.paylater.plan')}</legend>
            {PLANS.map((n) => (
              <label key={n} className={plan === n ? 'chosen' : ''}>
                <input type="radio" name="plan" value={n} checked={plan === n} onChange={() => setPlan(n)} />
                {n === 1 ? t('kiosk.paylater.plan.one') : t('kiosk.paylater.plan.n', { count: n })}
              </label>
            ))}
          </fieldset>
          {/* Always in the page, so a screen reader announces the error when it appears. */}
          <p role="alert" className={formError ? 'notice' : undefined}>
            {formError}
          </p>
          <div className="actions">
            <button type="button" className="big-btn secondary" disabled={asking} onClick={onClose}>
              {t('kiosk.paylater.cancel')}
            </button>
            <button type="submit" className="big-btn primary" disabled={asking}>
              {asking ? t('kiosk.paylater.asking') : t('kiosk.paylater.ask', { total: money(total) })}
            </button>
          </div>
        </form>
      </div>
    );
  }

  const o = step.outcome;
  const amount = money({ amount: o.amount, currency: o.currency } as Money);
  const approval = o.approvalNumber ? (
    <p className="approval-code" data-testid="approval-code">
      {t('kiosk.paylater.approval', { number: o.approvalNumber })}
    </p>
  ) : null;
  if (o.state === 'awaiting-buyer') {
    return (
      <div className="overlay tone-wait" role="alertdialog" aria-modal="true" aria-labelledby="paylater-title" data-testid="paylater" data-state="awaiting-buyer">
        <div className="overlay-card">
          <div className="spinner" aria-hidden="true" />
          <h2 id="paylater-title">{t('kiosk.paylater.waiting.title')}</h2>
          <p>{t('kiosk.paylater.waiting.text', { amount })}</p>
          {approval}
        </div>
      </div>
    );
  }
  const approved = o.state === 'authorised';
  const declined = o.state === 'declined';
  const [tone, icon, title, text] = approved
    ? ['good', '✓', t('kiosk.paylater.approved.title'), t('kiosk.paylater.approved.text')]
    : declined
      ? ['bad', '✕', t('kiosk.paylater.declined.title'), t('kiosk.paylater.declined.text', { reason: t(`kiosk.paylater.decline.${o.declineReason ?? 'score'}` as const) })]
      : ['warn', '!', t('kiosk.paylater.notConfirmed.title'), t('kiosk.paylater.notConfirmed.text')];
  return (
    <div className={`overlay tone-${tone}`} role="alertdialog" aria-modal="true" aria-labelledby="paylater-title" data-testid="paylater" data-state={o.state}>
      <div className="overlay-card">
        <div className="overlay-icon" aria-hidden="true">
          {icon}
        </div>
        <h2 id="paylater-title">{title}</h2>
        {approved ? (
          <p className="paid-amount" data-testid="paid-amount">
            {amount}
          </p>
        ) : null}
        <p>{text}</p>
        {approval}
        <button ref={done} type="button" className="big-btn primary" onClick={onClose}>
          {approved ? t('kiosk.done') : t('kiosk.tryAgain')}
        </button>
      </div>
    </div>
  );
}
