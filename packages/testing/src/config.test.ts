import { describe, expect, it } from 'vitest';
import { renderZooCfg } from './config.js';

const base = {
  dataDir: '/tmp/zk/data',
  clientPort: 2181,
  tickTime: 500,
  minSessionTimeout: 1000,
  maxSessionTimeout: 10000,
};

describe('renderZooCfg', () => {
  it('renders a standalone config bound to loopback, with 4lw on and no AdminServer', () => {
    expect(renderZooCfg(base)).toBe(
      [
        'tickTime=500',
        'dataDir=/tmp/zk/data',
        'clientPort=2181',
        'clientPortAddress=127.0.0.1',
        'minSessionTimeout=1000',
        'maxSessionTimeout=10000',
        'admin.enableServer=false',
        '4lw.commands.whitelist=*',
        'preAllocSize=1024',
        'maxClientCnxns=0',
        '',
      ].join('\n'),
    );
  });

  it('adds the quorum members and small init/sync limits for an ensemble', () => {
    const peers = [
      { id: 1, clientPort: 2181, peerPort: 2888, electionPort: 3888 },
      { id: 2, clientPort: 2182, peerPort: 2889, electionPort: 3889 },
      { id: 3, clientPort: 2183, peerPort: 2890, electionPort: 3890 },
    ];
    const lines = renderZooCfg({ ...base, peers })
      .trimEnd()
      .split('\n');
    expect(lines.slice(-5)).toEqual([
      'initLimit=10',
      'syncLimit=5',
      'server.1=127.0.0.1:2888:3888',
      'server.2=127.0.0.1:2889:3889',
      'server.3=127.0.0.1:2890:3890',
    ]);
  });
});
