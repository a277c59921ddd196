import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Announcements, parseAnnouncement } from './announcements.js';
import { proc } from './process.fixture.js';

const log = pino({ level: 'silent' });

describe('parseAnnouncement', () => {
  it('splits port and path from the extra data', () => {
    expect(parseAnnouncement(3, 'api', { port: 8080, path: '/x/y', version: '1.2', tags: ['a'] })).toEqual({
      pmId: 3,
      name: 'api',
      port: 8080,
      path: '/x/y',
      extra: { version: '1.2', tags: ['a'] },
    });
  });

  it('accepts a port as a string of digits, and no port at all', () => {
    expect(parseAnnouncement(1, 'a', { port: '81' }).port).toBe(81);
    expect(parseAnnouncement(1, 'a', { v: 1 })).toMatchObject({
      port: undefined,
      path: undefined,
      extra: { v: 1 },
    });
  });

  it.each([
    [null, /data must be an object/],
    [[1], /data must be an object/],
    [{ port: 0 }, /port/],
    [{ port: 70000 }, /port/],
    [{ port: 8.5 }, /port/],
    [{ port: 'http' }, /port/],
    [{ path: 'relative' }, /path/],
    [{ path: '/a/' }, /path/],
    [{ path: '/' }, /path/],
    [{ f: () => 1 }, /JSON/],
  ])('refuses %o with INVALID_MESSAGE', (data, message) => {
    expect(() => parseAnnouncement(1, 'a', data)).toThrow(message);
  });
});

describe('Announcements', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm2-zkit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps announcements in a file that a new instance reads back', async () => {
    const file = join(dir, 'sub', 'state.json');
    const first = new Announcements(file, log);
    await first.load();
    first.set(parseAnnouncement(3, 'api', { port: 8080, v: 1 }));
    first.set(parseAnnouncement(4, 'web', { port: 9090 }));
    await first.flush();

    const second = new Announcements(file, log);
    await second.load();
    expect(second.all.get(3)).toEqual({ pmId: 3, name: 'api', port: 8080, path: undefined, extra: { v: 1 } });
    expect([...second.all.keys()]).toEqual([3, 4]);
  });

  it('drops announcements of processes gone from the list, on disk too', async () => {
    const file = join(dir, 'state.json');
    const store = new Announcements(file, log);
    store.set(parseAnnouncement(3, 'api', { port: 8080 }));
    store.set(parseAnnouncement(4, 'web', { port: 9090 }));
    store.prune(new Set([4]));
    await store.flush();
    expect([...store.all.keys()]).toEqual([4]);
    expect(JSON.parse(await readFile(file, 'utf8')).announcements).toHaveLength(1);
  });

  it('starts empty from a corrupt file', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, '{ not json');
    const store = new Announcements(file, log);
    await store.load();
    expect(store.all.size).toBe(0);
  });

  it('ties an announcement to the pid PM2 lists next, on disk too', async () => {
    const file = join(dir, 'state.json');
    const store = new Announcements(file, log);
    store.set(parseAnnouncement(3, 'api', { port: 8080 }));
    const { announcements } = store.applying([proc({ pmId: 3, name: 'api', pid: 42 })], 0);
    expect(announcements.get(3)).toMatchObject({ port: 8080, pid: 42 });
    await store.flush();
    const again = new Announcements(file, log);
    await again.load();
    expect(again.all.get(3)).toMatchObject({ port: 8080, pid: 42 });
  });

  it('keeps an announcement for a new pid during the grace, asks once, then drops it', () => {
    const store = new Announcements(undefined, log, 1000);
    store.set(parseAnnouncement(3, 'api', { port: 8080 }));
    store.applying([proc({ pmId: 3, name: 'api', pid: 42 })], 0);
    const restarted = proc({ pmId: 3, name: 'api', pid: 43 });

    const first = store.applying([restarted], 100);
    expect(first.announcements.get(3)).toMatchObject({ port: 8080 });
    expect(first.renewed).toEqual([restarted]);
    expect(first.graceEndsIn).toBe(1000);
    const second = store.applying([restarted], 600);
    expect(second.renewed).toEqual([]);
    expect(second.graceEndsIn).toBe(500);

    const after = store.applying([restarted], 1100);
    expect(after.announcements.size).toBe(0);
    expect(after.graceEndsIn).toBeUndefined();
    expect(store.all.size).toBe(0);
  });

  it('a new pid that announces again within the grace keeps its port', () => {
    const store = new Announcements(undefined, log, 1000);
    store.set(parseAnnouncement(3, 'api', { port: 8080 }));
    store.applying([proc({ pmId: 3, name: 'api', pid: 42 })], 0);
    const restarted = proc({ pmId: 3, name: 'api', pid: 43 });
    store.applying([restarted], 100);
    store.set(parseAnnouncement(3, 'api', { port: 8081 }));
    expect(store.applying([restarted], 5000).announcements.get(3)).toMatchObject({ port: 8081, pid: 43 });
  });

  it('ties a fresh announcement to the process after a restart, not to the one held meanwhile', () => {
    const store = new Announcements(undefined, log, 1000);
    const old = proc({ pmId: 3, name: 'api', pid: 42 });
    store.set(parseAnnouncement(3, 'api', { port: 8081 }));
    // The new process announced while PM2 still lists the pm_id launching: the old one is held.
    expect(store.applying([old], 0, new Set([3])).announcements.get(3)).toMatchObject({ port: 8081 });
    expect(store.all.get(3)?.pid).toBeUndefined();
    const next = proc({ pmId: 3, name: 'api', pid: 43 });
    expect(store.applying([next], 5000).announcements.get(3)).toMatchObject({ port: 8081, pid: 43 });
  });

  it('applies nothing to another app at the pm_id, nor holds a process without a pid', () => {
    const store = new Announcements(undefined, log, 1000);
    store.set(parseAnnouncement(3, 'api', { port: 8080 }));
    expect(store.applying([proc({ pmId: 3, name: 'other' })], 0).announcements.size).toBe(0);
    const launching = proc({ pmId: 3, name: 'api', pid: 0, status: 'launching' });
    expect(store.applying([launching], 0).announcements.get(3)).toMatchObject({ port: 8080 });
    expect(store.all.get(3)?.pid).toBeUndefined();
  });

  it('works without a file', async () => {
    const store = new Announcements(undefined, log);
    await store.load();
    store.set(parseAnnouncement(1, 'a', { port: 1 }));
    await store.flush();
    expect(store.all.size).toBe(1);
  });
});
