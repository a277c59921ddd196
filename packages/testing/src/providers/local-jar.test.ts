import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findJava, locateLocalZooKeeper } from './local-jar.js';

let root = '';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'zkit-locate-test-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function touch(path: string, mode = 0o644): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  chmodSync(path, mode);
  return path;
}

describe('locateLocalZooKeeper', () => {
  it("finds this machine's java and Debian's zookeeper.jar with netty-codec (for TLS) and a visible slf4j binding", () => {
    const located = locateLocalZooKeeper({ PATH: '/usr/local/bin:/usr/bin:/bin' });
    expect(located).toMatchObject({
      found: true,
      launch: {
        java: '/usr/bin/java',
        classpath:
          '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/netty-codec.jar:/usr/share/java/slf4j-simple.jar',
        source: '/usr/share/java/zookeeper.jar',
      },
    });
    expect(located.found && located.launch.tlsProblem).toBeUndefined();
  });

  it('says TLS cannot work when the Debian layout lacks netty-codec.jar', () => {
    touch(join(root, 'bin/java'), 0o755);
    touch(join(root, 'usr/share/java/zookeeper.jar'));
    const located = locateLocalZooKeeper({ PATH: join(root, 'bin') }, root);
    expect(located).toMatchObject({
      found: true,
      launch: { tlsProblem: expect.stringContaining('netty-codec.jar') },
    });
  });

  it('starts test servers for a quick start, and benchmark servers with the JIT and heap of production', () => {
    // A fake java on PATH and a fake Debian jar under root: only the flags are under test, not this machine.
    touch(join(root, 'bin/java'), 0o755);
    touch(join(root, 'usr/share/java/zookeeper.jar'));
    const env = { PATH: join(root, 'bin') };
    const flags = (profile?: 'test' | 'server') => {
      const located = locateLocalZooKeeper(env, root, profile);
      if (!located.found) throw new Error(`fake layout not found: ${located.reason}`);
      return located.launch.jvmArgs;
    };
    expect(flags()).toEqual(
      expect.arrayContaining(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m']),
    );
    const server = flags('server');
    expect(server).toContain('-Xmx1000m');
    expect(server.filter((flag) => /TieredStopAtLevel|UseSerialGC|Xmx256m/.test(flag))).toEqual([]);
    // Both leave no perf data behind and keep the server's warnings on our pipe.
    for (const profile of ['test', 'server'] as const)
      expect(flags(profile)).toEqual(
        expect.arrayContaining(['-XX:-UsePerfData', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn']),
      );
  });

  it('reports no java when PATH has none and JAVA_HOME is unset', () => {
    expect(locateLocalZooKeeper({ PATH: '/nonexistent' })).toEqual({
      found: false,
      reason: 'no java: JAVA_HOME is not set and java is not on PATH=/nonexistent',
    });
  });

  it('reports no jar when the Debian layout is missing under the root', () => {
    expect(locateLocalZooKeeper({ PATH: '/usr/bin' }, root)).toEqual({
      found: false,
      reason: `no ZOOKEEPER_HOME and no ${root}/usr/share/java/zookeeper.jar (Debian package zookeeper)`,
    });
  });

  it('uses slf4j-nop and no conf dir when that is all the Debian layout has', () => {
    touch(join(root, 'usr/share/java/zookeeper.jar'));
    touch(join(root, 'usr/share/java/slf4j-nop.jar'));
    expect(locateLocalZooKeeper({ PATH: '/usr/bin' }, root)).toMatchObject({
      found: true,
      launch: { classpath: `${root}/usr/share/java/zookeeper.jar:${root}/usr/share/java/slf4j-nop.jar` },
    });
  });

  it('prefers ZOOKEEPER_HOME: its conf dir and every jar in lib/', () => {
    touch(join(root, 'lib/zookeeper-3.9.2.jar'));
    touch(join(root, 'lib/zookeeper-jute-3.9.2.jar'));
    const located = locateLocalZooKeeper({ PATH: '/usr/bin', ZOOKEEPER_HOME: root });
    expect(located).toMatchObject({ found: true, launch: { source: `ZOOKEEPER_HOME=${root}` } });
    const classpath = located.found ? located.launch.classpath.split(':') : [];
    expect(classpath[0]).toBe(join(root, 'conf'));
    expect(classpath.slice(1).sort()).toEqual([
      join(root, 'lib/zookeeper-3.9.2.jar'),
      join(root, 'lib/zookeeper-jute-3.9.2.jar'),
    ]);
  });

  it('reports a ZOOKEEPER_HOME without a server jar instead of falling back silently', () => {
    touch(join(root, 'lib/zookeeper-jute-3.9.2.jar'));
    expect(locateLocalZooKeeper({ PATH: '/usr/bin', ZOOKEEPER_HOME: root })).toEqual({
      found: false,
      reason: `ZOOKEEPER_HOME=${root} has no zookeeper-<version>.jar in lib/ or at its top`,
    });
  });
});

describe('findJava', () => {
  it('takes JAVA_HOME/bin/java when it is an executable file', () => {
    const java = touch(join(root, 'bin/java'), 0o755);
    expect(findJava({ JAVA_HOME: root, PATH: '/usr/bin' })).toEqual({ found: true, path: java });
  });

  it('skips PATH entries whose java is not an executable file', () => {
    touch(join(root, 'a/java'), 0o644);
    mkdirSync(join(root, 'b/java'), { recursive: true });
    const java = touch(join(root, 'c/java'), 0o755);
    const PATH = ['a', 'b', 'c'].map((dir) => join(root, dir)).join(':');
    expect(findJava({ PATH })).toEqual({ found: true, path: java });
  });
});
