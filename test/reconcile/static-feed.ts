import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves one iCal text over HTTP with a strong ETag and 304 on If-None-Match, as a feed host does. */
export interface StaticFeed {
  readonly url: string;
  readonly requests: number;
  close(): Promise<void>;
}

export async function serveStaticFeed(text: string, headers: Record<string, string> = {}): Promise<StaticFeed> {
  const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { etag, 'content-type': 'text/calendar; charset=utf-8', ...headers }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cantina-oro.ics`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
