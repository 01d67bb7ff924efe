/* The plugin's side of the Unix socket to the Castellan service.
 *
 * Everything here runs on the broker's only thread, so nothing may wait long: a request waits
 * at most timeout_ms for its reply (poll() with a deadline), and every failure denies. The
 * connection is opened lazily and reopened from TICK with backoff (50 ms doubling to 2 s);
 * after 3 consecutive expired deadlines the bridge fails fast (denies without sending) until a
 * PING sent from TICK gets its PONG. Knows nothing of mosquitto: pushes and log lines go to
 * callbacks, so the plugin decides what a KICK means. */
#ifndef CASTELLAN_BRIDGE_H
#define CASTELLAN_BRIDGE_H

#include "frame.h"

#include <stdbool.h>
#include <stdint.h>

enum castellan_log_level { CASTELLAN_LOG_INFO, CASTELLAN_LOG_WARNING, CASTELLAN_LOG_ERR };

typedef void (*castellan_push_fn)(void *ctx, const struct castellan_reply *push);
typedef void (*castellan_log_fn)(enum castellan_log_level level, const char *message);

enum castellan_bridge_state { CASTELLAN_DOWN, CASTELLAN_HANDSHAKE, CASTELLAN_READY };

struct castellan_bridge {
	/* configuration */
	char *path, *broker_id;
	int timeout_ms;
	castellan_push_fn on_push;
	castellan_log_fn log;
	void *ctx;
	/* connection */
	int fd;
	enum castellan_bridge_state state;
	uint32_t last_id, hello_id, ping_id;
	uint64_t hello_sent_us, ping_sent_us, next_attempt_us;
	uint64_t next_tick_us; /* TICK's work runs at most once per TICK_EVERY_US */
	unsigned backoff_ms;
	unsigned timeouts;  /* consecutive expired deadlines */
	bool failfast;
	bool reported_down; /* log "unreachable" once per outage, not every retry */
	uint64_t handshakes; /* completed handshakes: a new value means "report the live connections" */
	/* buffers: one frame out; frames in, consumed from in_start, filled up to in_end */
	uint8_t *out, *in;
	size_t in_start, in_end;
};

/* Copies the options; never connects (a failing plugin init would stop the broker).
 * Returns 0, or -1 for a path that does not fit a sockaddr_un or on OOM. */
int castellan_bridge__init(struct castellan_bridge *b, const char *path, const char *broker_id,
		int timeout_ms, castellan_push_fn on_push, castellan_log_fn log, void *ctx);
void castellan_bridge__cleanup(struct castellan_bridge *b);

/* Sends `req` (the id is assigned here) and waits for the DECISION with its id. Returns 0 with
 * `reply` filled (its byte fields valid until the next bridge call), or -1: deny. Pushes that
 * arrive meanwhile go to on_push. */
int castellan_bridge__call(struct castellan_bridge *b, struct castellan_request *req, struct castellan_reply *reply);

/* Best effort, never waits if the socket cannot take the frame at once: dropped instead. */
void castellan_bridge__notify(struct castellan_bridge *b, const struct castellan_request *req);

/* Sends a notification frame that matters (a SESSIONS batch): waits at most timeout_ms for
 * room in the socket. Returns 0 when sent, 1 when not sent but the connection is still usable
 * (try again later), -1 when there is no usable connection. */
int castellan_bridge__send(struct castellan_bridge *b, const struct castellan_request *req);

/* From MOSQ_EVT_TICK: reconnects when the backoff allows, reads what is buffered and
 * dispatches it, pings while failing fast. Never blocks. */
void castellan_bridge__tick(struct castellan_bridge *b);

#endif
