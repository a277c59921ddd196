import { ZC_ZK_README_TREE as README } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { client, observer, root } from './support/harness.js';

/** A tree of `groups` x `each` nodes, each with properties that depend on `round`. */
function bigTree(groups: number, each: number, round: number): string {
  const lines: string[] = [];
  for (let g = 0; g < groups; g++) {
    lines.push(`/g${String(g).padStart(3, '0')}`);
    for (let n = 0; n < each; n++) {
      lines.push(`  /n${String(n).padStart(3, '0')}`, `    hosts = ["h${n}:80"]`, `    round = ${round}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('tree export and import', () => {
  it('export leaves out ephemeral nodes unless asked, and /zookeeper always', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('tree-export');
    await obs.mkdirp(`${base}/svc`);
    await obs.create(`${base}/svc/h:1`, JSON.stringify({ pid: 7 }), { ephemeral: true });
    await obs.setData(`${base}/svc`, JSON.stringify({ type: 'service', threads: 2 }));

    expect(await zk.exportTree(`${base}/svc`)).toBe('/svc : service\n  threads = 2\n');
    expect(await zk.exportTree(`${base}/svc`, { ephemeral: true })).toBe(
      '/svc : service\n  threads = 2\n  /h:1\n    pid = 7\n',
    );
    const all = await zk.exportTree('/');
    expect(all.split('\n')).not.toContain('/zookeeper');
    expect(all).toContain(`/${base.split('/')[1]}`);
    await expect(zk.exportTree(`${base}/nothing`)).rejects.toMatchObject({ code: 'NO_NODE' });
  });

  it('export, import into an empty root, export again: identical text, links included', async () => {
    const zk = await client();
    const base = root('tree-round-trip');
    const plan = await zk.importTree(README, `${base}/src`);
    expect(plan.added).toContain(`${base}/src/lb/pools/cms`);
    const first = await zk.exportTree(`${base}/src`);
    expect(first).toContain('      providers -> /cms/providers\n');
    expect(first).toContain('    main -> /cms/databases/main\n');
    expect(first.startsWith('/src\n  /cms : z4m cms\n')).toBe(true);
    expect(await zk.get(`${base}/src/lb/pools/cms`)).toEqual({
      address: '1.2.3.4:80',
      'providers ->': '/cms/providers',
    });

    await zk.importTree(first, `${base}/copy`);
    expect(await zk.exportTree(`${base}/copy/src`)).toBe(first);
    // Importing the same text again changes nothing.
    const again = await zk.importTree(first, `${base}/copy`);
    expect(again).toMatchObject({ added: [], changed: [], links: [], trimmed: [] });
  });

  it('dry run reports the plan and changes nothing', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('tree-dry-run');
    await zk.importTree('/a\n  x = 1\n  /b\n/c\n', base);
    await obs.create(`${base}/a/extra`);
    const before = await zk.exportTree(base);
    const stat = await obs.exists(`${base}/a`);

    const plan = await zk.importTree('/a\n  x = 2\n  l -> /c\n/d\n', base, { dryRun: true, trim: true });
    expect(plan.added).toEqual([`${base}/d`]);
    expect(plan.changed).toEqual([{ path: `${base}/a`, before: { x: 1 }, after: { x: 2 } }]);
    expect(plan.links).toEqual([{ path: `${base}/a`, name: 'l', after: '/c' }]);
    expect(plan.trimmed).toEqual(expect.arrayContaining([`${base}/a/b`, `${base}/a/extra`]));
    expect(await zk.exportTree(base)).toBe(before);
    expect((await obs.exists(`${base}/a`))?.mzxid).toBe(stat?.mzxid);
    expect(await obs.exists(`${base}/d`)).toBeNull();
  });

  it('trim removes extra persistent nodes, sparing ephemeral ones, their ancestors and top-level nodes', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('tree-trim');
    await zk.importTree('/app\n  /old\n    /deep\n  /keep\n  /svc\n    /sub\n/top\n', base);
    await obs.create(`${base}/app/svc/sub/h:1`, '{}', { ephemeral: true });

    const plan = await zk.importTree('/app\n  /keep\n    n = 1\n', base, { trim: true });
    expect(plan.trimmed).toEqual([`${base}/app/old/deep`, `${base}/app/old`]);
    expect(plan.skipped).toEqual(
      expect.arrayContaining([
        { path: `${base}/top`, reason: 'top level' },
        { path: `${base}/app/svc`, reason: 'ephemeral descendant' },
      ]),
    );
    expect((await obs.getChildren(`${base}/app`)).sort()).toEqual(['keep', 'svc']);
    expect(await obs.getChildren(`${base}/app/svc/sub`)).toEqual(['h:1']);
    expect(await obs.exists(`${base}/top`)).not.toBeNull();
    expect(await zk.get(`${base}/app/keep`)).toEqual({ n: 1 });

    // Without trim the extra nodes are only reported.
    const report = await zk.importTree('/app\n  /keep\n    n = 1\n', base);
    expect(report.extra).toEqual(expect.arrayContaining([`${base}/app/svc`]));
    expect(report.trimmed).toEqual([]);
  });

  it('a 2,000-node import is written in multi batches; a concurrent writer stops a later one with BAD_VERSION, unwritten over', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('tree-big');
    const progress: [number, number][] = [];
    const plan = await zk.importTree(bigTree(40, 50, 1), base, {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(plan.added).toHaveLength(2040);
    // One report per batch written: more than one batch, the last one complete.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
    expect(await zk.exportTree(base)).toBe(`/${base.split('/').at(-1)}\n${indent(bigTree(40, 50, 1))}`);

    // Every node changes; as soon as the first batch is written, another session writes the last node.
    const last = `${base}/g039/n049`;
    let writer: Promise<unknown> | undefined;
    const error = await zk
      .importTree(bigTree(40, 50, 2), base, {
        onProgress: () => {
          writer ??= obs.setData(last, JSON.stringify({ writer: 'other' }));
        },
      })
      .catch((e: unknown) => e);
    await writer;
    expect(error).toMatchObject({ name: 'NodeError', code: 'BAD_VERSION', path: last });
    expect((error as Error).message).toMatch(/^import stopped after \d+ of 2000 changes/);
    expect(JSON.parse((await obs.getData(last)).data?.toString() ?? '')).toEqual({ writer: 'other' });
    expect(await zk.get(`${base}/g000/n000`)).toMatchObject({ round: 2 });
  }, 60_000);

  it('refuses to import into /zookeeper and reports bad text with its line', async () => {
    const zk = await client();
    await expect(zk.importTree('/a\n', '/zookeeper')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(zk.importTree('/a\n  x = nope\n', root('tree-bad'))).rejects.toMatchObject({
      code: 'INVALID_DATA',
      message: expect.stringMatching(/line 2/),
    });
  });
});

describe('delete, walk, ln and resolve', () => {
  it('recursive delete spares ephemeral nodes and their ancestors unless force; dry run deletes nothing', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('tree-delete');
    await zk.importTree('/s\n  /a\n  /b\n    /c\n', base);
    await obs.create(`${base}/s/a/h:1`, '{}', { ephemeral: true });

    const dry = await zk.delete(`${base}/s`, { recursive: true, dryRun: true });
    expect(dry).toEqual({
      deleted: [`${base}/s/b/c`, `${base}/s/b`],
      spared: [
        { path: `${base}/s/a/h:1`, reason: 'ephemeral' },
        { path: `${base}/s/a`, reason: 'ephemeral descendant' },
        { path: `${base}/s`, reason: 'ephemeral descendant' },
      ],
    });
    expect(await obs.exists(`${base}/s/b/c`)).not.toBeNull();

    expect(await zk.delete(`${base}/s`, { recursive: true })).toEqual(dry);
    expect(await obs.getChildren(`${base}/s`)).toEqual(['a']);
    expect(await zk.delete(`${base}/s/a/h:1`)).toEqual({
      deleted: [],
      spared: [{ path: `${base}/s/a/h:1`, reason: 'ephemeral' }],
    });

    expect(await zk.delete(`${base}/s`, { recursive: true, force: true })).toEqual({
      deleted: [`${base}/s/a/h:1`, `${base}/s/a`, `${base}/s`],
      spared: [],
    });
    expect(await obs.exists(`${base}/s`)).toBeNull();
    expect(await zk.delete(`${base}/s`, { recursive: true })).toEqual({ deleted: [], spared: [] });
  });

  it('walk is depth first and sorted, prunable, and leaves ephemeral nodes out when asked', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('tree-walk');
    await zk.importTree('/b\n  /y\n/a\n  /x\n    /deep\n', base);
    await obs.create(`${base}/b/e`, '{}', { ephemeral: true });
    const paths = async (options = {}, prune?: string) => {
      const seen: string[] = [];
      for await (const node of zk.walk(base, options)) {
        seen.push(node.path.slice(base.length) || '/');
        if (node.path === prune) node.children.length = 0;
      }
      return seen;
    };
    expect(await paths()).toEqual(['/', '/a', '/a/x', '/a/x/deep', '/b', '/b/e', '/b/y']);
    expect(await paths({ ephemeral: false }, `${base}/a`)).toEqual(['/', '/a', '/b', '/b/y']);
  });

  it('ln writes a link that resolve follows; a real child shadows it', async () => {
    const zk = await client();
    const base = root('tree-ln');
    await zk.importTree('/cms\n  /databases\n    /main\n/retail\n  /databases\n', base);
    const link = await zk.ln(`${base}/cms/databases/main`, `${base}/retail/databases/main`);
    expect(link).toBe(`${base}/retail/databases/main`);
    expect(await zk.get(`${base}/retail/databases`)).toEqual({ 'main ->': `${base}/cms/databases/main` });
    expect(await zk.resolve(`${base}/retail/databases/main`)).toBe(`${base}/cms/databases/main`);
    expect(await zk.resolve(`${base}/retail/./databases/../databases/main`)).toBe(
      `${base}/cms/databases/main`,
    );
    await zk.ln('../../cms', `${base}/retail/databases/`);
    expect(await zk.resolve(`${base}/retail/databases/cms/databases`)).toBe(`${base}/cms/databases`);
    await zk.ensure(`${base}/retail/databases/main`);
    expect(await zk.resolve(`${base}/retail/databases/main`)).toBe(`${base}/retail/databases/main`);
  });
});

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}
