/* Bridge protocol v3: encoder for requests, strict decoder for replies and pushes. */
#include "frame.h"

#include <string.h>

#define ABSENT 0xFFFFFFFFu

bool castellan_utf8__valid(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while(i < len){
		uint8_t c = s[i];
		if(c == 0) return false;
		if(c < 0x80){ i++; continue; }
		size_t n;
		uint32_t cp, min;
		if((c & 0xE0) == 0xC0){ n = 1; cp = c & 0x1F; min = 0x80; }
		else if((c & 0xF0) == 0xE0){ n = 2; cp = c & 0x0F; min = 0x800; }
		else if((c & 0xF8) == 0xF0){ n = 3; cp = c & 0x07; min = 0x10000; }
		else return false;
		if(len - i <= n) return false;
		for(size_t k = 1; k <= n; k++){
			if((s[i+k] & 0xC0) != 0x80) return false;
			cp = (cp << 6) | (s[i+k] & 0x3F);
		}
		if(cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
		i += n + 1;
	}
	return true;
}

/* ---- decoding: a cursor that refuses every read past the end ---- */

struct cursor {
	const uint8_t *p;
	size_t len, off;
	bool ok; /* sticky: once a read failed, every later read fails too */
};

static bool cur__need(struct cursor *c, size_t n)
{
	if(!c->ok || c->len - c->off < n){
		c->ok = false;
		return false;
	}
	return true;
}

static uint64_t cur__uint(struct cursor *c, size_t n)
{
	uint64_t v = 0;
	if(!cur__need(c, n)) return 0;
	for(size_t i = 0; i < n; i++) v = (v << 8) | c->p[c->off + i];
	c->off += n;
	return v;
}

static struct castellan_bytes cur__bytes(struct cursor *c, bool optional, bool string)
{
	struct castellan_bytes b = { NULL, 0, false };
	uint32_t len = (uint32_t)cur__uint(c, 4);
	if(!c->ok) return b;
	if(len == ABSENT && optional) return b;
	if(!cur__need(c, len)) return b;
	b.ptr = c->p + c->off;
	b.len = len;
	b.present = true;
	c->off += len;
	if(string && !castellan_utf8__valid(b.ptr, b.len)) c->ok = false;
	return b;
}

long castellan_frame__size(const uint8_t *buf, size_t len)
{
	if(len < 4) return 0;
	uint32_t n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if(n < 5 || n > CASTELLAN_FRAME_MAX) return -1;
	return (long)n + 4;
}

int castellan_frame__decode(const uint8_t *buf, size_t len, struct castellan_reply *out)
{
	if(castellan_frame__size(buf, len) != (long)len) return -1;
	struct cursor c = { buf, len, 4, true };
	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)cur__uint(&c, 1);
	out->id = (uint32_t)cur__uint(&c, 4);
	/* Replies echo a request's non-zero id; pushes carry 0. */
	bool push = out->type == CASTELLAN_KICK || out->type == CASTELLAN_SET_RULES || out->type == CASTELLAN_PUBLISH;
	if(push != (out->id == 0)) return -1;
	switch(out->type){
		case CASTELLAN_HELLO_ACK:
			out->version = (uint16_t)cur__uint(&c, 2);
			break;
		case CASTELLAN_PONG:
			break;
		case CASTELLAN_DECISION:
			out->result = (uint8_t)cur__uint(&c, 1);
			if(out->result > CASTELLAN_CONTINUE) return -1;
			out->generation = cur__uint(&c, 8);
			out->username = cur__bytes(&c, false, true);
			out->rules = cur__bytes(&c, false, false);
			out->data = cur__bytes(&c, false, false);
			out->tag = cur__bytes(&c, false, false);
			if(out->tag.len > CASTELLAN_TAG_MAX) return -1;
			break;
		case CASTELLAN_KICK:
			out->conn = cur__uint(&c, 8);
			out->generation = cur__uint(&c, 8);
			break;
		case CASTELLAN_SET_RULES:
			out->conn = cur__uint(&c, 8);
			out->generation = cur__uint(&c, 8);
			out->rules = cur__bytes(&c, false, false);
			break;
		case CASTELLAN_PUBLISH:
			out->topic = cur__bytes(&c, false, true);
			out->payload = cur__bytes(&c, false, false);
			break;
		default:
			return -1;
	}
	return c.ok && c.off == c.len ? 0 : -1;
}

