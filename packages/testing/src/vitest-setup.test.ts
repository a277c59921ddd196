import { describe, expect, inject, it } from 'vitest';
import { srvr } from './four-letter.js';
import { openObserver } from './observer.js';
import { uniquePath } from './unique-path.js';
import setup from './vitest-setup.js';

describe('the vitest globalSetup', () => {
  it("provides one running server's connection string to every test file as inject('zkConnect')", async () => {
    const zkConnect = inject('zkConnect');
    expect(typeof zkConnect).toBe('string');
    await using observer = await openObserver(zkConnect);
    const path = uniquePath('setup');
    await observer.create(path, 'shared');
    expect((await observer.getData(path)).data?.toString()).toBe('shared');
    await observer.removeRecursive(path);
  });

  it('starts a server, provides it, and its teardown stops it', async () => {
    const provided = new Map<string, unknown>();
    // The one TestProject method a globalSetup uses.
    const project = { provide: (key: string, value: unknown) => provided.set(key, value) };
    const teardown = await setup(project as unknown as Parameters<typeof setup>[0]);
    const zkConnect = provided.get('zkConnect') as string;
    const [servers, chroot] = [zkConnect.split('/')[0]!, zkConnect.slice(zkConnect.indexOf('/'))];
    expect(await srvr(servers.split(',')[0]!)).toMatchObject({ serving: true });
    await teardown();
    if (zkConnect.includes('/zkit-test-')) {
      // ZK_CONNECT is set: the server is not ours to stop, but our chroot is gone.
      await using observer = await openObserver(servers);
      expect(await observer.exists(chroot)).toBeNull();
    } else {
      await expect(srvr(servers)).rejects.toMatchObject({ code: 'FOUR_LETTER_WORD_FAILED' });
    }
  });
});

describe('uniquePath', () => {
  it('gives a fresh valid path per call, with a readable prefix', () => {
    const a = uniquePath('my suite/one');
    expect(a).toMatch(/^\/t-my-suite-one-[0-9a-f]{10}$/);
    expect(uniquePath('my suite/one')).not.toBe(a);
    expect(uniquePath('')).toMatch(/^\/t-x-[0-9a-f]{10}$/);
  });
});
