import type { Server } from 'node:http';

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

/** Listens and resolves with the server and its URL; a port in use is a PortInUseError naming PORT. */
export function listen(
  app: { listen: (port: number, host: string, cb: (err?: Error) => void) => Server },
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  return namingThePort('PORT', port, host, async () => {
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    const shown = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host;
    return { server, url: `http://${shown}:${bound}` };
  });
}
