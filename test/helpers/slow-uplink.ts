// A TCP proxy in front of a test server whose uplink (browser → server) can be slowed, so
// progress bars move as on a phone's connection, and whose connections can be cut, as a
// network that drops. (Chromium's own network throttling lets an upload's progress run
// ahead of the bytes it holds back.)
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface SlowUplink {
  url: string;
  bytesPerSecond: number;
  /** Bytes sent up through the proxy so far (request lines, headers and bodies). */
  bytesUp: number;
  /** Drops every connection through the proxy now (a request in flight breaks off). */
  cut(): void;
  close(): Promise<void>;
}

export async function slowUplink(target: string): Promise<SlowUplink> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: SlowUplink = {
    url: '',
    bytesPerSecond: Infinity,
    bytesUp: 0,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => {
      proxy.cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      proxy.bytesUp += chunk.length;
      if (!Number.isFinite(proxy.bytesPerSecond)) return;
      client.pause();
      setTimeout(() => client.resume(), (chunk.length / proxy.bytesPerSecond) * 1000);
    });
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return proxy;
}
