/**
 * Connections to the Redis server of a cluster queue: URL parsing (auth and TLS pass through to ioredis),
 * a password-free form of the URL for messages, a connect check with a timeout, and a watchdog that turns
 * an outage longer than allowed into a {@link QueueUnavailableError}.
 *
 * @module
 */
import { Redis, type RedisOptions } from 'ioredis';
import { QueueUnavailableError } from '../errors.js';

/**
 * Default time Redis may be unreachable, at start or during a run, before the run fails: 10 s. Long enough
 * for a Redis restart or a failover, short enough that a user is not left waiting on a dead server.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 10_000;

/**
 * `url` with any password (and user name) replaced by `***`: the only form of a queue URL that mmtape
 * prints or puts in an error. Unparseable input becomes `<invalid queue URL>`.
 */
export function redactQueueUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = '***';
    return u.toString();
  } catch {
    return '<invalid queue URL>';
  }
}

/**
 * ioredis options of a queue URL:
 * - `redis://[[user]:password@]host[:port][/db]`: plain TCP (port 6379 by default);
 * - `rediss://…`: TLS (certificates checked by Node's default CA store; `NODE_EXTRA_CA_CERTS` adds one);
 * - `unix:///path/to/redis.sock[?db=N]` (also `redis+unix://`): a unix socket, password in the user part.
 * The password may also come from the `REDIS_PASSWORD` environment variable (it then never appears on a
 * command line). `maxRetriesPerRequest: null` as BullMQ requires.
 *
 * @throws QueueUnavailableError (kind `io`) for a URL that is not one of these forms.
 */
export function queueRedisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new QueueUnavailableError(redactQueueUrl(url), 'not a URL (redis://host:port/db)', 0, { cause });
  }
  const password = u.password ? decodeURIComponent(u.password) : process.env.REDIS_PASSWORD || undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    ...(password ? { password } : {}),
    ...(username ? { username } : {}),
  };
  if (u.protocol === 'unix:' || u.protocol === 'redis+unix:') {
    const db = u.searchParams.get('db');
    return { ...common, path: decodeURIComponent(u.pathname), ...(db ? { db: Number(db) } : {}) };
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new QueueUnavailableError(
      redactQueueUrl(url),
      `unsupported scheme ${u.protocol} (expected redis:, rediss: or unix:)`,
      0,
    );
  }
  const db = u.pathname.replace(/^\//, '');
  return {
    ...common,
    host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: u.port ? Number(u.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
  };
}

/**
 * Open a connection to the queue's Redis and wait until it answers `PING`.
 *
 * @param timeoutMs how long to try, ms (default {@link DEFAULT_REDIS_TIMEOUT_MS}).
 * @throws QueueUnavailableError when it does not answer in time (connection refused, unknown host, wrong
 *   password, TLS failure): the message names the redacted URL and the last connection error.
 */
export async function connectQueue(url: string, timeoutMs = DEFAULT_REDIS_TIMEOUT_MS): Promise<Redis> {
  const options = queueRedisOptions(url);
  const redacted = redactQueueUrl(url);
  const client = new Redis({
    ...options,
    connectTimeout: Math.min(timeoutMs, 10_000),
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
  });
  const started = Date.now();
  try {
    // ioredis keeps reconnecting (retryStrategy) until `ready`: a server starting up a moment later is found.
    await withTimeout(
      new Promise<void>((resolve) => {
        if (client.status === 'ready') resolve();
        else client.once('ready', () => resolve());
      }),
      timeoutMs,
    );
    await withTimeout(client.ping(), timeoutMs);
    return client;
  } catch (cause) {
    client.disconnect();
    const reason = lastError ?? (cause instanceof Error ? cause : undefined);
    throw new QueueUnavailableError(
      redacted,
      reason ? redactMessage(reason.message, url) : 'no answer to PING',
      Date.now() - started,
      { cause: reason },
    );
  }
}

/**
 * Watch `clients`: when any of them stays disconnected longer than `timeoutMs`, call `onLost` once with a
 * {@link QueueUnavailableError}. Returns a function that stops watching.
 */
export function watchQueueConnection(
  clients: readonly Redis[],
  url: string,
  timeoutMs: number,
  onLost: (error: QueueUnavailableError) => void,
): () => void {
  const downSince = new Map<Redis, number>();
  const lastError = new Map<Redis, Error>();
  let fired = false;
  const handlers = clients.map((client) => {
    const down = () => {
      if (!downSince.has(client)) downSince.set(client, Date.now());
    };
    const up = () => downSince.delete(client);
    const err = (e: Error) => lastError.set(client, e);
    client.on('close', down);
    client.on('reconnecting', down);
    client.on('end', down);
    client.on('ready', up);
    client.on('error', err);
    return { client, down, up, err };
  });
  const timer = setInterval(
    () => {
      if (fired) return;
      for (const [client, since] of downSince) {
        const waited = Date.now() - since;
        if (waited >= timeoutMs) {
          fired = true;
          const e = lastError.get(client);
          onLost(
            new QueueUnavailableError(
              redactQueueUrl(url),
              `connection lost${e ? `: ${redactMessage(e.message, url)}` : ''}`,
              waited,
              { cause: e },
            ),
          );
          return;
        }
      }
    },
    Math.max(50, Math.min(1000, timeoutMs / 4)),
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    for (const h of handlers) {
      h.client.off('close', h.down);
      h.client.off('reconnecting', h.down);
      h.client.off('end', h.down);
      h.client.off('ready', h.up);
      h.client.off('error', h.err);
    }
  };
}

/** `message` with the URL's password removed, should a library have echoed it. */
export function redactMessage(message: string, url: string): string {
  try {
    const password = new URL(url).password;
    const plain = password ? decodeURIComponent(password) : '';
    let out = message;
    for (const p of [password, plain]) if (p) out = out.split(p).join('***');
    return out;
  } catch {
    return message;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
