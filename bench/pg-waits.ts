/**
 * PostgreSQL's own view of a bench run (issue 24): samples pg_stat_activity
 * every few milliseconds while the load runs and counts, for the backends
 * of one application_name (the bench sets it on the servers' connections),
 * what each was doing: running on CPU, waiting for a lock (and which: a row lock is `Lock/transactionid` or `Lock/tuple`), for the WAL
 * flush of a commit (`LWLock/WALWrite`, `IO/WALSync`), or for the client
 * (`Client/ClientRead`: idle in a transaction or between statements, i.e. a
 * round trip to the server process). pg_stat_statements would say more, but
 * it must be in shared_preload_libraries, which a shared PostgreSQL may not
 * have (this machine's does not); sampling needs nothing installed.
 *
 * Also names the statements seen most often while active (first 80
 * characters), which finds the hot ones without pg_stat_statements.
 */
import pg from 'pg';

export type WaitProfile = { samples: number; states: Map<string, number>; queries: Map<string, number> };

/** Starts sampling the backends whose application_name is `appName`; stop() answers the profile. */
export function sampleWaits(connectionString: string, appName: string, everyMs = 10): { stop: () => Promise<WaitProfile> } {
  const profile: WaitProfile = { samples: 0, states: new Map(), queries: new Map() };
  const client = new pg.Client({ connectionString });
  let running = true;
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null; query: string }>(
        `SELECT state, wait_event_type, wait_event, left(query, 80) AS query FROM pg_stat_activity
          WHERE application_name = $1 AND pid <> pg_backend_pid()`,
        [appName],
      );
      profile.samples++;
      for (const r of rows) {
        if (r.state === 'idle') {
          if (r.wait_event === 'ClientRead') add(profile.states, 'idle (pool)');
          continue;
        }
        const what = r.state === 'active' ? (r.wait_event_type ? `${r.wait_event_type}/${r.wait_event}` : 'CPU') : `${r.state}${r.wait_event ? ' ' + r.wait_event : ''}`;
        add(profile.states, what);
        if (r.state === 'active') add(profile.queries, r.query.replace(/\s+/g, ' '));
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return profile;
    },
  };
}

/** The profile as lines: each state's average number of backends in it, most first. */
export function describeWaits(p: WaitProfile, top = 8): string[] {
  const per = (n: number) => (n / Math.max(1, p.samples)).toFixed(2);
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `pg_stat_activity, ${p.samples} samples (backends on average):`,
    ...sorted(p.states).map(([k, n]) => `  ${per(n).padStart(6)}  ${k}`),
    'active statements (backends on average):',
    ...sorted(p.queries).map(([k, n]) => `  ${per(n).padStart(6)}  ${k}`),
  ];
}
