// The counters the app keeps for GET /metrics (http/metrics.ts), in one prom-client registry.
// Counting costs an addition, so it is always on; METRICS only decides whether they are served.
import { Counter, Histogram, Registry } from 'prom-client';

export const registry = new Registry();

export const requests = new Counter({ name: 'shoebox_http_requests_total', help: 'HTTP requests answered, by route group, method and status class', labelNames: ['group', 'method', 'status'], registers: [registry] });
export const latency = new Histogram({
  name: 'shoebox_http_request_duration_seconds',
  help: 'Time to the start of the answer, by route group',
  labelNames: ['group'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const uploadBytes = new Counter({ name: 'shoebox_upload_bytes_total', help: 'Bytes of files received by uploads and imports', registers: [registry] });
const downloadBytes = new Counter({ name: 'shoebox_download_bytes_total', help: 'Bytes of media and ZIP answers (their body length)', labelNames: ['kind'], registers: [registry] });

export const countUploadBytes = (bytes: number) => uploadBytes.inc(bytes);
export const countDownloadBytes = (kind: 'file' | 'zip', bytes: number) => downloadBytes.inc({ kind }, bytes);
