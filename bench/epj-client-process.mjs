// The EPJ's side of bench:pipeline's outbound burst in a process of its own, so the HTTP client's
// work is not counted as the gateway's CPU. Plain JavaScript: it needs no TypeScript loader.
// Takes { url, headers, bodies, width } over IPC, posts every body with at most `width` in flight,
// and answers with [msgId, acceptedAt] for each, or { error }.
import process from 'node:process';

const { fetch } = globalThis;
process.once('message', async ({ url, headers, bodies, width }) => {
  try {
    const accepted = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const res = await fetch(url, { method: 'POST', headers, body });
          if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
          accepted.push([(await res.json()).msgId, Date.now()]);
        }
      }),
    );
    process.send({ accepted }, () => process.exit(0));
  } catch (err) {
    process.send({ error: String(err) }, () => process.exit(1));
  }
});
