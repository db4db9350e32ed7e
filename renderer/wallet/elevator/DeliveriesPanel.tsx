/**
 * The orderer's deliveries (the elevator flow), on the Requests tab: after
 * they approved a courier's request at the lobby, where the goods are
 * (approved, charging, the elevator on its way, at your floor, delivered)
 * and each failure with what happened to the money. While the car stands
 * open at their floor, "Goods taken out" tells the elevator (else its
 * timeout brings the goods back and the charge is refunded). Polled every
 * second while shown (a delivery lasts a few minutes; the request list has
 * its own live stream). Texts live here (Korean and English) so the wallet's
 * shared catalogue is untouched.
 */
import { useCallback, useEffect, useState } from 'react';
import { ELEVATOR_PATHS, isEdgePayError, type OrdererDeliveriesResponse, type OrdererDeliveryStatus, type OrdererDeliveryView } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call, Offline } from '../api.ts';
import { errorText } from '../errors.ts';

const POLL_MS = 1_000;

const TEXT = {
  en: {
    title: 'Deliveries by the goods elevator',
    floor: (f: number) => `floor ${f}`,
    car: (c: number) => `car ${c}`,
    taken: 'Goods taken out',
    steps: { approved: 'Approved', charging: 'Paid at the lobby', 'elevator-coming': 'Elevator at the lobby', 'on-the-way': 'Going up', arrived: 'At your floor', delivered: 'Delivered' },
    thanks: 'Thank you: the elevator goes back down.',
    money: { held: 'Amount held on your payment method', charged: 'Charged', refunded: 'Charge refunded', voided: 'Nothing was charged' },
    status: {
      approved: 'Approved. The card is being prepared at the lobby.',
      charging: 'Charging at the lobby terminal…',
      'elevator-coming': 'Paid. The goods elevator is on its way to the lobby for loading.',
      'on-the-way': 'Your goods are in the elevator, on their way up.',
      arrived: 'Your goods are at your floor. Take them out of the elevator, then tap "Goods taken out".',
      'unload-confirmed': 'You took the goods out. Finishing…',
      delivered: 'Delivered.',
      'card-declined': 'The payment did not go through at the lobby: nothing was charged.',
      'elevator-fault': 'The elevator could not deliver: the goods go back to the lobby and the charge was refunded.',
      'not-taken': 'The goods were not taken out in time: they went back to the lobby and the charge was refunded.',
    } satisfies Record<OrdererDeliveryStatus, string>,
  },
  ko: {
    title: '화물 엘리베이터 배달',
    floor: (f: number) => `${f}층`,
    car: (c: number) => `${c}호기`,
    taken: '물건을 꺼냈습니다',
    steps: { approved: '승인', charging: '로비에서 결제', 'elevator-coming': '엘리베이터 로비 도착', 'on-the-way': '올라가는 중', arrived: '층 도착', delivered: '배달 완료' },
    thanks: '감사합니다. 엘리베이터가 내려갑니다.',
    money: { held: '결제 수단에 금액이 보류됨', charged: '결제됨', refunded: '결제 환불됨', voided: '청구된 금액 없음' },
    status: {
      approved: '승인했습니다. 로비에서 카드를 준비하고 있습니다.',
      charging: '로비 단말기에서 결제 중…',
      'elevator-coming': '결제 완료. 화물 엘리베이터가 짐을 싣기 위해 로비로 가고 있습니다.',
      'on-the-way': '물건이 엘리베이터에 실려 올라가는 중입니다.',
      arrived: '물건이 층에 도착했습니다. 엘리베이터에서 꺼낸 뒤 "물건을 꺼냈습니다"를 누르세요.',
      'unload-confirmed': '물건을 꺼냈습니다. 마무리 중…',
      delivered: '배달 완료.',
      'card-declined': '로비에서 결제가 되지 않았습니다. 청구된 금액은 없습니다.',
      'elevator-fault': '엘리베이터가 배달하지 못했습니다. 물건은 로비로 돌아가며 결제는 환불되었습니다.',
      'not-taken': '제시간에 물건을 꺼내지 않아 로비로 돌아갔고 결제는 환불되었습니다.',
    } satisfies Record<OrdererDeliveryStatus, string>,
  },
} as const;

