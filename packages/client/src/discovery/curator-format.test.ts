import { decodeProperties, type JsonObject } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import { parseCuratorInstance, parseUriSpec, serializeCuratorInstance } from './curator-format.js';
import type { Instance, ParsedInstance } from './instance.js';

// The two lines Curator 5.4 wrote (the format note, "Exact JSON bytes").
const FIRST =
  '{"name":"echo","id":"f9a96f50-847c-41c7-994a-9b338bf5d1a8","address":"10.0.0.1","port":8081,"sslPort":null,"payload":{"@class":"java.util.LinkedHashMap","zone":"a","weight":1,"tags":["x","y"]},"registrationTimeUTC":1796099087990,"serviceType":"DYNAMIC","uriSpec":null}';
const SECOND =
  '{"name":"echo","id":"fixed-id-2","address":"10.0.0.2","port":8082,"sslPort":8443,"payload":{"@class":"java.util.LinkedHashMap","zone":"b","weight":2},"registrationTimeUTC":1796099087990,"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true},{"value":"/api","variable":false}]}}';

function parse(id: string, data: JsonObject): Instance {
  const parsed = parseCuratorInstance(id, data);
  if (!('instance' in parsed)) throw new Error(`expected an instance, got: ${parsed.problem}`);
  return parsed.instance;
}

function problem(parsed: ParsedInstance): string {
  if ('instance' in parsed) throw new Error('expected a problem');
  return parsed.problem;
}

const base = { name: 'echo', id: 'i', address: '10.0.0.1', port: 8081 };

describe('serializeCuratorInstance', () => {
  it("writes Curator 5's bytes for a Map payload and no uriSpec", () => {
    const json = serializeCuratorInstance({
      name: 'echo',
      id: 'f9a96f50-847c-41c7-994a-9b338bf5d1a8',
      address: '10.0.0.1',
      port: 8081,
      sslPort: null,
      payload: { zone: 'a', weight: 1, tags: ['x', 'y'] },
      registrationTimeUTC: 1796099087990,
      uriSpec: null,
    });
    expect(Buffer.from(json)).toEqual(Buffer.from(FIRST));
  });

  it("writes Curator 5's bytes for an sslPort and a uriSpec template", () => {
    const json = serializeCuratorInstance({
      name: 'echo',
      id: 'fixed-id-2',
      address: '10.0.0.2',
      port: 8082,
      sslPort: 8443,
      payload: { zone: 'b', weight: 2 },
      registrationTimeUTC: 1796099087990,
      uriSpec: parseUriSpec('{scheme}://{address}:{port}/api'),
    });
    expect(Buffer.from(json)).toEqual(Buffer.from(SECOND));
  });

  it('puts @class first (replacing one in the payload), and writes a null payload as null', () => {
    const record = { ...base, sslPort: null, registrationTimeUTC: 1, uriSpec: null };
    const json = serializeCuratorInstance({
      ...record,
      payload: { a: 1, '@class': 'x.Y' },
      payloadClass: 'org.springframework.cloud.zookeeper.discovery.ZookeeperInstance',
    });
    expect(json).toContain(
      '"payload":{"@class":"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance","a":1}',
    );
    expect(serializeCuratorInstance({ ...record, payload: null })).toContain('"payload":null,');
  });

  it('escapes as Jackson does: non-BMP as surrogate pairs, upper-case hex; BMP text raw', () => {
    const json = serializeCuratorInstance({
      ...base,
      sslPort: null,
      registrationTimeUTC: 1,
      uriSpec: null,
      payload: { city: 'Zürich', face: '😀', control: '\u001f', literal: '\\u001f' },
    });
    expect(json).toContain(
      '"city":"Zürich","face":"\\uD83D\\uDE00","control":"\\u001F","literal":"\\\\u001f"',
    );
    expect(JSON.parse(json).payload.face).toBe('😀');
  });
});

