/* The Unix-socket bridge to the service (see bridge.h for the failure model). */
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define FAILFAST_AFTER 3
#define PING_EVERY_US 250000
/* A TICK-initiated HELLO unanswered this long (or timeout_ms, if longer: a service allowed
 * that long per answer is allowed it for HELLO too) is abandoned and retried with backoff. */
#define HELLO_LIMIT_US 1000000
/* TICK fires on every pass of the broker's loop, under load once per packet or so, and
 * reading the socket is a syscall: pushes (kicks, new rules) can wait a millisecond. */
#define TICK_EVERY_US 1000
/* Room for notifications held back (about 80 DISCONNECT frames of 25 bytes): a connect costs
 * the service one wake-up, not a second one when the client leaves. */
#define HOLD_CAP 2048u
/* How long TICK leaves them held for a request to take along: a client that connects every
 * millisecond or so (the Swift load client: ~830 µs) still found TICK's work due before its next
 * connect, and its DISCONNECTs went alone. Kicks for a connection that left meanwhile are
 * ignored by generation, so the service learning 20 ms later costs nothing. */
#define HOLD_US 20000

uint64_t castellan_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void say(struct castellan_bridge *b, enum castellan_log_level level, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	if(b->log == NULL) return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	b->log(level, line);
}

static uint32_t next_id(struct castellan_bridge *b)
{
	if(++b->last_id == 0) b->last_id = 1; /* 0 is reserved for notifications and pushes */
	return b->last_id;
}

/* Drops the connection: whatever is pending is denied by the caller, and a reconnect is
 * scheduled with exponential backoff (reset only by a HELLO_ACK, so a service that accepts
 * and then drops us is not hammered). */
static void disconnect(struct castellan_bridge *b, const char *why)
{
	if(b->fd >= 0){
		say(b, CASTELLAN_LOG_WARNING, "Warning: castellan: closing the service connection: %s.", why);
		close(b->fd);
	}
	b->fd = -1;
	b->state = CASTELLAN_DOWN;
	b->in_start = b->in_end = 0;
	b->held = 0; /* for this link only; every link starts after this (or init), and the next
	              * one's SESSIONS report tells the service what is live */
	b->hello_id = b->ping_id = 0;
	b->backoff_ms = b->backoff_ms ? b->backoff_ms * 2 : BACKOFF_MIN_MS;
	if(b->backoff_ms > BACKOFF_MAX_MS) b->backoff_ms = BACKOFF_MAX_MS;
	b->next_attempt_us = castellan_now_us() + (uint64_t)b->backoff_ms * 1000u;
}

/* Writes all of buf before `deadline`. A partly written frame would desynchronise the stream,
 * so that case closes the connection; a frame not started at all leaves it usable. */
