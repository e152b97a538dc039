#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# bench/libtorrent_ref.py: the reference kad's network benchmarks are
# measured against (docs/PERFORMANCE.md): libtorrent 2.0 (Debian's
# python3-libtorrent) moving one file from a seeding session to a
# downloading one over TCP.  Debian's module is built for Debian's own
# python, hence /usr/bin/python3.
#
#   libtorrent_ref.py [-t SECS] local FILE
#       both sessions in this process on 127.0.0.1 (random ports)
#   libtorrent_ref.py mktorrent FILE TORRENT
#       writes FILE's .torrent (libtorrent's create_torrent)
#   libtorrent_ref.py [-t SECS] seed TORRENT FILE ADDR:PORT
#       seeds FILE (checked against TORRENT first) on ADDR:PORT, prints
#       "libtorrent-seeding ADDR:PORT" once it can serve, and runs until
#       SIGTERM or the timeout
#   libtorrent_ref.py [-t SECS] fetch TORRENT FILE ADDR:PORT PEER:PORT...
#       a downloading session on ADDR:PORT, connected to each PEER
#       (seed and fetch are for hosts in separate network namespaces,
#       bench/bench_wan.sh)
#
# local and fetch time the download from adding the torrent (with its
# peers) to its last piece, verify the bytes against FILE, and print one
# line:
#   libtorrent-fetch SECONDS s MBS MB/s BYTES bytes
# (MB/s = 10^6 bytes of file per second, as kad's benchmarks count).
# DHT, local peer discovery, UPnP, NAT-PMP and uTP are off, and the
# torrent has no tracker: the only traffic is the peer connections.  The
# exit status is non-zero on any failure or after SECS (default 300)
# seconds; temporary directories are removed whatever happens.

import filecmp
import os
import shutil
import signal
import sys
import tempfile
import time

try:
    import libtorrent as lt
except ImportError as e:
    sys.exit("libtorrent_ref: no libtorrent module (apt-get install "
             "python3-libtorrent; run with /usr/bin/python3): %s" % e)

PROG = "libtorrent_ref"


class Timeout(Exception):
    pass


def fail(msg):
    sys.stderr.write("%s: %s\n" % (PROG, msg))
    sys.exit(1)


def on_alarm(signum, frame):
    raise Timeout()


def on_term(signum, frame):
    # a clean exit, so that the finally blocks remove the temp dirs
    sys.exit(0)


def settings(listen):
    # given at construction: a session started with the defaults would
    # begin a DHT bootstrap (a DNS lookup) before any later change
    return {
        "listen_interfaces": listen,
        "enable_dht": False,
        "dht_bootstrap_nodes": "",
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "alert_mask": lt.alert.category_t.error_notification |
        lt.alert.category_t.status_notification,
    }


def session(listen):
    s = lt.session(settings(listen))
    return s


def make_torrent(path):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    if fs.num_files() != 1:
        fail("%s: not one regular file" % path)
    ct = lt.create_torrent(fs)
    ct.set_creator("kad bench/libtorrent_ref.py")
    lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(path)))
    return lt.bencode(ct.generate())


def add(ses, tdata, save_path, flags=0):
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(lt.bdecode(tdata))
    atp.save_path = save_path
    if flags:
        atp.flags |= flags
    return ses.add_torrent(atp)


def errors(ses):
    for a in ses.pop_alerts():
        if a.category() & lt.alert.category_t.error_notification:
            sys.stderr.write("%s: %s\n" % (PROG, a.message()))


def wait_seeding(ses, h):
    while not h.status().is_seeding:
        if h.status().errc.value() != 0:
            fail("torrent error: %s" % h.status().errc.message())
        ses.wait_for_alert(10)
        errors(ses)


def listen_port(ses):
    p = ses.listen_port()
    if p <= 0:
        fail("the session listens on no port")
    return p


def hostport(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        fail("not ADDR:PORT: %s" % s)
    return host, int(port)


def fetch(tdata, orig, listen, peers):
    """Download into a temporary directory; returns seconds."""
    out = tempfile.mkdtemp(prefix="kad-lt-fetch.")
    try:
        ses = session(listen)
        t0 = time.monotonic()
        h = add(ses, tdata, out)
        for p in peers:
            h.connect_peer(p)
        wait_seeding(ses, h)
        secs = time.monotonic() - t0
        # removing the torrent and the session flushes every write
        ses.remove_torrent(h)
        del h, ses
        name = lt.torrent_info(lt.bdecode(tdata)).files().file_path(0)
        got = os.path.join(out, name)
        if not filecmp.cmp(orig, got, shallow=False):
            fail("the fetched file differs from %s" % orig)
        return secs
    finally:
        shutil.rmtree(out, ignore_errors=True)


def report(secs, nbytes):
    print("libtorrent-fetch %.3f s %.1f MB/s %d bytes" %
          (secs, nbytes / secs / 1e6, nbytes), flush=True)


def cmd_local(args):
    if len(args) != 1:
        usage()
    path = args[0]
    tdata = make_torrent(path)
    seed = session("127.0.0.1:0")
    h = add(seed, tdata, os.path.dirname(os.path.abspath(path)))
    wait_seeding(seed, h)
    port = listen_port(seed)
    report(fetch(tdata, path, "127.0.0.1:0", [("127.0.0.1", port)]),
           os.path.getsize(path))


def cmd_mktorrent(args):
    if len(args) != 2:
        usage()
    with open(args[1], "wb") as f:
        f.write(make_torrent(args[0]))


def cmd_seed(args):
    if len(args) != 3:
        usage()
    tdata = open(args[0], "rb").read()
    hostport(args[2])
    ses = session(args[2])
    h = add(ses, tdata, os.path.dirname(os.path.abspath(args[1])))
    wait_seeding(ses, h)
    print("libtorrent-seeding %s" % args[2], flush=True)
    while True:
        ses.wait_for_alert(1000)
        errors(ses)


def cmd_fetch(args):
    if len(args) < 4:
        usage()
    tdata = open(args[0], "rb").read()
    hostport(args[2])
    peers = [hostport(p) for p in args[3:]]
    report(fetch(tdata, args[1], args[2], peers), os.path.getsize(args[1]))


def usage():
    sys.stderr.write(
        "usage: libtorrent_ref.py [-t secs] local FILE\n"
        "       libtorrent_ref.py mktorrent FILE TORRENT\n"
        "       libtorrent_ref.py [-t secs] seed TORRENT FILE ADDR:PORT\n"
        "       libtorrent_ref.py [-t secs] fetch TORRENT FILE ADDR:PORT "
        "PEER:PORT...\n")
    sys.exit(2)


def main(argv):
    tmo = 300
    if len(argv) >= 2 and argv[0] == "-t":
        try:
            tmo = int(argv[1])
        except ValueError:
            usage()
        argv = argv[2:]
    if not argv:
        usage()
    cmds = {"local": cmd_local, "mktorrent": cmd_mktorrent,
            "seed": cmd_seed, "fetch": cmd_fetch}
    if argv[0] not in cmds or tmo <= 0:
        usage()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(tmo)
    try:
        cmds[argv[0]](argv[1:])
    except Timeout:
        if argv[0] == "seed":
            sys.exit(0)
        fail("%s: not done after %d s" % (argv[0], tmo))
    except (OSError, RuntimeError) as e:
        fail(str(e))


if __name__ == "__main__":
    main(sys.argv[1:])