describe('parseUriSpec', () => {
  it("splits a template as Curator's UriSpec does", () => {
    expect(parseUriSpec('http://{address}:{port}')).toEqual([
      { value: 'http://', variable: false },
      { value: 'address', variable: true },
      { value: ':', variable: false },
      { value: 'port', variable: true },
    ]);
    expect(parseUriSpec('')).toEqual([]);
  });

  it.each(['{a{b}}', 'x}', '{open'])('refuses the malformed template %s', (spec) => {
    expect(() => parseUriSpec(spec)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('parseCuratorInstance', () => {
  it("reads Curator's own bytes, with the payload minus @class", () => {
    const first = parse(
      'f9a96f50-847c-41c7-994a-9b338bf5d1a8',
      decodeProperties(Buffer.from(FIRST)).properties,
    );
    expect(first).toEqual({
      id: 'f9a96f50-847c-41c7-994a-9b338bf5d1a8',
      name: 'echo',
      address: '10.0.0.1',
      port: 8081,
      sslPort: null,
      data: { zone: 'a', weight: 1, tags: ['x', 'y'] },
      enabled: true,
      uriSpec: null,
      registrationTime: 1796099087990,
    });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.data.tags)).toBe(true);
    const second = parse('fixed-id-2', JSON.parse(SECOND));
    expect(second.sslPort).toBe(8443);
    expect(second.uriSpec).toEqual(parseUriSpec('{scheme}://{address}:{port}/api'));
  });

  it('takes the id from the znode name and the name from the JSON, else the service', () => {
    expect(parse('node-name', { ...base, id: 'json-id' }).id).toBe('node-name');
    expect(parseCuratorInstance('n', { address: 'h', port: 1 }, 'orders')).toMatchObject({
      instance: { name: 'orders' },
    });
  });

  it('accepts what Jackson coerces or defaults', () => {
    const instance = parse('i', {
      address: 'h',
      port: '9016',
      registrationTimeUTC: '1700000000000',
      enabled: 'false',
      extra: 'ignored',
    });
    expect(instance).toMatchObject({ port: 9016, registrationTime: 1700000000000, enabled: false });
    expect(parse('i', { ...base, registrationTimeUTC: 1.7e12 }).registrationTime).toBe(1700000000000);
    expect(parse('i', base)).toMatchObject({
      enabled: true,
      registrationTime: null,
      data: {},
      uriSpec: null,
    });
    expect(parse('i', { address: 'h', sslPort: 443 })).toMatchObject({ port: null, sslPort: 443 });
  });

  it('keeps payloads without @class, and bare payloads under value', () => {
    expect(parse('i', { ...base, payload: { a: 1 } }).data).toEqual({ a: 1 });
    expect(parse('i', { ...base, payload: null }).data).toEqual({});
    expect(parse('i', { ...base, payload: 'hello' }).data).toEqual({ value: 'hello' });
    expect(parse('i', { ...base, payload: 42 }).data).toEqual({ value: 42 });
    expect(parse('i', { ...base, payload: ['java.util.ArrayList', [1, 'x']] }).data).toEqual({
      value: [1, 'x'],
    });
    expect(parse('i', { ...base, payload: [1, 2] }).data).toEqual({ value: [1, 2] });
  });

  it('reads a uriSpec given as a raw string, as Curator does', () => {
    expect(parse('i', { ...base, uriSpec: 'http://x' }).uriSpec).toEqual([
      { value: 'http://x', variable: false },
    ]);
  });

  it.each<[string, JsonObject, string]>([
    ['not JSON', { string_value: 'HOST:1' }, 'not a JSON object'],
    ['{}', {}, 'address'],
    ['no port', { address: 'h' }, 'neither port nor sslPort'],
    ['a bad port', { address: 'h', port: 70000 }, 'port 70000'],
    ['a port word', { address: 'h', port: 'http' }, 'port "http"'],
    ['a lower-case serviceType', { ...base, serviceType: 'dynamic' }, 'serviceType'],
    ['an ISO date', { ...base, registrationTimeUTC: '2026-01-01T00:00:00Z' }, 'registrationTimeUTC'],
    ['an enabled word', { ...base, enabled: 'yes' }, 'enabled'],
    ['a uriSpec without parts', { ...base, uriSpec: { x: 1 } }, 'uriSpec'],
    ['a malformed uriSpec string', { ...base, uriSpec: '{open' }, 'uriSpec'],
  ])('gives a problem, not an instance, for %s', (_what, data, why) => {
    const parsed = parseCuratorInstance('bad', data);
    expect(problem(parsed)).toContain(why);
    expect(parsed).toMatchObject({ id: 'bad' });
  });

  it('reads back what it writes', () => {
    const json = serializeCuratorInstance({
      ...base,
      sslPort: 8443,
      payload: { zone: 'z' },
      registrationTimeUTC: 5,
      uriSpec: parseUriSpec('{scheme}://{address}'),
    });
    expect(parse('i', JSON.parse(json))).toMatchObject({ id: 'i', sslPort: 8443, data: { zone: 'z' } });
  });
});
