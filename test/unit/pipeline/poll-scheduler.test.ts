import assert from 'node:assert/strict';
import { mshAnswerError } from '../../../adapters/transport/errors.js';
import { PollScheduler, type PollSchedulerOptions } from '../../../src/pipeline/poll-scheduler.js';
import { FakeLeases, FakeTime, settle } from '../../helpers/poll-fakes.js';

interface Harness {
  time: FakeTime;
  leases: FakeLeases;
  scheduler: PollScheduler;
  /** [herId, clock ms] of every poll started */
  polls: [string, number][];
  pollsOf(herId: string): number[];
}

function harness(options: Partial<PollSchedulerOptions> = {}): Harness {
  const time = new FakeTime();
  const leases = new FakeLeases();
  const scheduler = new PollScheduler({
    clock: time,
    timer: time,
    leases,
    intervalMs: 1_000,
    maxIntervalMs: 8_000,
    concurrency: 4,
    random: () => 0,
    ...options,
  });
  const polls: [string, number][] = [];
  return { time, leases, scheduler, polls, pollsOf: (herId) => polls.filter(([h]) => h === herId).map(([, at]) => at) };
}

/** A clinic whose poll answers with `answer()` (a count of new messages, or a throw). */
function clinic(h: Harness, herId: string, answer: () => number = () => 0) {
  return {
    herId,
    poll: async () => {
      h.polls.push([herId, h.time.now()]);
      return { taken: answer() };
    },
  };
}