static int send_all(struct castellan_bridge *b, const uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t done = 0;
	while(done < len){
		ssize_t n = send(b->fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if(n > 0){ done += (size_t)n; continue; }
		if(n < 0 && errno == EINTR) continue;
		if(n < 0 && errno != EAGAIN && errno != EWOULDBLOCK){
			disconnect(b, strerror(errno));
			return -1;
		}
		uint64_t now = castellan_now_us();
		if(now >= deadline){
			if(done > 0) disconnect(b, "a frame could not be written in time");
			return -1;
		}
		struct pollfd p = { b->fd, POLLOUT, 0 };
		poll(&p, 1, (int)((deadline - now + 999) / 1000));
	}
	return 0;
}

/* Encodes `req` right after the held notifications, so that one write sends them first, in
 * order, and wakes the service once. Returns the bytes to write from out, or 0 if `req` is not
 * encodable (the notifications stay held). */
static size_t encode_after_held(struct castellan_bridge *b, const struct castellan_request *req)
{
	size_t n = castellan_frame__encode(req, b->out + b->held, CASTELLAN_FRAME_BUFFER);
	return n ? b->held + n : 0;
}

/* send_all of what encode_after_held() returned. A write that cannot start before the deadline
 * leaves the notifications held, and the connection usable; any other failure closed it. */
static int send_out(struct castellan_bridge *b, size_t len, uint64_t deadline)
{
	if(send_all(b, b->out, len, deadline) != 0) return -1;
	b->held = 0;
	return 0;
}

/* Writes out[0..len) of notifications in one try without waiting: what the socket cannot take
 * at once is dropped, as a notification always was. Only bytes already started get the usual
 * deadline, since a frame cut short would desynchronise the stream. */
static void send_best_effort(struct castellan_bridge *b, size_t len)
{
	b->held = 0;
	ssize_t sent = send(b->fd, b->out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if(sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR){
		disconnect(b, strerror(errno));
	}else if(sent > 0 && (size_t)sent < len){
		send_all(b, b->out + sent, len - (size_t)sent, castellan_now_us() + (uint64_t)b->timeout_ms * 1000u);
	}
}

static void start_connect(struct castellan_bridge *b)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, b->path); /* length checked in init */
	b->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if(b->fd >= 0 && b->wake_signal){
		/* Best effort: without it the broker's own wake-ups still come round. */
		struct f_owner_ex owner = { F_OWNER_TID, b->wake_tid };
		if(fcntl(b->fd, F_SETOWN_EX, &owner) != 0 || fcntl(b->fd, F_SETSIG, b->wake_signal) != 0
				|| fcntl(b->fd, F_SETFL, fcntl(b->fd, F_GETFL) | O_ASYNC) != 0){
			say(b, CASTELLAN_LOG_WARNING, "Warning: castellan: cannot ask for a signal on service replies: %s.", strerror(errno));
		}
	}
	if(b->fd < 0 || connect(b->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0){
		/* A Unix socket connects at once or not at all (EAGAIN: backlog full); no waiting. */
		if(!b->reported_down){
			say(b, CASTELLAN_LOG_WARNING, "Warning: castellan: cannot reach the service at %s: %s; denying until it is back.",
					b->path, strerror(errno));
			b->reported_down = true;
		}
		if(b->fd >= 0) close(b->fd);
		b->fd = -1;
		disconnect(b, "connect failed");
		return;
	}
	struct castellan_request hello = {
		.type = CASTELLAN_HELLO, .id = next_id(b), .version = CASTELLAN_PROTOCOL_VERSION,
		.broker_id = { (const uint8_t *)b->broker_id, (uint32_t)strlen(b->broker_id), true },
	};
	size_t n = castellan_frame__encode(&hello, b->out, CASTELLAN_FRAME_BUFFER);
	b->state = CASTELLAN_HANDSHAKE;
	b->links++;
	b->hello_id = hello.id;
	b->hello_sent_us = castellan_now_us();
	if(n == 0 || send_all(b, b->out, n, b->hello_sent_us) != 0) disconnect(b, "HELLO could not be sent");
}

/* Handles one complete frame. Returns 1 when it is the DECISION for `want` (then `reply`
 * holds it), 0 to go on, -1 when the connection was closed over it. */
static int dispatch(struct castellan_bridge *b, const uint8_t *frame, size_t len, uint32_t want,
		struct castellan_reply *reply)
{
	struct castellan_reply r;
	if(castellan_frame__decode(frame, len, &r) != 0){
		disconnect(b, "malformed frame from the service");
		return -1;
	}
	if(b->state == CASTELLAN_HANDSHAKE){
		if(r.type != CASTELLAN_HELLO_ACK || r.id != b->hello_id || r.version != CASTELLAN_PROTOCOL_VERSION){
			disconnect(b, "the service did not answer HELLO with a matching HELLO_ACK");
			return -1;
		}
		b->state = CASTELLAN_READY;
		b->ever_ready = true;
		b->handshakes++;
		b->backoff_ms = 0;
		b->timeouts = 0;
		b->failfast = false; /* an answer: the service is responsive again */
		b->reported_down = false;
		say(b, CASTELLAN_LOG_INFO, "castellan: connected to the service at %s.", b->path);
		return 0;
	}
	switch(r.type){
		case CASTELLAN_PONG:
			if(r.id == b->ping_id){
				if(b->failfast) say(b, CASTELLAN_LOG_INFO, "castellan: the service answers again.");
				b->ping_id = 0;
				b->timeouts = 0;
				b->failfast = false;
			}
			return 0;
		case CASTELLAN_DECISION:
			if(want != 0 && r.id == want){
				*reply = r;
				return 1;
			}
			if(b->on_decision && b->on_decision(b->ctx, &r)) b->timeouts = 0;
			return 0; /* else a late answer to a request we gave up on */
		case CASTELLAN_KICK:
		case CASTELLAN_SET_RULES:
		case CASTELLAN_PUBLISH:
			if(b->on_push) b->on_push(b->ctx, &r);
			return 0;
		default:
			disconnect(b, "unexpected HELLO_ACK");
			return -1;
	}
}

/* Dispatches the complete frames already buffered, stopping at the awaited DECISION so its
 * fields stay valid in the buffer. Same results as dispatch(). */
static int pump(struct castellan_bridge *b, uint32_t want, struct castellan_reply *reply)
{
	while(b->fd >= 0){
		const uint8_t *start = b->in + b->in_start;
		size_t avail = b->in_end - b->in_start;
		long size = castellan_frame__size(start, avail);
		if(size < 0){
			disconnect(b, "frame length out of bounds");
			return -1;
		}
		if(size == 0 || (size_t)size > avail) return 0;
		b->in_start += (size_t)size;
		int rc = dispatch(b, start, (size_t)size, want, reply);
		if(rc != 0) return rc;
	}
	return -1;
}

/* One non-blocking read into the free end of the buffer. -1: the connection is gone. */
static int read_some(struct castellan_bridge *b)
{
	if(b->in_start > 0){
		memmove(b->in, b->in + b->in_start, b->in_end - b->in_start);
		b->in_end -= b->in_start;
		b->in_start = 0;
	}
	if(b->in_end == CASTELLAN_FRAME_BUFFER) return 0; /* a whole frame is waiting to be pumped */
	ssize_t n = recv(b->fd, b->in + b->in_end, CASTELLAN_FRAME_BUFFER - b->in_end, MSG_DONTWAIT);
	if(n > 0){ b->in_end += (size_t)n; return 0; }
	if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
	disconnect(b, n == 0 ? "the service closed the connection" : strerror(errno));
	return -1;
}

/* Counts an expired deadline towards failing fast, and says so. */
static void expired(struct castellan_bridge *b)
{
	if(++b->timeouts >= FAILFAST_AFTER && !b->failfast){
		b->failfast = true;
		say(b, CASTELLAN_LOG_WARNING, "Warning: castellan: %u requests in a row timed out; denying at once until the service answers a PING.",
				b->timeouts);
	}else{
		say(b, CASTELLAN_LOG_WARNING, "Warning: castellan: no answer from the service within %d ms; denied.", b->timeout_ms);
	}
}


/* Waits until `deadline` for the DECISION with id `want`, or (want == 0) for the handshake to
 * complete. Returns 0, or -1: deny. An expired deadline counts towards failing fast. */
static int await(struct castellan_bridge *b, uint32_t want, struct castellan_reply *reply, uint64_t deadline, unsigned spin_us)
{
	uint64_t spin_until = castellan_now_us() + spin_us;
	for(;;){
		int rc = pump(b, want, reply);
		if(rc < 0) return -1;
		if(rc == 1 || (want == 0 && b->state == CASTELLAN_READY)){
			b->timeouts = 0;
			return 0;
		}
		uint64_t now = castellan_now_us();
		if(now >= deadline) break;
		if(now < spin_until){ /* see spin_us */
			if(read_some(b) != 0) return -1;
			sched_yield(); /* the service may be waiting for this very CPU */
			continue;
		}
		struct pollfd p = { b->fd, POLLIN, 0 };
		int ready = poll(&p, 1, (int)((deadline - now + 999) / 1000));
		if(ready > 0 && read_some(b) != 0) return -1;
	}
	expired(b);
	return -1;
}

/* Before the first HELLO_ACK (the broker has just started, and the service maybe not yet):
 * retries connect() until `deadline` instead of refusing at once. Returns 0 once connected
 * (the handshake may still be under way), or -1: deny. */
static int await_first_link(struct castellan_bridge *b, uint64_t deadline)
{
	for(;;){
		start_connect(b);
		if(b->state != CASTELLAN_DOWN) return 0;
		if(castellan_now_us() >= deadline) break;
		poll(NULL, 0, 1);
	}
	expired(b);
	return -1;
}

/* Brings the link to READY for a request due by `deadline`: 0, or -1: deny. */
static int ready_for_request(struct castellan_bridge *b, uint64_t deadline, struct castellan_reply *scratch)
{
	uint64_t now = castellan_now_us();
	/* Before the first link, wait for it; after, reconnect bounded by the same backoff as
	 * TICK's, so a dead service costs one failed connect() per backoff period and no waiting. */
	if(b->failfast) return -1;
	if(b->state == CASTELLAN_DOWN && !b->ever_ready){
		if(await_first_link(b, deadline) != 0) return -1;
	}else if(b->state == CASTELLAN_DOWN && now >= b->next_attempt_us){
		start_connect(b);
	}
	if(b->state == CASTELLAN_DOWN) return -1;
	if(b->state == CASTELLAN_HANDSHAKE && await(b, 0, scratch, deadline, b->spin_us) != 0) return -1;
	return 0;
}

int castellan_bridge__call(struct castellan_bridge *b, struct castellan_request *req, struct castellan_reply *reply)
{
	uint64_t deadline = castellan_now_us() + (uint64_t)b->timeout_ms * 1000u;
	if(ready_for_request(b, deadline, reply) != 0) return -1;
	req->id = next_id(b);
	size_t n = encode_after_held(b, req);
	if(n == 0){
		say(b, CASTELLAN_LOG_WARNING, "Warning: castellan: request not encodable (invalid UTF-8 or too large); denied.");
		return -1;
	}
	if(send_out(b, n, deadline) != 0) return -1;
	bool *late = &b->late[req->type == CASTELLAN_EXT_AUTH];
	uint64_t sent = castellan_now_us();
	int rc = await(b, req->id, reply, deadline, *late ? 0 : b->spin_us);
	*late = castellan_now_us() - sent > b->spin_us;
	return rc;
}

int castellan_bridge__send(struct castellan_bridge *b, struct castellan_request *req)
{
	struct castellan_reply scratch;
	uint64_t deadline = castellan_now_us() + (uint64_t)b->timeout_ms * 1000u;
	if(ready_for_request(b, deadline, &scratch) != 0) return -1;
	req->id = next_id(b);
	size_t n = encode_after_held(b, req);
	if(n == 0){
		say(b, CASTELLAN_LOG_WARNING, "Warning: castellan: request not encodable (invalid UTF-8 or too large); denied.");
		return -1;
	}
	return send_out(b, n, deadline);
}

void castellan_bridge__expired(struct castellan_bridge *b)
{
	expired(b);
}

void castellan_bridge__start(struct castellan_bridge *b)
{
	if(b->state == CASTELLAN_DOWN) start_connect(b);
}

void castellan_bridge__notify(struct castellan_bridge *b, const struct castellan_request *req)
{
	if(b->state != CASTELLAN_READY) return;
	size_t n = encode_after_held(b, req);
	if(n == 0) return;
	if(b->held == 0) b->held_since_us = castellan_now_us();
	if(n <= HOLD_CAP) b->held = n;
	else send_best_effort(b, n); /* the hold is full: all of it goes now, this one last */
}

int castellan_bridge__report(struct castellan_bridge *b, const struct castellan_request *req)
{
	if(b->state != CASTELLAN_READY) return -1;
	size_t n = encode_after_held(b, req);
	if(n == 0) return -1;
	if(send_out(b, n, castellan_now_us() + (uint64_t)b->timeout_ms * 1000u) == 0) return 0;
	return b->state == CASTELLAN_READY ? 1 : -1; /* a frame cut short closed the connection */
}

void castellan_bridge__tick(struct castellan_bridge *b)
{
	uint64_t now = castellan_now_us();
	if(now < b->next_tick_us) return;
	b->next_tick_us = now + b->tick_every_us;
	if(b->state == CASTELLAN_DOWN && now >= b->next_attempt_us) start_connect(b);
	uint64_t hello_limit_us = (uint64_t)b->timeout_ms * 1000u;
	if(hello_limit_us < HELLO_LIMIT_US) hello_limit_us = HELLO_LIMIT_US;
	if(b->state == CASTELLAN_HANDSHAKE && now > b->hello_sent_us + hello_limit_us){
		disconnect(b, "no HELLO_ACK");
	}
	if(b->fd < 0) return;
	struct castellan_reply unused;
	if(pump(b, 0, &unused) < 0 || read_some(b) < 0 || pump(b, 0, &unused) < 0) return;
	if(b->state == CASTELLAN_READY && b->failfast && (b->ping_id == 0 || now - b->ping_sent_us >= PING_EVERY_US)){
		struct castellan_request ping = { .type = CASTELLAN_PING, .id = next_id(b) };
		size_t n = encode_after_held(b, &ping);
		ssize_t sent = send(b->fd, b->out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if(sent == (ssize_t)n){
			b->held = 0;
			b->ping_id = ping.id;
			b->ping_sent_us = now;
		}else if(sent > 0){
			disconnect(b, "PING only partly written");
		}
	}
	castellan_bridge__flush(b); /* no frame came to take the held notifications along */
}

void castellan_bridge__flush(struct castellan_bridge *b)
{
	if(b->state == CASTELLAN_READY && b->held > 0 && castellan_now_us() - b->held_since_us >= b->hold_us) send_best_effort(b, b->held);
}

int castellan_bridge__init(struct castellan_bridge *b, const char *path, const char *broker_id,
		int timeout_ms, castellan_push_fn on_push, castellan_log_fn log, void *ctx)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if(strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) return -1;
	b->path = strdup(path);
	b->broker_id = strdup(broker_id);
	b->out = malloc(HOLD_CAP + CASTELLAN_FRAME_BUFFER); /* held notifications, then one frame */
	b->in = malloc(CASTELLAN_FRAME_BUFFER);
	b->timeout_ms = timeout_ms;
	b->tick_every_us = TICK_EVERY_US;
	b->hold_us = HOLD_US;
	b->on_push = on_push;
	b->log = log;
	b->ctx = ctx;
	if(!b->path || !b->broker_id || !b->out || !b->in){
		castellan_bridge__cleanup(b);
		return -1;
	}
	return 0;
}

void castellan_bridge__cleanup(struct castellan_bridge *b)
{
	if(b->fd >= 0) close(b->fd);
	free(b->path);
	free(b->broker_id);
	free(b->out);
	free(b->in);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}
