import { readFileSync } from 'node:fs';
import { isZkitError } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import { appFilter, DEFAULTS, loadConfig, SETTINGS } from './config.js';
import { isPluginError, PluginError } from './errors.js';

const primaryAddress = () => '10.0.0.5';
const load = (env: NodeJS.ProcessEnv) => loadConfig({ env, primaryAddress });
const NO_TLS_NOR_SASL = {
  tls: false,
  tlsCa: '',
  tlsCert: '',
  tlsKey: '',
  tlsPassphraseFile: '',
  tlsServername: '',
  saslUser: '',
  saslPasswordFile: '',
};

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const { config, unknownKeys } = load({ PM2_HOME: '/pm2' });
    expect(config).toEqual({
      connect: '127.0.0.1:2181',
      root: '/services',
      format: 'zkit',
      host: '10.0.0.5',
      sessionTimeout: 10_000,
      include: ['*'],
      exclude: [],
      registerModules: false,
      stateFile: '/pm2/pm2-zkit.announcements.json',
      logLevel: 'info',
      ...NO_TLS_NOR_SASL,
    });
    expect(unknownKeys).toEqual([]);
    expect(config.root).toBe(DEFAULTS.root);
  });

  it('reads the environment variables', () => {
    const { config } = load({
      ZK_CONNECT: 'zk1:2181,zk2:2181/chroot',
      ZKIT_ROOT: '/svc',
      ZKIT_FORMAT: 'Curator',
      ZKIT_HOST: 'app-1.example',
      ZKIT_SESSION_TIMEOUT: '2000',
      ZKIT_INCLUDE: 'api, web-*',
      ZKIT_EXCLUDE: 'web-admin',
      ZKIT_STATE_FILE: '/var/lib/pm2-zkit.json',
      ZKIT_LOG_LEVEL: 'DEBUG',
      ZKIT_REGISTER_MODULES: 'TRUE',
    });
    expect(config).toEqual({
      ...NO_TLS_NOR_SASL,
      connect: 'zk1:2181,zk2:2181/chroot',
      root: '/svc',
      format: 'curator',
      host: 'app-1.example',
      sessionTimeout: 2000,
      include: ['api', 'web-*'],
      exclude: ['web-admin'],
      registerModules: true,
      stateFile: '/var/lib/pm2-zkit.json',
      logLevel: 'debug',
    });
  });

  it('reads PM2 module conf (pm2 set pm2-zkit:<key>) from the env var named after the process, over env vars', () => {
    const conf = {
      connect: 'zk9:2181',
      root: '/m',
      format: 'curator',
      session_timeout: '3000',
      host: '[fd00::1]',
    };
    const { config } = load({
      name: 'pm2-zkit',
      'pm2-zkit': JSON.stringify(conf),
      ZK_CONNECT: 'other:1',
      ZKIT_ROOT: '/e',
    });
    expect(config).toMatchObject({
      connect: 'zk9:2181',
      root: '/m',
      format: 'curator',
      sessionTimeout: 3000,
      host: 'fd00::1',
    });
  });

  it('uses the process name PM2 gives, so an app started under another name has its own conf', () => {
    const { config } = load({ name: 'zk-registrar', 'zk-registrar': '{"root":"/r"}', PM2_HOME: '/h' });
    expect(config.root).toBe('/r');
    expect(config.stateFile).toBe('/h/zk-registrar.announcements.json');
  });

  it('reports module conf keys it does not know', () => {
    const { unknownKeys } = load({ name: 'pm2-zkit', 'pm2-zkit': '{"sesion_timeout":"1","root":"/x"}' });
    expect(unknownKeys).toEqual(['sesion_timeout']);
  });

  it('treats empty values as unset', () => {
    expect(load({ ZKIT_ROOT: '  ', ZK_CONNECT: '' }).config).toMatchObject({
      root: '/services',
      connect: '127.0.0.1:2181',
    });
  });

  it.each([
    [{ ZK_CONNECT: 'nohost' }, /connect/],
    [{ ZK_CONNECT: 'a:1/bad/' }, /chroot/],
    [{ ZKIT_ROOT: 'services' }, /root/],
    [{ ZKIT_ROOT: '/a//b' }, /root/],
    [{ ZKIT_ROOT: '/a\u0001' }, /root/],
    [{ ZKIT_HOST: 'a b' }, /host/],
    [{ ZKIT_SESSION_TIMEOUT: '2s' }, /session timeout/],
    [{ ZKIT_SESSION_TIMEOUT: '0' }, /session timeout/],
    [{ ZKIT_LOG_LEVEL: 'loud' }, /log level/],
    [{ ZKIT_FORMAT: 'eureka' }, /format "eureka" must be one of zkit, curator/],
    [{ name: 'p', p: 'not json' }, /not JSON/],
    [{ name: 'p', p: '[1]' }, /not an object/],
    [{ name: 'p', p: '{"root":{}}' }, /must be a string/],
  ])('refuses %o with INVALID_CONFIG', (env, message) => {
    const attempt = () => load(env);
    expect(attempt).toThrow(PluginError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as PluginError).code).toBe('INVALID_CONFIG');
      expect(isPluginError(error, 'INVALID_CONFIG')).toBe(true);
      expect(isZkitError(error, 'INVALID_CONFIG')).toBe(true);
    }
  });

  it('has the defaults package.json lists in "config" (what pm2 install copies into the module conf)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      config: Record<string, unknown>;
    };
    // Every setting is listed, and nothing else.
    expect(Object.keys(pkg.config).sort()).toEqual(
      Object.values(SETTINGS)
        .map((s) => s.key)
        .sort(),
    );
    // As PM2 hands an installed module its conf: package.json's config as the JSON env var named after it.
    const fromPackage = load({ name: 'pm2-zkit', 'pm2-zkit': JSON.stringify(pkg.config), PM2_HOME: '/pm2' });
    expect(fromPackage).toEqual(load({ PM2_HOME: '/pm2' }));
    expect(fromPackage.config).toMatchObject({
      connect: DEFAULTS.connect,
      root: DEFAULTS.root,
      format: DEFAULTS.format,
      sessionTimeout: DEFAULTS.sessionTimeout,
      include: DEFAULTS.include,
      exclude: DEFAULTS.exclude,
      registerModules: DEFAULTS.registerModules,
      logLevel: DEFAULTS.logLevel,
      tls: DEFAULTS.tls,
      saslUser: DEFAULTS.saslUser,
    });
    // The machine-derived ones are empty there, so the environment can still fill them in.
    expect(pkg.config).toMatchObject({ host: '', state_file: '' });
  });

  it('reads register_modules as a boolean, from pm2 set (a string) or package.json (a JSON boolean)', () => {
    const conf = (value: unknown) => ({
      name: 'pm2-zkit',
      'pm2-zkit': JSON.stringify({ register_modules: value }),
    });
    expect(load(conf('true')).config.registerModules).toBe(true);
    expect(load(conf(false)).config.registerModules).toBe(false);
    expect(() => load(conf('yes'))).toThrow(/register_modules "yes" must be true or false/);
  });

  it('names every setting once, for pm2 set and the environment', () => {
    const keys = Object.values(SETTINGS).map((s) => s.key);
    const envs = Object.values(SETTINGS).map((s) => s.env);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(envs).size).toBe(envs.length);
    // PM2 splits `pm2 set` keys on '.', so none may hold one.
    expect(keys.filter((key) => key.includes('.'))).toEqual([]);
  });
});

describe('appFilter', () => {
  it('matches include patterns with * and lets exclude win', () => {
    const accepts = appFilter(['api', 'web-*'], ['web-admin']);
    expect(['api', 'web-1', 'web-', 'web-admin', 'apix', 'x-web-1'].filter(accepts)).toEqual([
      'api',
      'web-1',
      'web-',
    ]);
  });

  it('takes regex characters in names literally', () => {
    expect(appFilter(['a.b'], [])('axb')).toBe(false);
    expect(appFilter(['a.b'], [])('a.b')).toBe(true);
  });
});
