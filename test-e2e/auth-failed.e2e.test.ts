import { AuthError } from '@zkit/client';
import { fourLetterWord, startZooKeeper } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { client } from './support/harness.js';

/** Sessions the server holds, live or waiting out their timeout after their connection closed (mntr). */
async function globalSessions(address: string): Promise<number> {
  const line = (await fourLetterWord(address, 'mntr'))
    .split('\n')
    .find((l) => l.startsWith('zk_global_sessions'));
  return Number(line?.split('\t')[1]);
}

describe('refused credentials', () => {
  it('rejects connect() with AUTH_FAILED for a scheme ZooKeeper does not know, opening no more sessions', async () => {
    // A server of its own: the shared one's session count moves with every other test.
    await using zk = await startZooKeeper({ servers: 1, provider: 'local' });
    const address = zk.servers[0]?.address ?? '';
    expect(await globalSessions(address)).toBe(0);

    const failure = await client(
      { auth: [{ scheme: 'digets', credentials: 'alice:s3cret' }], sessionTimeout: 10_000 },
      zk.connectionString,
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AuthError);
    expect(failure).toMatchObject({ code: 'AUTH_FAILED' });
    expect(JSON.stringify({ message: (failure as Error).message })).not.toContain('s3cret');
    // The refused session lingers on the server until its timeout (10 s); a retry loop would add one every
    // 100-200 ms. Look for a bounded while: there is still exactly the one.
    for (let look = 0; look < 20; look++) {
      expect(await globalSessions(address)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
