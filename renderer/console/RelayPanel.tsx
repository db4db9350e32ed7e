/**
 * The relay's registries as the server holds them for this site (issue 22):
 * relay terminals (stand-alone, or paired with which POS agent), the app
 * registry (app id -> destination, what it takes, which codes match it) and
 * the POS agents with their last sign of life. Read-only: the server's admin
 * API changes them.
 */
import { useCallback, useEffect, useState } from 'react';
import type { relay } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';

export function RelayPanel({ token }: { token: string }) {
  const client = useClient();
  const { t, locale, errorText } = useI18n();
  const [registry, setRegistry] = useState<relay.RelayRegistryView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    () =>
      void client.relayRegistry(token).then(
        (r) => (setRegistry(r), setError(null)),
        (err) => setError(errorText(err)),
      ),
    [client, token, errorText],
  );
  useEffect(() => {
    load();
    // Last seen moves: read again every 10 s while the tab is open.
    const timer = setInterval(load, 10_000);
    return () => clearInterval(timer);
  }, [load]);
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const ago = (iso: string | null) => (iso ? rel.format(Math.round((Date.parse(iso) - Date.now()) / 1000), 'second') : t('relay.console.never'));
  const none = (n: number, cols: number) =>
    n === 0 ? (
      <tr>
        <td colSpan={cols} className="muted">
          {t('relay.console.none')}
        </td>
      </tr>
    ) : null;

  if (error)
    return (
      <p className="error banner" role="alert">
        {error}
      </p>
    );
  if (!registry) return null;
  return (
    <div className="grid" data-testid="relay-registry">
      <p className="muted wide">{t('relay.console.hint')}</p>
      <section className="card wide" aria-labelledby="relay-terminals-title">
        <h2 id="relay-terminals-title">{t('relay.console.terminals')}</h2>
        <table className="table" data-testid="relay-terminals">
          <thead>
            <tr>
              <th>{t('relay.console.terminal')}</th>
              <th>{t('relay.console.label')}</th>
              <th>{t('relay.console.gateway')}</th>
              <th>{t('relay.console.pairing')}</th>
            </tr>
          </thead>
          <tbody>
            {registry.terminals.map((x) => (
              <tr key={x.terminalId} data-testid={`relay-terminal-${x.terminalId}`}>
                <td className="mono">{x.terminalId}</td>
                <td>{x.label}</td>
                <td className="mono">{x.gatewayId}</td>
                <td>
                  {x.posAgentId ? <span className="pill pill-good">{t('relay.console.pairedWith', { agent: x.posAgentId })}</span> : <span className="pill">{t('relay.console.standalone')}</span>}
                </td>
              </tr>
            ))}
            {none(registry.terminals.length, 4)}
          </tbody>
        </table>
      </section>
      <section className="card wide" aria-labelledby="relay-apps-title">
        <h2 id="relay-apps-title">{t('relay.console.apps')}</h2>
        <table className="table" data-testid="relay-apps">
          <thead>
            <tr>
              <th>{t('relay.console.app')}</th>
              <th>{t('relay.console.label')}</th>
              <th>{t('relay.console.destination')}</th>
              <th>{t('relay.console.takes')}</th>
              <th>{t('relay.console.matches')}</th>
            </tr>
          </thead>
          <tbody>
            {registry.apps.map((a) => (
              <tr key={a.appId} data-testid={`relay-app-${a.appId}`}>
                <td className="mono">{a.appId}</td>
                <td>{a.label}</td>
                <td className="mono">{a.destination}</td>
                <td>{t(`relay.console.takes.${a.takes}` as const)}</td>
                <td className="mono">{a.matchKeys.join(', ')}</td>
              </tr>
            ))}
            {none(registry.apps.length, 5)}
          </tbody>
        </table>
      </section>
      <section className="card wide" aria-labelledby="relay-agents-title">
        <h2 id="relay-agents-title">{t('relay.console.agents')}</h2>
        <table className="table" data-testid="relay-agents">
          <thead>
            <tr>
              <th>{t('relay.console.agent')}</th>
              <th>{t('relay.console.lastSeen')}</th>
            </tr>
          </thead>
          <tbody>
            {registry.posAgents.map((g) => (
              <tr key={g.agentId} data-testid={`relay-agent-${g.agentId}`}>
                <td className="mono">{g.agentId}</td>
                <td>{g.revoked ? <span className="pill pill-bad">{t('relay.console.revoked')}</span> : ago(g.lastSeenAt)}</td>
              </tr>
            ))}
            {none(registry.posAgents.length, 2)}
          </tbody>
        </table>
      </section>
    </div>
  );
}
