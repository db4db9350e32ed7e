/**
 * Minimal types for the parts of `autocannon` (9.x) that bench/payments.ts
 * uses (the package ships none and @types/autocannon is not installed).
 */
declare module 'autocannon' {
  export type RawRequest = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  };
  export type RequestSpec = RawRequest & {
    /** Called before each request is sent; returns the request to send (falsy: restart the sequence). */
    setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest | undefined;
    /** Called with each response (body as a string). */
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => void;
  };
  export type Options = {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    /** Seconds before a request counts as timed out (the connection is then reset). */
    timeout?: number;
    requests?: RequestSpec[];
  };
  export type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p90: number; p99: number; [key: string]: number };
  export type Result = {
    duration: number;
    requests: Histogram & { total: number; sent: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
  };
  export type Instance = PromiseLike<Result> & { stop(): void; on(event: string, listener: (...args: any[]) => void): Instance };
  function autocannon(options: Options): Instance;
  export default autocannon;
}
