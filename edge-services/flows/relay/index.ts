/** The relay flow on the gateway: the relay terminal, its screen, and the POS agent (which runs beside a POS program and reaches the server on its own). */
export { RelayTerminal, type RelayTerminalOptions, type TerminalScreen, type ScanAnswer } from './relay-terminal.ts';
export { serveTerminal, type TerminalHttp } from './terminal-http.ts';
export { openCommandStream, postResult, type CommandStream } from './command-stream.ts';
export * from './pos-agent/index.ts';
export { startPosProgram, type PosProgram, type PosProgramApp, type PosProgramOptions } from '../../simulators/pos-program/pos-program-simulator.ts';
export const RELAY_PROCESS_ENTRIES = {
  terminal: new URL('./relay-terminal-main.ts', import.meta.url).pathname,
  posAgent: new URL('./pos-agent/pos-agent-main.ts', import.meta.url).pathname,
  posProgram: new URL('../../simulators/pos-program/pos-program-main.ts', import.meta.url).pathname,
};
