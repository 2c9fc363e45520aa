import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/infra/supervised-redis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The NHN simulator in a process of its own, as the benchmarks run it, so its work is not counted
 * against the gateway's cores; ready once it answers. BENCH_SIM_PROFILE_DIR=dir writes a CPU profile
 * of it there.
 */
export async function startSimulatorProcess(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
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
    stop: async () => {
      if (sim.exitCode !== null) return;
      sim.kill('SIGTERM');
      await new Promise((r) => sim.once('exit', r));
    },
  };
}
