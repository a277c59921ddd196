import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { JvmProfile } from '../options.js';

/** How to launch ZooKeeper from a local jar: the java binary, the classpath and JVM flags. */
export interface JavaLaunch {
  readonly java: string;
  readonly classpath: string;
  readonly jvmArgs: readonly string[];
  /** Where the jar was found, for messages. */
  readonly source: string;
  /** Why this installation cannot serve TLS, when it cannot (a missing jar). */
  readonly tlsProblem?: string;
}

export type LocateResult = { found: true; launch: JavaLaunch } | { found: false; reason: string };

/**
 * Flags of every server we start, for no trace left behind:
 * - `-XX:-UsePerfData`: otherwise the JVM writes /tmp/hsperfdata_<user>/<pid>, left behind on SIGKILL.
 * - logging at WARN through slf4j-simple (Debian) or ZooKeeper's logback (tarball) goes to our pipe, so a
 *   start failure can quote the BindException instead of failing silently as with slf4j-nop.
 */
const COMMON_JVM_ARGS = [
  '-XX:-UsePerfData',
  '-Djava.net.preferIPv4Stack=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dzookeeper.console.threshold=WARN',
  '-Dzookeeper.jmx.log4j.disable=true',
];

/**
 * - test: SerialGC + C1 only (TieredStopAtLevel=1), a small heap: a test server does little work; startup dominates.
 * - server: the heap zkEnv.sh gives ZooKeeper (ZK_SERVER_HEAP=1000); collector and JIT left to the JVM.
 */
const PROFILE_JVM_ARGS: Record<JvmProfile, readonly string[]> = {
  test: ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'],
  server: ['-Xmx1000m'],
};

function jvmArgs(profile: JvmProfile): readonly string[] {
  return [...PROFILE_JVM_ARGS[profile], ...COMMON_JVM_ARGS];
}

/**
 * Finds java and a ZooKeeper jar. Only `env` is consulted (JAVA_HOME, PATH, ZOOKEEPER_HOME), and the Debian
 * layout is looked up under `root`, so a test can simulate a bare machine without touching the real one.
 */
export function locateLocalZooKeeper(
  env: NodeJS.ProcessEnv,
  root = '/',
  profile: JvmProfile = 'test',
): LocateResult {
  const java = findJava(env);
  if (!java.found) return java;
  const jar = findClasspath(env, root);
  if (!jar.found) return jar;
  return { found: true, launch: { java: java.path, ...jar.launch, jvmArgs: jvmArgs(profile) } };
}

type Found<T> = ({ found: true } & T) | { found: false; reason: string };

/** JAVA_HOME/bin/java when JAVA_HOME is set (and then only there: a wrong JAVA_HOME is a mistake to report). */
export function findJava(env: NodeJS.ProcessEnv): Found<{ path: string }> {
  const javaHome = env.JAVA_HOME;
  if (javaHome) {
    const candidate = join(javaHome, 'bin', 'java');
    return isExecutable(candidate)
      ? { found: true, path: candidate }
      : { found: false, reason: `JAVA_HOME=${javaHome} has no executable bin/java` };
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    const candidate = join(dir, 'java');
    if (isExecutable(candidate)) return { found: true, path: candidate };
  }
  return { found: false, reason: `no java: JAVA_HOME is not set and java is not on PATH=${env.PATH ?? ''}` };
}

function findClasspath(env: NodeJS.ProcessEnv, root: string): Found<{ launch: ClasspathLaunch }> {
  const home = env.ZOOKEEPER_HOME;
  if (home) return fromZooKeeperHome(home);
  return fromDebianLayout(root);
}

/** A release tarball: jars in lib/ (3.5+) or at the top (3.4); conf/ holds its logback/log4j config. */
type ClasspathLaunch = Pick<JavaLaunch, 'classpath' | 'source' | 'tlsProblem'>;

function fromZooKeeperHome(home: string): Found<{ launch: ClasspathLaunch }> {
  const jarDirs = [join(home, 'lib'), home].filter((dir) => jarsIn(dir).some(isServerJar));
  const first = jarDirs[0];
  if (first === undefined) {
    return {
      found: false,
      reason: `ZOOKEEPER_HOME=${home} has no zookeeper-<version>.jar in lib/ or at its top`,
    };
  }
  const jars = jarsIn(first).map((jar) => join(first, jar));
  return {
    found: true,
    launch: { classpath: [join(home, 'conf'), ...jars].join(delimiter), source: `ZOOKEEPER_HOME=${home}` },
  };
}

/**
 * Debian's `zookeeper` package: zookeeper.jar's manifest Class-Path names its dependencies in /usr/share/java,
 * so the classpath only adds an slf4j binding (simple to see errors; nop if that is all there is) and
 * netty-codec.jar, which the manifest lacks and TLS needs: without it a TLS server starts, binds its port and
 * fails every handshake (NoClassDefFoundError: io/netty/handler/codec/ByteToMessageDecoder).
 */
function fromDebianLayout(root: string): Found<{ launch: ClasspathLaunch }> {
  const javaDir = join(root, 'usr', 'share', 'java');
  const jar = join(javaDir, 'zookeeper.jar');
  if (!existsSync(jar)) {
    return { found: false, reason: `no ZOOKEEPER_HOME and no ${jar} (Debian package zookeeper)` };
  }
  const binding = ['slf4j-simple.jar', 'slf4j-nop.jar'].map((name) => join(javaDir, name)).find(existsSync);
  const conf = join(root, 'etc', 'zookeeper', 'conf');
  const codec = join(javaDir, 'netty-codec.jar');
  const hasCodec = existsSync(codec);
  const entries = [existsSync(conf) ? conf : undefined, jar, hasCodec ? codec : undefined, binding].filter(
    (e) => e !== undefined,
  );
  const launch = { classpath: entries.join(delimiter), source: jar };
  if (hasCodec) return { found: true, launch };
  return {
    found: true,
    launch: { ...launch, tlsProblem: `TLS needs ${codec} (Debian package libnetty-java), which is missing` },
  };
}

function isServerJar(name: string): boolean {
  return /^zookeeper-\d[\w.-]*\.jar$/.test(name) && !/-(sources|javadoc|tests)\.jar$/.test(name);
}

function jarsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.jar'));
  } catch {
    return [];
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
