/* Per-connection state, keyed by the broker's `struct mosquitto *`.
 *
 * Keyed by connection, never by client id: on a session takeover the old connection's
 * DISCONNECT arrives after the new one authenticated, with the same client id. Open addressing
 * with linear probing and backward-shift deletion: O(1) expected, no tombstones, and ACL_CHECK
 * (every message) costs one hash and usually one probe. */
#ifndef CASTELLAN_CONN_TABLE_H
#define CASTELLAN_CONN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct castellan_acl;

/* Topics up to this length have their last decision remembered (see castellan_conn__allowed). */
#define CASTELLAN_LAST_TOPIC_MAX 96

struct castellan_conn {
	const void *key;             /* NULL marks an empty slot */
	/* Tells this connection from a later one on the same (reused) handle: assigned from the
	 * table's counter when the entry is created — the connection's first request — and carried
	 * in every frame about it. A decision, kick or rule push with another generation is not
	 * this connection's. */
	uint64_t generation;
	char *client_id;             /* from the allow: what a KICK disconnects */
	uint8_t *tag;                /* the allow's session tag, opaque, reported in SESSIONS */
	uint16_t tag_len;
	char *method;                /* remembered at EXT_AUTH_START: CONTINUE gets NULL */
	struct castellan_acl *rules; /* NULL: denied everything */
	bool authenticated;          /* tells a re-auth START (step 2) from a first one */
	/* Nonzero once the connection ended (DISCONNECT, or CLIENT_OFFLINE on 2.1): its rules are
	 * kept only to judge its last will, which mosquitto publishes after that event. The number
	 * tells this ending from a later one of a new connection at the same address. */
	uint32_t ended;
	/* The last ACL decision: a device mostly publishes to the same few topics, and repeating
	 * it costs one memcmp instead of validating and matching the topic against every rule. */
	uint8_t last_access;         /* 0: nothing remembered */
	bool last_allowed;
	uint16_t last_len;
	uint8_t last_topic[CASTELLAN_LAST_TOPIC_MAX];
};

struct castellan_conn_table {
	struct castellan_conn *slots;
	size_t cap;   /* a power of two */
	size_t count;
	uint64_t generations; /* the last generation handed out; never reset, so never reused */
};

/* Returns 0, or -1 when out of memory. */
int castellan_conn_table__init(struct castellan_conn_table *t, size_t initial_cap);
void castellan_conn_table__free(struct castellan_conn_table *t);

/* The returned pointers stay valid only until the next add or remove. */
struct castellan_conn *castellan_conn_table__find(const struct castellan_conn_table *t, const void *key);
/* Finds or inserts a zeroed entry with a fresh generation; NULL when out of memory. */
struct castellan_conn *castellan_conn_table__add(struct castellan_conn_table *t, const void *key);
/* The entry of `key` if its generation is `generation`, else NULL: how a decision finds its
 * connection, so a late answer for a client gone never attaches to the next on its handle. */
struct castellan_conn *castellan_conn_table__current(const struct castellan_conn_table *t, const void *key, uint64_t generation);
/* The authenticated entry of `key` if its generation is `generation`, else NULL: how every
 * push (KICK, SET_RULES) finds its connection, so none reaches a later client on a reused handle. */
struct castellan_conn *castellan_conn_table__match(const struct castellan_conn_table *t, const void *key, uint64_t generation);
/* Frees the entry's method and rules; unknown keys are ignored. */
void castellan_conn_table__remove(struct castellan_conn_table *t, const void *key);
/* Records what an allow hands over: the client id (for KICK) and the session tag (for
 * SESSIONS), replacing earlier ones (re-authentication). Returns 0, or -1 on OOM or a tag
 * over CASTELLAN_TAG_MAX (both: deny). */
int castellan_conn__admit(struct castellan_conn *c, const char *client_id, const uint8_t *tag, size_t tag_len);
/* Frees the state an entry holds and clears it (ended too), keeping the entry itself and its generation. */
void castellan_conn__reset(struct castellan_conn *c);
/* Replaces the connection's rules (NULL: deny everything) and forgets the last decision.
 * The only way rules change, so a remembered decision never outlives the rules it came from. */
void castellan_conn__set_rules(struct castellan_conn *c, struct castellan_acl *rules);
/* castellan_acl__check on the connection's rules, answered from the last decision when the
 * same access to the same topic repeats. */
bool castellan_conn__allowed(struct castellan_conn *c, int access, const uint8_t *topic, size_t len);

#endif
