/* The plugin's side of the Unix socket to the Castellan service.
 *
 * Everything here runs on the broker's only thread, so nothing may wait long: a request waits
 * at most timeout_ms for its reply (poll() with a deadline), and every failure denies. The
 * connection is opened when the broker starts (castellan_bridge__start, never failing) and
 * reopened from TICK or a request with backoff (50 ms doubling to 2 s); until the first
 * HELLO_ACK ever, a request waits up to its deadline for the link instead of being refused;
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
/* A DECISION for a request sent with castellan_bridge__send: true if it was one (the reply's
 * byte fields are valid only during the call). */
typedef bool (*castellan_decision_fn)(void *ctx, const struct castellan_reply *decision);
typedef void (*castellan_log_fn)(enum castellan_log_level level, const char *message);

enum castellan_bridge_state { CASTELLAN_DOWN, CASTELLAN_HANDSHAKE, CASTELLAN_READY };

/* plugin_opt_spin_us when mosquitto.conf does not say (docs/plugin.md). */
#define CASTELLAN_DEFAULT_SPIN_US 150

struct castellan_bridge {
	/* configuration */
	char *path, *broker_id;
	int timeout_ms;
	castellan_push_fn on_push;
	castellan_decision_fn on_decision; /* optional: answers to castellan_bridge__send */
	castellan_log_fn log;
	void *ctx;
	/* Nonzero: each new connection raises this signal in thread `wake_tid` when data arrives
	 * (O_ASYNC), so a broker that sleeps until its next event wakes for the service. */
	int wake_signal;
	int wake_tid;
	/* TICK's work runs at most once per this (default 1 ms); 0 for a broker that calls TICK
	 * only when something woke it. */
	unsigned tick_every_us;
	/* Held notifications wait this long (default 20 ms) for a frame to go with before TICK
	 * writes them alone. */
	unsigned hold_us;
	/* A blocking request polls the socket without sleeping this long first
	 * (plugin_opt_spin_us, default CASTELLAN_DEFAULT_SPIN_US): the broker's thread waits either
	 * way, and a sleeping waiter pays the wake-up of an idle CPU on top of the service's time.
	 * Each turn yields the CPU, so a service that needs the waiter's own CPU gets it at once
	 * instead of after the budget (docs/plugin.md, Spinning before sleeping). */
	unsigned spin_us;
	/* By kind of request (0: basic auth, 1: an extended auth step): whether the last answer
	 * took longer than spin_us. Such a kind is not spun for — a SCRAM step or a key derivation
	 * would cost the whole budget and sleep anyway — until an answer comes within it again. */
	bool late[2];
	/* connection */
	int fd;
	enum castellan_bridge_state state;
	uint32_t last_id, hello_id, ping_id;
	uint32_t links;     /* connections opened so far: a request sent on an older one has no answer coming */
	uint64_t hello_sent_us, ping_sent_us, next_attempt_us;
	uint64_t next_tick_us; /* TICK's work runs at most once per TICK_EVERY_US */
	unsigned backoff_ms;
	unsigned timeouts;  /* consecutive expired deadlines */
	bool failfast;
	bool reported_down; /* log "unreachable" once per outage, not every retry */
	bool ever_ready;    /* a HELLO_ACK came once: before it, requests wait for the first link */
	uint64_t handshakes; /* completed handshakes: a new value means "report the live connections" */
	/* buffers: out[0..held) notifications not written yet, then room for one frame; frames
	 * in, consumed from in_start, filled up to in_end */
	uint8_t *out, *in;
	size_t held, in_start, in_end;
	uint64_t held_since_us; /* when the oldest held notification was made */
};

/* CLOCK_MONOTONIC in microseconds. */
uint64_t castellan_now_us(void);

/* Copies the options; never connects (a failing plugin init would stop the broker).
 * Returns 0, or -1 for a path that does not fit a sockaddr_un or on OOM. */
int castellan_bridge__init(struct castellan_bridge *b, const char *path, const char *broker_id,
		int timeout_ms, castellan_push_fn on_push, castellan_log_fn log, void *ctx);
void castellan_bridge__cleanup(struct castellan_bridge *b);

/* Opens the connection and sends HELLO without waiting for anything (the broker is starting:
 * the service may start after it); a failure is logged and retried as usual. */
void castellan_bridge__start(struct castellan_bridge *b);

/* Sends `req` (the id is assigned here) and waits for the DECISION with its id. Returns 0 with
 * `reply` filled (its byte fields valid until the next bridge call), or -1: deny. Pushes that
 * arrive meanwhile go to on_push. */
int castellan_bridge__call(struct castellan_bridge *b, struct castellan_request *req, struct castellan_reply *reply);

/* Sends `req` (the id is assigned here) without waiting for its answer, which goes to
 * on_decision whenever it is read. Waits only for the link, as castellan_bridge__call does
 * (the first one, or a handshake under way). 0, or -1: deny. */
int castellan_bridge__send(struct castellan_bridge *b, struct castellan_request *req);

/* Counts a request whose answer did not come in time towards failing fast (for requests sent
 * with castellan_bridge__send; castellan_bridge__call counts its own). */
void castellan_bridge__expired(struct castellan_bridge *b);

/* Best effort, never waits; only in READY. The frame is held, not written: it goes in the same
 * write as the next frame sent for any reason (request, SESSIONS, PING), right before it, or at
 * the latest at the first TICK doing its work once the oldest held one waited hold_us, so a
 * notification costs the service no wake-up of its own. Held frames go in the order they were made, before anything later; a
 * dropped connection discards them. When the hold is full, all of it goes at once, this frame
 * last. Going from TICK or a full hold, what the socket cannot take at once is dropped. */
void castellan_bridge__notify(struct castellan_bridge *b, const struct castellan_request *req);

/* Sends a notification frame that matters (a SESSIONS batch): waits at most timeout_ms for
 * room in the socket. Returns 0 when sent, 1 when not sent but the connection is still usable
 * (try again later), -1 when there is no usable connection. Never connects or waits for a
 * handshake, unlike castellan_bridge__send. */
int castellan_bridge__report(struct castellan_bridge *b, const struct castellan_request *req);

/* From MOSQ_EVT_TICK: reconnects when the backoff allows, reads what is buffered and
 * dispatches it, pings while failing fast, writes the held notifications. Never blocks. */
void castellan_bridge__tick(struct castellan_bridge *b);

/* Writes the held notifications if the oldest waited hold_us, as a TICK does (best effort,
 * never waits): for a caller that makes notifications after its TICK's castellan_bridge__tick
 * and cannot count on another TICK coming soon. */
void castellan_bridge__flush(struct castellan_bridge *b);

#endif
