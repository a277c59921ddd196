#!/usr/bin/env bash
# Brings a fresh machine to where the README's two commands work: npm dependencies installed, and a ZooKeeper
# that @zkit/testing can start (Debian's package), unless ZK_CONNECT or ZOOKEEPER_HOME says where one is.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

have_zookeeper() {
  [ -n "${ZK_CONNECT:-}" ] || [ -n "${ZOOKEEPER_HOME:-}" ] ||
    { [ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null; }
}

if ! have_zookeeper; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's zookeeper package (the local ZooKeeper for tests and the demo)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zookeeper >/dev/null
  else
    cat >&2 <<'MSG'
setup: no ZooKeeper found. Any one of these works:
  - Debian/Ubuntu: sudo apt-get install -y --no-install-recommends zookeeper
  - a ZooKeeper release unpacked somewhere, with Java: export ZOOKEEPER_HOME=/path/to/apache-zookeeper-3.x-bin
  - an existing ensemble: export ZK_CONNECT=host:2181
MSG
  fi
fi

# The Curator interop tests (test-e2e/curator.e2e.test.ts) compile a small Java probe against Debian's Curator jars;
# without them they skip and say why. Debian's libcurator-discovery-java forgets to depend on libcurator-recipes-java.
curator_packages() {
  [ -f /usr/share/java/curator-x-discovery.jar ] || echo libcurator-discovery-java
  [ -f /usr/share/java/curator-recipes.jar ] || echo libcurator-recipes-java
  [ -f /usr/share/java/slf4j-simple.jar ] || [ -f /usr/share/java/slf4j-nop.jar ] || echo libslf4j-java
  command -v javac >/dev/null || echo default-jdk-headless
}

missing_curator=$(curator_packages | tr '\n' ' ')
if [ -n "$missing_curator" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup: installing $missing_curator(Apache Curator and a JDK, for the Curator interop tests)"
  # shellcheck disable=SC2086 # one word per package
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $missing_curator >/dev/null; } || echo "setup: could not install them; the Curator interop tests will skip" >&2
fi
