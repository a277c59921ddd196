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

  const tls = {
    keyStoreFile: '/tmp/tls/server-keystore.pem',
    trustStoreFile: '/tmp/tls/ca.crt',
    clientAuth: 'need',
  } as const;
  const tlsLines = [
    'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    'ssl.keyStore.location=/tmp/tls/server-keystore.pem',
    'ssl.keyStore.type=PEM',
    'ssl.trustStore.location=/tmp/tls/ca.crt',
    'ssl.trustStore.type=PEM',
    'ssl.clientAuth=need',
  ];
  const { clientPort: _plain, ...noPlain } = base;

  it('serves TLS only on a loopback secureClientPort through Netty, with PEM stores', () => {
    const lines = renderZooCfg({ ...noPlain, secureClientPort: 2281, tls }).split('\n');
    expect(lines).not.toContainEqual(expect.stringMatching(/^clientPort/));
    expect(lines).toEqual(
      expect.arrayContaining(['secureClientPort=2281', 'secureClientPortAddress=127.0.0.1', ...tlsLines]),
    );
    expect(lines).not.toContainEqual(expect.stringMatching(/portUnification|authProvider/));
  });

  it('keeps a plain clientPort beside the TLS one when asked', () => {
    const lines = renderZooCfg({ ...base, secureClientPort: 2281, tls }).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['clientPort=2181', 'secureClientPort=2281']));
  });

  it('unifies the ports with the x509 provider registered by hand (no secureClientPort to do it)', () => {
    const lines = renderZooCfg({ ...base, portUnification: true, tls }).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'clientPort=2181',
        ...tlsLines,
        'client.portUnification=true',
        'authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider',
      ]),
    );
    expect(lines).not.toContainEqual(expect.stringMatching(/^secureClientPort/));
  });

  it('registers the SASL provider when asked', () => {
    expect(renderZooCfg({ ...base, sasl: true })).toContain(
      'authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n',
    );
    expect(renderZooCfg(base)).not.toContain('authProvider');
  });
});
