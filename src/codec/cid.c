/*
 * cid.c - CIDv0 text and the engine's getIPFSCID() content hash.
 *
 * The protobuf framing below mirrors contract/contracts/libraries/IPFS.sol
 * byte for byte, because the result is compared with cids stored on chain.
 */
#include "arbiusd/cid.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "arbiusd/base58.h"
#include "arbiusd/buf.h"
#include "arbiusd/log.h"

#define CID_MH_SHA256 0x12     /* multihash code: sha2-256 */
#define CID_MH_LEN32 0x20      /* multihash digest length: 32 */
#define CID_VARINT_MAX 10      /* bytes of the longest 64-bit varint */

bool cid_is_v0(const uint8_t *mh, size_t len)
{
    return mh != NULL && len == CID_V0_LEN && mh[0] == CID_MH_SHA256 &&
           mh[1] == CID_MH_LEN32;
}

int cid_format_v0(const uint8_t *mh, size_t len, char *out /* OUT */,
                  size_t outsz)
{
    char text[CID_V0_TEXT_SIZE];

    if (!cid_is_v0(mh, len)) {
        log_debug("cid: %zu bytes are not a sha2-256 CIDv0 multihash", len);
        return -1;
    }
    if (outsz < CID_V0_TEXT_SIZE) {
        log_debug("cid: text needs %d bytes, have %zu", CID_V0_TEXT_SIZE,
                  outsz);
        return -1;
    }
    /* A 0x12 0x20 multihash always encodes to 46 characters. */
    if (base58_encode(mh, len, text, sizeof(text)) != 0)
        return -1;
    memcpy(out, text, CID_V0_TEXT_SIZE);
    return 0;
}

int cid_parse_v0(const char *s, size_t len, uint8_t out[CID_V0_LEN] /* OUT */)
{
    uint8_t mh[CID_V0_LEN];
    size_t n;

    if (len != CID_V0_TEXT_LEN || s[0] != 'Q' || s[1] != 'm') {
        log_debug("cid: CIDv0 text must be Qm + 44 characters (got %zu)",
                  len);
        return -1;
    }
    if (base58_decode(s, len, mh, sizeof(mh), &n) != 0)
        return -1;
    if (!cid_is_v0(mh, n)) {
        log_debug("cid: text does not decode to a CIDv0 multihash");
        return -1;
    }
    memcpy(out, mh, CID_V0_LEN);
    return 0;
}

/* Writes the protobuf varint of v to p; returns the number of bytes. */
static size_t cid_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v > 0x7f) {
        p[n++] = (uint8_t)(0x80 | (v & 0x7f));
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int cid_hash_content(const void *content, size_t n,
                     uint8_t out[CID_V0_LEN] /* OUT */)
{
    uint8_t lenv[CID_VARINT_MAX], meatv[CID_VARINT_MAX];
    uint8_t digest[SHA256_DIGEST_LENGTH];
    size_t lenv_n, meat_n, meatv_n, total, pos = 0;
    uint8_t *node;
    int ret = -1;

    if (n > CID_MAX_CONTENT) {
        log_debug("cid: content of %zu bytes exceeds %d", n, CID_MAX_CONTENT);
        return -1;
    }
    lenv_n = cid_put_varint(lenv, n);
    meat_n = 3 + lenv_n + n + 1 + lenv_n;
    meatv_n = cid_put_varint(meatv, meat_n);
    total = 1 + meatv_n + meat_n;

    node = xmalloc(total);
    node[pos++] = 0x0a;                     /* PBNode.Data, length-delimited */
    memcpy(node + pos, meatv, meatv_n);
    pos += meatv_n;
    node[pos++] = 0x08;                     /* UnixFS.Type, varint */
    node[pos++] = 0x02;                     /* = File */
    node[pos++] = 0x12;                     /* UnixFS.Data, length-delimited */
    memcpy(node + pos, lenv, lenv_n);
    pos += lenv_n;
    if (n > 0)
        memcpy(node + pos, content, n);
    pos += n;
    node[pos++] = 0x18;                     /* UnixFS.filesize, varint */
    memcpy(node + pos, lenv, lenv_n);
    pos += lenv_n;

    if (SHA256(node, pos, digest) == NULL) {
        log_warnx("cid: SHA256 failed");
        goto out;
    }
    out[0] = CID_MH_SHA256;
    out[1] = CID_MH_LEN32;
    memcpy(out + 2, digest, SHA256_DIGEST_LENGTH);
    ret = 0;
out:
    free(node);
    return ret;
}

int cid_gateway_url(struct buf *out, const char *gateway,
                    const char *cid_text, const char *file)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t n = strlen(gateway);
    const unsigned char *p;

    while (n > 0 && gateway[n - 1] == '/')
        n--;
    if (n >= 5 && memcmp(gateway + n - 5, "/ipfs", 5) == 0)
        n -= 5;
    if (buf_add(out, gateway, n) < 0 || buf_adds(out, "/ipfs/") < 0 ||
        buf_adds(out, cid_text) < 0)
        return -1;
    if (file == NULL || *file == '\0')
        return 0;
    if (buf_addch(out, '/') < 0)
        return -1;
    for (p = (const unsigned char *)file; *p; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL;
        if (keep ? buf_addch(out, (char)*p) < 0
                 : buf_addf(out, "%%%c%c", hexd[*p >> 4], hexd[*p & 15]) < 0)
            return -1;
    }
    return 0;
}
