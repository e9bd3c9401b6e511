"""A small application as a new user would write it with Debian's python3-pymysql, run against vt gate.

Prints one JSON object with what it saw; test/e2e/clients.test.ts checks it. Usage: client.py PORT DB TABLE
"""
import json
import sys

import pymysql

port, db, table = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {}
conn = pymysql.connect(host="127.0.0.1", port=port, user="app", password="", database=db, autocommit=True)
with conn.cursor() as cur:
    cur.execute("SELECT @@version")
    out["version"] = cur.fetchone()[0]
    cur.execute(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, name VARCHAR(64), price DECIMAL(10,2), created DATETIME(6), data BLOB)")
    # pymysql interpolates %s client-side: this is the text protocol with escaped literals.
    cur.executemany(
        f"INSERT INTO {table} (id, name, price, created, data) VALUES (%s, %s, %s, %s, %s)",
        [(1, "it's", "1.50", "2024-01-02 03:04:05.123456", b"\x00\x01\xff"), (2, "naïve \\ \"q\"", "2.25", None, None)],
    )
    out["inserted"] = cur.rowcount
    cur.execute(f"SELECT id, name, price, created, data FROM {table} ORDER BY id")
    rows = cur.fetchall()
    out["rows"] = [[r[0], r[1], str(r[2]), None if r[3] is None else r[3].isoformat(), None if r[4] is None else r[4].hex()] for r in rows]
    conn.begin()
    cur.execute(f"UPDATE {table} SET price = price + 1 WHERE id = 1")
    conn.rollback()
    cur.execute(f"SELECT price FROM {table} WHERE id = 1")
    out["afterRollback"] = str(cur.fetchone()[0])
    try:
        cur.execute(f"INSERT INTO {table} (id) VALUES (1)")
    except pymysql.err.IntegrityError as e:
        out["duplicateErrno"] = e.args[0]
    try:
        cur.execute("SELECT * FROM no_such_table_here")
    except pymysql.err.ProgrammingError as e:
        out["missingTableErrno"] = e.args[0]
conn.close()
print(json.dumps(out))
