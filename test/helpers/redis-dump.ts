import type { Redis } from 'ioredis';

/** Every key of the Redis with its whole value as text, whatever its type: what a test scans for data that must not be there. */
export async function* dumpRedis(redis: Redis): AsyncGenerator<{ key: string; dump: string }> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let dump = '';
      if (type === 'string') dump = (await redis.get(key)) ?? '';
      else if (type === 'hash') dump = JSON.stringify(await redis.hgetall(key));
      else if (type === 'list') dump = JSON.stringify(await redis.lrange(key, 0, -1));
      else if (type === 'set') dump = JSON.stringify(await redis.smembers(key));
      else if (type === 'zset') dump = JSON.stringify(await redis.zrange(key, 0, -1));
      else if (type === 'stream') dump = JSON.stringify(await redis.xrange(key, '-', '+'));
      yield { key, dump };
    }
  } while (cursor !== '0');
}

/** `<needle> in <key>` for each needle found in a key's name or value. */
export async function findInRedis(redis: Redis, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const { key, dump } of dumpRedis(redis)) for (const n of needles) if (dump.includes(n) || key.includes(n)) found.push(`${n} in ${key}`);
  return found;
}
