#!/usr/bin/env python3
"""Read a cachet store (index.db + Maildir) for the integration tests.

  storectl.py flags DIR FOLDER      "uid flag..." lines, like imapctl dump
  storectl.py files DIR FOLDER      "uid path" of every stored body
  storectl.py count DIR FOLDER      number of rows (hidden ones included)
  storectl.py check DIR             integrity: SQLite and Maildir agree
  storectl.py state DIR FOLDER      uidvalidity uidnext highestmodseq
  storectl.py ops DIR               pending operations, one a line
"""
import os
import sqlite3
import sys

NAMES = [(1, "\\Seen"), (2, "\\Answered"), (4, "\\Flagged"),
         (8, "\\Deleted"), (16, "\\Draft")]


def db(d):
    c = sqlite3.connect("file:%s/index.db?mode=ro" % d, uri=True)
    c.execute("PRAGMA busy_timeout = 5000")
    return c


def rows(d, folder, cols):
    return db(d).execute(
        "SELECT %s FROM messages m JOIN folders f ON f.id = m.folder_id "
        "WHERE f.name = ? ORDER BY m.uid" % cols, (folder,)).fetchall()


def maildir(d, folder):
    out = []
    for ch in folder.encode():
        c = chr(ch)
        if c.isascii() and (c.isalnum() or c in "_-") or \
                (c == "." and out):
            out.append(c)
        else:
            out.append("%%%02X" % ch)
    return os.path.join(d, "mail", "".join(out) or "%00")


def main(argv):
    cmd, d = argv[1], argv[2]
    if cmd == "flags":
        for uid, flags, kw in rows(d, argv[3], "m.uid, m.flags, m.keywords"):
            names = [n for bit, n in NAMES if flags & bit]
            names += (kw or "").split()
            print(" ".join([str(uid)] + sorted(names)))
    elif cmd == "files":
        md = maildir(d, argv[3])
        for uid, f in rows(d, argv[3], "m.uid, m.file"):
            print(uid, os.path.join(md, "cur", f) if f else "-")
    elif cmd == "count":
        print(len(rows(d, argv[3], "m.uid")))
    elif cmd == "state":
        r = db(d).execute("SELECT uidvalidity, uidnext, highestmodseq "
                          "FROM folders WHERE name = ?", (argv[3],)).fetchone()
        print(*(r or ("none",)))
    elif cmd == "ops":
        for r in db(d).execute("SELECT id, kind, uid, attempts, last_error "
                               "FROM ops ORDER BY id"):
            print(*r)
    elif cmd == "check":
        c = db(d)
        ok = c.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            sys.exit("integrity_check: %s" % ok)
        bad = 0
        for name, fid in c.execute("SELECT name, id FROM folders"):
            md = maildir(d, name)
            for uid, f in c.execute("SELECT uid, file FROM messages "
                                    "WHERE folder_id = ? AND file IS NOT "
                                    "NULL", (fid,)):
                if not os.path.isfile(os.path.join(md, "cur", f)):
                    print("missing file for %s uid %d: %s" % (name, uid, f))
                    bad += 1
            dup = c.execute("SELECT uid, count(*) FROM messages WHERE "
                            "folder_id = ? GROUP BY uid HAVING count(*) > 1",
                            (fid,)).fetchall()
            if dup:
                print("duplicate uids in %s: %s" % (name, dup))
                bad += 1
        if bad:
            sys.exit(1)
        print("ok")
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
