import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir } from './cleanup.js';
import { type PeerPorts, renderZooCfg, type ZooCfgOptions } from './config.js';
import { writeJaas } from './jaas.js';
import { freePorts } from './ports.js';
import type { JavaLaunch } from './providers/local-jar.js';
import type { LocalSecurity } from './security.js';
import { LocalServer, QUORUM_MAIN, STANDALONE_MAIN } from './server.js';

export interface ServerSetupOptions {
  readonly size: 1 | 3;
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The client ports of one server. `primary` is the one in the handle's connection string: the TLS port when
 * TLS is on (the unified port with port unification), else the plain one.
 */
interface ClientPorts {
  readonly primary: number;
  readonly plain?: number;
  readonly secure?: number;
  readonly unified: boolean;
}

/** How many client ports each server needs: TLS with a plain port beside it needs two. */
function clientPortCount(security: LocalSecurity): number {
  return security.tls?.options.plainPort === true ? 2 : 1;
}

function clientPorts(security: LocalSecurity, ports: readonly number[]): ClientPorts {
  const [first, second] = ports as [number, number | undefined];
  const tls = security.tls?.options;
  if (tls === undefined) return { primary: first, plain: first, unified: false };
  if (tls.portUnification) return { primary: first, plain: first, secure: first, unified: true };
  if (tls.plainPort && second !== undefined)
    return { primary: first, secure: first, plain: second, unified: false };
  return { primary: first, secure: first, unified: false };
}

/** Fresh ports and a temp dir per server (zoo.cfg, data/, myid for a quorum, jaas.conf with SASL). */
export async function prepareServers(
  launch: JavaLaunch,
  options: ServerSetupOptions,
  security: LocalSecurity,
): Promise<LocalServer[]> {
  const perServer = clientPortCount(security) + (options.size > 1 ? 2 : 0);
  const ports = await freePorts(options.size * perServer);
  const layout = Array.from({ length: options.size }, (_, index) => {
    const own = ports.slice(index * perServer, (index + 1) * perServer);
    const client = clientPorts(security, own);
    const peer: PeerPorts = {
      id: index + 1,
      clientPort: client.primary,
      peerPort: own[perServer - 2] ?? 0,
      electionPort: own[perServer - 1] ?? 0,
    };
    return { client, peer };
  });
  const peers = layout.map(({ peer }) => peer);
  return Promise.all(
    layout.map(({ client }, index) =>
      prepareServer(launch, { ...options, security, client }, { peers, index }),
    ),
  );
}

interface ServerOptions extends ServerSetupOptions {
  readonly security: LocalSecurity;
  readonly client: ClientPorts;
}

/** A temp dir with zoo.cfg and data/ (plus myid for a quorum member), tracked for removal at exit. */
async function prepareServer(
  launch: JavaLaunch,
  options: ServerOptions,
  { peers, index }: { peers: readonly PeerPorts[]; index: number },
): Promise<LocalServer> {
  const peer = peers[index]!;
  const quorum = peers.length > 1;
  const dir = await mkdtemp(join(tmpdir(), 'zkit-zk-'));
  trackDir(dir);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  if (quorum) await writeFile(join(dataDir, 'myid'), `${peer.id}\n`);
  const configFile = join(dir, 'zoo.cfg');
  const config = zooCfgOptions(dataDir, options);
  await writeFile(configFile, renderZooCfg(quorum ? { ...config, peers } : config));
  const users = options.security.sasl?.users;
  const jvmArgs = users === undefined ? [] : [await writeJaas(dir, users)];
  const { client } = options;
  return new LocalServer(launch, {
    index,
    id: peer.id,
    clientPort: client.primary,
    ...(client.secure === undefined ? {} : { securePort: client.secure }),
    ...(client.plain === undefined ? {} : { plainPort: client.plain }),
    dir,
    configFile,
    mainClass: quorum ? QUORUM_MAIN : STANDALONE_MAIN,
    env: options.env,
    jvmArgs,
  });
}

function zooCfgOptions(dataDir: string, options: ServerOptions): ZooCfgOptions {
  const { tickTime, minSessionTimeout, maxSessionTimeout, client, security } = options;
  const tls = security.tls;
  return {
    dataDir,
    tickTime,
    minSessionTimeout,
    maxSessionTimeout,
    ...(client.plain === undefined ? {} : { clientPort: client.plain }),
    ...(client.secure === undefined || client.unified ? {} : { secureClientPort: client.secure }),
    ...(client.unified ? { portUnification: true } : {}),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            keyStoreFile: tls.certificates.server.keyStoreFile,
            trustStoreFile: tls.certificates.ca.certFile,
            clientAuth: tls.options.clientAuth,
          },
        }),
    ...(security.sasl === undefined ? {} : { sasl: true }),
  };
}
