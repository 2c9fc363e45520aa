import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/epj-gateway.mjs', import.meta.url));
export const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Every listener a spawned command may open gets a free port unless the test names one: the defaults (8080, 8091,
 * 8092) belong to a demo that may be running on the same machine, and the tests promise never to touch it.
 */
export const FREE_PORTS: Readonly<Record<string, string>> = { PORT: '0', SIMULATOR_PORT: '0', AR_STAND_IN_PORT: '0', SMTP_STAND_IN_PORT: '0' };

const childEnv = (env: Record<string, string>) => ({ ...process.env, ...FREE_PORTS, ...env });

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real command line, as an integration tester would. */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_DIR, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Starts a long-running command and collects its output. */
export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_DIR, env: childEnv(env) });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}
