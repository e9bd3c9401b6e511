#!/usr/bin/env bash
# Installs the Debian packages vt needs (MariaDB server + client, etcd, sysbench) and the client libraries the
# tests use (python3-pymysql, php-cli, php-mysql) when they are missing.
# Debian starts packaged services on install; vt runs its own instances, so the packaged ones are stopped.
set -euo pipefail
need=()
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
command -v sysbench >/dev/null 2>&1 || need+=(sysbench)
# Client libraries a new user would try (test/e2e/clients.test.ts): Debian's Python and PHP MySQL drivers.
/usr/bin/python3 -c 'import pymysql' >/dev/null 2>&1 || need+=(python3-pymysql)
command -v php >/dev/null 2>&1 || need+=(php-cli)
php -m 2>/dev/null | grep -q '^pdo_mysql$' || need+=(php-mysql)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  ($SUDO systemctl stop mariadb etcd || $SUDO service mariadb stop || true) >/dev/null 2>&1 || true
fi
