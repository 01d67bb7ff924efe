/* libFuzzer target: the untrusted inputs of the plugin, i.e. whatever the service socket
 * delivers. The first byte picks the target:
 *   even: the bytes are a stream of service frames, split with castellan_frame__size() as the
 *         bridge does, each decoded; a DECISION's or SET_RULES' rules go to the ACL decoder;
 *   odd:  the rest is "<rule set length u16><rule set><topic>": decode the rules, then check
 *         the topic for every access, and cross-check covers/overlaps/matches properties. */
#include "acl.h"
#include "frame.h"

#include <stdlib.h>
#include <string.h>

static void check_all(const struct castellan_acl *acl, const uint8_t *topic, size_t len)
{
	static const int accesses[] = { CASTELLAN_ACCESS_PUBLISH, CASTELLAN_ACCESS_SUBSCRIBE, CASTELLAN_ACCESS_RECEIVE };
	for(size_t i = 0; i < 3; i++) (void)castellan_acl__check(acl, accesses[i], topic, len);
	if(acl == NULL) return;
	for(uint16_t i = 0; i < acl->count; i++){
		const struct castellan_acl_rule *r = &acl->rules[i];
		/* A filter covers itself and overlaps itself; covering implies overlapping. */
		if(!castellan_acl__covers(r->filter, r->len, r->filter, r->len)) abort();
		if(!castellan_acl__overlaps(r->filter, r->len, r->filter, r->len)) abort();
		for(uint16_t j = 0; j < acl->count; j++){
			const struct castellan_acl_rule *s = &acl->rules[j];
			bool c = castellan_acl__covers(r->filter, r->len, s->filter, s->len);
			bool o = castellan_acl__overlaps(r->filter, r->len, s->filter, s->len);
			if(o != castellan_acl__overlaps(s->filter, s->len, r->filter, r->len)) abort();
			if(c && !o) abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if(size < 1) return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	if(mode % 2 == 0){
		while(size > 0){
			long n = castellan_frame__size(data, size);
			if(n <= 0 || (size_t)n > size) break;
			struct castellan_reply r;
			if(castellan_frame__decode(data, (size_t)n, &r) == 0 && r.rules.present){
				free(castellan_acl__decode(r.rules.ptr, r.rules.len));
			}
			data += n;
			size -= (size_t)n;
		}
		return 0;
	}
	if(size < 2) return 0;
	size_t rlen = (size_t)(data[0] << 8 | data[1]);
	if(rlen > size - 2) rlen = size - 2;
	struct castellan_acl *acl = castellan_acl__decode(data + 2, rlen);
	check_all(acl, data + 2 + rlen, size - 2 - rlen);
	free(acl);
	return 0;
}
