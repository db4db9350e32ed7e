/**
 * Prometheus metrics of one server instance (a registry per app, so tests
 * can run several apps in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ServerMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(defaultMetrics: boolean) {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'edgepay_http_requests_total',
      help: 'HTTP requests by route and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'edgepay_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    pulledDocuments: new Counter({
      name: 'edgepay_sync_pulled_documents_total',
      help: 'Documents sent to gateways by pull',
      labelNames: ['collection'] as const,
      registers: [registry],
    }),
    pushedDocuments: new Counter({
      name: 'edgepay_sync_pushed_documents_total',
      help: 'Push rows by outcome (written, conflict)',
      labelNames: ['collection', 'outcome'] as const,
      registers: [registry],
    }),
    refusedPushes: new Counter({
      name: 'edgepay_sync_refused_pushes_total',
      help: 'Pushes refused, by error code',
      labelNames: ['collection', 'code'] as const,
      registers: [registry],
    }),
    liveStreams: new Gauge({ name: 'edgepay_sync_live_streams', help: 'Open pull streams', registers: [registry] }),
    forwardQueue: new Gauge({ name: 'edgepay_forward_queue_length', help: 'Offline payments waiting to be forwarded to the acquirer', registers: [registry] }),
    decisionBatches: new Gauge({ name: 'edgepay_payment_decision_batches', help: 'Batches of payment decisions written by group commit since start', registers: [registry] }),
    decisionsBatched: new Gauge({ name: 'edgepay_payment_decisions_batched', help: 'Payment decisions written by group commit since start (the rest took the locked path)', registers: [registry] }),
  };
}
