/**
 * Idle reset: a basket left behind must not greet the next customer. After
 * `warnMs` without a touch the kiosk asks "still there?"; `graceMs` later
 * it clears the basket. Any touch or key press restarts the clock.
 */
import { useEffect, useRef, useState } from 'react';

export function useIdleReset(active: boolean, warnMs: number, graceMs: number, reset: () => void): { warning: boolean; stay: () => void } {
  const [warning, setWarning] = useState(false);
  const [tick, setTick] = useState(0);
  const resetRef = useRef(reset);
  resetRef.current = reset;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is read by no one on purpose: each touch bumps it to restart the clocks.
  useEffect(() => {
    if (!active) {
      setWarning(false);
      return;
    }
    const bump = () => {
      setWarning(false);
      setTick((n) => n + 1);
    };
    window.addEventListener('pointerdown', bump);
    window.addEventListener('keydown', bump);
    const warn = setTimeout(() => setWarning(true), warnMs);
    const clear = setTimeout(() => {
      setWarning(false);
      resetRef.current();
    }, warnMs + graceMs);
    return () => {
      window.removeEventListener('pointerdown', bump);
      window.removeEventListener('keydown', bump);
      clearTimeout(warn);
      clearTimeout(clear);
    };
  }, [active, warnMs, graceMs, tick]);

  return { warning, stay: () => setTick((n) => n + 1) };
}
