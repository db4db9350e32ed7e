/** The POS program simulator as its own process: `POS_PROGRAM` (JSON: PosProgramOptions) in the environment; prints `{"url": ...}`. */
import { startPosProgram } from './pos-program-simulator.ts';

const program = await startPosProgram(JSON.parse(process.env.POS_PROGRAM ?? '{}'));
process.stdout.write(JSON.stringify({ url: program.url }) + '\n');
process.on('SIGTERM', () => void program.close().then(() => process.exit(0)));
process.on('SIGINT', () => void program.close().then(() => process.exit(0)));
