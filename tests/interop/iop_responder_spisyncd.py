"""spisync interop harness -- spisyncd as the IKE responder (issue 6).

spisyncd answers strongSwan's IKE on the card's TAP address and installs
its CHILD SAs in the card itself:

  * the command line runs spisyncd in the foreground with --stderr: its
    log lines, RECVD_PKT_INV_SPI among them, go to the run's spisyncd.log
    (in a namespace syslog(3) would write to the host's /dev/log);
  * rekeys are asked for on its control socket (`rekey PEER`).
"""

import os
import signal
import subprocess

from iop_case import NotRunnable
from iop_netns import check, wait_for
from iop_responder import Responder
from iop_topology import (DUT_INNER, DUT_OUTER, PEER_INNER, PEER_OUTER,
                          PSK)

# SPISYNCD and CONF are replaced by the daemon and the run's config file
COMMAND = ["SPISYNCD", "-f", "-c", "CONF", "--stderr"]


def spisyncd_conf(device, control_socket, flightrec_dir,
                  stuck_holdoff="2s", recovery_interval="10s",
                  miss_log_interval="60s",
                  ike=("aes128gcm16-prfsha256-ecp256",),
                  esp=("aes128gcm16",)):
    """The daemon's configuration for this topology, in the format of
    etc/spisyncd.conf (docs/spisyncd-config.md)."""
    return "\n".join([
        "[global]",
        "device = %s" % device,
        "control_socket = %s" % control_socket,
        "flightrec_dir = %s" % flightrec_dir,
        "listen = %s" % DUT_OUTER,
        "miss_log_interval = %s" % miss_log_interval,
        "stuck_holdoff = %s" % stuck_holdoff,
        "recovery_interval = %s" % recovery_interval,
        "",
        "[peer strongswan]",
        "type = static",
        "address = %s" % PEER_OUTER,
        # the identities the strongSwan peer uses (iop_topology)
        "local_id = dut.interop.spisync",
        "remote_id = peer.interop.spisync",
        'psk = "%s"' % PSK,
        *["ike = %s" % p for p in ike],
        *["esp = %s" % p for p in esp],
        "local_ts = %s/32" % DUT_INNER,
        "remote_ts = %s/32" % PEER_INNER,
        "recovery = yes",
        ""])


class SpisyncdResponder(Responder):
    name = "spisyncd"
    installs_sas = True             # through libspisync, before IKE answers
    recovers = True

    def __init__(self, topo, path, **conf_kw):
        if COMMAND is None or path is None or not os.access(path, os.X_OK):
            raise NotRunnable(
                "spisyncd does not exist yet (issue 6): give --spisyncd "
                "PATH and fill in COMMAND in "
                "tests/interop/iop_responder_spisyncd.py")
        self.topo = topo
        self.path = path
        self.dir = os.path.join(topo.workdir, "spisyncd")
        os.makedirs(os.path.join(self.dir, "flightrec"), exist_ok=True)
        self.conf_path = os.path.join(self.dir, "spisyncd.conf")
        self.log_path = os.path.join(self.dir, "spisyncd.log")
        self.control_path = os.path.join(self.dir, "spisyncd.sock")
        with open(self.conf_path, "w") as f:
            f.write(spisyncd_conf(topo.card.device, self.control_path,
                                  os.path.join(self.dir, "flightrec"),
                                  **conf_kw))
        os.chmod(self.conf_path, 0o600)
        self.proc = None
        topo.cleanup.push("spisyncd", self.stop)

    def start(self, timeout=10):
        cmd = [a.replace("SPISYNCD", self.path).replace("CONF",
                                                         self.conf_path)
               for a in COMMAND]
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(["ip", "netns", "exec",
                                      self.topo.ns_dut] + cmd,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()

        def up():
            check(self.proc.poll() is None, "spisyncd exited (status %s)"
                  % self.proc.returncode)
            return os.path.exists(self.control_path)
        wait_for("spisyncd's control socket", up, timeout)

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        # a killed daemon leaves its socket file behind
        if os.path.exists(self.control_path):
            os.unlink(self.control_path)

    def restart(self):
        self.start()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill9()

    def control(self, request):
        """One request on spisyncd's control socket (docs/spisyncctl.md):
        the reply document, parsed."""
        import json
        import socket
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.control_path)
            s.sendall(request.encode() + b"\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(data)

    def rekey(self):
        """spisyncd initiates the rekey of the peer's CHILD SA (the control
        socket's `rekey PEER`)."""
        reply = self.control("rekey strongswan")
        check(reply.get("ok") is True, "spisyncd rekey: %r" % reply)

    def rekey_ike(self):
        """spisyncd rekeys its IKE SA with the peer (`rekey-ike PEER`)."""
        reply = self.control("rekey-ike strongswan")
        check(reply.get("ok") is True, "spisyncd rekey-ike: %r" % reply)

    def sync_card(self, card):
        return []                   # the daemon installs its own SAs

    def recovery_log(self):
        return self.log_lines("RECVD_PKT_INV_SPI")

    def log_lines(self, needle):
        """The lines of spisyncd's log (every life of it) holding needle."""
        try:
            with open(self.log_path, errors="replace") as f:
                return [line for line in f if needle in line]
        except FileNotFoundError:
            return []
