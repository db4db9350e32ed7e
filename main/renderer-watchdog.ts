/**
 * A kiosk must come back by itself: when the renderer process dies or hangs,
 * the window reloads the app (with a growing pause if it keeps dying). The
 * basket and the ledger live in the gateway, so nothing is lost.
 */
import type { WebContents } from 'electron';
import { DEFAULT_BACKOFF, restartDelay } from '../edge-services/index.ts';

export function watchRenderer(contents: Pick<WebContents, 'on' | 'reload'>, options: { setTimeout?: typeof setTimeout } = {}): { reloads(): number } {
  let crashes = 0;
  let reloads = 0;
  let lastCrash = 0;
  const later = options.setTimeout ?? setTimeout;
  const recover = () => {
    const now = Date.now();
    crashes = now - lastCrash > DEFAULT_BACKOFF.stableAfterMs ? 1 : crashes + 1;
    lastCrash = now;
    later(
      () => {
        reloads++;
        contents.reload();
      },
      restartDelay(DEFAULT_BACKOFF, crashes),
    );
  };
  contents.on('render-process-gone', ((_e: unknown, details: { reason: string }) => {
    if (details.reason !== 'clean-exit') recover();
  }) as never);
  contents.on('unresponsive', recover as never);
  return { reloads: () => reloads };
}
