/**
 * Pay with a code (the relay flow): the wallet's payment code as a barcode
 * and a QR (EMVCo CPM), renewed before it expires, its membership cards, and
 * "tap a terminal": the phone reads the terminal's id from its NFC tag (Web
 * NFC where the browser has it; here the id is typed or picked, a simulated
 * tap) and sends (terminal id, code, app id). What the terminals did with
 * this wallet's codes appears below, live (polled every 2 s on this tab).
 * Texts live here (Korean and English) so the wallet's shared catalogue is untouched.
 */
import QRCode from 'qrcode';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { relay } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call, Offline } from '../api.ts';
import { errorText } from '../errors.ts';
import { itfBars } from './itf-barcode.ts';

const TEXT = {
  en: {
    title: 'Pay with a code',
    renews: 'Renews before',
    members: 'Membership',
    tap: 'Tap a terminal',
    terminal: 'Terminal id (from its NFC tag)',
    pay: 'Pay here',
    points: 'Collect points',
    redeem: 'Use points',
    latest: 'Latest',
    none: 'Nothing yet',
    nav: 'Pay',
  },
  ko: {
    title: '코드로 결제',
    renews: '자동 갱신',
    members: '멤버십',
    tap: '단말기에 태그',
    terminal: '단말기 ID (NFC 태그)',
    pay: '여기서 결제',
    points: '포인트 적립',
    redeem: '포인트 사용',
    latest: '최근 내역',
    none: '아직 없음',
    nav: '결제',
  },
} as const;

export function relayNavLabel(lang: string): string {
  return lang === 'ko' ? TEXT.ko.nav : TEXT.en.nav;
}

