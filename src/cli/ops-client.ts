import type { Command } from 'commander';

/**
 * Commands that act on a running gateway go through its operations API, so they work the same
 * against the demo, a Docker container or a clinic's server.
 */
export interface OpsTarget {
  url: string;
  token: string;
  /** the clinic a command is about (HER-id); unset: the gateway's first clinic */
  clinic?: string;
}

export function addOpsTargetOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the running gateway (default: EPJ_GATEWAY_URL or http://localhost:$PORT)')
    .option('--token <token>', 'operator token (default: OPS_TOKEN, or the demo token)')
    .option('--clinic <herId>', "the clinic's HER-id (default: the gateway's first clinic)");
}

export function opsTarget(opts: { url?: string; token?: string; clinic?: string }): OpsTarget {
  const url = opts.url ?? process.env.EPJ_GATEWAY_URL ?? `http://localhost:${process.env.PORT ?? 8080}`;
  const token = opts.token ?? process.env.OPS_TOKEN ?? 'demo-ops-token';
  return { url: url.replace(/\/$/, ''), token, ...(opts.clinic ? { clinic: opts.clinic } : {}) };
}

/** The path with the clinic's HER-id as `clinic=`, when the command names one. */
function withClinic(path: string, clinic: string | undefined): string {
  if (!clinic) return path;
  return `${path}${path.includes('?') ? '&' : '?'}clinic=${encodeURIComponent(clinic)}`;
}

export class OpsRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function opsRequest<T>(target: OpsTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${withClinic(path, target.clinic)}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    // fetch's cause is the network error (its text names the fault) or, failing that, the message.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string, @typescript-eslint/restrict-template-expressions
    throw new OpsRequestError(0, 'UNREACHABLE', `cannot reach the gateway at ${target.url} (${(err as Error).cause ?? (err as Error).message})`);
  }
  const text = await res.text();
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code ?? code;
      message = parsed.error?.message ?? message;
    } catch {
      /* not JSON */
    }
    throw new OpsRequestError(res.status, code, message);
  }
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') && !type.includes('ndjson') ? JSON.parse(text) : text) as T;
}

/** Runs an action, printing an API failure as one line and setting the exit code. */
export async function runOps(fn: () => Promise<void>, json: boolean): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof OpsRequestError)) throw err;
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message } })}\n`);
    else process.stderr.write(`epj-gateway: ${err.code}: ${err.message}\n`);
    process.exitCode = 1;
  }
}
