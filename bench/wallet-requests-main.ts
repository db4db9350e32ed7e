/**
 * Runs the requests-to-pay latency bench alone:
 *   npx tsx bench/wallet-requests-main.ts [--pglite] [--count N]
 * (`npm run bench -- wallet` runs it with the rest of the wallet's figures.)
 */
import { runWalletRequests } from './wallet-requests.ts';

// stdout is for the JSON result lines only.
console.log = console.error;
const args = process.argv.slice(2);
const countAt = args.indexOf('--count');
await runWalletRequests({
  database: args.includes('--pglite') ? 'pglite' : 'postgres',
  ...(countAt >= 0 ? { count: Number(args[countAt + 1]) } : {}),
});
process.stdout.write('', () => process.exit(0));
