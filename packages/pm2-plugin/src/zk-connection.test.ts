import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exponentialBackoff } from '@zkit/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from './config.js';
import { ZkConnection } from './zk-connection.js';

const log = pino({ level: 'silent' });

describe('ZkConnection', () => {
  let dir: string;
  let silent: Server;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm2-zkit-zk-'));
    // Accepts connections and never answers: a connect() to it waits for its whole connectTimeout.
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => silent.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('close() ends a connection attempt under way at once (review G3), leaving no session', async () => {
    const { port } = silent.address() as { port: number };
    const { config } = loadConfig({
      env: { ZK_CONNECT: `127.0.0.1:${port}`, ZKIT_STATE_FILE: join(dir, 'state.json') },
      primaryAddress: () => '127.0.0.1',
    });
    let connected = false;
    const connection = new ZkConnection({
      config,
      log,
      retry: exponentialBackoff(DEFAULTS.retry),
      // Far longer than the test may take: only the abort can end the attempt in time.
      connectTimeout: 600_000,
      onConnected: () => {
        connected = true;
      },
    });
    connection.start();
    await new Promise((resolve) => setTimeout(resolve, 200));

    await connection.close();

    expect(connection.zk).toBeUndefined();
    expect(connected).toBe(false);
  });
});
