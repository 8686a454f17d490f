/*
 * cid.h - IPFS CIDv0 as the Arbius engine stores it.
 *
 * On chain a cid is the raw 34-byte sha2-256 multihash 0x12 0x20 <32 bytes>;
 * its text form is the base58btc of those bytes, "Qm..." (46 characters).
 * The contract never validates solution cid bytes, so every function here
 * checks the multihash header before trusting it.
 *
 * Functions return 0 or -1, leave outputs untouched on failure and log the
 * reason at debug level.  No I/O and no global state.
 */
#ifndef ARBIUSD_CID_H
#define ARBIUSD_CID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define CID_V0_LEN 34           /* 0x12 0x20 + sha256 digest */
#define CID_V0_TEXT_LEN 46      /* "Qm" + 44 base58 characters */
#define CID_V0_TEXT_SIZE 47     /* text plus NUL */
#define CID_MAX_CONTENT 65536   /* getIPFSCID() refuses longer content */

/* Returns true if mh[0..len) is a CIDv0 multihash: 34 bytes, 0x12 0x20. */
bool cid_is_v0(const uint8_t *mh, size_t len);

/*
 * Writes the "Qm..." text of the multihash mh[0..len) and a NUL to out.
 * Returns 0, or -1 if cid_is_v0(mh, len) is false or
 * outsz < CID_V0_TEXT_SIZE.  Borrows mh.
 */
int cid_format_v0(const uint8_t *mh, size_t len, char *out /* OUT */,
                  size_t outsz) WARN_UNUSED;

/*
 * Parses "Qm..." text s[0..len) back to its 34-byte multihash.  Returns 0,
 * or -1 unless the text is exactly CID_V0_TEXT_LEN base58 characters that
 * decode to a valid CIDv0 multihash.
 */
int cid_parse_v0(const char *s, size_t len,
                 uint8_t out[CID_V0_LEN] /* OUT */) WARN_UNUSED;

/*
 * Computes the engine's getIPFSCID(content): the CIDv0 of content stored as
 * a single dag-pb UnixFS File leaf,
 *   0x1220 || sha256(0x0a || varint(len(meat)) || meat),
 *   meat = 0x08 0x02 0x12 || varint(n) || content || 0x18 || varint(n),
 * exactly as IPFS.sol builds it.  For empty content the contract still
 * writes the zero-length Data field (0x12 0x00), which go-ipfs omits, so
 * the two disagree there; we follow the contract.
 * Returns 0, or -1 if n > CID_MAX_CONTENT.  Borrows content.
 */
int cid_hash_content(const void *content, size_t n,
                     uint8_t out[CID_V0_LEN] /* OUT */) WARN_UNUSED;

/*
 * Appends to out the URL of a solution's output on an IPFS gateway:
 *   gateway + "/ipfs/" + cid_text + "/" + file
 * where gateway is a base URL as configured ("https://ipfs.arbius.org",
 * with or without a trailing '/' or "/ipfs/"), cid_text the "Qm..." root
 * directory and file the model template's output file name (NULL or "":
 * the directory itself).  The file name is percent-encoded except for
 * RFC 3986 unreserved characters and '/'.  Returns 0, or -1 if out is full
 * (out then holds a prefix; callers reset it).
 */
struct buf;
int cid_gateway_url(struct buf *out, const char *gateway,
                    const char *cid_text, const char *file) WARN_UNUSED;

#endif
