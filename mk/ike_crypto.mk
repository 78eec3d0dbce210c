# spisync -- spisyncd's IKEv2 cryptography on OpenSSL 3 (hostd/spisyncd/
# ike_crypto.h, ike_prf.c, ike_dh.c, ike_sk.c, ike_auth.c) and its tests:
#
#   build/tests/test_ike_crypto         cmocka: RFC 4231 / 5903 / 7748 / 3526
#                                       vectors, bad DH values, SK tampering,
#                                       cleansing; --vectors FILE checks the
#                                       oracle's random vectors (ASan/UBSan)
#   build/tests/test_ike_crypto.plain   the same, uninstrumented, for valgrind
#   tests/unit/ike_crypto_oracle.py     writes the vectors (Python hmac,
#                                       hashlib, pow, python3-cryptography)
#   make ike-crypto-test                this fragment's part of `make test`
#
# Compiled with OPENSSL_NO_DEPRECATED: OpenSSL 3 EVP APIs only. The oracle
# runs /usr/bin/python3 (Debian's python3-cryptography), as mk/ike_msg.mk.

IKE_CRYPTO_DIR   := hostd/spisyncd
IKE_CRYPTO_H     := $(IKE_CRYPTO_DIR)/ike_crypto.h
IKE_CRYPTO_SRCS  := $(addprefix $(IKE_CRYPTO_DIR)/,ike_prf.c ike_dh.c ike_sk.c ike_auth.c)
IKE_CRYPTO_FLAGS := -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
                    -I$(IKE_CRYPTO_DIR) $(shell pkg-config --cflags libcrypto 2>/dev/null)
IKE_CRYPTO_LIBS  := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
IKE_CRYPTO_PY    ?= /usr/bin/python3

IKE_CRYPTO_TEST_SRCS := tests/unit/test_ike_crypto.c $(IKE_CRYPTO_SRCS)
IKE_CRYPTO_SAN_OBJS  := $(patsubst %.c,$(BUILD)/obj/san/%.o,$(IKE_CRYPTO_TEST_SRCS))
IKE_CRYPTO_OPT_OBJS  := $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(IKE_CRYPTO_TEST_SRCS))

# The shared object rules neither look in hostd/spisyncd/ nor track its
# headers: these objects get their own.
$(IKE_CRYPTO_SAN_OBJS): $(BUILD)/obj/san/%.o: %.c $(IKE_CRYPTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(IKE_CRYPTO_FLAGS) -c -o $@ $<

$(IKE_CRYPTO_OPT_OBJS): $(BUILD)/obj/opt/%.o: %.c $(IKE_CRYPTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(IKE_CRYPTO_FLAGS) -c -o $@ $<

$(BUILD)/tests/test_ike_crypto: $(IKE_CRYPTO_SAN_OBJS) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(IKE_CRYPTO_LIBS)

$(BUILD)/tests/test_ike_crypto.plain: $(IKE_CRYPTO_OPT_OBJS) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(IKE_CRYPTO_LIBS)

IKE_CRYPTO_BINS := $(BUILD)/tests/test_ike_crypto $(BUILD)/tests/test_ike_crypto.plain

# the oracle's vectors: a fresh seed each run (printed), or SEED=
IKE_CRYPTO_VECTORS := $(BUILD)/tests/ike_crypto_vectors.txt
IKE_CRYPTO_SEED_ARG := $(if $(SEED),--seed $(SEED),)

IKE_CRYPTO_TEST_CMDS := \
  "spisyncd IKE crypto: oracle vectors written by Python hmac/hashlib/pow + python3-cryptography" \
  "rm -f $(IKE_CRYPTO_VECTORS) && $(IKE_CRYPTO_PY) tests/unit/ike_crypto_oracle.py --out $(IKE_CRYPTO_VECTORS) $(IKE_CRYPTO_SEED_ARG)" \
  "unit: spisyncd IKE crypto, RFC vectors, bad DH values, SK tampering, oracle vectors (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_ike_crypto --vectors $(IKE_CRYPTO_VECTORS)" \
  "unit: spisyncd IKE crypto (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ike_crypto.plain --vectors $(IKE_CRYPTO_VECTORS)"

TEST_BINS += $(IKE_CRYPTO_BINS)
TEST_CMDS += $(IKE_CRYPTO_TEST_CMDS)

# this fragment's part of `make test` alone
ike-crypto-test: $(IKE_CRYPTO_BINS)
	@tools/run-tests.sh $(IKE_CRYPTO_TEST_CMDS)

.PHONY: ike-crypto-test
