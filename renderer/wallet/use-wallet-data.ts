/**
 * Loads one list from the wallet API; offline, falls back to the last known
 * copy (and says so through `stale`). A refusal for want of a session sends
 * the page back to sign-in.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { isEdgePayError } from '../../core/index.ts';
import { call, Offline } from './api.ts';
import { readLastState, saveLastState, type LastState } from './last-state.ts';

export function useWalletData<K extends 'units' | 'methods' | 'requests'>(
  path: string,
  key: K,
  from: (json: any) => NonNullable<LastState[K]>,
  onSessionLost: () => void,
): { data: NonNullable<LastState[K]> | undefined; stale: boolean; error: unknown; reload: () => Promise<void>; set: (v: NonNullable<LastState[K]>) => void } {
  const [data, setData] = useState<NonNullable<LastState[K]> | undefined>(undefined);
  const [stale, setStale] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = useCallback(
    (v: NonNullable<LastState[K]>) => {
      setData(v);
      setStale(false);
      saveLastState({ [key]: v } as Partial<LastState>);
    },
    [key],
  );
  // `from` is a pure picker given inline (a new function each render): read through a ref so it never re-runs the load.
  const fromRef = useRef(from);
  fromRef.current = from;
  const reload = useCallback(async () => {
    try {
      set(fromRef.current(await call('GET', path)));
      setError(null);
    } catch (err) {
      if (err instanceof Offline) {
        setData((readLastState()?.[key] ?? undefined) as NonNullable<LastState[K]> | undefined);
        setStale(true);
      } else if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) onSessionLost();
      else setError(err);
    }
  }, [path, key, set, onSessionLost]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, stale, error, reload, set };
}
