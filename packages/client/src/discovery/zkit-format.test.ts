import { describe, expect, it } from 'vitest';
import { parseZkitInstance, zkitAddress } from './zkit-format.js';

describe('zkit format', () => {
  it('reads HOST:PORT names, IPv6 bracketed', () => {
    expect(zkitAddress('10.0.0.1:8080')).toEqual({ address: '10.0.0.1', port: 8080 });
    expect(zkitAddress('db.example.com:5432')).toEqual({ address: 'db.example.com', port: 5432 });
    expect(zkitAddress('[::1]:80')).toEqual({ address: '::1', port: 80 });
    expect(zkitAddress('[fe80::1%eth0]:443')).toEqual({ address: 'fe80::1%eth0', port: 443 });
  });

  it.each(['pm2-3@host', 'host', 'host:0', 'host:65536', 'host:x', ':80', '::1:80', 'a b:80'])(
    'refuses the name %j',
    (id) => {
      expect(zkitAddress(id)).toEqual({ id, problem: 'the name is not HOST:PORT' });
    },
  );

  it("takes the child's JSON object as data; enabled unless it says enabled: false", () => {
    expect(parseZkitInstance('orders', 'h:1', { properties: { pid: 7 } })).toEqual({
      instance: {
        id: 'h:1',
        name: 'orders',
        address: 'h',
        port: 1,
        sslPort: null,
        data: { pid: 7 },
        enabled: true,
        uriSpec: null,
        registrationTime: null,
      },
    });
    const off = parseZkitInstance('orders', 'h:1', { properties: { enabled: false } });
    expect('instance' in off && off.instance.enabled).toBe(false);
    const truthy = parseZkitInstance('orders', 'h:1', { properties: { enabled: 'no' } });
    expect('instance' in truthy && truthy.instance.enabled).toBe(true);
  });

  it('refuses data that was not a JSON object, and a bad name before looking at the data', () => {
    expect(
      parseZkitInstance('s', 'h:1', { properties: { string_value: 'x' }, problem: 'node data is not JSON' }),
    ).toEqual({ id: 'h:1', problem: 'node data is not JSON' });
    expect(parseZkitInstance('s', 'nope', { properties: {} })).toEqual({
      id: 'nope',
      problem: 'the name is not HOST:PORT',
    });
    // A JSON object that merely has a string_value key is data like any other.
    expect('instance' in parseZkitInstance('s', 'h:1', { properties: { string_value: 'x' } })).toBe(true);
  });
});
