/**
 * Who may call the gateway's API over HTTP.
 *
 *  - Host must be one of the gateway's own names (127.0.0.1, localhost, the
 *    address it listens on, configured LAN names): a page on another site that
 *    re-points its DNS name at the gateway (DNS rebinding) is refused.
 *  - Origin, when the browser sends one, must be the gateway's own: another
 *    site's script cannot drive the kiosk or open the live channel.
 *  - Kiosk routes need no sign-in, so they answer only the kiosk itself: the
 *    same machine (loopback) unless the gateway is told the kiosk screen is
 *    elsewhere on the LAN.
 *  - API calls from a browser must say they come from our own page
 *    (`Sec-Fetch-Site: same-origin`): a browser sends no Origin on a GET of
 *    another site's image or no-cors fetch, but it does send Fetch Metadata
 *    (to loopback too), so another page cannot even read-trigger a route.
 *    Clients that send none (scripts, tools, old browsers) are judged by the
 *    rest.
 *  - The request target must be a plain path (origin-form): an absolute-form
 *    target (`POST http://127.0.0.1:8081/api/kiosk/pay`) names its own host
 *    beside the Host header, and a browser talking to us directly never
 *    sends one.
 *
 * These checks are applied by http-app.ts to what the router matched (the
 * route's declared access), never to the raw URL: issue 25 found that
 * testing `url.startsWith('/api/')` let `/%61pi/kiosk/pay` reach the
 * kiosk's pay route unchecked.
 */
import { EdgePayError } from '../../core/index.ts';

export type RequestGuardOptions = {
  /** host:port pairs this gateway answers to. */
  allowedHosts: readonly string[];
  /** Serve the kiosk API to LAN addresses too (a kiosk screen on another machine). */
  kioskFromLan?: boolean;
};

export type RequestFacts = {
  host: string | undefined;
  origin: string | undefined;
  remoteAddress: string | undefined;
  /** The browser's Sec-Fetch-Site header (Fetch Metadata), when it sent one. */
  fetchSite?: string | undefined;
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** Refusals name the reason, never the header they refuse: no input comes back in an error (issue 25). */
export class RequestGuard {
  private hosts: Set<string>;

  constructor(private readonly options: RequestGuardOptions) {
    this.hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  }

  /** The port is known only once the server listens: the names are set then. */
  setAllowedHosts(hosts: readonly string[]): void {
    this.hosts = new Set(hosts.map((h) => h.toLowerCase()));
  }

  /** Throws unless the request target is a path (`/…`, not `//…`, not absolute-form, not `*`). */
  checkTarget(url: string | undefined): void {
    if (!url || url[0] !== '/' || url[1] === '/') throw new EdgePayError('REQUEST_INVALID', { reason: 'the request target must be a path' });
  }

  /** Throws unless Host and Origin are ours. */
  checkSameOrigin(req: RequestFacts): void {
    const host = req.host?.toLowerCase();
    if (!host || !this.hosts.has(host)) throw new EdgePayError('GATEWAY_API_ORIGIN_FORBIDDEN', { origin: req.host ? 'another host' : 'no host' });
    if (req.origin !== undefined) {
      let ok = false;
      try {
        const o = new URL(req.origin);
        ok = (o.protocol === 'http:' || o.protocol === 'https:') && this.hosts.has(o.host.toLowerCase());
      } catch {
        ok = false;
      }
      if (!ok) throw new EdgePayError('GATEWAY_API_ORIGIN_FORBIDDEN', { origin: 'another origin' });
    }
  }

  /** Throws unless this request may call an API method: same origin, and no browser saying it comes from another page. */
  checkApi(req: RequestFacts): void {
    this.checkSameOrigin(req);
    if (req.fetchSite !== undefined && req.fetchSite !== 'same-origin') {
      throw new EdgePayError('GATEWAY_API_ORIGIN_FORBIDDEN', { origin: 'another page' });
    }
  }

  /** Throws unless this request may use the kiosk's routes. */
  checkKiosk(req: RequestFacts): void {
    this.checkApi(req);
    if (!this.options.kioskFromLan && !LOOPBACK.test(req.remoteAddress ?? '')) {
      throw new EdgePayError('GATEWAY_API_ORIGIN_FORBIDDEN', { origin: 'another machine' });
    }
  }

  /** Throws unless this request may read /healthz and /metrics: same rules as the API, from this machine only. */
  checkProbe(req: RequestFacts): void {
    this.checkApi(req);
    if (!LOOPBACK.test(req.remoteAddress ?? '')) throw new EdgePayError('GATEWAY_API_ORIGIN_FORBIDDEN', { origin: 'another machine' });
  }

  /** May this request see kiosk events (same rules as the kiosk routes)? */
  mayUseKiosk(req: RequestFacts): boolean {
    try {
      this.checkKiosk(req);
      return true;
    } catch {
      return false;
    }
  }
}
