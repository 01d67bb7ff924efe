/* Reporting live connections after each handshake (see resync.h for the design). */
#include "resync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The room a SESSIONS frame leaves for entries: type, id, last and count take 10 bytes. */
#define ENTRIES_CAP (CASTELLAN_FRAME_MAX - 10u)

static void note(const struct castellan_bridge *b, enum castellan_log_level level, const char *line)
{
	if(b->log) b->log(level, line);
}

void castellan_resync__cleanup(struct castellan_resync *r)
{
	free(r->items);
	free(r->entries);
	r->items = NULL;
	r->entries = NULL;
	r->count = r->next = r->reported = 0;
}

/* Snapshots the authenticated connections. Returns 0, or -1 when out of memory. */
static int start(struct castellan_resync *r, const struct castellan_conn_table *t)
{
	castellan_resync__cleanup(r);
	r->entries = malloc(ENTRIES_CAP);
	r->items = malloc((t->count ? t->count : 1) * sizeof(*r->items));
	if(r->entries == NULL || r->items == NULL){
		castellan_resync__cleanup(r);
		return -1;
	}
	for(size_t i = 0; i < t->cap; i++){
		const struct castellan_conn *c = &t->slots[i];
		if(c->key && c->authenticated) r->items[r->count++] = (struct castellan_resync_item){ c->key, c->generation };
	}
	return 0;
}

/* Builds and sends the next batch. Returns 1 when sent and more remain, 0 otherwise. */
static int send_batch(struct castellan_resync *r, const struct castellan_conn_table *t, struct castellan_bridge *b);

void castellan_resync__step(struct castellan_resync *r, const struct castellan_conn_table *t, struct castellan_bridge *b)
{
	if(b->state != CASTELLAN_READY) return;
	if(b->handshakes != r->handshake){
		if(start(r, t) != 0){
			note(b, CASTELLAN_LOG_WARNING, "Warning: castellan: out of memory for the live-connection report; retrying at the next TICK.");
			return;
		}
		r->handshake = b->handshakes;
	}
	for(int i = 0; i < RESYNC_BATCHES_PER_TICK && r->items != NULL; i++){
		if(!send_batch(r, t, b)) return;
	}
}

static int send_batch(struct castellan_resync *r, const struct castellan_conn_table *t, struct castellan_bridge *b)
{
	size_t used = 0, next = r->next;
	uint32_t count = 0;
	while(next < r->count && used < RESYNC_BATCH_BYTES){
		/* Only a connection still admitted under the same generation: gone or reused is skipped. */
		const struct castellan_conn *c = castellan_conn_table__match(t, r->items[next].key, r->items[next].generation);
		if(c == NULL || c->client_id == NULL){
			next++;
			continue;
		}
		struct castellan_bytes client_id = { (const uint8_t *)c->client_id, (uint32_t)strlen(c->client_id), true };
		struct castellan_bytes tag = { c->tag ? c->tag : (const uint8_t *)"", c->tag_len, true };
		size_t n = castellan_frame__session_entry(r->entries + used, ENTRIES_CAP - used,
				(uint64_t)(uintptr_t)c->key, c->generation, client_id, tag);
		if(n == 0 && count > 0) break; /* the next batch takes it */
		next++;
		if(n == 0) continue;           /* cannot fit even alone (impossible for an MQTT client id) */
		used += n;
		count++;
	}
	bool last = next >= r->count;
	struct castellan_request req = { .type = CASTELLAN_SESSIONS, .last = last, .count = count,
		.entries = { r->entries, (uint32_t)used, true } };
	int rc = castellan_bridge__report(b, &req);
	if(rc == 1) return 0; /* the socket is full: the same batch again at the next TICK */
	if(rc < 0){
		castellan_resync__cleanup(r); /* the link is gone; the next handshake starts over */
		return 0;
	}
	r->next = next;
	r->reported += count;
	if(last){
		char line[128];
		snprintf(line, sizeof(line), "castellan: reported %zu live connections to the service.", r->reported);
		note(b, CASTELLAN_LOG_INFO, line);
		castellan_resync__cleanup(r);
		return 0;
	}
	return 1;
}
