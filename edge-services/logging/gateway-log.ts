/**
 * The gateway's log (issue 26): JSON lines through pino, like the server's,
 * instead of plain text on stderr. One root logger per process (the gateway,
 * each driver or simulator process) writing to stderr; every part takes a
 * child with its `component` (`gateway`, `bus`, `driver`, `hid`, `api`, ...),
 * so a shop's log collector can filter and count without parsing sentences.
 *
 * Card numbers never reach a line (issue 25): string arguments and every value
 * of the logged object go through core's redaction first.
 *
 * Why stderr and synchronous writes: drivers are supervised processes whose
 * stderr the supervisor passes through, and a driver that is killed must not
 * lose the line saying why; the gateway's lines are few (no per-request log).
 */
import pino, { type Logger } from 'pino';
import { hasCardNumber, redactCardNumbers } from '../../core/index.ts';

export type GatewayLogger = Logger;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let root: Logger | undefined;
let level: LogLevel = 'info';

/** Redacts card numbers anywhere in a log object (values are text by then). */
function redactObject(obj: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(obj);
  if (!hasCardNumber(text)) return obj;
  try {
    return JSON.parse(redactCardNumbers(text)) as Record<string, unknown>;
  } catch {
    return { redacted: 'the logged object held a card number' };
  }
}

function createRoot(destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, service: 'edgepay-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactObject },
      hooks: {
        logMethod(args, method) {
          const safe = args.map((a) => (typeof a === 'string' ? redactCardNumbers(a) : a));
          return method.apply(this, safe as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** Sets the level of this process's log (from the validated configuration); also for loggers made before. */
export function setGatewayLogLevel(next: LogLevel): void {
  level = next;
  if (root) root.level = next;
}

/** Sends this process's log somewhere else (tests); returns the previous root. */
export function setGatewayLogDestination(destination: pino.DestinationStream | undefined): void {
  root = createRoot(destination);
}

/** The logger of one part of the gateway: `gatewayLog('bus')`, `gatewayLog('driver', { deviceId })`. */
export function gatewayLog(component: string, bindings: Record<string, unknown> = {}): Logger {
  root ??= createRoot();
  return root.child({ component, ...bindings });
}
