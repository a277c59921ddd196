export type {
  CertificateAuthority,
  CertificateFiles,
  ClientCertificate,
  IssueOptions,
  ServerCertificate,
  TestCertificateOptions,
  TestCertificates,
} from './certificates.js';
export { issueClientCertificate, makeTestCertificates } from './certificates.js';
export type { ProviderAttempt, TestingErrorCode } from './errors.js';
export { TestingError, ZooKeeperUnavailableError } from './errors.js';
export type { FourLetterWordOptions, ServerMode, SrvrInfo } from './four-letter.js';
export { fourLetterWord, parseSrvr, srvr } from './four-letter.js';
export type { ProviderName, SecureZooKeeperHandle, ServerInfo, ZooKeeperHandle } from './handle.js';
export type {
  CreateNodeOptions,
  NodeData,
  Observer,
  ObserverOptions,
  ObserverTls,
  RawAclEntry,
  RawStat,
} from './observer.js';
export { openObserver } from './observer.js';
export type {
  JvmProfile,
  SaslServerOptions,
  SecureStartOptions,
  StartOptions,
  TlsServerOptions,
} from './options.js';
export { freePorts } from './ports.js';
export type { ProxyHandle } from './proxy.js';
export { startProxy } from './proxy.js';
export { startZooKeeper } from './start.js';
export { uniquePath } from './unique-path.js';
export type { TestingProvidedContext } from './vitest-context.js';
export type { WaitForOptions } from './wait-for.js';
export { waitFor } from './wait-for.js';
export { ZC_ZK_README_TREE } from './zc-zk-readme-tree.js';
