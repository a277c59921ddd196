import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Observer, openObserver, ZC_ZK_README_TREE as README, uniquePath, waitFor } from '@zkit/testing';
import { describe, expect, inject, it, onTestFinished } from 'vitest';

// The real binary, built: run `npx turbo run build` first. Not a TTY, so no colour and compact JSON.
const ZKIT = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));

// The binary's own session is the client under test; the observer is a plain one that arranges and checks.
const zkConnect = (): string => inject('zkConnect');
const root = uniquePath;

async function observer(): Promise<Observer> {
  const obs = await openObserver(zkConnect());
  onTestFinished(() => obs.close());
  return obs;
}

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function zkit(args: readonly string[], input?: string): Promise<Result> {
  if (!existsSync(ZKIT)) throw new Error(`${ZKIT} is missing: run \`npx turbo run build\` first`);
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [ZKIT, ...args],
      { env: { ...process.env, ZK_CONNECT: zkConnect(), NO_COLOR: '1' }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

/** A long-running `zkit` (watch): its output so far, and its exit. */
function start(args: readonly string[]) {
  const child: ChildProcess = spawn(process.execPath, [ZKIT, ...args], {
    env: { ...process.env, ZK_CONNECT: zkConnect(), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('zkit: usage', () => {
  it.each([
    [[]],
    [['get']],
    [['bogus']],
    [['ls', '/x', '--bogus']],
    [['set', '/x', 'threads']],
    [['set', '/x', 'name=not json']],
    [['--auth', 'nocolon', 'ls', '/']],
    [['import', '-', '/', '--acl', 'world:anyone:xyz']],
  ])('%j exits 2 with one zkit: USAGE line', async (args) => {
    const { code, stderr } = await zkit(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^zkit: USAGE: /m);
  });

  it('--help and --version exit 0', async () => {
    expect((await zkit(['--help'])).code).toBe(0);
    expect((await zkit(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('zkit: failures', () => {
  it.each([['get'], ['ls'], ['tree'], ['rm'], ['watch'], ['services']])(
    '%s of a missing node exits 1 with NO_NODE and the path',
    async (command) => {
      const path = `${root('cli-missing')}/nothing`;
      const { code, stdout, stderr } = await zkit([command, path]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^zkit: NO_NODE: .*does not exist/)]);
      expect(stderr).toContain(path);
    },
  );

  it('a server that does not answer exits 1 with CONNECT_TIMEOUT', async () => {
    const { code, stderr } = await zkit(['--zk', '127.0.0.1:1', '--timeout', '500', 'ls', '/']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^zkit: CONNECT_TIMEOUT: /);
  });
});

describe('zkit: reads and writes', () => {
  it('ls, get and tree show what another session wrote; tree marks ephemeral nodes with session and pid', async () => {
    const obs = await observer();
    const base = root('cli-read');
    await obs.mkdirp(`${base}/services/api`);
    await obs.create(`${base}/config`, JSON.stringify({ threads: 3, name: 'api' }));
    await obs.create(`${base}/services/api/10.0.0.1:8080`, JSON.stringify({ pid: 4242 }), {
      ephemeral: true,
    });

    const ls = await zkit(['ls', base]);
    expect(ls).toMatchObject({ code: 0, stderr: '' });
    expect(ls.stdout).toBe('config\nservices\n');

    const get = await zkit(['get', `${base}/config`]);
    expect(get.stdout).toBe('name = "api"\nthreads = 3\n');

    const tree = await zkit(['tree', base]);
    expect(tree.code).toBe(0);
    const name = base.split('/').at(-1);
    expect(tree.stdout).toBe(
      [
        name,
        '├── config',
        '└── services',
        '    └── api',
        `        └── 10.0.0.1:8080  [ephemeral session ${ephemeralSession(tree.stdout)} pid 4242]`,
        '',
      ].join('\n'),
    );
    expect(ephemeralSession(tree.stdout).replace(/^0x/, '').toLowerCase()).toBe(obs.sessionId.toLowerCase());

    const depth = await zkit(['tree', base, '--depth', '1']);
    expect(depth.stdout).toBe(`${name}\n├── config\n└── services\n`);
  });

  it('--json prints documents that parse: ls, get, tree, services', async () => {
    const obs = await observer();
    const base = root('cli-json');
    await obs.mkdirp(`${base}/api`);
    await obs.create(`${base}/api/10.0.0.1:8080`, JSON.stringify({ pid: 7 }), { ephemeral: true });
    await obs.setData(base, JSON.stringify({ owner: 'ops' }));

    expect(JSON.parse((await zkit(['--json', 'ls', base])).stdout)).toEqual(['api']);
    expect(JSON.parse((await zkit(['get', base, '--json'])).stdout)).toEqual({ owner: 'ops' });
    const tree = JSON.parse((await zkit(['--json', 'tree', base])).stdout);
    expect(tree.children[0].children[0]).toMatchObject({
      name: '10.0.0.1:8080',
      path: `${base}/api/10.0.0.1:8080`,
      ephemeral: { pid: 7 },
      children: [],
    });
    const services = JSON.parse((await zkit(['--json', 'services', `${base}/api`])).stdout);
    expect(services).toMatchObject([
      { id: '10.0.0.1:8080', address: '10.0.0.1', port: 8080, data: { pid: 7 } },
    ]);
  });

  it('services prints a table of instances', async () => {
    const obs = await observer();
    const base = root('cli-services');
    await obs.mkdirp(base);
    await obs.create(`${base}/10.0.0.2:81`, JSON.stringify({ pid: 12 }), { ephemeral: true });
    const { code, stdout } = await zkit(['services', base]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^ID\s+ADDRESS\s+PORT\s+SSL\s+ENABLED\s+PID$/);
    expect(stdout.split('\n')[1]).toMatch(/^10\.0\.0\.2:81\s+10\.0\.0\.2\s+81\s+-\s+yes\s+12$/);
  });

  it('set merges JSON values into the node, and another session reads them', async () => {
    const obs = await observer();
    const path = root('cli-set');
    await obs.create(path, JSON.stringify({ keep: true, threads: 1 }));
    const { code } = await zkit(['set', path, 'threads=3', 'name="api"', 'tags=["a","b"]']);
    expect(code).toBe(0);
    const { data } = await obs.getData(path);
    expect(JSON.parse(data?.toString() ?? '')).toEqual({
      keep: true,
      threads: 3,
      name: 'api',
      tags: ['a', 'b'],
    });
  });

  it('rm deletes a node, -r a subtree', async () => {
    const obs = await observer();
    const base = root('cli-rm');
    await obs.mkdirp(`${base}/a/b`);
    expect((await zkit(['rm', `${base}/a`])).code).toBe(1);
    expect(await obs.exists(`${base}/a`)).not.toBeNull();
    const removed = await zkit(['rm', '-r', `${base}/a`]);
    expect(removed.code).toBe(0);
    expect(await obs.exists(`${base}/a`)).toBeNull();
  });

  it('watch prints changes as they happen and exits 0 on SIGINT', async () => {
    const obs = await observer();
    const path = root('cli-watch');
    await obs.create(path, JSON.stringify({ v: 1 }));
    const watch = start(['--json', 'watch', path]);
    await waitFor(() => watch.stdout().includes('"children"'));
    await obs.setData(path, JSON.stringify({ v: 2 }));
    await obs.create(`${path}/child`);
    await waitFor(() => watch.stdout().includes('"child"') && watch.stdout().includes('"v":2'));
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
    const events = watch
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ path, event: 'properties', properties: { v: 1 } });
    expect(events).toContainEqual(expect.objectContaining({ event: 'properties', properties: { v: 2 } }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'children', children: ['child'] }));
    expect(watch.stderr()).toBe('');
  });

  it('watch ends when the node is deleted', async () => {
    const obs = await observer();
    const path = root('cli-watch-deleted');
    await obs.create(path, '{}');
    const watch = start(['watch', path]);
    await waitFor(() => watch.stdout().includes('children'));
    await obs.remove(path);
    expect(await watch.exited).toBe(0);
    expect(watch.stdout()).toMatch(/deleted\n$/);
  });
});

describe('zkit: export, import, validate', () => {
  const text = ['/app : service', '  threads = 3', '  /db', '    address = "10.0.0.1:5432"', ''].join('\n');

  it('import writes a tree, export reads it back identically; --dry-run changes nothing', async () => {
    const obs = await observer();
    const base = root('cli-import');
    await obs.mkdirp(base);
    const dry = await zkit(['import', '--dry-run', '-', base], text);
    expect(dry.code).toBe(0);
    expect(await obs.exists(`${base}/app`)).toBeNull();

    const imported = await zkit(['--json', 'import', '-', base], text);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).added).toEqual([`${base}/app`, `${base}/app/db`]);
    expect(JSON.parse((await obs.getData(`${base}/app/db`)).data?.toString() ?? '')).toEqual({
      address: '10.0.0.1:5432',
    });
    const exported = await zkit(['export', `${base}/app`]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(text);
  });

  it('a round trip: export, import under an empty root, export again gives the same text', async () => {
    const obs = await observer();
    const [from, to] = [root('cli-from'), root('cli-to')];
    await obs.mkdirp(from);
    expect((await zkit(['import', '-', from], text)).code).toBe(0);
    const first = await zkit(['export', `${from}/app`]);
    await obs.mkdirp(to);
    expect((await zkit(['import', '-', to], first.stdout)).code).toBe(0);
    const second = await zkit(['export', `${to}/app`]);
    expect(second).toEqual({ code: 0, stdout: first.stdout, stderr: '' });
  });

  it('import --trim deletes extra persistent nodes and spares ephemeral ones; export leaves ephemeral out unless -e', async () => {
    const obs = await observer();
    const base = root('cli-trim');
    await obs.mkdirp(`${base}/app/old`);
    await obs.mkdirp(`${base}/app/live`);
    await obs.create(`${base}/app/live/10.0.0.9:80`, JSON.stringify({ pid: 1 }), { ephemeral: true });
    const trimmed = await zkit(['--json', 'import', '--trim', '-', base], text);
    expect(trimmed.code).toBe(0);
    expect(JSON.parse(trimmed.stdout).trimmed).toEqual([`${base}/app/old`]);
    expect(await obs.exists(`${base}/app/old`)).toBeNull();
    expect(await obs.exists(`${base}/app/live/10.0.0.9:80`)).not.toBeNull();
    expect((await zkit(['export', `${base}/app/live`])).stdout).not.toContain('10.0.0.9:80');
    expect((await zkit(['export', '-e', `${base}/app/live`])).stdout).toContain('10.0.0.9:80');
  });

  it('a bad text is refused with its line, and nothing is written', async () => {
    const obs = await observer();
    const base = root('cli-bad');
    await obs.mkdirp(base);
    const bad = await zkit(['import', '-', base], '/a\n  /b\n  x = {\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^zkit: INVALID_DATA: line 3, column \d+: /);
    expect(await obs.getChildren(base)).toEqual([]);
  });

  it("zc.zk's README tree, in a chroot: validate, import, export round trip, and watch through a link as the database moves", async () => {
    const obs = await observer();
    const chroot = root('cli-readme');
    await obs.mkdirp(chroot);
    const zk = ['--zk', `${zkConnect()}${chroot}`];
    expect(await zkit(['validate', '-'], README)).toMatchObject({ code: 0, stdout: '-: valid\n' });
    expect((await zkit([...zk, 'import', '-'], README)).code).toBe(0);
    const exported = await zkit([...zk, 'export']);
    expect(exported.stdout).toContain(
      '/retail : z4m retail\n  threads = 1\n  /databases\n    main -> /cms/databases/main\n',
    );
    const copy = root('cli-readme-copy');
    await obs.mkdirp(copy);
    expect((await zkit(['--zk', `${zkConnect()}${copy}`, 'import', '-'], exported.stdout)).code).toBe(0);
    expect((await zkit(['--zk', `${zkConnect()}${copy}`, 'export'])).stdout).toBe(exported.stdout);

    // /retail/databases/main is a link: the view behind `zkit watch` follows it to /cms/databases/main.
    await obs.mkdirp(`${chroot}/cms/databases/other/providers`);
    await obs.create(`${chroot}/cms/databases/other/providers/10.0.0.2:5432`);
    const watch = start([...zk, '--json', 'watch', '/retail/databases/main/providers']);
    await waitFor(() => watch.stdout().includes('"children":[]'));
    await obs.create(`${chroot}/cms/databases/main/providers/10.0.0.1:5432`);
    await waitFor(() => watch.stdout().includes('"children":["10.0.0.1:5432"]'));
    // zc.zk's move: the link re-pointed, then the old node deleted; the view re-resolves and follows.
    const moved = await zkit([...zk, 'set', '/retail/databases', 'main ->="/cms/databases/other"']);
    expect(moved.code).toBe(0);
    expect((await zkit([...zk, 'rm', '-r', '/cms/databases/main'])).code).toBe(0);
    await waitFor(() => watch.stdout().includes('"children":["10.0.0.2:5432"]'));
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
  });

  it('validate accepts a good text and names the line of a bad one', async () => {
    expect((await zkit(['validate', '-'], text)).code).toBe(0);
    const bad = await zkit(['validate', '-'], '/a\n  x = nope\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^zkit: INVALID_DATA: line 2, column \d+: /);
  });
});

function ephemeralSession(output: string): string {
  return /\[ephemeral session (\S+)/.exec(output)?.[1] ?? '';
}
