/** The POS agent and the interface a POS program's driver implements. */
export { startPosAgent, type PosAgent, type PosAgentOptions } from './pos-agent.ts';
export { PosRefusal, type PosProgramDriver, type PosSubmission } from './pos-driver.ts';
export { simulatedPosDriver } from './simulated-pos-driver.ts';