/** The steps of a delivery that goes well, in order (the panel marks where this one is). */
const STEPS: OrdererDeliveryStatus[] = ['approved', 'charging', 'elevator-coming', 'on-the-way', 'arrived', 'delivered'];
const FAILED: OrdererDeliveryStatus[] = ['card-declined', 'elevator-fault', 'not-taken'];
/** An ended delivery stays on the panel this long (the panel sits above the requests: it must not push a new one down for long). */
const ENDED_SHOWN_MS = 15 * 60_000;
const ended = (d: OrdererDeliveryView) => d.status === 'delivered' || FAILED.includes(d.status);

export function DeliveriesPanel({ offline, onSessionLost }: { offline: boolean; onSessionLost: () => void }) {
  const { t, lang, money } = useI18n();
  const x = lang === 'ko' ? TEXT.ko : TEXT.en;
  const [deliveries, setDeliveries] = useState<OrdererDeliveryView[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const all = (await call<OrdererDeliveriesResponse>('GET', ELEVATOR_PATHS.walletDeliveries)).deliveries;
      setDeliveries(all.filter((d) => !ended(d) || Date.now() - Date.parse(d.updatedAt) < ENDED_SHOWN_MS));
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) onSessionLost();
      else if (!(err instanceof Offline)) setMessage({ ok: false, text: errorText(err, t) });
    }
  }, [onSessionLost, t]);

  useEffect(() => {
    if (offline) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await load();
      if (alive) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [load, offline]);

  const taken = async (d: OrdererDeliveryView) => {
    setBusy(true);
    try {
      await call('POST', ELEVATOR_PATHS.walletUnloaded(d.id));
      setMessage({ ok: true, text: x.thanks });
      await load();
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) return onSessionLost();
      setMessage({ ok: false, text: errorText(err, t) });
    } finally {
      setBusy(false);
    }
  };

  if (deliveries.length === 0) return null;
  return (
    <section className="card-panel deliveries" data-screen="deliveries" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">{x.title}</h2>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <ul className="list">
        {deliveries.map((d) => {
          const at = STEPS.indexOf(d.status === 'unload-confirmed' ? 'arrived' : d.status);
          const failed = FAILED.includes(d.status);
          return (
            <li key={d.id} className={`delivery${failed ? ' delivery-failed' : ''}`} data-testid="delivery" data-delivery-id={d.id} data-status={d.status}>
              <div className="request-head">
                <span className="request-payee badge-line">{d.merchantName}</span>
                <span className="request-amount">{money({ amount: d.amount, currency: d.currency as never })}</span>
              </div>
              <p className="delivery-status" role="status">
                {x.status[d.status]}
              </p>
              {!failed && (
                <ol className="delivery-steps" aria-label={x.title}>
                  {STEPS.map((s, i) => (
                    <li key={s} className={i < at ? 'done' : i === at ? 'now' : 'todo'} aria-current={i === at ? 'step' : undefined}>
                      {x.steps[s as keyof typeof x.steps]}
                    </li>
                  ))}
                </ol>
              )}
              <p className="muted small-text">
                <span data-money={d.money}>{x.money[d.money]}</span>
                {d.floor !== null ? ` · ${x.floor(d.floor)}` : ''}
                {d.car !== null && !failed && d.status !== 'delivered' ? ` · ${x.car(d.car)}` : ''}
              </p>
              {d.canConfirmUnload && (
                <div className="request-actions">
                  <button type="button" className="primary" disabled={offline || busy} onClick={() => void taken(d)}>
                    {x.taken}
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
