import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { defaultMysqlPort, mysqldPaths, tabletDirName, validateUid } from './mysqld-paths.js';

describe('mysqld paths', () => {
  it('names the tablet directory with a 10-digit zero-padded uid, as Vitess does', () => {
    expect(tabletDirName(100)).toBe('vt_0000000100');
    expect(tabletDirName(4294967295)).toBe('vt_4294967295');
  });

  it.each([0, -1, 1.5, Number.NaN, 4294967296])('rejects uid %s', (uid) => {
    expect(() => validateUid(uid)).toThrow(VtError);
    expect(() => validateUid(uid)).toThrow(/invalid tablet uid/);
  });

  it('defaults the port to 17000+uid and refuses uids that overflow it', () => {
    expect(defaultMysqlPort(100)).toBe(17100);
    expect(() => defaultMysqlPort(48536)).toThrow(/no default mysql port/);
  });

  it('resolves everything under the tablet dir, honouring a socket override', () => {
    const p = mysqldPaths('/vt', 1);
    expect(p.dir).toBe('/vt/vt_0000000001');
    expect(p.socket).toBe('/vt/vt_0000000001/mysql.sock');
    expect(mysqldPaths('/vt', 1, '/run/m.sock').socket).toBe('/run/m.sock');
  });

  it('refuses socket paths longer than a unix socket allows', () => {
    expect(() => mysqldPaths('/' + 'x'.repeat(120), 1)).toThrow(/socket path too long/);
  });
});
