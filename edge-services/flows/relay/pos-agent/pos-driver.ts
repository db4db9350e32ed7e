/**
 * What a POS agent needs from the POS program beside it: the UI actions a
 * cashier would take (open the app's input, type, fill the memo, submit) and
 * one read (what became of a reference). The simulator's driver speaks to the
 * POS program simulator; an agent for a real POS on Windows (UI Automation) or
 * Linux (AT-SPI, xdotool) implements the same interface.
 */
import type { relay } from '../../../../core/index.ts';

export type PosSubmission = { state: 'in-progress' } | { state: 'done'; result: relay.RelayCommandResult };

export interface PosProgramDriver {
  /** Focus the app's input, emptied. Throws PosRefusal (`unknown-app`, `pos-busy`). */
  openInput(appId: string): Promise<void>;
  type(text: string): Promise<void>;
  setMemo(text: string): Promise<void>;
  submit(): Promise<void>;
  /** What the POS program did with `reference` (undefined: never submitted). */
  lookup(reference: string): Promise<PosSubmission | undefined>;
}

export class PosRefusal extends Error {
  constructor(readonly reason: string) {
    super(`POS program refused: ${reason}`);
  }
}
