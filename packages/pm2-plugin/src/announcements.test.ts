import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Announcements, parseAnnouncement } from './announcements.js';

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

  it('works without a file', async () => {
    const store = new Announcements(undefined, log);
    await store.load();
    store.set(parseAnnouncement(1, 'a', { port: 1 }));
    await store.flush();
    expect(store.all.size).toBe(1);
  });
});
