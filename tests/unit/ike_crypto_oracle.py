#!/usr/bin/env python3
"""spisync -- independent oracle for spisyncd's IKEv2 cryptography.

Writes a vector file that tests/unit/test_ike_crypto.c (--vectors FILE)
checks hostd/spisyncd/ike_*.c against. Everything here is computed with the
Python standard library (hmac, hashlib, pow) and python3-cryptography
(AESGCM, X25519, ECDH P-256), straight from the RFC text, sharing nothing
with the C code:

  prf / prf+        RFC 7296 2.13, HMAC-SHA2-256/384 (RFC 4868)
  IKE SA keys       RFC 7296 2.14 (AES-GCM: no SK_a*)
  IKE SA rekey      RFC 7296 2.18
  CHILD SA keys     RFC 7296 2.17, with and without PFS
  SK payload        RFC 5282 (AES-GCM-16): python encrypts -> C opens
                    (with random padding), C seals -> must equal python
  PSK AUTH          RFC 7296 2.15
  NAT-D             RFC 7296 2.23
  COOKIE            RFC 7296 2.6 (version | SHA-256(Ni | IPi | SPIi | secret))
  DH                group 14 by pow(2, a*b, p) with p typed from RFC 3526;
                    groups 19 and 31 by python3-cryptography

Usage: ike_crypto_oracle.py --out FILE [--seed N] [--count N]
One line per vector: "op field=hex ...", empty value = empty bytes.
"""

import argparse
import hashlib
import hmac
import random
import sys

from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PRF_HASH = {5: hashlib.sha256, 6: hashlib.sha384}
PRF_LEN = {5: 32, 6: 48}

# RFC 3526 section 3, the 2048-bit MODP group (group 14), generator 2
MODP_P = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)
MODP_G = 2


def prf(alg, key, data):
    return hmac.new(key, data, PRF_HASH[alg]).digest()


