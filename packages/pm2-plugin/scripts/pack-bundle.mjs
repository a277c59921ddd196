// Packs pm2-zkit with every dependency inside (npm's bundleDependencies), for `pm2 install ./pm2-zkit-<v>.tgz`
// on machines that cannot reach a registry holding @zkit/*: pm2 installs a module with `npm install`, which takes
// bundled dependencies from the tarball instead of fetching them.
//
//   node scripts/pack-bundle.mjs [--out <dir>]     (after `npx turbo run build`; prints the tarball's path)
//
// A plain `npm pack` cannot do it: in the workspace the dependencies are hoisted to the root's node_modules, where
// npm does not look for bundled ones. So the package is staged in a temporary folder, its dependencies installed
// there (@zkit/* from tarballs of the workspace's builds, the rest from the npm cache or registry), then packed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = dirname(pkgDir);
const { values } = parseArgs({ options: { out: { type: 'string', default: pkgDir } } });
const outDir = resolve(values.out);

/** The workspace packages bundled from their builds, in dependency order. */
const LOCAL = [
  { name: '@zkit/protocol', dir: join(packagesDir, 'protocol') },
  { name: '@zkit/worker', dir: join(packagesDir, 'worker') },
  { name: '@zkit/client', dir: join(packagesDir, 'client') },
];

for (const dir of [...LOCAL.map((local) => local.dir), pkgDir]) {
  if (!existsSync(join(dir, 'dist', 'index.js'))) {
    throw new Error(`${dir}/dist is missing: run \`npx turbo run build\` first`);
  }
}

const npm = (args, cwd) =>
  execFileSync('npm', [...args, '--loglevel=error', '--no-audit', '--no-fund'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();

const work = mkdtempSync(join(tmpdir(), 'pm2-zkit-pack-'));
try {
  const tarballs = {};
  for (const { name, dir } of LOCAL) {
    const file = npm(['pack', '--pack-destination', work], dir).split('\n').pop();
    tarballs[name] = `file:${join(work, file)}`;
  }

  // pm2 installs a .tgz into $PM2_HOME/modules/<name from the file name>: the folder must be named as the package.
  const stage = join(work, 'pm2-zkit');
  mkdirSync(stage);
  cpSync(join(pkgDir, 'dist'), join(stage, 'dist'), { recursive: true });
  for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
    if (existsSync(join(pkgDir, file))) cpSync(join(pkgDir, file), join(stage, file));
  }
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  delete manifest.scripts;

  // Install with @zkit/* pointing at the tarballs (overrides reach @zkit/worker and @zkit/protocol, dependencies of
  // @zkit/client)...
  const staging = {
    ...manifest,
    dependencies: { ...manifest.dependencies, ...pick(tarballs, Object.keys(manifest.dependencies)) },
    overrides: tarballs,
  };
  writeFileSync(join(stage, 'package.json'), JSON.stringify(staging, null, 2));
  npm(['install', '--omit=dev', '--no-package-lock', '--prefer-offline'], stage);

  // ...then ship the real manifest, every dependency bundled (their own dependencies come along).
  const shipped = { ...manifest, bundleDependencies: Object.keys(manifest.dependencies) };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
  mkdirSync(outDir, { recursive: true });
  const file = npm(['pack', '--pack-destination', outDir], stage).split('\n').pop();
  console.log(join(outDir, file));
} finally {
  rmSync(work, { recursive: true, force: true });
}

function pick(object, keys) {
  return Object.fromEntries(Object.entries(object).filter(([key]) => keys.includes(key)));
}
