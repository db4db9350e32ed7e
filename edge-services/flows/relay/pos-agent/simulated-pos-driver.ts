/** The driver of the POS program simulator (edge-services/simulators/pos-program): its UI actions over loopback HTTP. */
import { PosRefusal, type PosProgramDriver, type PosSubmission } from './pos-driver.ts';

export function simulatedPosDriver(posUrl: string): PosProgramDriver {
  const act = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, posUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.ok) return;
    const reason = ((await res.json().catch(() => ({}))) as { reason?: string }).reason ?? `pos-${res.status}`;
    throw new PosRefusal(reason);
  };
  return {
    openInput: (appId) => act('/ui/open', { appId }),
    // Typed as a keyboard-wedge or a UI automation would: the whole code in one action.
    type: (text) => act('/ui/type', { text }),
    setMemo: (text) => act('/ui/memo', { text }),
    submit: () => act('/ui/submit', {}),
    async lookup(reference) {
      const res = await fetch(new URL(`/submissions/${encodeURIComponent(reference)}`, posUrl));
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`POS program: HTTP ${res.status}`);
      return (await res.json()) as PosSubmission;
    },
  };
}