def prf_plus(alg, key, seed, n):
    out = b""
    t = b""
    i = 1
    while len(out) < n:
        t = prf(alg, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def split_sa_keys(alg, keybits, keymat):
    pl = PRF_LEN[alg]
    el = keybits // 8 + 4
    d = keymat[:pl]
    ei = keymat[pl:pl + el]
    er = keymat[pl + el:pl + 2 * el]
    pi = keymat[pl + 2 * el:2 * pl + 2 * el]
    pr = keymat[2 * pl + 2 * el:3 * pl + 2 * el]
    return d, ei, er, pi, pr


def sa_keys(alg, keybits, ni, nr, gir, spii, spir):
    skeyseed = prf(alg, ni + nr, gir)
    n = 3 * PRF_LEN[alg] + 2 * (keybits // 8 + 4)
    return split_sa_keys(alg, keybits, prf_plus(alg, skeyseed, ni + nr + spii + spir, n))


def rekey_keys(old_alg, old_skd, alg, keybits, ni, nr, gir, spii, spir):
    skeyseed = prf(old_alg, old_skd, gir + ni + nr)
    n = 3 * PRF_LEN[alg] + 2 * (keybits // 8 + 4)
    return split_sa_keys(alg, keybits, prf_plus(alg, skeyseed, ni + nr + spii + spir, n))


def child_keys(alg, skd, keybits, gir, ni, nr):
    kl = keybits // 8
    km = prf_plus(alg, skd, gir + ni + nr, 2 * (kl + 4))
    return km[:kl], km[kl:kl + 4], km[kl + 4:2 * kl + 4], km[2 * kl + 4:]


def sk_encrypt(ske, iv, aad, inner):
    key, salt = ske[:-4], ske[-4:]
    return iv + AESGCM(key).encrypt(salt + iv, inner, aad)


def psk_auth(alg, psk, msg, nonce, skp, idbody):
    macid = prf(alg, skp, idbody)
    return prf(alg, prf(alg, psk, b"Key Pad for IKEv2"), msg + nonce + macid)


def raw_pub(k):
    return k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def h(b):
    return b.hex()


class Gen:
    def __init__(self, seed, out):
        self.r = random.Random(seed)
        self.out = out

    def b(self, n):
        return self.r.randbytes(n)

    def emit(self, op, **fields):
        parts = [op]
        for k, v in fields.items():
            parts.append("%s=%s" % (k, v if isinstance(v, str) else h(v)))
        self.out.write(" ".join(parts) + "\n")

    def nonce(self):
        return self.b(self.r.choice([16, 32, self.r.randint(16, 256), 256]))

    def gir(self):
        return self.b(self.r.choice([32, 256, self.r.randint(1, 256)]))

    def prf_vectors(self, count):
        for _ in range(count):
            alg = self.r.choice([5, 6])
            key = self.b(self.r.choice([0, 1, 32, 48, 64, 65, 131, 512]))
            data = self.b(self.r.randint(0, 300))
            self.emit("prf", prf=str(alg), key=key, data=data, out=prf(alg, key, data))
            n = self.r.choice([1, PRF_LEN[alg], PRF_LEN[alg] + 1,
                               self.r.randint(1, 600), 255 * PRF_LEN[alg]])
            seed = self.b(self.r.randint(0, 600))
            self.emit("prfplus", prf=str(alg), key=key, seed=seed,
                      out=prf_plus(alg, key, seed, n))

    def sa_vectors(self, count):
        for _ in range(count):
            alg = self.r.choice([5, 6])
            bits = self.r.choice([128, 256])
            ni, nr, gir = self.nonce(), self.nonce(), self.gir()
            spii, spir = self.b(8), self.b(8)
            d, ei, er, pi, pr = sa_keys(alg, bits, ni, nr, gir, spii, spir)
            self.emit("sakeys", prf=str(alg), bits=str(bits), ni=ni, nr=nr, gir=gir,
                      spii=spii, spir=spir, d=d, ei=ei, er=er, pi=pi, pr=pr)

            old = self.r.choice([5, 6])
            oldskd = self.b(PRF_LEN[old])
            ni, nr, gir = self.nonce(), self.nonce(), self.gir()
            spii, spir = self.b(8), self.b(8)
            d, ei, er, pi, pr = rekey_keys(old, oldskd, alg, bits, ni, nr, gir, spii, spir)
            self.emit("rekey", oldprf=str(old), oldskd=oldskd, prf=str(alg), bits=str(bits),
                      ni=ni, nr=nr, gir=gir, spii=spii, spir=spir,
                      d=d, ei=ei, er=er, pi=pi, pr=pr)

            skd = self.b(PRF_LEN[alg])
            gir = self.gir() if self.r.random() < 0.5 else b""
            ni, nr = self.nonce(), self.nonce()
            ki, si, kr, sr = child_keys(alg, skd, bits, gir, ni, nr)
            self.emit("child", prf=str(alg), skd=skd, bits=str(bits), gir=gir,
                      ni=ni, nr=nr, ki=ki, si=si, kr=kr, sr=sr)
        # one each without PFS, so both forms are always present
        for alg in (5, 6):
            skd = self.b(PRF_LEN[alg])
            ni, nr = self.nonce(), self.nonce()
            ki, si, kr, sr = child_keys(alg, skd, 128, b"", ni, nr)
            self.emit("child", prf=str(alg), skd=skd, bits="128", gir="",
                      ni=ni, nr=nr, ki=ki, si=si, kr=kr, sr=sr)

    def sk_vectors(self, count):
        for i in range(count):
            bits = self.r.choice([128, 256])
            ske = self.b(bits // 8 + 4)
            aad = self.b(self.r.choice([32, self.r.randint(0, 80)]))
            plain = self.b(self.r.choice([0, 1, 15, 16, 17, self.r.randint(0, 1500)]))
            # open: a peer may pad with any bytes and any pad length
            pad = self.b(self.r.choice([0, 0, 1, 3, 15, self.r.randint(0, 255)]))
            iv = self.b(8)
            body = sk_encrypt(ske, iv, aad, plain + pad + bytes([len(pad)]))
            self.emit("skopen", ske=ske, aad=aad, body=body, plain=plain)
            # seal: our format, no padding, IV = the counter big-endian
            ctr = self.r.choice([0, 1, i, self.r.getrandbits(64), (1 << 64) - 1])
            body = sk_encrypt(ske, ctr.to_bytes(8, "big"), aad, plain + b"\x00")
            self.emit("skseal", ske=ske, ctr=str(ctr), aad=aad, plain=plain, body=body)

    def auth_vectors(self, count):
        for _ in range(count):
            alg = self.r.choice([5, 6])
            psk = self.b(self.r.choice([1, 16, 32, 64, 65, 200]))
            msg = self.b(self.r.randint(200, 1300))
            nonce = self.nonce()
            skp = self.b(PRF_LEN[alg])
            idbody = bytes([self.r.choice([1, 2, 3, 5, 11]), 0, 0, 0]) + self.b(self.r.randint(0, 64))
            self.emit("psk", prf=str(alg), psk=psk, msg=msg, nonce=nonce, skp=skp, id=idbody,
                      auth=psk_auth(alg, psk, msg, nonce, skp, idbody))

            spii, spir = self.b(8), self.b(8)
            ip = self.b(self.r.choice([4, 16]))
            port = self.r.choice([500, 4500, self.r.randint(0, 65535)])
            natd = hashlib.sha1(spii + spir + ip + port.to_bytes(2, "big")).digest()
            self.emit("natd", spii=spii, spir=spir, ip=ip, port=str(port), hash=natd)

            ver = self.r.getrandbits(8)
            secret = self.b(32)
            ni = self.nonce()
            ip = self.b(self.r.choice([4, 16]))
            spii = self.b(8)
            cookie = bytes([ver]) + hashlib.sha256(ni + ip + spii + secret).digest()
            self.emit("cookie", ver=str(ver), secret=secret, ni=ni, ip=ip, spii=spii,
                      cookie=cookie)

    def dh_vectors(self, count):
        for _ in range(count):
            # group 14: private exponents of 256 bits and of full length
            nbytes = self.r.choice([32, 256])
            a = 0
            while not 1 < a < MODP_P - 1:
                a = int.from_bytes(self.b(nbytes), "big")
            b = self.r.randrange(2, MODP_P - 1)
            pub = pow(MODP_G, a, MODP_P).to_bytes(256, "big")
            peer = pow(MODP_G, b, MODP_P).to_bytes(256, "big")
            shared = pow(MODP_G, a * b, MODP_P).to_bytes(256, "big")
            self.emit("dh", group="14", priv=a.to_bytes(nbytes, "big"), pub=pub, peer=peer,
                      shared=shared)

            n = ec.SECP256R1()
            d = self.r.randrange(1, 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551)
            k = ec.derive_private_key(d, n)
            pk = k.public_key().public_numbers()
            e = self.r.randrange(1, 1 << 255)
            kp = ec.derive_private_key(e, n).public_key()
            pp = kp.public_numbers()
            self.emit("dh", group="19", priv=d.to_bytes(32, "big"),
                      pub=pk.x.to_bytes(32, "big") + pk.y.to_bytes(32, "big"),
                      peer=pp.x.to_bytes(32, "big") + pp.y.to_bytes(32, "big"),
                      shared=k.exchange(ec.ECDH(), kp))

            xa = self.b(32)
            ka = x25519.X25519PrivateKey.from_private_bytes(xa)
            kb = x25519.X25519PrivateKey.from_private_bytes(self.b(32))
            self.emit("dh", group="31", priv=xa, pub=raw_pub(ka),
                      peer=raw_pub(kb),
                      shared=ka.exchange(kb.public_key()))


def self_check():
    # the oracle's own primitives against published values: RFC 4231 test
    # case 2, RFC 7748 section 6.1
    assert prf(5, b"Jefe", b"what do ya want for nothing?").hex() == \
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    a = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
    b = x25519.X25519PublicKey.from_public_bytes(bytes.fromhex(
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
    assert a.exchange(b).hex() == \
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    # RFC 3526: p is a 2048-bit prime with (p-1)/2 prime; a cheap test of
    # the typing: the top and bottom 64 bits are all ones, Fermat base 2
    assert MODP_P.bit_length() == 2048 and MODP_P >> 1984 == (1 << 64) - 1
    assert MODP_P & ((1 << 64) - 1) == (1 << 64) - 1
    assert pow(2, MODP_P - 1, MODP_P) == 1 and pow(3, MODP_P - 1, MODP_P) == 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--count", type=int, default=25)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    print("ike_crypto_oracle: seed %d (rerun with --seed %d)" % (seed, seed))
    self_check()
    with open(args.out, "w") as f:
        f.write("# ike_crypto_oracle.py --seed %d --count %d\n" % (seed, args.count))
        g = Gen(seed, f)
        g.prf_vectors(args.count)
        g.sa_vectors(args.count)
        g.sk_vectors(args.count)
        g.auth_vectors(args.count)
        g.dh_vectors(args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
