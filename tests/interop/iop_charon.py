"""spisync interop harness -- strongSwan's charon in a network namespace.

How charon runs here (../shared/docs/strongswan-in-netns.md): kernel-libipsec
loaded before kernel-netlink (no ESP in the kernel: userspace ESP over the
TUN ipsec0, always UDP-encapsulated on 4500), one charon per namespace with
its own strongswan.conf, vici socket and log, /run bind-mounted to a
private directory because the pid file path is fixed. The log has `chd = 4`
so it carries the CHILD SA keys, which is what the tests read as the
independent oracle of what strongSwan encrypts with.
"""

import os
import re
import shutil
import signal
import subprocess

from iop_netns import Fail, check, run, wait_for

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "swanctl"
PLUGINS = ("random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 "
           "pubkey kernel-libipsec kernel-netlink socket-default vici")
PLUGIN_DIR = "/usr/lib/ipsec/plugins"
PACKAGES = ("strongswan-charon strongswan-swanctl libcharon-extra-plugins "
            "libstrongswan-standard-plugins")


def check_installed():
    """charon, swanctl and every plugin of PLUGINS, or a Fail that names
    the Debian packages (a missing plugin otherwise shows only as "DH
    group not supported" deep in charon's log)."""
    missing = [p for p in PLUGINS.split()
               if not os.path.exists(os.path.join(
                   PLUGIN_DIR, "libstrongswan-%s.so" % p))]
    if not os.access(CHARON, os.X_OK):
        missing.insert(0, CHARON)
    if shutil.which(SWANCTL) is None:
        missing.insert(0, SWANCTL)
    check(not missing, "strongSwan incomplete, missing: %s (Debian "
          "packages: %s)" % (" ".join(missing), PACKAGES))


class CharonConf:
    """One side of the tunnel as swanctl.conf sees it."""

    def __init__(self, name, local_addr, remote_addr, local_id, remote_id,
                 psk, local_ts, remote_ts,
                 ike_proposal="aes128gcm16-prfsha256-ecp256",
                 esp_proposal="aes128gcm16", dpd_delay=None,
                 child_rekey_time=None, ike_rekey_time=None,
                 dpd_action=None):
        self.name = name
        self.local_addr, self.remote_addr = local_addr, remote_addr
        self.local_id, self.remote_id = local_id, remote_id
        self.psk = psk
        self.local_ts, self.remote_ts = local_ts, remote_ts
        self.ike_proposal, self.esp_proposal = ike_proposal, esp_proposal
        self.dpd_delay = dpd_delay          # None: strongSwan's default
        self.dpd_action = dpd_action        # the CHILD SA's; None: default
        self.child_rekey_time = child_rekey_time
        self.ike_rekey_time = ike_rekey_time

    def swanctl_conf(self):
        opt = []
        if self.dpd_delay is not None:
            opt.append("    dpd_delay = %s" % self.dpd_delay)
        if self.ike_rekey_time is not None:
            opt.append("    rekey_time = %s" % self.ike_rekey_time)
        child_opt = []
        if self.child_rekey_time is not None:
            child_opt.append("        rekey_time = %s"
                             % self.child_rekey_time)
        if self.dpd_action is not None:
            child_opt.append("        dpd_action = %s" % self.dpd_action)
        return "\n".join([
            "connections {",
            "  %s {" % self.name,
            "    version = 2",
            "    local_addrs = %s" % self.local_addr,
            "    remote_addrs = %s" % self.remote_addr,
            "    proposals = %s" % self.ike_proposal,
            # libipsec only does ESP-in-UDP: make both sides agree on it
            "    encap = yes",
            *opt,
            "    local { auth = psk\n      id = %s }" % self.local_id,
            "    remote { auth = psk\n      id = %s }" % self.remote_id,
            "    children {",
            "      %s {" % self.name,
            "        local_ts = %s" % self.local_ts,
            "        remote_ts = %s" % self.remote_ts,
            "        esp_proposals = %s" % self.esp_proposal,
            "        mode = tunnel",
            *child_opt,
            "      }",
            "    }",
            "  }",
            "}",
            "secrets {",
            "  ike-%s {" % self.name,
            "    id-a = %s" % self.local_id,
            "    id-b = %s" % self.remote_id,
            '    secret = "%s"' % self.psk,
            "  }",
            "}",
            ""])


