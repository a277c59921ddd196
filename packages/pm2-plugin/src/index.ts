export { primaryAddress } from './address.js';
export type { AnnounceHandle } from './announce.js';
export { ANNOUNCE_REQUEST_TYPE, ANNOUNCE_TYPE, announcePort, isAnnounceRequest } from './announce.js';
export { parseAnnouncement } from './announcements.js';
export type { ConfigSources, LoadedConfig, PluginConfig } from './config.js';
export { appFilter, DEFAULTS, loadConfig, moduleConfOf, PLUGIN_NAME, SETTINGS } from './config.js';
export type { PluginErrorCode } from './errors.js';
export { isPluginError, PluginError } from './errors.js';
export type { Monitor, MonitorOptions } from './monitor.js';
export { ACTIONS, METRICS, startMonitor } from './monitor.js';
export type { Plugin, PluginOptions, PluginStatus } from './plugin.js';
export { startPlugin } from './plugin.js';
export type { AnnounceRequest, Pm2Link, Pm2LinkOptions } from './pm2-events.js';
export { connectPm2 } from './pm2-events.js';
export type { Pm2Event } from './pm2-packets.js';
export { parseProcess, parseProcessList } from './pm2-packets.js';
export type {
  Announcement,
  DesiredNode,
  DesiredState,
  ManagedProcess,
  NodeName,
  Placed,
  Plan,
  Skipped,
  Target,
} from './reconcile.js';
export { awaitingAnnouncement, desiredNodes, diff, nodeName, RESERVED_FIELDS } from './reconcile.js';
export type { Held, Registrar, SyncResult } from './registry.js';
export { curatorRegistrar, Registry, zkitRegistrar } from './registry.js';
export type { SecureSettings } from './secure.js';
