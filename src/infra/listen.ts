import { createServer, type RequestListener, type Server } from 'node:http';
import net from 'node:net';

/** A port some other process holds: which setting names it and what to do, instead of a bare EADDRINUSE. */
export class PortInUseError extends Error {
  constructor(
    readonly setting: string,
    readonly port: number,
    readonly host: string,
  ) {
    super(
      `${setting}: port ${port} on ${host} is already in use (is another epj-gateway or its demo running?). ` +
        `Stop the other process, or set ${setting} to a free port (0 picks one).`,
    );
    this.name = 'PortInUseError';
  }
}

export function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

/** Turns EADDRINUSE from starting something on `port` into a PortInUseError naming `setting`. */
export async function namingThePort<T>(setting: string, port: number, host: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (isAddressInUse(err)) throw new PortInUseError(setting, port, host);
    throw err;
  }
}

/** A port bound before anything else starts; `serve` hands its requests to the app once it is built. */
export interface BoundPort {
  server: Server;
  url: string;
  serve(handler: RequestListener): void;
}

/**
 * Binds PORT first, so a port another process holds fails the start before any worker or poller
 * runs (a second gateway started by mistake must not take work). Until the app is handed over, a
 * request is answered 503 with Retry-After.
 */
export function bindPort(port: number, host: string): Promise<BoundPort> {
  return namingThePort('PORT', port, host, async () => {
    const starting: RequestListener = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'STARTING', message: 'The gateway is starting; retry in a second.' } }));
    };
    const server = createServer(starting);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    const shown = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host;
    return {
      server,
      url: `http://${shown}:${bound}`,
      serve(handler) {
        server.off('request', starting);
        server.on('request', handler);
      },
    };
  });
}

/**
 * Opens a plain socket to `port`, writes `hello` and resolves whether the first bytes back satisfy
 * `answered` (false on no listener, an error or nothing within `timeoutMs`): a server's own
 * protocol as its health check.
 */
export function probe(port: number, host: string, timeoutMs: number, hello: string | Buffer, answered: (first: Buffer) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(hello));
    socket.on('data', (d) => done(answered(d)));
  });
}
