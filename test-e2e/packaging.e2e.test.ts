// The published packages as a user gets them: `npm pack` of each, installed from the tarballs (not the workspace's
// links) into a fresh project outside the workspace, whose strict TypeScript (skipLibCheck false, only
// @types/node) must type-check with no error, and whose programs run as ES module and as CommonJS against a real
// ZooKeeper. The project is fixtures/consumer/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Observer, openObserver, uniquePath } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const WORKSPACE = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/consumer', import.meta.url));
const TSC = join(WORKSPACE, 'node_modules/typescript/bin/tsc');
/** Every published package but pm2-zkit, whose `pm2 install` of its bundle is pm2-module.e2e.test.ts. */
const PUBLISHED = ['protocol', 'worker', 'client', 'testing', 'cli'];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** npm and node without what the npm running this test put in the environment (npm_config_*, its workspace). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  }
  return env;
}

function run(file: string, args: readonly string[], options: { cwd: string; timeout: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { ...options, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Packed {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let work: string;
let project: string;
let packed: Packed[];
let typecheck: Run;
let bundlerCheck: Run;

beforeAll(async () => {
  for (const name of PUBLISHED) {
    const dist = join(WORKSPACE, `packages/${name}/dist/index.js`);
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx turbo run build\` first`);
  }
  work = await mkdtemp(join(await realpath(tmpdir()), 'zkit-packaging-'));
  const tarballs = join(work, 'tarballs');
  await mkdir(tarballs);
  const workspaces = PUBLISHED.flatMap((name) => ['-w', `packages/${name}`]);
  const pack = await run('npm', ['pack', '--json', '--pack-destination', tarballs, ...workspaces], {
    cwd: WORKSPACE,
    timeout: 60_000,
  });
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  packed = JSON.parse(pack.stdout) as Packed[];

  project = join(work, 'consumer');
  await cp(FIXTURE, project, { recursive: true, filter: (path) => !/[/\\](node_modules|out)$/.test(path) });
  // The registry is reachable, and after setup the npm cache holds every third-party dependency.
  const files = packed.map((p) => join(tarballs, p.filename));
  const install = await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      ...files,
      '@types/node@^20.19.0',
    ],
    { cwd: project, timeout: 150_000 },
  );
  if (install.code !== 0) throw new Error(`npm install of the tarballs failed: ${install.stderr}`);
  // Type-checks and emits out/esm.js and out/cjs.cjs, which the last tests run; and, at the same time, type-checks
  // with bundler resolution.
  [typecheck, bundlerCheck] = await Promise.all([
    run(process.execPath, [TSC, '-p', 'tsconfig.json', '--listFiles'], { cwd: project, timeout: 90_000 }),
    run(
      process.execPath,
      [TSC, '-p', 'tsconfig.json', '--noEmit', '--module', 'preserve', '--moduleResolution', 'bundler'],
      { cwd: project, timeout: 90_000 },
    ),
  ]);
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('hold their README, CHANGELOG, LICENSE and built files, and install as copies, not workspace links', async () => {
    expect(packed.map((p) => p.name).sort()).toEqual(PUBLISHED.map((name) => `@zkit/${name}`).sort());
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths, p.name).toEqual(
        expect.arrayContaining([
          'package.json',
          'README.md',
          'CHANGELOG.md',
          'LICENSE',
          'dist/index.js',
          'dist/index.d.ts',
        ]),
      );
      expect(
        paths.filter((path) => path.startsWith('src/')),
        p.name,
      ).toEqual([]);
    }
    for (const name of PUBLISHED) {
      const installed = join(project, 'node_modules/@zkit', name);
      expect(await realpath(installed)).toBe(installed);
      const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(manifest.version).toBe(packed.find((p) => p.name === `@zkit/${name}`)?.version);
    }
  });

  it('publish no declaration that imports comlink (DOM types) or node-zookeeper-client', async () => {
    const leaks: string[] = [];
    for (const name of PUBLISHED) {
      const dir = join(project, 'node_modules/@zkit', name);
      const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.d.ts'));
      for (const file of files) {
        const text = await readFile(join(dir, file), 'utf8');
        if (/(from |import\()'(comlink|node-zookeeper-client)[/']/.test(text))
          leaks.push(`@zkit/${name}/${file}`);
      }
    }
    // A stale file of an old layout in a local dist/ shows up here too: rm -rf packages/*/dist and build again.
    expect(leaks).toEqual([]);
  });

  it('type-check in a strict consumer (skipLibCheck false, only @types/node) with no error', () => {
    const errors = typecheck.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors).toEqual([]);
    expect(typecheck.code).toBe(0);
    const program = typecheck.stdout.split('\n').filter((line) => line.startsWith('/'));
    // The types came from the installed tarballs, every public entry point's...
    for (const name of PUBLISHED) {
      expect(program).toContain(join(project, `node_modules/@zkit/${name}/dist/index.d.ts`));
    }
    // ...and none of comlink's (they need the DOM library) or node-zookeeper-client's reached the program.
    expect(
      program.filter((file) =>
        /node_modules\/(comlink|node-zookeeper-client|@types\/node-zookeeper)/.test(file),
      ),
    ).toEqual([]);
  });

  it('type-check with moduleResolution bundler too', () => {
    expect(bundlerCheck.stdout).toBe('');
    expect(bundlerCheck.code).toBe(0);
  });
});