/* ---- encoding: a writer that stops at the first overflow ---- */

struct writer {
	uint8_t *p;
	size_t cap, off;
	bool ok;
};

static void wr__uint(struct writer *w, uint64_t v, size_t n)
{
	if(!w->ok || w->cap - w->off < n){ w->ok = false; return; }
	for(size_t i = 0; i < n; i++) w->p[w->off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w->off += n;
}

static void wr__bytes(struct writer *w, struct castellan_bytes b, bool optional, bool string)
{
	if(!b.present){
		if(optional) wr__uint(w, ABSENT, 4);
		else wr__uint(w, 0, 4); /* a non-optional absent field is sent empty */
		return;
	}
	if(b.len == ABSENT || (string && !castellan_utf8__valid(b.ptr, b.len))){ w->ok = false; return; }
	wr__uint(w, b.len, 4);
	if(!w->ok || w->cap - w->off < b.len){ w->ok = false; return; }
	if(b.len) memcpy(w->p + w->off, b.ptr, b.len);
	w->off += b.len;
}

size_t castellan_frame__encode(const struct castellan_request *r, uint8_t *out, size_t cap)
{
	struct writer w = { out, cap, 0, true };
	bool notification = r->type == CASTELLAN_DISCONNECT || r->type == CASTELLAN_SESSIONS;
	if(notification != (r->id == 0)) return 0;
	wr__uint(&w, 0, 4); /* length, patched below */
	wr__uint(&w, r->type, 1);
	wr__uint(&w, r->id, 4);
	switch(r->type){
		case CASTELLAN_HELLO:
			wr__uint(&w, r->version, 2);
			wr__bytes(&w, r->broker_id, false, true);
			break;
		case CASTELLAN_PING:
			break;
		case CASTELLAN_BASIC_AUTH:
		case CASTELLAN_EXT_AUTH:
			if(r->protocol < 3 || r->protocol > 5) return 0;
			if(r->type == CASTELLAN_EXT_AUTH && r->step > 2) return 0;
			wr__uint(&w, r->conn, 8);
			wr__uint(&w, r->generation, 8);
			wr__uint(&w, r->protocol, 1);
			if(r->type == CASTELLAN_EXT_AUTH) wr__uint(&w, r->step, 1);
			wr__bytes(&w, r->address, false, true);
			wr__uint(&w, r->listener_port, 2);
			if(r->type == CASTELLAN_EXT_AUTH) wr__bytes(&w, r->method, false, true);
			wr__bytes(&w, r->client_id, true, false);
			wr__bytes(&w, r->username, true, false);
			if(r->type == CASTELLAN_BASIC_AUTH) wr__bytes(&w, r->password, true, false);
			else wr__bytes(&w, r->data, false, false);
			wr__bytes(&w, r->certificate, false, false);
			break;
		case CASTELLAN_DISCONNECT:
			wr__uint(&w, r->conn, 8);
			wr__uint(&w, r->generation, 8);
			break;
		case CASTELLAN_SESSIONS:
			/* The entries come pre-encoded (castellan_frame__session_entry): copied as they are. */
			if(r->last > 1 || !r->entries.present) return 0;
			wr__uint(&w, r->last, 1);
			wr__uint(&w, r->count, 4);
			if(w.ok && w.cap - w.off >= r->entries.len){
				if(r->entries.len) memcpy(w.p + w.off, r->entries.ptr, r->entries.len);
				w.off += r->entries.len;
			}else{
				w.ok = false;
			}
			break;
		default:
			return 0;
	}
	if(!w.ok || w.off - 4 > CASTELLAN_FRAME_MAX) return 0;
	size_t body = w.off - 4;
	w.off = 0;
	wr__uint(&w, body, 4);
	return body + 4;
}

size_t castellan_frame__session_entry(uint8_t *out, size_t cap, uint64_t conn, uint64_t generation,
		struct castellan_bytes client_id, struct castellan_bytes tag)
{
	struct writer w = { out, cap, 0, true };
	if(tag.len > CASTELLAN_TAG_MAX) return 0;
	wr__uint(&w, conn, 8);
	wr__uint(&w, generation, 8);
	wr__bytes(&w, client_id, false, false);
	wr__bytes(&w, tag, false, false);
	return w.ok ? w.off : 0;
}
