"""spisync interop harness -- the IKE responder in the dut namespace.

The cases talk to the responder only through this interface, so spisyncd
plugs in beside the second strongSwan:

    start()          run it (its config written), return when it serves IKE
    kill9()          SIGKILL, return when the process is gone
    restart()        start again after kill9() (its state lost)
    rekey()          rekey the CHILD SA from this side (CREATE_CHILD_SA)
    stop()           orderly stop (also registered with the cleanup)
    installs_sas     True if it puts its inbound CHILD SAs in the card
                     itself (spisyncd); False if the harness must
                     (strongSwan: sync_card() from its log)
    sync_card(card)  install in the card what the responder negotiated and
                     the card lacks; returns the SPIs installed
    recovers         True if it acts on the card's SA_MISS events (spisyncd)
    recovery_log()   the RECVD_PKT_INV_SPI lines it logged (spisyncd's)
"""

import os

from iop_charon import Charon
from iop_topology import DUT_OUTER


class Responder:
    name = "abstract"
    installs_sas = False
    recovers = False

    def start(self):
        raise NotImplementedError

    def kill9(self):
        raise NotImplementedError

    def restart(self):
        raise NotImplementedError

    def stop(self):
        raise NotImplementedError

    def rekey(self):
        raise NotImplementedError

    def rekey_ike(self):
        raise NotImplementedError

    def sync_card(self, card):
        raise NotImplementedError

    def recovery_log(self):
        return []


class CharonResponder(Responder):
    """A second strongSwan charon as responder, bound to the TAP address.
    Its own libipsec never sees ESP (the card takes ESP first); the keys
    of its inbound CHILD SAs come from its log (chd = 4) and go into the
    card through spisyncctl: what spisyncd will do through libspisync.
    It knows nothing of the card's misses: it never recovers."""

    name = "strongswan"
    installs_sas = False
    recovers = False

    def __init__(self, topo, **conf_kw):
        self.charon = Charon(topo.cleanup, topo.ns_dut, topo.workdir, "dut",
                             topo.dut_conf(**conf_kw))
        self.generation = 0         # log files of earlier lives kept aside
        self.installed = set()      # SPIs put in the card by sync_card

    def start(self):
        self.charon.start()

    def kill9(self):
        self.charon.kill9()

    def restart(self):
        # a restarted charon writes to the same log: move the old one
        # aside so child_sas() sees only what this life negotiated
        self.generation += 1
        if os.path.exists(self.charon.log_path):
            os.rename(self.charon.log_path, "%s.%d" % (self.charon.log_path,
                                                       self.generation))
        self.charon.start()

    def stop(self):
        self.charon.stop()

    def rekey(self):
        self.charon.rekey_child()

    def rekey_ike(self):
        self.charon.rekey_ike()

    def inbound(self):
        """(spi, key||salt) of every CHILD SA the responder negotiated,
        inbound from its point of view: the SPI it chose (_i) and the key
        the other side encrypts with toward it."""
        return [(sa.spi_in, sa.key_in()) for sa in self.charon.child_sas()]

    def sync_card(self, card):
        done = []
        for spi, key in self.inbound():
            if spi in self.installed:
                continue
            card.sa_add(spi, DUT_OUTER, key)
            self.installed.add(spi)
            done.append(spi)
        return done
