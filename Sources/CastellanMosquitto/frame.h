/* Bridge protocol v3 (docs/bridge-protocol.md): frames between the plugin and the service.
 *
 * The plugin encodes requests and decodes replies and pushes. Decoded byte fields are views
 * into the caller's buffer: nothing is copied or allocated, so a reply is only valid until the
 * buffer is reused. Every read goes through a bounds-checked cursor. */
#ifndef CASTELLAN_FRAME_H
#define CASTELLAN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CASTELLAN_FRAME_MAX 262144u               /* largest body N (type + id + fields) */
#define CASTELLAN_FRAME_BUFFER (4u + CASTELLAN_FRAME_MAX) /* a whole frame, prefix included */
#define CASTELLAN_PROTOCOL_VERSION 3
#define CASTELLAN_TAG_MAX 512u                     /* longest session tag (DECISION, SESSIONS) */

enum castellan_type {
	CASTELLAN_HELLO = 0x01,
	CASTELLAN_PING = 0x02,
	CASTELLAN_BASIC_AUTH = 0x03,
	CASTELLAN_EXT_AUTH = 0x04,
	CASTELLAN_DISCONNECT = 0x05,
	CASTELLAN_SESSIONS = 0x06,
	CASTELLAN_HELLO_ACK = 0x81,
	CASTELLAN_PONG = 0x82,
	CASTELLAN_DECISION = 0x83,
	CASTELLAN_KICK = 0x90,
	CASTELLAN_SET_RULES = 0x91,
	CASTELLAN_PUBLISH = 0x92,
};

enum castellan_result { CASTELLAN_DENY = 0, CASTELLAN_ALLOW = 1, CASTELLAN_CONTINUE = 2 };

/* A byte field. `present` is false only for an absent opt-bytes (length 0xFFFFFFFF). */
struct castellan_bytes {
	const uint8_t *ptr;
	uint32_t len;
	bool present;
};

/* A plugin -> service frame; only the fields of `type` are used. */
struct castellan_request {
	uint8_t type;
	uint32_t id;
	uint16_t version;                       /* HELLO */
	uint64_t conn;                          /* BASIC_AUTH, EXT_AUTH, DISCONNECT */
	uint64_t generation;                    /* BASIC_AUTH, EXT_AUTH, DISCONNECT */
	uint8_t protocol, step;                 /* step: EXT_AUTH only */
	uint16_t listener_port;                 /* BASIC_AUTH, EXT_AUTH: 0 when unknown (mosquitto 2.0) */
	uint8_t last;                           /* SESSIONS: 1 on the report's last frame */
	uint32_t count;                         /* SESSIONS: entries in `entries` */
	struct castellan_bytes entries;         /* SESSIONS: castellan_frame__session_entry()s, back to back */
	struct castellan_bytes broker_id, address, method;             /* strings */
	struct castellan_bytes client_id, username, password;          /* opt-bytes */
	struct castellan_bytes data, certificate;                      /* bytes */
};

/* A service -> plugin frame; byte fields point into the decoded buffer. */
struct castellan_reply {
	uint8_t type;
	uint32_t id;
	uint16_t version;                       /* HELLO_ACK */
	uint8_t result;                         /* DECISION */
	uint64_t generation;                    /* DECISION, KICK, SET_RULES */
	uint64_t conn;                          /* KICK, SET_RULES */
	struct castellan_bytes username, rules, data, tag; /* DECISION; rules also SET_RULES */
	struct castellan_bytes topic, payload;  /* PUBLISH */
};

/* Encodes `req` into out[0..cap); returns the frame's total size, or 0 if a field is invalid
 * (bad string, protocol or step) or the frame would exceed CASTELLAN_FRAME_MAX or `cap`.
 * Refusing here matters: a malformed frame would make the service drop the connection. */
size_t castellan_frame__encode(const struct castellan_request *req, uint8_t *out, size_t cap);

/* Appends one SESSIONS entry (u64 conn, u64 generation, bytes client id, bytes tag) at
 * out[0..cap); returns its size, or 0 if it does not fit or the tag exceeds CASTELLAN_TAG_MAX. */
size_t castellan_frame__session_entry(uint8_t *out, size_t cap, uint64_t conn, uint64_t generation,
		struct castellan_bytes client_id, struct castellan_bytes tag);

/* How much of a stream is the next frame? Returns its total size (prefix included) once the
 * 4-byte prefix is there, 0 if fewer than 4 bytes are buffered, -1 for an illegal length. */
long castellan_frame__size(const uint8_t *buf, size_t len);

/* Decodes exactly one service frame (prefix included, `len` its whole size). Returns 0, or -1
 * for anything malformed; `out` is then unspecified. */
int castellan_frame__decode(const uint8_t *buf, size_t len, struct castellan_reply *out);

/* Strict UTF-8 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF), no U+0000. */
bool castellan_utf8__valid(const uint8_t *s, size_t len);

#endif