def strongswan_conf(vici_path, log_path):
    return "\n".join([
        "charon {",
        "  load = %s" % PLUGINS,
        "  install_virtual_ip = no",
        "  routing_table = 220",
        "  routing_table_prio = 220",
        "  plugins {",
        "    vici { socket = unix://%s }" % vici_path,
        "  }",
        "  syslog { daemon { default = -1 } }",
        "  filelog {",
        "    iop {",
        "      path = %s" % log_path,
        "      time_format = %s",
        "      time_add_ms = yes",
        "      flush_line = yes",
        "      default = 1",
        "      ike = 2",
        "      cfg = 2",
        "      net = 1",
        "      enc = 1",
        "      knl = 2",
        "      chd = 4",
        "    }",
        "  }",
        "}",
        # swanctl reads this file too: only the plugins it needs
        "swanctl {",
        "  load = random pem pkcs1 x509 pubkey openssl",
        "}",
        ""])


class Charon:
    """A charon in network namespace ns, files under workdir/NAME."""

    def __init__(self, cleanup, ns, workdir, label, conf):
        self.cleanup = cleanup
        self.ns = ns
        self.label = label
        self.conf = conf
        self.dir = os.path.join(workdir, label)
        self.run_dir = os.path.join(self.dir, "run")
        self.vici = os.path.join(self.dir, "charon.vici")
        self.log_path = os.path.join(self.dir, "charon.log")
        self.sconf = os.path.join(self.dir, "strongswan.conf")
        self.swconf = os.path.join(self.dir, "swanctl.conf")
        self.proc = None
        os.makedirs(self.run_dir, exist_ok=True)
        with open(self.sconf, "w") as f:
            f.write(strongswan_conf(self.vici, self.log_path))
        with open(self.swconf, "w") as f:
            f.write(conf.swanctl_conf())
        os.chmod(self.swconf, 0o600)        # it holds the PSK
        cleanup.push("charon " + label, self.stop)

    def env(self):
        e = dict(os.environ)
        e["STRONGSWAN_CONF"] = self.sconf
        return e

    def start(self, timeout=15):
        """Start charon, wait for its vici socket, load the config."""
        check(self.proc is None or self.proc.poll() is not None,
              "charon %s already running" % self.label)
        if os.path.exists(self.vici):
            os.unlink(self.vici)
        out = open(os.path.join(self.dir, "charon.stdout"), "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "sh", "-c",
             'mount --bind "$1" /run && exec "$2"', "sh", self.run_dir,
             CHARON], stdout=out, stderr=subprocess.STDOUT, env=self.env(),
            start_new_session=True)
        out.close()

        def up():
            check(self.proc.poll() is None, "charon %s exited (status %s): "
                  "%s" % (self.label, self.proc.returncode, self.log_tail()))
            return os.path.exists(self.vici)
        wait_for("charon %s's vici socket" % self.label, up, timeout)
        self.swanctl("--load-all", "--file", self.swconf)

    def swanctl(self, *args, timeout=30):
        # swanctl wants the command before --uri
        return run(SWANCTL, *args, "--uri", "unix://" + self.vici,
                   timeout=timeout, env=self.env())

    def initiate(self, timeout=20):
        self.swanctl("--initiate", "--child", self.conf.name,
                     "--timeout", str(timeout), timeout=timeout + 5)

    def rekey_child(self):
        self.swanctl("--rekey", "--child", self.conf.name)

    def rekey_ike(self):
        self.swanctl("--rekey", "--ike", self.conf.name)

    def ike_rekeys(self):
        """IKE SA rekeys this charon logged as done (either side's)."""
        return sum(1 for line in self.log().splitlines()
                   if "IKE_SA" in line and "rekeyed between" in line)

    def kill9(self):
        """SIGKILL, and wait until the process is gone (a new charon must
        not find the old one's sockets)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.kill9()

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_tail(self, n=15):
        return "\n".join(self.log().splitlines()[-n:])

    def child_sas(self):
        """CHILD SAs this charon logged as established, in log order."""
        return parse_child_sas(self.log())

    def wait_child_sas(self, n, timeout=20):
        """The first n CHILD SAs established (n counts from the start of
        the log)."""
        def ready():
            sas = self.child_sas()
            return sas if len(sas) >= n else None
        try:
            return wait_for("%d CHILD SA(s) established by charon %s"
                            % (n, self.label), ready, timeout)
        except Fail as e:
            raise Fail("%s; log tail:\n%s" % (e, self.log_tail()))


# ---------------------------------------------------------------------------
# the log (chd = 4)

# "1795880287.625 08[CHD] encryption initiator key => 20 bytes @ 0x..."
# followed by hexdump lines "... 08[CHD]    0: 4A 1B ...  ascii"
_THREAD_RE = re.compile(r"^(\d+(?:\.\d+)?) (\d+)\[(\w+)\] (.*)$")
_KEY_RE = re.compile(r"(encryption|integrity) (initiator|responder) key => "
                     r"(\d+) bytes")
_HEX_RE = re.compile(r"^\s*\d+: ((?:[0-9A-F]{2} ){1,16})")
_PARSED_RE = re.compile(r"parsed (\S+) (request|response) \d+")
# strongSwan 5.9 logs a rekeyed CHILD SA in two steps, "inbound CHILD_SA
# ... established" and later "outbound CHILD_SA ... established" (at once
# when it initiated the rekey, after the DELETE of the old SA when it
# responded); a new CHILD SA in one line without the prefix
_EST_RE = re.compile(r"(?:(inbound|outbound) )?CHILD_SA (\S+)\{(\d+)\} "
                     r"established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o")


class ChildSA:
    """One CHILD SA as charon logged it: SPIs from this charon's point of
    view, the encryption key||salt of each direction, whether this charon
    initiated the exchange that made it, the log time of "established".

    The keys are named after the exchange (RFC 7296 2.17: KEYMAT takes
    Ni | Nr of the IKE_AUTH or CREATE_CHILD_SA exchange), so the key this
    charon receives with is the responder's when it initiated the
    exchange, the initiator's when it responded."""

    def __init__(self, name, uniq, spi_in, spi_out, keys, we_initiated, t):
        self.name, self.uniq = name, uniq
        self.spi_in, self.spi_out = spi_in, spi_out
        self.keys = keys            # {"initiator": bytes, "responder": bytes}
        self.we_initiated = we_initiated
        self.time = t               # inbound established (log time)
        self.out_time = None        # outbound established, if logged apart

    def key_in(self):
        return self.keys["responder" if self.we_initiated else "initiator"]

    def key_out(self):
        return self.keys["initiator" if self.we_initiated else "responder"]

    def __repr__(self):
        return "ChildSA(%s{%d} in 0x%08x out 0x%08x, %s)" % (
            self.name, self.uniq, self.spi_in, self.spi_out,
            "we initiated" if self.we_initiated else "we responded")


