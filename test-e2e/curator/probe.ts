import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@zkit/testing';

/**
 * Apache Curator x-discovery in a JVM, for interop tests: test-e2e/curator/Probe.java compiled with javac per run
 * against Debian's jars (scripts/setup.sh installs them), driven by JSON lines.
 */

const JARS = '/usr/share/java';
/** The reference's classpath (Debian's curator-x-discovery forgets to depend on curator-recipes). */
const CLASSPATH = [
  'curator-x-discovery',
  'curator-recipes',
  'curator-framework',
  'curator-client',
  'zookeeper',
  'zookeeper-jute',
  'guava',
  'jackson-databind',
  'jackson-core',
  'jackson-annotations',
  'slf4j-api',
];
const BINDINGS = ['slf4j-simple', 'slf4j-nop'];

/** Why Curator cannot run here (no javac or java, a jar missing), or undefined when it can. */
export function curatorMissing(): string | undefined {
  for (const tool of ['javac', 'java']) {
    const dirs = (process.env.PATH ?? '').split(delimiter);
    if (!dirs.some((dir) => dir !== '' && existsSync(join(dir, tool))))
      return `no ${tool} on PATH (install a JDK)`;
  }
  const missing = CLASSPATH.filter((jar) => !existsSync(jarPath(jar)));
  if (missing.length > 0) {
    return `${missing.map(jarPath).join(', ')} missing (apt-get install libcurator-discovery-java libcurator-recipes-java)`;
  }
  if (binding() === undefined) return `no slf4j binding in ${JARS} (apt-get install libslf4j-java)`;
  return undefined;
}

function jarPath(name: string): string {
  return join(JARS, `${name}.jar`);
}

function binding(): string | undefined {
  return BINDINGS.map(jarPath).find(existsSync);
}

function classpath(): string {
  return [...CLASSPATH.map(jarPath), binding() ?? ''].join(delimiter);
}

/** Compiles Probe.java into a temporary directory; returns it (remove it with `dispose`). */
export async function compileProbe(): Promise<{ dir: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'zkit-curator-probe-'));
  const source = fileURLToPath(new URL('./Probe.java', import.meta.url));
  await promisify(execFile)('javac', ['-nowarn', '-d', dir, '-cp', classpath(), source], { timeout: 60_000 });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What Probe.java reports of an instance, as Curator read it. */
export interface CuratorView {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly port: number | null;
  readonly sslPort: number | null;
  readonly payload: Record<string, unknown> | null;
  readonly payloadClass: string | null;
  /** buildUriSpec() of the instance, when it has a uriSpec. */
  readonly uri: string | null;
  readonly enabled: boolean;
}

export interface CacheEvent {
  readonly watch: string;
  readonly instances: readonly CuratorView[];
}

type Answer = Record<string, unknown> & { readonly ok: boolean; readonly error?: string };

/** One Curator client (its own ZooKeeper session) in a JVM. */
export interface CuratorProbe extends AsyncDisposable {
  /** Sends a command; resolves with the answer, rejects with Curator's exception text. */
  send(command: Record<string, unknown>): Promise<Answer>;
  /** ServiceCache change events, in order. */
  readonly events: CacheEvent[];
  /** The first cache event of `watch` after `from` events that satisfies `match`. */
  cacheEvent(watch: string, match: (event: CacheEvent) => boolean, from?: number): Promise<CacheEvent>;
}

/** Starts the compiled probe against `connectString`; its answers are bounded by `timeout` ms each. */
export async function startProbe(
  dir: string,
  connectString: string,
  timeout = 15_000,
): Promise<CuratorProbe> {
  const child = spawn(
    'java',
    [
      '-Xmx128m',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      `${dir}${delimiter}${classpath()}`,
      'Probe',
      connectString,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, JAVA_TOOL_OPTIONS: '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const answers = new Map<number, Answer>();
  const events: CacheEvent[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    if (line.event === 'cache') events.push(line as unknown as CacheEvent);
    else answers.set(line.seq as number, line as Answer);
  });
  let seq = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    events,
    async send(command) {
      seq += 1;
      const mine = seq;
      child.stdin.write(`${JSON.stringify({ ...command, seq: mine })}\n`);
      const answer = await waitFor(() => answers.get(mine), {
        timeout,
        message: `Curator's answer to ${JSON.stringify(command)} (stderr: ${stderr.slice(-2000)})`,
      });
      if (!answer.ok) throw new Error(`Curator: ${answer.error}`);
      return answer;
    },
    cacheEvent(watch, match, from = 0) {
      return waitFor(() => events.slice(from).find((event) => event.watch === watch && match(event)), {
        timeout,
        message: `a ServiceCache event of ${watch}`,
      });
    },
    async [Symbol.asyncDispose]() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
