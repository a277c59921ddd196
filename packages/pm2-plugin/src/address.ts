import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * The address other machines reach this one at, by default: the first non-internal IPv4 address in the order the
 * OS lists its interfaces, skipping link-local 169.254/16 (an interface without DHCP lease, unreachable from
 * elsewhere); else the first global IPv6 address; else 127.0.0.1, which is only right for a single machine. Hosts
 * with several networks should set the host explicitly.
 */
export function primaryAddress(interfaces: Interfaces = networkInterfaces()): string {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const external = all.filter((info) => !info.internal);
  const ipv4 = external.find((info) => info.family === 'IPv4' && !info.address.startsWith('169.254.'));
  if (ipv4) return ipv4.address;
  const ipv6 = external.find((info) => info.family === 'IPv6' && info.scopeid === 0 && !isLinkLocal6(info));
  if (ipv6) return ipv6.address;
  return '127.0.0.1';
}

function isLinkLocal6(info: NetworkInterfaceInfo): boolean {
  return /^fe[89ab]/i.test(info.address);
}
