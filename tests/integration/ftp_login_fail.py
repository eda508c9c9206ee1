#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Failed FTP logins walked the way real clients and scanners walk them.

usage: ftp_login_fail.py HOST CHECK
  retry       USER root / PASS x -> 530, stay connected past the fail delay
              (the delay timer fires), NOOP still answered, a second wrong
              password, then anonymous login and a listing on the same
              control connection; then failures up to the limit -> 421.
  concurrent  50 sessions at once, each: wrong password, wait, wrong again,
              anonymous login, PWD, QUIT.
Every socket has a timeout; the first failure exits 1 with a message.
"""
import ftplib
import sys
import threading
import time

HOST, CHECK = sys.argv[1:3]
TIMEOUT = 30


def fail(msg):
    print("ftp_login_fail: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def bad_login(f, user="root", password="x"):
    try:
        f.login(user, password)
    except ftplib.error_perm as e:
        if not str(e).startswith("530"):
            raise AssertionError("wrong password answered %r" % str(e))
        return
    raise AssertionError("wrong password for %s accepted" % user)


def session(delay):
    f = ftplib.FTP()
    f.connect(HOST, 21, timeout=TIMEOUT)
    bad_login(f)
    # The crash: the 530's delay timer fired about a second later while
    # the client was still connected.
    time.sleep(delay)
    if not f.voidcmd("NOOP").startswith("200"):
        raise AssertionError("NOOP after a failed login")
    bad_login(f, "anonymous2", "nope")
    time.sleep(delay / 2)
    f.login("anonymous", "guest@")
    if not f.pwd().startswith("/"):
        raise AssertionError("PWD after the retry")
    return f


def check_retry():
    f = session(2.5)
    names = f.nlst()
    if "index.html" not in names:
        fail("listing after a failed then good login: %r" % names)
    f.quit()
    # Failures up to the limit: 530s, then 421 and the server closes.
    f = ftplib.FTP()
    f.connect(HOST, 21, timeout=TIMEOUT)
    got421 = False
    for i in range(10):
        try:
            f.login("root", "guess%d" % i)
        except ftplib.error_perm as e:
            if not str(e).startswith("530"):
                fail("attempt %d: %r" % (i, str(e)))
        except (ftplib.error_temp, EOFError, OSError) as e:
            got421 = True
            break
        time.sleep(0.2)
    if not got421:
        fail("10 wrong passwords on one connection and no 421/close")
    f.close()


def check_concurrent():
    errors = []

    def one(i):
        try:
            f = session(1.5)
            f.quit()
        except Exception as e:  # noqa: BLE001 - report every kind
            errors.append("session %d: %r" % (i, e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(4 * TIMEOUT)
    if errors:
        fail("%d of 50 sessions failed, first: %s" % (len(errors), errors[0]))


try:
    {"retry": check_retry, "concurrent": check_concurrent}[CHECK]()
except AssertionError as e:
    fail(str(e))
print("ftp_login_fail: %s ok" % CHECK)
