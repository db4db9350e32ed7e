/**
 * The boot keyboard reports a keyboard-wedge device sends to "type" a text:
 * for each character a press report (modifier + usage) and a release report
 * (all zero), then the terminator. Used by the scripted scanner of the demo
 * and by tests; the reports are what a real scanner puts on the wire.
 */
import { MODIFIER, USAGE_ENTER, charToUsage } from './keyboard-usages.ts';

export type TimedReport = { data: Buffer; at: number };

export function keyboardReportsFor(text: string, options: { startAt: number; gapMs: number; terminatorUsage?: number }): TimedReport[] {
  const reports: TimedReport[] = [];
  let at = options.startAt;
  const push = (modifier: number, usage: number) => {
    reports.push({ data: Buffer.from([modifier, 0, usage, 0, 0, 0, 0, 0]), at });
    at += options.gapMs / 2;
    reports.push({ data: Buffer.alloc(8), at });
    at += options.gapMs / 2;
  };
  for (const char of text) {
    const key = charToUsage(char);
    if (!key) throw new Error(`no US-layout key for ${JSON.stringify(char)}`);
    push(key.shift ? MODIFIER.leftShift : 0, key.usage);
  }
  push(0, options.terminatorUsage ?? USAGE_ENTER);
  return reports;
}
