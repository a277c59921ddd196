/** One quorum member's ports, as in `server.<id>=127.0.0.1:<peerPort>:<electionPort>`. */
export interface PeerPorts {
  readonly id: number;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly electionPort: number;
}

/** The TLS part of zoo.cfg: PEM key and trust stores (no keytool, no passwords), made per run. */
export interface ZooCfgTls {
  /** Key + certificate in one PEM file (`ssl.keyStore.type=PEM`). */
  readonly keyStoreFile: string;
  /** The test CA's certificate (`ssl.trustStore.type=PEM`). */
  readonly trustStoreFile: string;
  readonly clientAuth: 'need' | 'want' | 'none';
}

export interface ZooCfgOptions {
  readonly dataDir: string;
  /** The plain (or, with `portUnification`, unified) client port; absent for a TLS-only server. */
  readonly clientPort?: number;
  /** The TLS-only client port. */
  readonly secureClientPort?: number;
  /** `clientPort` serves plain and TLS clients alike. */
  readonly portUnification?: boolean;
  readonly tls?: ZooCfgTls;
  /** Register ZooKeeper's SASL provider (the JAAS file comes as a JVM flag). */
  readonly sasl?: boolean;
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  /** All members of the ensemble (this server included); absent for a standalone server. */
  readonly peers?: readonly PeerPorts[];
}

/**
 * Renders zoo.cfg. Every line is here for a reason:
 * - `admin.enableServer=false`: the AdminServer would take port 8080 and clash between servers and runs.
 * - `4lw.commands.whitelist=*`: readiness and `leader()` rely on `srvr` (3.5+ whitelists only `srvr` by default).
 * - `clientPortAddress=127.0.0.1`: tests never expose a server beyond loopback.
 * - min/maxSessionTimeout: the server clamps client timeouts to [2, 20] x tickTime unless told; explicit bounds
 *   let expiry tests use short sessions.
 * - initLimit/syncLimit in ticks: small, so a restarted follower that cannot sync fails fast, yet 5 s at the
 *   default tickTime of 500 ms is ample for an empty data tree on a loaded 2-core machine.
 * - `preAllocSize`: the 64 MB default log preallocation per server is wasted disk and time in tests.
 */
export function renderZooCfg(options: ZooCfgOptions): string {
  const lines = [
    `tickTime=${options.tickTime}`,
    `dataDir=${options.dataDir}`,
    ...portLines(options),
    `minSessionTimeout=${options.minSessionTimeout}`,
    `maxSessionTimeout=${options.maxSessionTimeout}`,
    'admin.enableServer=false',
    '4lw.commands.whitelist=*',
    'preAllocSize=1024',
    'maxClientCnxns=0',
  ];
  lines.push(...tlsLines(options), ...saslLines(options));
  if (options.peers !== undefined) {
    lines.push('initLimit=10', 'syncLimit=5');
    for (const peer of options.peers) {
      lines.push(`server.${peer.id}=127.0.0.1:${peer.peerPort}:${peer.electionPort}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function portLines(options: ZooCfgOptions): string[] {
  const lines: string[] = [];
  if (options.clientPort !== undefined) {
    lines.push(`clientPort=${options.clientPort}`, 'clientPortAddress=127.0.0.1');
  }
  if (options.secureClientPort !== undefined) {
    lines.push(`secureClientPort=${options.secureClientPort}`, 'secureClientPortAddress=127.0.0.1');
  }
  return lines;
}

/**
 * - Netty: ZooKeeper serves TLS only through its Netty connection factory (NIO has no TLS).
 * - PEM stores: ZooKeeper 3.8 reads an unencrypted PKCS#8 key + certificate file and a CA file directly.
 * - `authProvider.x509` with port unification: ZooKeeper registers the x509 provider by itself only when
 *   secureClientPort is set; without it, a TLS client is dropped after its handshake ("X509 Auth provider not
 *   found: x509").
 * Every unknown zoo.cfg key becomes the system property `zookeeper.<key>`, which is where these are read.
 */
function tlsLines(options: ZooCfgOptions): string[] {
  const tls = options.tls;
  if (tls === undefined) return [];
  const lines = [
    'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    `ssl.keyStore.location=${tls.keyStoreFile}`,
    'ssl.keyStore.type=PEM',
    `ssl.trustStore.location=${tls.trustStoreFile}`,
    'ssl.trustStore.type=PEM',
    `ssl.clientAuth=${tls.clientAuth}`,
  ];
  if (options.portUnification === true) {
    lines.push(
      'client.portUnification=true',
      'authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider',
    );
  }
  return lines;
}

function saslLines(options: ZooCfgOptions): string[] {
  return options.sasl === true
    ? ['authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider']
    : [];
}
