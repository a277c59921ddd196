/** One quorum member's ports, as in `server.<id>=127.0.0.1:<peerPort>:<electionPort>`. */
export interface PeerPorts {
  readonly id: number;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly electionPort: number;
}

export interface ZooCfgOptions {
  readonly dataDir: string;
  readonly clientPort: number;
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
    `clientPort=${options.clientPort}`,
    'clientPortAddress=127.0.0.1',
    `minSessionTimeout=${options.minSessionTimeout}`,
    `maxSessionTimeout=${options.maxSessionTimeout}`,
    'admin.enableServer=false',
    '4lw.commands.whitelist=*',
    'preAllocSize=1024',
    'maxClientCnxns=0',
  ];
  if (options.peers !== undefined) {
    lines.push('initLimit=10', 'syncLimit=5');
    for (const peer of options.peers) {
      lines.push(`server.${peer.id}=127.0.0.1:${peer.peerPort}:${peer.electionPort}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
