/**
 * An IPC message is taken only from our page: the main frame (not an
 * iframe a page could embed) of a WebContents showing app://edgepay.
 */
import { isAppUrl } from '../security/harden.ts';

export type IpcSenderFacts = {
  senderFrame: { url: string; parent: unknown } | null;
};

export function isTrustedSender(event: IpcSenderFacts): boolean {
  const frame = event.senderFrame;
  if (!frame) return false; // the frame navigated away or was destroyed
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}
