import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionFile, sessionFileFor } from './session-file.js';

const log = pino({ level: 'silent' });
const session = { id: '0123456789abcdef', password: new Uint8Array(16).fill(9) };

describe('SessionFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm2-zkit-session-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lives beside the announcements file', () => {
    expect(sessionFileFor('/pm2/pm2-zkit.announcements.json')).toBe('/pm2/pm2-zkit.session.json');
    expect(sessionFileFor('/var/state.json')).toBe('/var/state.json.session');
  });

  it('saves the session and its paths readable by its owner only, and gives them back', async () => {
    const file = new SessionFile(join(dir, 'sub', 's.json'), log);
    file.save(session, ['/b', '/a']);
    await file.flush();
    expect((await stat(file.file)).mode & 0o777).toBe(0o600);
    expect(await file.resumable()).toEqual({ ...session, pid: process.pid, paths: ['/a', '/b'] });
  });

  it('gives nothing to resume while the process that saved it lives, nor after remove()', async () => {
    const file = new SessionFile(join(dir, 's.json'), log);
    file.save(session, []);
    await file.flush();
    const saved = JSON.parse(await readFile(file.file, 'utf8'));
    // Our parent (the test runner) is alive.
    await writeFile(file.file, JSON.stringify({ ...saved, pid: process.ppid }));
    expect(await file.resumable()).toBeUndefined();

    await file.remove();
    expect(await file.resumable()).toBeUndefined();
  });

  it('ignores a missing or corrupt file', async () => {
    const file = new SessionFile(join(dir, 's.json'), log);
    expect(await file.resumable()).toBeUndefined();
    await writeFile(file.file, '{"version":1,"id":3}');
    expect(await file.resumable()).toBeUndefined();
  });
});
