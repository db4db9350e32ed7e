/**
 * My requests to pay, live: the pending list once (`GET /wallet/api/requests`
 * gives the feed's seq), then the phone's SSE stream from that seq. EventSource
 * reconnects by itself and sends Last-Event-ID, so a dropped connection (a
 * server restart) resumes without a gap. When the stream keeps failing (a proxy
 * that buffers, a server down for long), it polls `?after=seq` as the last
 * resort and tries the stream again now and then. Resolved requests (answered
 * here or on another phone, expired, cancelled) are kept as outcomes to show.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { isEdgePayError, PAYMENT_REQUEST_PATHS, type PaymentRequestStreamEvent, type PhonePaymentRequestView, type PhoneRequestsResponse } from '../../core/index.ts';
import { call, Offline } from './api.ts';
import { readLastState, saveLastState } from './last-state.ts';

/** Consecutive stream errors (without an open in between) before polling: about 10 s of retries (the server says retry: 1000), so a restarting server is resumed by the stream itself. */
const FAILURES_BEFORE_POLLING = 10;
const POLL_MS = 2_000;
/** While polling, the stream is tried again after this long. */
const STREAM_RETRY_MS = 30_000;

export type LiveMode = 'loading' | 'stream' | 'polling' | 'offline';

export function useLiveRequests(enabled: boolean, onSessionLost: () => void) {
  const [pending, setPending] = useState<PhonePaymentRequestView[] | undefined>(undefined);
  const [outcomes, setOutcomes] = useState<PhonePaymentRequestView[]>([]);
  const [mode, setMode] = useState<LiveMode>('loading');
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);

  const savePending = useCallback((list: PhonePaymentRequestView[]) => {
    setPending(list);
    saveLastState({ requests: list });
  }, []);
  /** One event of the feed, from the stream or a poll; events at or below the seq seen are skipped (a poll and a stream may overlap). */
  const apply = useCallback((event: PaymentRequestStreamEvent) => {
    if (event.type === 'ready') {
      seq.current = Math.max(seq.current, event.seq);
      return;
    }
    if (event.seq <= seq.current) return;
    seq.current = event.seq;
    const r = event.request as PhonePaymentRequestView;
    if (event.type === 'request') {
      setPending((list) => {
        const next = [...(list ?? []).filter((x) => x.id !== r.id), r];
        saveLastState({ requests: next });
        return next;
      });
    } else if (event.type === 'resolved') {
      setPending((list) => {
        const next = (list ?? []).filter((x) => x.id !== r.id);
        saveLastState({ requests: next });
        return next;
      });
      setOutcomes((list) => [r, ...list.filter((x) => x.id !== r.id)].slice(0, 10));
    }
  }, []);
  /** An answer made on this page: shown at once, before the stream's `resolved` event comes. */
  const answered = useCallback((r: PhonePaymentRequestView) => {
    setPending((list) => (list ?? []).filter((x) => x.id !== r.id));
    setOutcomes((list) => [r, ...list.filter((x) => x.id !== r.id)].slice(0, 10));
  }, []);

  const failed = useCallback(
    (err: unknown) => {
      if (err instanceof Offline) {
        setMode('offline');
        setPending((list) => list ?? readLastState()?.requests ?? []);
      } else if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) onSessionLost();
      else setError(err);
    },
    [onSessionLost],
  );

  useEffect(() => {
    if (!enabled) {
      // Offline: the last known list, shown as such by the page (its actions wait for the connection).
      setPending(readLastState()?.requests ?? []);
      setMode('offline');
      return;
    }
    let stopped = false;
    let stream: EventSource | null = null;
    let poller: ReturnType<typeof setInterval> | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;

    const poll = async () => {
      try {
        const r = await call<PhoneRequestsResponse>('GET', `${PAYMENT_REQUEST_PATHS.phoneList}?after=${seq.current}`);
        if (stopped) return;
        for (const e of r.events ?? []) apply(e);
        savePending(r.requests);
        setMode('polling');
      } catch (err) {
        if (!stopped) failed(err);
      }
    };
    const startPolling = () => {
      stream?.close();
      stream = null;
      if (poller) return;
      void poll();
      poller = setInterval(() => void poll(), POLL_MS);
      retry = setTimeout(() => {
        if (poller) clearInterval(poller);
        poller = null;
        openStream();
      }, STREAM_RETRY_MS);
    };
    const openStream = () => {
      if (stopped || typeof EventSource === 'undefined') return startPolling();
      let failures = 0;
      // `after` only for the first connection; EventSource's own reconnects send Last-Event-ID, which the server prefers.
      const es = new EventSource(`${PAYMENT_REQUEST_PATHS.phoneStream}?after=${seq.current}`);
      stream = es;
      es.onopen = () => {
        failures = 0;
        setMode('stream');
      };
      for (const type of ['ready', 'request', 'resolved'] as const) {
        es.addEventListener(type, (m) => {
          try {
            apply(JSON.parse((m as MessageEvent<string>).data) as PaymentRequestStreamEvent);
          } catch {
            /* a malformed event: the next poll or list read repairs the view */
          }
        });
      }
      es.onerror = () => {
        failures++;
        // CLOSED: the server refused the stream (a lost session answers 401); polling tells which.
        if (es.readyState === EventSource.CLOSED || failures >= FAILURES_BEFORE_POLLING) startPolling();
      };
    };

    (async () => {
      try {
        const r = await call<PhoneRequestsResponse>('GET', PAYMENT_REQUEST_PATHS.phoneList);
        if (stopped) return;
        seq.current = r.seq;
        savePending(r.requests);
        openStream();
      } catch (err) {
        if (!stopped) failed(err);
      }
    })();
    return () => {
      stopped = true;
      stream?.close();
      if (poller) clearInterval(poller);
      if (retry) clearTimeout(retry);
    };
  }, [enabled, apply, failed, savePending]);

  return { pending, outcomes, mode, error, answered };
}
