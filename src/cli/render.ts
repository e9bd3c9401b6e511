import type { Tablet } from '../core/topo/records/tablet.js';
import { formatTabletAlias } from '../core/topo/records/tablet-alias.js';

/** Pretty JSON, as vtctldclient prints records. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** host:port, bracketing IPv6 hosts; '' when the port is unknown. */
function hostPort(host: string, port: number | undefined): string {
  if (!port) return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Vitess's one-line tablet format (vtctldclient GetTablets):
 * `<alias> <keyspace> <shard> <type> <host:vt port> <mysql host:port> [<tag:value> ...] <primary term start>`
 * with the type in lowercase, tags sorted, and the term start only for primaries (else empty).
 */
export function renderTabletLine(t: Tablet): string {
  const tags = Object.keys(t.tags)
    .sort()
    .map((k) => `${k}:${t.tags[k]}`)
    .join(' ');
  const term = t.type === 'PRIMARY' && t.primary_term_start_time ? t.primary_term_start_time : '';
  return [
    formatTabletAlias(t.alias),
    t.keyspace,
    t.shard,
    t.type.toLowerCase(),
    hostPort(t.hostname, t.port_map.vt),
    hostPort(t.mysql_hostname, t.mysql_port),
    `[${tags}]`,
    term,
  ].join(' ');
}

/** One name per line (empty output for none). */
export function renderLines(lines: readonly string[]): string {
  return lines.join('\n');
}
