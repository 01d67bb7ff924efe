/* ACL rule sets: decode once per decision, evaluate per message with no allocation.
 * Each function mirrors its namesake in Sources/CastellanAuth/ACL/TopicSyntax.swift. */
#include "acl.h"
#include "frame.h" /* castellan_utf8__valid */

#include <stdlib.h>
#include <string.h>

#define SLASH '/'
#define PLUS '+'
#define HASH '#'
#define DOLLAR '$'
#define MAX_TOPIC 65535

static bool valid_name(const uint8_t *s, size_t len)
{
	if(len == 0 || len > MAX_TOPIC) return false;
	for(size_t i = 0; i < len; i++){
		if(s[i] == PLUS || s[i] == HASH) return false;
	}
	/* Swift sees a String, always valid UTF-8; the C side must check it itself. */
	return castellan_utf8__valid(s, len);
}

/* Non-empty, no NUL, `+` alone in its level, `#` alone in the last level. */
static bool valid_filter(const uint8_t *s, size_t len, size_t max)
{
	if(len == 0 || len > max) return false;
	size_t level_start = 0;
	for(size_t i = 0; i < len; i++){
		switch(s[i]){
			case SLASH: level_start = i + 1; break;
			case PLUS:
				if(i != level_start || (i + 1 != len && s[i+1] != SLASH)) return false;
				break;
			case HASH:
				if(i != level_start || i + 1 != len) return false;
				break;
			default: break;
		}
	}
	return castellan_utf8__valid(s, len);
}

/* Walks levels: an empty level is a real level, and a trailing `/` yields one more. */
struct levels {
	const uint8_t *s;
	size_t len, pos;
	bool done;
};

static bool next_level(struct levels *l, size_t *start, size_t *end)
{
	if(l->done) return false;
	size_t e = l->pos;
	while(e < l->len && l->s[e] != SLASH) e++;
	*start = l->pos;
	*end = e;
	if(e < l->len) l->pos = e + 1; else l->done = true;
	return true;
}

static bool is_single(uint8_t c, const uint8_t *s, size_t start, size_t end)
{
	return end - start == 1 && s[start] == c;
}

static bool starts_with_wildcard(const uint8_t *s, size_t len)
{
	return len > 0 && (s[0] == PLUS || s[0] == HASH);
}

static bool starts_with_dollar(const uint8_t *s, size_t len)
{
	return len > 0 && s[0] == DOLLAR;
}

static bool level_equal(const uint8_t *a, size_t as, size_t ae, const uint8_t *b, size_t bs, size_t be)
{
	return ae - as == be - bs && memcmp(a + as, b + bs, ae - as) == 0;
}

/* One pass over both buffers: this runs for every message. Expects a valid filter. */
bool castellan_acl__matches(const uint8_t *filter, size_t fc, const uint8_t *topic, size_t tc)
{
	if(starts_with_dollar(topic, tc) && starts_with_wildcard(filter, fc)) return false;
	size_t f = 0, t = 0;
	bool topic_done = false;
	for(;;){
		/* Here f and t each start a level (f may equal fc: an empty last level). */
		if(f < fc && filter[f] == HASH) return true;
		if(topic_done) return false;
		if(f < fc && filter[f] == PLUS){
			f++;
			while(t < tc && topic[t] != SLASH) t++;
		}else{
			while(f < fc && filter[f] != SLASH){
				if(t >= tc || topic[t] != filter[f]) return false;
				f++;
				t++;
			}
			if(t < tc && topic[t] != SLASH) return false;
		}
		/* Both stand at the end of a level. */
		if(t == tc) topic_done = true; else t++;
		if(f == fc) return topic_done;
		f++;
	}
}

/* Does every topic `filter` can match also match `pattern`? Sound, deliberately incomplete. */
bool castellan_acl__covers(const uint8_t *pattern, size_t pc, const uint8_t *filter, size_t fc)
{
	if(starts_with_wildcard(pattern, pc) && starts_with_dollar(filter, fc)) return false;
	struct levels pl = { pattern, pc, 0, false }, fl = { filter, fc, 0, false };
	size_t ps, pe, fs, fe;
	while(next_level(&pl, &ps, &pe)){
		if(is_single(HASH, pattern, ps, pe)) return true;
		if(!next_level(&fl, &fs, &fe)) return false;
		if(is_single(HASH, filter, fs, fe)) return false;
		if(is_single(PLUS, pattern, ps, pe)) continue;
		if(is_single(PLUS, filter, fs, fe)) return false;
		if(!level_equal(pattern, ps, pe, filter, fs, fe)) return false;
	}
	return !next_level(&fl, &fs, &fe);
}

