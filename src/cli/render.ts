import type { Tablet } from '../core/topo/records/tablet.js';
import { formatTabletAlias } from '../core/topo/records/tablet-alias.js';

/** Pretty JSON, as vtctldclient prints records. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** host:port as Go's net.JoinHostPort (IPv6 hosts bracketed; a missing port prints as 0, like Vitess). */
function hostPort(host: string, port: number | undefined): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? 0}`;
}

/** RFC 3339 at second precision in UTC, as Go's time.RFC3339 prints a protobuf timestamp. */
function rfc3339(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Vitess's one-line tablet format (vtctldclient GetTablets, cli.MarshalTabletAWK):
 * `<alias> <keyspace> <shard> <type> <host:vt port> <mysql host:port> [<tag:value> ...] <primary term start>`
 * with the type in lowercase, `<null>` for an empty keyspace/shard, tags sorted, and the primary term start
 * (RFC 3339) whenever the record has one, else empty.
 */
export function renderTabletLine(t: Tablet): string {
  const tags = Object.keys(t.tags)
    .sort()
    .map((k) => `${k}:${t.tags[k]}`)
    .join(' ');
  return [
    formatTabletAlias(t.alias),
    t.keyspace || '<null>',
    t.shard || '<null>',
    t.type.toLowerCase(),
    hostPort(t.hostname, t.port_map.vt),
    hostPort(t.mysql_hostname, t.mysql_port),
    `[${tags}]`,
    t.primary_term_start_time ? rfc3339(t.primary_term_start_time) : '',
  ].join(' ');
}

/** One name per line (empty output for none). */
export function renderLines(lines: readonly string[]): string {
  return lines.join('\n');
}