describe('a fresh project using them', () => {
  let obs: Observer;
  const root = uniquePath('packaging');

  beforeAll(async () => {
    obs = await openObserver(inject('zkConnect'));
  });

  afterAll(async () => {
    await obs?.removeRecursive(root);
    await obs?.close();
  });

  /** Runs out/<file> with the real ZooKeeper; the process must exit 0 by itself once the client is closed. */
  async function consumer(file: string, path: string): Promise<Record<string, unknown>> {
    const result = await run(process.execPath, [join(project, 'out', file), inject('zkConnect'), path], {
      cwd: project,
      timeout: 30_000,
    });
    expect(result.stderr).not.toMatch(/Error|Warning/);
    expect(result.code).toBe(0);
    const line = result.stdout.split('\n').findLast((l) => l.startsWith('RESULT '));
    expect(line, result.stdout).toBeDefined();
    return JSON.parse(line!.slice('RESULT '.length)) as Record<string, unknown>;
  }

  it('runs as an ES module: connects, registers, sees itself in a children view, closes, exits 0', async () => {
    const result = await consumer('esm.js', `${root}/esm`);
    expect(result).toMatchObject({
      module: 'esm',
      path: `${root}/esm/servers/127.0.0.1:8080`,
      data: { via: 'esm' },
      seen: ['127.0.0.1:8080'],
      errorCode: 'NO_NODE',
      client: `file://${join(project, 'node_modules/@zkit/client/dist/index.js')}`,
    });
    // close() ended the session: the ephemeral node went at once, not after a session timeout.
    expect(await obs.exists(`${root}/esm/servers/127.0.0.1:8080`)).toBeNull();
    expect(await obs.exists(`${root}/esm/servers`)).not.toBeNull();
  });

  it('runs as CommonJS, @zkit/client and @zkit/testing loaded with require(): the same, and exits 0', async () => {
    const emitted = await readFile(join(project, 'out/cjs.cjs'), 'utf8');
    expect(emitted).toContain('require("@zkit/client")');
    expect(emitted).toContain('require("@zkit/testing")');
    const result = await consumer('cjs.cjs', `${root}/cjs`);
    expect(result).toMatchObject({
      module: 'cjs',
      path: `${root}/cjs/servers/127.0.0.1:8081`,
      data: { via: 'cjs' },
      seen: ['127.0.0.1:8081'],
      client: join(project, 'node_modules/@zkit/client/dist/index.js'),
    });
    expect(await obs.exists(`${root}/cjs/servers/127.0.0.1:8081`)).toBeNull();
  });
});
