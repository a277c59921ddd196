import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { primaryAddress } from './address.js';

function info(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

describe('primaryAddress', () => {
  it('takes the first non-internal IPv4 address, skipping loopback and link-local', () => {
    const interfaces = {
      lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
      eth9: [info('169.254.3.4', 'IPv4'), info('fe80::1', 'IPv6')],
      eth0: [info('fd00::5', 'IPv6'), info('10.0.0.5', 'IPv4')],
      eth1: [info('192.168.1.5', 'IPv4')],
    };
    expect(primaryAddress(interfaces)).toBe('10.0.0.5');
  });

  it('falls back to a global IPv6 address, then to 127.0.0.1', () => {
    expect(primaryAddress({ eth0: [info('fe80::1', 'IPv6'), info('fd00::5', 'IPv6')] })).toBe('fd00::5');
    expect(primaryAddress({ lo: [info('127.0.0.1', 'IPv4', true)] })).toBe('127.0.0.1');
  });
});
