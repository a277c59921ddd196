import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderZooCfg } from './config.js';
import { startLocalEnsemble } from './ensemble.js';
import { locateLocalZooKeeper } from './providers/local-jar.js';
import { isPortConflict, LocalServer, STANDALONE_MAIN } from './server.js';

const located = locateLocalZooKeeper(process.env);
if (!located.found) throw new Error(located.reason);
const { launch } = located;
const options = {
  size: 1,
  tickTime: 500,
  minSessionTimeout: 1000,
  maxSessionTimeout: 10000,
  startTimeout: 20_000,
  env: process.env,
} as const;

// os.tmpdir() reads TMPDIR on every call: a private one shows exactly what this file's servers leave behind.
const savedTmpdir = process.env.TMPDIR;
let tmp = '';

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'zkit-server-test-'));
  process.env.TMPDIR = tmp;
});

afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(tmp, { recursive: true, force: true });
});

describe('a local server that cannot start', () => {
  it('fails fast with SERVER_EXITED quoting what java said, and leaves no dir behind', async () => {
    const broken = { ...launch, jvmArgs: ['-XX:+NoSuchOptionForZkitTests'] };
    const error = (await startLocalEnsemble(broken, options).catch((e: unknown) => e)) as Error & {
      code: string;
    };
    expect(error.code).toBe('SERVER_EXITED');
    expect(error.message).toContain('exited with code 1');
    expect(error.message).toContain('Unrecognized VM option');
    expect(readdirSync(tmp)).toEqual([]);
  }, 10_000);

  it('quotes the BindException of a port another process took, which is what triggers a retry', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      mkdirSync(join(tmp, 'data'));
      const configFile = join(tmp, 'zoo.cfg');
      writeFileSync(configFile, renderZooCfg({ ...options, dataDir: join(tmp, 'data'), clientPort: port }));
      const spec = {
        index: 0,
        id: 1,
        clientPort: port,
        dir: tmp,
        configFile,
        mainClass: STANDALONE_MAIN,
        env: {},
      };
      const server = new LocalServer(launch, spec);
      server.start();
      expect(await server.exited).toMatchObject({ code: 1, signal: null });
      expect(server.running).toBe(false);
      expect(server.output).toContain('java.net.BindException: Address already in use');
      expect(isPortConflict(server.output)).toBe(true);
    } finally {
      blocker.close();
    }
  });
});