describe('poll scheduler: one loop for every clinic', () => {
  it('spreads the first polls over the interval instead of polling every clinic at once', async () => {
    let i = 0;
    const h = harness({ random: () => i++ / 10 });
    for (let n = 0; n < 10; n++) h.scheduler.add(clinic(h, `10000${n}`));
    h.scheduler.start();
    await h.time.advance(999);
    assert.deepEqual(
      h.polls.map(([, at]) => at),
      [0, 100, 200, 300, 400, 500, 600, 700, 800, 900],
    );
    assert.equal(h.time.pending, 1, 'one timer for all clinics');
    await h.scheduler.pause();
  });

  it('backs off on an empty mailbox, doubling up to the cap', async () => {
    const h = harness();
    h.scheduler.add(clinic(h, '1001'));
    h.scheduler.start();
    await h.time.advance(30_000);
    assert.deepEqual(h.pollsOf('1001'), [0, 2_000, 6_000, 14_000, 22_000, 30_000]);
    assert.equal(h.scheduler.status('1001')?.intervalMs, 8_000);
    await h.scheduler.pause();
  });

  it('goes back to the base interval as soon as a message comes', async () => {
    const h = harness();
    const answers = [0, 0, 1, 0];
    h.scheduler.add(clinic(h, '1001', () => answers.shift() ?? 0));
    h.scheduler.start();
    await h.time.advance(9_000);
    // empty at 0 and 2 000, a message at 6 000: the next poll is one base interval later, then it backs off again
    assert.deepEqual(h.pollsOf('1001'), [0, 2_000, 6_000, 7_000, 9_000]);
    await h.scheduler.pause();
  });

  it("waits for NHN's Retry-After after a 429, even past the cap, and reports the fault", async () => {
    const h = harness();
    let throttled = true;
    h.scheduler.add(
      clinic(h, '1001', () => {
        if (throttled) throw mshAnswerError(429, { error: 'Too many requests' }, 'list-unread', '60');
        return 1;
      }),
    );
    h.scheduler.start();
    await h.time.advance(59_999);
    assert.deepEqual(h.pollsOf('1001'), [0]);
    assert.match(h.scheduler.status('1001')?.lastError ?? '', /429/);
    assert.equal(h.scheduler.status('1001')?.lastSuccessAt, undefined);
    throttled = false;
    await h.time.advance(1);
    assert.deepEqual(h.pollsOf('1001'), [0, 60_000]);
    assert.equal(h.scheduler.status('1001')?.lastError, undefined);
    assert.equal(h.scheduler.status('1001')?.lastSuccessAt?.getTime(), 60_000);
    await h.scheduler.pause();
  });

  it('backs off after a fault without Retry-After', async () => {
    const h = harness();
    h.scheduler.add(
      clinic(h, '1001', () => {
        throw mshAnswerError(503, {}, 'list-unread');
      }),
    );
    h.scheduler.start();
    await h.time.advance(6_000);
    assert.deepEqual(h.pollsOf('1001'), [0, 2_000, 6_000]);
    await h.scheduler.pause();
  });

  it('runs at most `concurrency` polls at once', async () => {
    const h = harness({ concurrency: 3 });
    const waiting: (() => void)[] = [];
    let running = 0;
    let most = 0;
    for (let n = 0; n < 10; n++)
      h.scheduler.add({
        herId: `200${n}`,
        poll: async () => {
          running += 1;
          most = Math.max(most, running);
          h.polls.push([`200${n}`, h.time.now()]);
          await new Promise<void>((resolve) => waiting.push(resolve));
          running -= 1;
          return { taken: 1 };
        },
      });
    h.scheduler.start();
    await h.time.advance(0);
    assert.equal(running, 3);
    waiting.shift()!();
    await h.time.advance(0);
    assert.equal(running, 3, 'a finished poll lets the next due clinic in');
    assert.equal(h.polls.length, 4);
    while (h.polls.length < 10 || running > 0) {
      waiting.shift()?.();
      await h.time.advance(0);
    }
    assert.equal(most, 3);
    assert.equal(new Set(h.polls.map(([herId]) => herId)).size, 10, 'every clinic was polled');
    await h.scheduler.pause();
  });

  it('adds and removes clinics at run time; a removed clinic is no longer polled and its lease goes', async () => {
    const h = harness();
    h.scheduler.add(clinic(h, '1001', () => 1));
    h.scheduler.start();
    await h.time.advance(2_000);
    h.scheduler.add(clinic(h, '1002', () => 1));
    await h.time.advance(1_000);
    assert.deepEqual(h.pollsOf('1002'), [2_000, 3_000]);
    await h.scheduler.remove('1001');
    assert.deepEqual(h.leases.released, ['1001']);
    const before = h.pollsOf('1001').length;
    await h.time.advance(5_000);
    assert.equal(h.pollsOf('1001').length, before);
    assert.equal(h.scheduler.status('1001'), undefined);
    assert.ok(h.pollsOf('1002').length >= 7);
    await h.scheduler.pause();
  });

  it('polls only the clinics whose lease it holds, and takes a lease that comes free', async () => {
    const h = harness();
    h.leases.elsewhere.add('1002');
    h.scheduler.add(clinic(h, '1001', () => 1));
    h.scheduler.add(clinic(h, '1002', () => 1));
    h.scheduler.start();
    await h.time.advance(5_000);
    assert.equal(h.pollsOf('1002').length, 0);
    assert.equal(h.scheduler.status('1002')?.held, false);
    assert.ok(h.pollsOf('1001').length >= 5);

    // the other replica died: its lease runs out and the next round (every ttl/3) takes it
    h.leases.elsewhere.delete('1002');
    await h.time.advance(1_000);
    assert.equal(h.pollsOf('1002').length, 1);
    assert.equal(h.scheduler.status('1002')?.held, true);

    // and the other way: a lease lost stops the polls at the next round
    h.leases.elsewhere.add('1001');
    await h.time.advance(1_000);
    const polled = h.pollsOf('1001').length;
    await h.time.advance(5_000);
    assert.equal(h.pollsOf('1001').length, polled);
    await h.scheduler.pause();
  });

  it('stops polling before its leases could have run out when Redis is unreachable', async () => {
    const h = harness();
    h.scheduler.add(clinic(h, '1001', () => 1));
    h.scheduler.start();
    await h.time.advance(2_500);
    h.leases.down = true; // the round at 3 000 is the first to fail; the last good one was at 2 000
    await h.time.advance(10_000);
    // held until 2 000 + ttl 3 000, trusted until one renewal period (1 000) before that
    assert.equal(Math.max(...h.pollsOf('1001')), 3_000);
    assert.equal(h.scheduler.status('1001')?.held, false);
    h.leases.down = false;
    await h.time.advance(1_000);
    assert.equal(h.scheduler.status('1001')?.held, true);
    await h.scheduler.pause();
  });

  it('leaves a closed clinic alone without backing it off', async () => {
    const h = harness();
    let open = false;
    h.scheduler.add({ ...clinic(h, '1001', () => 0), mayPoll: () => open });
    h.scheduler.start();
    await h.time.advance(5_000);
    assert.equal(h.pollsOf('1001').length, 0);
    assert.equal(h.scheduler.status('1001')?.intervalMs, 1_000);
    open = true;
    await h.time.advance(1_000);
    assert.equal(h.pollsOf('1001').length, 1);
    await h.scheduler.pause();
  });

  it('pauses for shutdown: the poll in hand finishes, nothing new starts, the leases go', async () => {
    const h = harness();
    let finish: () => void = () => undefined;
    h.scheduler.add({
      herId: '1001',
      poll: async () => {
        h.polls.push(['1001', h.time.now()]);
        await new Promise<void>((resolve) => (finish = resolve));
        return { taken: 1 };
      },
    });
    h.scheduler.add(clinic(h, '1002', () => 1));
    h.scheduler.start();
    await h.time.advance(0);
    let paused = false;
    const pausing = h.scheduler.pause().then(() => (paused = true));
    await settle();
    assert.equal(paused, false, 'waits for the poll in hand');
    finish();
    await pausing;
    assert.deepEqual(h.leases.released.sort(), ['1001', '1002']);
    const polled = h.polls.length;
    await h.time.advance(10_000);
    assert.equal(h.polls.length, polled);
    assert.equal(h.time.pending, 0);
  });
});
