/* Open-addressing hash table of connections (see conn_table.h for why). */
#include "conn_table.h"
#include "acl.h"
#include "frame.h"

#include <stdlib.h>
#include <string.h>

/* Heap pointers share their low bits; a 64-bit finalizer (splitmix64) spreads them. */
static size_t hash(const void *key)
{
	uint64_t x = (uint64_t)(uintptr_t)key;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (size_t)(x ^ (x >> 31));
}

int castellan_conn_table__init(struct castellan_conn_table *t, size_t cap)
{
	size_t c = 16;
	while(c < cap) c <<= 1;
	t->slots = calloc(c, sizeof(*t->slots));
	t->cap = t->slots ? c : 0;
	t->count = 0;
	t->generations = 0;
	return t->slots ? 0 : -1;
}

void castellan_conn__reset(struct castellan_conn *c)
{
	free(c->method);
	c->method = NULL;
	free(c->client_id);
	c->client_id = NULL;
	free(c->tag);
	c->tag = NULL;
	c->tag_len = 0;
	castellan_conn__set_rules(c, NULL);
	c->authenticated = false;
	c->ended = 0;
}

int castellan_conn__admit(struct castellan_conn *c, const char *client_id, const uint8_t *tag, size_t tag_len)
{
	if(client_id == NULL || tag_len > CASTELLAN_TAG_MAX) return -1;
	char *id = strdup(client_id);
	uint8_t *copy = tag_len ? malloc(tag_len) : NULL;
	if(id == NULL || (tag_len && copy == NULL)){
		free(id);
		free(copy);
		return -1;
	}
	if(tag_len) memcpy(copy, tag, tag_len);
	free(c->client_id);
	free(c->tag);
	c->client_id = id;
	c->tag = copy;
	c->tag_len = (uint16_t)tag_len;
	return 0;
}

void castellan_conn__set_rules(struct castellan_conn *c, struct castellan_acl *rules)
{
	free(c->rules);
	c->rules = rules;
	c->last_access = 0;
}

bool castellan_conn__allowed(struct castellan_conn *c, int access, const uint8_t *topic, size_t len)
{
	if(c->last_access == access && c->last_len == len && memcmp(c->last_topic, topic, len) == 0){
		return c->last_allowed;
	}
	bool allowed = castellan_acl__check(c->rules, access, topic, len);
	if(len <= CASTELLAN_LAST_TOPIC_MAX){
		memcpy(c->last_topic, topic, len);
		c->last_len = (uint16_t)len;
		c->last_access = (uint8_t)access;
		c->last_allowed = allowed;
	}
	return allowed;
}

void castellan_conn_table__free(struct castellan_conn_table *t)
{
	for(size_t i = 0; i < t->cap; i++){
		if(t->slots[i].key) castellan_conn__reset(&t->slots[i]);
	}
	free(t->slots);
	t->slots = NULL;
	t->cap = t->count = 0;
}

static size_t slot_of(const struct castellan_conn_table *t, const void *key)
{
	size_t mask = t->cap - 1, i = hash(key) & mask;
	while(t->slots[i].key && t->slots[i].key != key) i = (i + 1) & mask;
	return i;
}

struct castellan_conn *castellan_conn_table__find(const struct castellan_conn_table *t, const void *key)
{
	if(key == NULL || t->cap == 0) return NULL;
	size_t i = slot_of(t, key);
	return t->slots[i].key ? &t->slots[i] : NULL;
}

struct castellan_conn *castellan_conn_table__current(const struct castellan_conn_table *t, const void *key, uint64_t generation)
{
	struct castellan_conn *c = castellan_conn_table__find(t, key);
	return c && c->generation == generation ? c : NULL;
}

struct castellan_conn *castellan_conn_table__match(const struct castellan_conn_table *t, const void *key, uint64_t generation)
{
	struct castellan_conn *c = castellan_conn_table__current(t, key, generation);
	return c && c->authenticated ? c : NULL;
}

/* Doubles the table at 50% load, so probe sequences stay short. */
static int grow(struct castellan_conn_table *t)
{
	struct castellan_conn_table bigger;
	if(castellan_conn_table__init(&bigger, t->cap * 2)) return -1;
	for(size_t i = 0; i < t->cap; i++){
		if(t->slots[i].key) bigger.slots[slot_of(&bigger, t->slots[i].key)] = t->slots[i];
	}
	bigger.count = t->count;
	bigger.generations = t->generations;
	free(t->slots);
	*t = bigger;
	return 0;
}

struct castellan_conn *castellan_conn_table__add(struct castellan_conn_table *t, const void *key)
{
	if(key == NULL || t->cap == 0) return NULL;
	struct castellan_conn *found = castellan_conn_table__find(t, key);
	if(found) return found;
	if((t->count + 1) * 2 > t->cap && grow(t)) return NULL;
	struct castellan_conn *c = &t->slots[slot_of(t, key)];
	*c = (struct castellan_conn){ .key = key, .generation = ++t->generations };
	t->count++;
	return c;
}

void castellan_conn_table__remove(struct castellan_conn_table *t, const void *key)
{
	if(key == NULL || t->cap == 0) return;
	size_t mask = t->cap - 1, i = slot_of(t, key);
	if(t->slots[i].key == NULL) return;
	castellan_conn__reset(&t->slots[i]);
	t->slots[i].key = NULL;
	t->count--;
	/* Backward shift: pull later entries of the run into the hole if their home slot allows,
	 * so lookups never need tombstones. */
	for(size_t j = (i + 1) & mask; t->slots[j].key; j = (j + 1) & mask){
		size_t home = hash(t->slots[j].key) & mask;
		/* Move j into i unless its home lies cyclically in (i, j]. */
		bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
		if(stays) continue;
		t->slots[i] = t->slots[j];
		t->slots[j] = (struct castellan_conn){ 0 };
		i = j;
	}
}