def parse_child_sas(text):
    """Every "established with SPIs" line with the keys the same charon
    thread logged before it, and the role the thread last parsed a message
    in (a request: we respond; a response: we initiated). One thread
    handles one message from parsing to the SA being established."""
    sas = []
    keys = {}                       # thread -> {"initiator": ..., ...}
    role = {}                       # thread -> True if it parsed a response
    pending = None                  # (thread, direction, length, bytearray)
    by_uniq = {}                    # CHILD SA unique id -> ChildSA
    for line in text.splitlines():
        m = _THREAD_RE.match(line)
        if not m:
            continue
        t, thread, _group, msg = m.groups()
        if pending is not None and pending[0] == thread:
            h = _HEX_RE.match(msg)
            if h and len(pending[3]) < pending[2]:
                pending[3].extend(bytes.fromhex(h.group(1).replace(" ", "")))
                if len(pending[3]) == pending[2]:
                    keys.setdefault(thread, {})[pending[1]] = \
                        bytes(pending[3])
                    pending = None
                continue
            pending = None
        k = _KEY_RE.search(msg)
        if k:
            if k.group(1) == "encryption":
                pending = (thread, k.group(2), int(k.group(3)), bytearray())
            continue
        p = _PARSED_RE.search(msg)
        if p:
            role[thread] = p.group(2) == "response"
            continue
        e = _EST_RE.search(msg)
        if e:
            half, name, uniq = e.group(1), e.group(2), int(e.group(3))
            if half == "outbound" and uniq in by_uniq:
                by_uniq[uniq].out_time = float(t)
                continue
            sa = ChildSA(name, uniq, int(e.group(4), 16),
                         int(e.group(5), 16), keys.pop(thread, {}),
                         role.get(thread, False), float(t))
            if half is None:
                sa.out_time = sa.time
            check("initiator" in sa.keys and "responder" in sa.keys,
                  "charon logged no encryption keys for CHILD_SA %s{%d} "
                  "(log level chd = 4?)" % (name, uniq))
            by_uniq[uniq] = sa
            sas.append(sa)
    return sas