export function RelayScreen({ onSessionLost }: { onSessionLost: () => void }) {
  const { t, lang, locale } = useI18n();
  const x = lang === 'ko' ? TEXT.ko : TEXT.en;
  const [codes, setCodes] = useState<relay.WalletRelayCodes | null>(null);
  const [qr, setQr] = useState('');
  const [relays, setRelays] = useState<relay.RelayView[]>([]);
  const [terminalId, setTerminalId] = useState(() => new URLSearchParams(location.search).get('terminal') ?? '');
  const [points, setPoints] = useState(100);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const lost = useCallback(
    (err: unknown) => {
      if ((err as { code?: string }).code === 'WALLET_SESSION_REQUIRED') onSessionLost();
    },
    [onSessionLost],
  );

  const renew = useCallback(async () => {
    try {
      const c = await call<relay.WalletRelayCodes>('GET', '/wallet/api/relay/codes');
      setCodes(c);
      setQr(await QRCode.toDataURL(c.paymentCode.qr, { errorCorrectionLevel: 'M', margin: 2, width: 220 }));
    } catch (err) {
      if (!(err instanceof Offline)) lost(err);
    }
  }, [lost]);

  useEffect(() => {
    void renew();
  }, [renew]);
  // Renewed 20 s before it expires, so the code on the screen is always good.
  useEffect(() => {
    if (!codes) return;
    const ms = Math.max(1_000, new Date(codes.paymentCode.expiresAt).getTime() - Date.now() - 20_000);
    const timer = setTimeout(() => void renew(), ms);
    return () => clearTimeout(timer);
  }, [codes, renew]);
  // A terminal used this wallet's code (its relay appears): the code is spent, show the next one.
  const newest = useRef<string | undefined>(undefined);
  useEffect(() => {
    let stop = false;
    const poll = async () => {
      try {
        const r = await call<{ relays: relay.RelayView[] }>('GET', '/wallet/api/relay/relays');
        if (stop) return;
        setRelays(r.relays);
        const top = r.relays[0];
        if (top && newest.current !== undefined && top.id !== newest.current && top.operation === 'pay') void renew();
        newest.current = top?.id ?? '';
      } catch {
        // Offline or signed out: the next tick tries again (the session check is the other tabs' job).
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 2_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [renew]);

  const tap = async (what: 'pay' | 'points' | 'redeem') => {
    if (!codes) return;
    setMessage(null);
    const m = codes.memberships[0];
    const body: relay.RelayTapBody =
      what === 'pay'
        ? { terminalId, code: codes.paymentCode.barcode, appId: codes.paymentCode.appId }
        : what === 'points'
          ? { terminalId, code: m!.memberId, appId: m!.appId }
          : { terminalId, code: m!.memberId, appId: m!.appId, operation: 'redeem', points };
    try {
      const r = await call<{ relay: relay.RelayView }>('POST', '/wallet/api/relay/taps', body);
      const ok = ['paid', 'accrued', 'redeemed'].includes(r.relay.status);
      setMessage({ ok, text: describe(r.relay, locale) });
      setRelays((old) => [r.relay, ...old.filter((o) => o.id !== r.relay.id)]);
      newest.current = r.relay.id;
    } catch (err) {
      lost(err);
      setMessage({ ok: false, text: errorText(err, t) });
    } finally {
      // A payment code is good once: show the next one.
      if (what === 'pay') void renew();
    }
  };

  const bars = codes ? itfBars(codes.paymentCode.barcode) : null;
  return (
    <section className="relay-pay" aria-labelledby="relay-title">
      <h2 id="relay-title">{x.title}</h2>
      {codes && bars && (
        <div className="relay-code" data-testid="relay-code">
          <svg viewBox={`0 0 ${bars.width} 60`} role="img" aria-label={codes.paymentCode.barcode} width="100%" height="80">
            {bars.bars.map((b, i) => (
              <rect key={i} x={b.x} y={0} width={b.w} height={60} fill="#000" />
            ))}
          </svg>
          <p className="relay-digits" data-testid="relay-barcode">
            {codes.paymentCode.barcode.replace(/(\d{4})(?=\d)/g, '$1 ')}
          </p>
          {qr && <img src={qr} alt="QR" width={220} height={220} data-testid="relay-qr" />}
          <p className="muted">
            {x.renews} {new Date(codes.paymentCode.expiresAt).toLocaleTimeString(locale)}
          </p>
        </div>
      )}
      {codes &&
        codes.memberships.map((m) => (
          <div key={m.memberId} className="relay-member" data-testid="relay-member">
            <strong>{m.programName}</strong> <span>{m.memberId}</span> <b data-testid="relay-points">{m.points.toLocaleString(locale)} P</b>
          </div>
        ))}
      <h3>{x.tap}</h3>
      <label>
        {x.terminal} <input value={terminalId} onChange={(e) => setTerminalId(e.target.value.trim())} data-testid="relay-terminal" autoComplete="off" />
      </label>
      <div className="relay-actions">
        <button type="button" disabled={!terminalId || !codes} onClick={() => void tap('pay')} data-testid="relay-tap-pay">
          {x.pay}
        </button>
        <button type="button" disabled={!terminalId || !codes} onClick={() => void tap('points')} data-testid="relay-tap-points">
          {x.points}
        </button>
        <input type="number" min={1} value={points} onChange={(e) => setPoints(Math.max(1, Number(e.target.value) || 1))} aria-label={x.redeem} />
        <button type="button" disabled={!terminalId || !codes} onClick={() => void tap('redeem')} data-testid="relay-tap-redeem">
          {x.redeem}
        </button>
      </div>
      {message && (
        <p className={message.ok ? 'ok' : 'error'} role="status" data-testid="relay-message">
          {message.text}
        </p>
      )}
      <h3>{x.latest}</h3>
      {relays.length === 0 ? (
        <p className="muted">{x.none}</p>
      ) : (
        <ol className="relay-latest" data-testid="relay-latest">
          {relays.map((r) => (
            <li key={r.id} data-status={r.status}>
              {describe(r, locale)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function describe(r: relay.RelayView, locale: string): string {
  const amount = r.amount ? new Intl.NumberFormat(locale, { style: 'currency', currency: r.amount.currency }).format(r.amount.amount) : '';
  return [r.status, r.operation, amount, r.points ? `${r.points} P` : '', r.balance !== undefined ? `(${r.balance} P)` : '', r.reason ?? '', r.terminalId].filter(Boolean).join(' · ');
}
