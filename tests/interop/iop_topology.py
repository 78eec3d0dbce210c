"""spisync interop harness -- the two namespaces and what runs in them.

    ns peer (iop-p<pid>)                     ns dut (iop-d<pid>)
    charon (initiator, kernel-libipsec)      spisync-sim --port iopd<pid>
    iopp<pid> 198.18.0.1/24  ==== veth ====  iopd<pid> (no address, ARP off)
    lo 198.18.1.1/32 (local_ts)              TAP iopt<pid> 198.18.0.2/24
    table 220: 198.18.2.1 dev ipsec0         lo 198.18.2.1/32 (sink :5001)
                                             the IKE responder on 198.18.0.2

Every frame between the peer and the dut's kernel crosses the card: ARP and
IKE pass through it, ESP-in-UDP (4500) is decrypted or dropped by it.
"""

import os

from iop_card import Card
from iop_charon import Charon, CharonConf, check_installed
from iop_netns import (add_netns, add_veth, check, link_mac, run, sysctl,
                       tx_checksum_off)

PEER_OUTER = "198.18.0.1"
DUT_OUTER = "198.18.0.2"
PEER_INNER = "198.18.1.1"
DUT_INNER = "198.18.2.1"
SINK_PORT = 5001
PSK = "spisync-interop-psk-0123456789"
PEER_ID = "peer.interop.spisync"
DUT_ID = "dut.interop.spisync"


class Topology:
    def __init__(self, cleanup, sim, ctl, workdir, width=128, sim_args=(),
                 tag=None):
        tag = "%d" % (tag if tag is not None else os.getpid())
        self.cleanup = cleanup
        self.workdir = workdir
        self.ns_peer = "iop-p" + tag
        self.ns_dut = "iop-d" + tag
        # interface names: at most 15 characters
        self.veth_peer = ("iopp" + tag)[:15]
        self.veth_dut = ("iopd" + tag)[:15]
        self.tap = ("iopt" + tag)[:15]
        self.card = Card(cleanup, sim, ctl, self.ns_dut, workdir,
                         self.veth_dut, self.tap, width, sim_args)
        self.peer = None

    def setup(self):
        check_installed()
        add_netns(self.cleanup, self.ns_peer)
        add_netns(self.cleanup, self.ns_dut)
        add_veth(self.cleanup, self.ns_peer, self.veth_peer, self.ns_dut,
                 self.veth_dut)
        p, d = self.ns_peer, self.ns_dut
        run("ip", "-n", p, "addr", "add", PEER_OUTER + "/24", "dev",
            self.veth_peer)
        run("ip", "-n", p, "link", "set", self.veth_peer, "up")
        run("ip", "-n", p, "addr", "add", PEER_INNER + "/32", "dev", "lo")
        tx_checksum_off(p, self.veth_peer)
        # the card's port: the dut's kernel must not answer ARP for its
        # TAP address here (the peer would send to this MAC, and the card
        # would hand the TAP frames for another host)
        run("ip", "-n", d, "link", "set", self.veth_dut, "arp", "off", "up")
        self.card.start()
        run("ip", "-n", d, "addr", "add", DUT_OUTER + "/24", "dev", self.tap)
        sysctl(d, "net.ipv4.conf.%s.rp_filter" % self.tap, 0)
        run("ip", "-n", d, "addr", "add", DUT_INNER + "/32", "dev", "lo")

    def peer_conf(self, **kw):
        return CharonConf("iop", PEER_OUTER, DUT_OUTER, PEER_ID, DUT_ID, PSK,
                          PEER_INNER + "/32", DUT_INNER + "/32", **kw)

    def dut_conf(self, **kw):
        return CharonConf("iop", DUT_OUTER, PEER_OUTER, DUT_ID, PEER_ID, PSK,
                          DUT_INNER + "/32", PEER_INNER + "/32", **kw)

    def start_peer(self, **kw):
        """strongSwan, the peer that encrypts toward the card."""
        self.peer = Charon(self.cleanup, self.ns_peer, self.workdir, "peer",
                           self.peer_conf(**kw))
        self.peer.start()
        return self.peer

    def check_arp_through_card(self):
        """The peer resolved 198.18.0.2 to the TAP's MAC: ARP went through
        the card both ways (not answered on the card's port)."""
        tap_mac = link_mac(self.ns_dut, self.tap)
        neigh = run("ip", "-n", self.ns_peer, "neigh", "show", DUT_OUTER)
        check(tap_mac in neigh, "the peer's neighbour entry for %s is %r, "
              "not the TAP's MAC %s" % (DUT_OUTER, neigh.strip(), tap_mac))
