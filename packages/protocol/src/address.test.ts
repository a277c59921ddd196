import { describe, expect, it } from 'vitest';
import { addressName } from './address.js';

describe('addressName', () => {
  it.each([
    [['192.168.0.42', 8080], '192.168.0.42:8080'],
    ['host.example:1', 'host.example:1'],
    [['::1', 80], '[::1]:80'],
    ['[::1]:80', '[::1]:80'],
    [['h', 65535], 'h:65535'],
  ])('names %j as %s', (address, name) => {
    expect(addressName(address)).toBe(name);
  });

  it.each([
    [['', 1]],
    [[' h', 1]],
    [['a b', 1]],
    [['h', 0]],
    [['h', '80']],
    ['h:'],
    [':80'],
    ['h:123456'],
    [42],
  ])('refuses %j with INVALID_ADDRESS', (address) => {
    expect(() => addressName(address)).toThrow(expect.objectContaining({ code: 'INVALID_ADDRESS' }));
  });
});
