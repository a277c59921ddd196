import { describe, expect, it } from 'vitest';
import {
  parseAnnouncePacket,
  parseProcess,
  parseProcessEvent,
  parseProcessList,
  parseRawMessage,
} from './pm2-packets.js';

// Shapes as seen from a PM2 7 daemon (`pm2 jlist` and bus packets), trimmed.
const listed = {
  pid: 11925,
  name: 'cl',
  pm_id: 1,
  monit: { memory: 1, cpu: 0 },
  pm2_env: {
    name: 'cl',
    pm_id: 1,
    status: 'online',
    exec_mode: 'cluster_mode',
    instance_var: 'NODE_APP_INSTANCE',
    NODE_APP_INSTANCE: 1,
    restart_time: 2,
    PORT: '7001',
    env: { PORT: '7001', ZK_PORT: '7002' },
  },
};

describe('parseProcess', () => {
  it('reads what the plugin needs from a pm2.list() entry', () => {
    expect(parseProcess(listed)).toEqual({
      pmId: 1,
      name: 'cl',
      pid: 11925,
      status: 'online',
      execMode: 'cluster',
      instance: 1,
      restarts: 2,
      envPort: 7002,
      module: false,
      replaced: false,
    });
  });

  it("tells PM2 modules (pmx_module) and a reload's parked '_old_<pm_id>' instance", () => {
    expect(parseProcess({ ...listed, pm2_env: { ...listed.pm2_env, pmx_module: true } })?.module).toBe(true);
    const parked = { ...listed, pm_id: '_old_1', pm2_env: { ...listed.pm2_env, pm_id: '_old_1' } };
    expect(parseProcess(parked)).toMatchObject({ pmId: 1, replaced: true });
  });

  it('takes PORT when ZK_PORT is absent or not a port', () => {
    const env = { ...listed.pm2_env, env: { PORT: '7001', ZK_PORT: 'x' } };
    expect(parseProcess({ ...listed, pm2_env: env })?.envPort).toBe(7001);
    const noEnv = { ...listed.pm2_env, env: {}, PORT: undefined };
    expect(parseProcess({ ...listed, pm2_env: noEnv })?.envPort).toBeUndefined();
  });

  it('refuses ports out of range', () => {
    for (const PORT of ['0', '65536', '-1', '80.5']) {
      expect(
        parseProcess({ ...listed, pm2_env: { ...listed.pm2_env, env: { PORT } } })?.envPort,
      ).toBeUndefined();
    }
  });

  it('gives a stopped process pid 0 and fork mode its name', () => {
    const stopped = {
      ...listed,
      pid: 0,
      pm2_env: { ...listed.pm2_env, status: 'stopped', exec_mode: 'fork_mode' },
    };
    expect(parseProcess(stopped)).toMatchObject({ pid: 0, status: 'stopped', execMode: 'fork' });
  });

  it('leaves out entries that are not processes', () => {
    expect(parseProcessList([listed, null, 3, { name: 'x' }, { pm2_env: {} }])).toHaveLength(1);
    expect(() => parseProcessList({})).toThrow(/not a list/);
  });
});

describe('bus packets', () => {
  it('parses process:event', () => {
    const packet = {
      event: 'exit',
      manually: false,
      process: { name: 'cl', pm_id: 1, status: 'stopped' },
      at: 1,
    };
    expect(parseProcessEvent(packet)).toEqual({ type: 'process', event: 'exit', pmId: 1, name: 'cl' });
    expect(parseProcessEvent({ event: 'exit' })).toBeUndefined();
  });

  it('parses a zkit:register message', () => {
    const packet = {
      at: 1,
      data: { port: 7123, extra: 1 },
      process: { pm_id: 3, name: 'an', namespace: 'default' },
    };
    expect(parseAnnouncePacket(packet)).toEqual({
      type: 'announce',
      pmId: 3,
      name: 'an',
      data: { port: 7123, extra: 1 },
    });
  });

  it('parses a zkit:register message without data, which PM2 forwards as process:msg', () => {
    const packet = { at: 1, raw: { type: 'zkit:register' }, process: { pm_id: 3, name: 'an' } };
    expect(parseRawMessage(packet)).toEqual({ type: 'announce', pmId: 3, name: 'an', data: {} });
    expect(parseRawMessage({ raw: { type: 'other' }, process: { pm_id: 3, name: 'an' } })).toBeUndefined();
  });
});