/* Could some topic match both? A deny rule refuses every subscription it overlaps. */
bool castellan_acl__overlaps(const uint8_t *a, size_t ac, const uint8_t *b, size_t bc)
{
	if(starts_with_wildcard(a, ac) && starts_with_dollar(b, bc)) return false;
	if(starts_with_wildcard(b, bc) && starts_with_dollar(a, ac)) return false;
	struct levels al = { a, ac, 0, false }, bl = { b, bc, 0, false };
	for(;;){
		size_t as = 0, ae = 0, bs = 0, be = 0;
		bool x = next_level(&al, &as, &ae), y = next_level(&bl, &bs, &be);
		if(!x && !y) return true;
		if(!y) return is_single(HASH, a, as, ae);
		if(!x) return is_single(HASH, b, bs, be);
		if(is_single(HASH, a, as, ae) || is_single(HASH, b, bs, be)) return true;
		if(is_single(PLUS, a, as, ae) || is_single(PLUS, b, bs, be)) continue;
		if(!level_equal(a, as, ae, b, bs, be)) return false;
	}
}

/* For $share/<name>/<filter>, where <filter> starts; for anything else 0. -1: malformed share. */
static long subscription_filter_start(const uint8_t *s, size_t len)
{
	static const char prefix[] = "$share/";
	const size_t n = sizeof(prefix) - 1;
	if(len < n || memcmp(s, prefix, n) != 0) return 0;
	size_t i = n;
	while(i < len && s[i] != SLASH){
		if(s[i] == PLUS || s[i] == HASH || s[i] == 0) return -1;
		i++;
	}
	if(i == n || i + 1 >= len) return -1; /* empty name, or no filter after it */
	return (long)(i + 1);
}

/* Is the first level exactly `name` ($SYS and $SYS/x are; $SYSTEM is not)? */
static bool first_level_is(const uint8_t *s, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len >= n && (len == n || s[n] == SLASH) && memcmp(s, name, n) == 0;
}

bool castellan_acl__check(const struct castellan_acl *acl, int access, const uint8_t *topic, size_t len)
{
	if(acl == NULL) return false;
	if(access == CASTELLAN_ACCESS_SUBSCRIBE){
		/* The share name is outside the filter check below; mosquitto validated it already. */
		if(!castellan_utf8__valid(topic, len)) return false;
		long start = subscription_filter_start(topic, len);
		if(start < 0) return false;
		topic += start;
		len -= (size_t)start;
		if(!valid_filter(topic, len, MAX_TOPIC)) return false;
	}else if(access == CASTELLAN_ACCESS_PUBLISH || access == CASTELLAN_ACCESS_RECEIVE){
		if(!valid_name(topic, len)) return false;
		if(access == CASTELLAN_ACCESS_PUBLISH
				&& (first_level_is(topic, len, "$SYS") || first_level_is(topic, len, "$CONTROL"))){
			return false;
		}
	}else{
		return false;
	}
	bool allowed = false;
	for(uint16_t i = 0; i < acl->count; i++){
		const struct castellan_acl_rule *r = &acl->rules[i];
		if(!(r->access & access)) continue;
		/* Once allowed, only deny rules can change the outcome. */
		if(allowed && r->allow) continue;
		bool hit;
		if(access != CASTELLAN_ACCESS_SUBSCRIBE) hit = castellan_acl__matches(r->filter, r->len, topic, len);
		else if(r->allow) hit = castellan_acl__covers(r->filter, r->len, topic, len);
		else hit = castellan_acl__overlaps(r->filter, r->len, topic, len);
		if(!hit) continue;
		if(!r->allow) return false;
		allowed = true;
	}
	return allowed;
}

struct castellan_acl *castellan_acl__decode(const uint8_t *buf, size_t len)
{
	if(len < 3 || buf[0] != CASTELLAN_ACL_VERSION) return NULL;
	uint16_t count = (uint16_t)(buf[1] << 8 | buf[2]);
	if(count > CASTELLAN_ACL_MAX_RULES) return NULL;
	size_t head = sizeof(struct castellan_acl) + count * sizeof(struct castellan_acl_rule);
	struct castellan_acl *acl = malloc(head + len);
	if(acl == NULL) return NULL;
	uint8_t *copy = (uint8_t *)acl + head;
	memcpy(copy, buf, len);
	acl->count = count;
	size_t off = 3;
	for(uint16_t i = 0; i < count; i++){
		if(len - off < 4) goto error;
		uint8_t effect = copy[off], access = copy[off+1];
		uint16_t flen = (uint16_t)(copy[off+2] << 8 | copy[off+3]);
		off += 4;
		if(effect > 1 || access == 0 || (access & ~0x07) != 0) goto error;
		if(flen == 0 || flen > CASTELLAN_ACL_MAX_FILTER || len - off < flen) goto error;
		if(!valid_filter(copy + off, flen, CASTELLAN_ACL_MAX_FILTER)) goto error;
		acl->rules[i] = (struct castellan_acl_rule){ effect, access, flen, copy + off };
		off += flen;
	}
	if(off != len) goto error;
	return acl;
error:
	free(acl);
	return NULL;
}
