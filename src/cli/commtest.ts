import type { Command } from 'commander';
import { ERRORS } from '../errors.js';
import type { CommunicationTestView } from '../pipeline/communication-tests.js';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps, type OpsTarget } from './ops-client.js';

type Opts = { url?: string; token?: string; clinic?: string; json?: boolean; timeout?: string };

const POLL_MS = 200;

/** Sends the test and follows it until it is done or the time is up. */
async function roundTrip(target: OpsTarget, timeoutMs: number): Promise<{ view: CommunicationTestView; timedOut: boolean }> {
  let view = await opsRequest<CommunicationTestView>(target, 'POST', '/ops/commtest');
  const until = Date.now() + timeoutMs;
  while (!view.done && Date.now() < until) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    view = await opsRequest<CommunicationTestView>(target, 'GET', `/ops/commtest/${encodeURIComponent(view.msgId)}`);
  }
  return { view, timedOut: !view.done };
}

/** Why a test that is not OK is not, in one line. */
function whyNot(view: CommunicationTestView, timedOut: boolean, timeoutS: number): string {
  if (view.appRec && view.appRec.status !== 'OK')
    return `Helsenorge answered AppRec ${view.appRec.status}${view.appRec.errors.length ? `: ${view.appRec.errors.map((e) => `${e.code} ${e.description ?? ''}`.trim()).join('; ')}` : ''}`;
  if (['apprec-missing', 'dead-lettered'].includes(view.state)) return `the test was ${view.state} at the gateway (epj-gateway dlq list)`;
  if (timedOut) return `${!view.appRec ? 'no AppRec' : 'no answer'} within ${timeoutS} s (the test is ${view.state} at the gateway)`;
  return 'incomplete';
}

/** `epj-gateway commtest`: the clinic sends a communication test to Helsenorge and follows it to its AppRec and answer. */
export function registerCommtest(program: Command): void {
  addOpsTargetOptions(
    program
      .command('commtest')
      .description(
        'send a communication test (Dialog_Innbygger_Test) from the clinic to Helsenorge and follow it to its AppRec and answer; exit 0 only when both came back OK',
      )
      .option('--json', 'print one JSON object with "ok": true|false')
      .option('--timeout <seconds>', 'how long to wait for the AppRec and the answer', '60'),
  ).action((opts: Opts) =>
    runOps(async () => {
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new Error('--timeout takes a number of seconds above 0');
      const { view, timedOut } = await roundTrip(opsTarget(opts), timeoutS * 1000);
      const ms = view.answer ? Math.max(view.answer.ms, view.appRec?.ms ?? 0) : Date.now() - Date.parse(view.sentAt);
      const reason = view.ok ? undefined : whyNot(view, timedOut, timeoutS);
      if (!view.ok) process.exitCode = 1;
      if (opts.json) {
        const out = {
          ok: view.ok,
          clinic: view.clinic,
          msgId: view.msgId,
          sent: view.sentAt,
          appRec: view.appRec,
          answer: view.answer,
          ms,
          ...(reason ? { error: { code: 'COMMTEST_INCOMPLETE', message: `${ERRORS.COMMTEST_INCOMPLETE.message} ${reason}` } } : {}),
        };
        return void process.stdout.write(`${JSON.stringify(out)}\n`);
      }
      const line = (label: string, text: string) => process.stdout.write(`${label.padEnd(8)}${text}\n`);
      line('sent', `${view.msgId}  ${view.sentAt}  (clinic ${view.clinic})`);
      line('AppRec', view.appRec ? `${view.appRec.status}  after ${view.appRec.ms} ms` : 'none');
      line('answer', view.answer ? `${view.answer.msgId}  after ${view.answer.ms} ms` : 'none');
      if (view.ok) process.stdout.write(`ok: the communication test came back whole in ${ms} ms\n`);
      else process.stderr.write(`epj-gateway: COMMTEST_INCOMPLETE: ${reason}\n`);
    }, Boolean(opts.json)),
  );
}
