/**
 * A keyboard-wedge scanner types the code and Enter faster than any person.
 * On the kiosk (no text field) every digit run ending in Enter is a scan;
 * this also lets a person at a keyboard drive the demo.
 */
import { useEffect, useRef } from 'react';

export function useKeyboardScanner(onScan: (code: string) => void): void {
  const buffer = useRef('');
  const cb = useRef(onScan);
  cb.current = onScan;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) return;
      if (e.key === 'Enter') {
        const code = buffer.current;
        buffer.current = '';
        if (code.length >= 4) {
          e.preventDefault();
          cb.current(code);
        }
      } else if (e.key.length === 1 && /[0-9A-Za-z-]/.test(e.key)) {
        buffer.current = (buffer.current + e.key).slice(-64);
      } else if (e.key === 'Escape') {
        buffer.current = '';
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
