import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/infra/supervised-redis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Clock ticks per second of /proc's CPU times (100 on Linux unless the kernel says otherwise). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in ms, from /proc; NaN where there is no /proc. */
export function processCpuMs(pid: number | undefined): number {
  return cpuOf(`/proc/${pid}/stat`).total;
}

/** CPU time (ms) one thread of a process has used so far, and the system share of it; the main thread's tid is the pid. */
export function threadCpuMs(pid: number, tid: number): { total: number; system: number } {
  return cpuOf(`/proc/${pid}/task/${tid}/stat`);
}

function cpuOf(statFile: string): { total: number; system: number } {
  try {
    const stat = readFileSync(statFile, 'utf8');
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [user, system] = [Number(fields[11]), Number(fields[12])].map((ticks) => (ticks * 1000) / CLOCK_TICKS) as [number, number];
    return { total: user + system, system };
  } catch {
    return { total: NaN, system: NaN };
  }
}

/**
 * The NHN simulator in a process of its own, as the benchmarks run it, so its work is not counted
 * against the gateway's cores; ready once it answers. `cpuMs()` is the CPU time it has used so far,
 * so a benchmark can give the simulator's cost apart from the gateway's. BENCH_SIM_PROFILE_DIR=dir
 * writes a CPU profile of it there.
 */
export async function startSimulatorProcess(env: Record<string, string>): Promise<{ url: string; cpuMs: () => number; stop: () => Promise<void> }> {
  const port = await freePort();
  const profile = process.env.BENCH_SIM_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SIM_PROFILE_DIR}`] : [];
  const sim = spawn(process.execPath, [...profile, path.join(ROOT, 'bin/epj-gateway.mjs'), 'simulator', '--port', String(port)], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.on('exit', () => sim.exitCode === null && sim.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400 && sim.exitCode === null; i++) {
    if (
      await fetch(`${url}/simulator`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    cpuMs: () => processCpuMs(sim.pid),
    stop: async () => {
      if (sim.exitCode !== null) return;
      sim.kill('SIGTERM');
      await new Promise((r) => sim.once('exit', r));
    },
  };
}

/** The settings that point a gateway at a simulator: its message service, token endpoint and CRL proxy. */
export function simulatorSettings(url: string): { MSH_BASE_URL: string; HELSEID_TOKEN_URL: string; REVOCATION_HTTP_PROXY: string } {
  return { MSH_BASE_URL: url, HELSEID_TOKEN_URL: `${url}/connect/token`, REVOCATION_HTTP_PROXY: url };
}
