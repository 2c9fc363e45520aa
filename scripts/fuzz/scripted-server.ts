import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';

/**
 * The far side of a network boundary, played by a real HTTP server on a free port: each request is
 * answered with the answer set for the current input (status, headers, body), or the connection is
 * dropped, so the client under test reads real bytes from a real socket.
 */

export interface ScriptedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** drop the connection instead of answering (half the body first when there is one) */
  drop?: boolean;
}

export interface ScriptedServer {
  url: string;
  answer: ScriptedAnswer;
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const state: ScriptedServer = {
    url: '',
    answer: { status: 200, headers: {}, body: Buffer.alloc(0) },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = state.answer;
      if (a.drop) {
        res.socket?.end(`HTTP/1.1 ${a.status} X\r\nContent-Length: ${a.body.length + 10}\r\n\r\n`);
        res.socket?.destroy();
        return;
      }
      try {
        res.writeHead(a.status, { ...a.headers, 'content-length': String(a.body.length) });
      } catch {
        res.writeHead(a.status, { 'content-length': String(a.body.length) });
      }
      res.end(a.body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** Statuses a service answers with, the expected ones most often. */
export const status = (usual: number[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...usual), weight: 6 },
    { arbitrary: fc.constantFrom(200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 413, 429, 500, 502, 503), weight: 3 },
    { arbitrary: fc.integer({ min: 200, max: 599 }), weight: 1 },
  );

export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/xml; charset=utf-8',
  'application/soap+xml',
  'text/plain',
  'application/problem+json',
  'application/octet-stream',
  'text/html; charset=iso-8859-1',
  'application/json; charset=utf-16',
);
