/* One connection's ACL rule set (docs/acl-format.md): the strict wire decoder and the
 * evaluator the plugin runs for every ACL_CHECK, with no round trip to the service.
 *
 * Mirrors Sources/CastellanAuth/ACL/TopicSyntax.swift and ClientACL*.swift; the shared case
 * table Tests/Fixtures/acl-cases.json keeps the two from drifting. */
#ifndef CASTELLAN_ACL_H
#define CASTELLAN_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CASTELLAN_ACL_VERSION 1
#define CASTELLAN_ACL_MAX_RULES 128
#define CASTELLAN_ACL_MAX_FILTER 1024

/* Access bits, as on the wire. */
#define CASTELLAN_ACCESS_PUBLISH 0x01
#define CASTELLAN_ACCESS_SUBSCRIBE 0x02
#define CASTELLAN_ACCESS_RECEIVE 0x04

struct castellan_acl_rule {
	uint8_t allow;   /* 1 allow, 0 deny */
	uint8_t access;  /* CASTELLAN_ACCESS_* bits */
	uint16_t len;
	const uint8_t *filter; /* into the rule set's own copy of the encoding */
};

/* One allocation: the header, the rules, then a copy of the encoded bytes. */
struct castellan_acl {
	uint16_t count;
	struct castellan_acl_rule rules[];
};

/* Decodes a serialized rule set. Returns NULL for anything the format refuses (or on OOM):
 * the caller then denies. Free the result with free(). */
struct castellan_acl *castellan_acl__decode(const uint8_t *buf, size_t len);

/* Decides one request: `access` is one CASTELLAN_ACCESS_* bit; `topic` is a topic name
 * (publish, receive) or a subscription filter, possibly $share/<g>/<filter> (subscribe).
 * A NULL rule set, an invalid topic and every unmatched request are denied. Allocates nothing. */
bool castellan_acl__check(const struct castellan_acl *acl, int access, const uint8_t *topic, size_t len);

/* The three relations of docs/acl-format.md §2 on valid filters/topics, exposed for tests. */
bool castellan_acl__matches(const uint8_t *filter, size_t flen, const uint8_t *topic, size_t tlen);
bool castellan_acl__covers(const uint8_t *pattern, size_t plen, const uint8_t *filter, size_t flen);
bool castellan_acl__overlaps(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
