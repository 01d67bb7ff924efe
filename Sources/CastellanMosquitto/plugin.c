/* castellan_mosquitto.so: the mosquitto v5 plugin. It forwards every authentication step to
 * the Castellan service (bridge.c), enforces the decision, and judges ACL checks locally from
 * the rules the service sent at connect time (acl.c). Whatever goes wrong, it denies.
 *
 * mosquitto.conf:
 *   plugin /path/to/castellan_mosquitto.so
 *   plugin_opt_socket /run/castellan/bridge.sock   (required)
 *   plugin_opt_timeout_ms 50                       (per request; docs/plugin.md, Choosing the deadline)
 *   plugin_opt_broker_id mosquitto                 (sent in HELLO)
 *   plugin_opt_spin_us 150                         (poll, yielding, before sleeping in a blocking call)
 * TICK only fires with `per_listener_settings false`, and KICK relies on it. */
#include "acl.h"
#include "bridge.h"
#include "conn_table.h"
#include "resync.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <openssl/x509.h>

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* The service may publish only into its own namespace (supervision events, docs/bridge-protocol.md). */
#define SERVICE_TOPIC_PREFIX "$castellan/"
/* Publishes waiting for TICK, at most: a broker that stops ticking must not grow without bound. */
#define MAX_DEFERRED_PUBLISHES 1024
/* An ended connection's rules wait for its last will at most this long (a will delay interval
 * longer than this finds them gone and the will is refused: failing closed) ... */
#define ENDED_KEEP_US (3600ull * 1000000u)
/* ... and at most this many wait: beyond it the oldest go first, so a churn of clients that
 * never send a will cannot grow the broker without bound. */
#define ENDED_MAX 16384
/* Ended entries freed per TICK at most: TICK stays O(1). */
#define ENDED_SWEEP 64

/* A push carried out at the next TICK: it may arrive while we wait inside an auth callback,
 * in the middle of the broker handling another client. */
struct deferred {
	struct deferred *next;
	bool publish;         /* else a kick */
	uint64_t conn, generation; /* kick: the connection, checked again when it is carried out */
	uint32_t payload_len; /* publish */
	uint8_t *payload;     /* publish: into this allocation, after the topic */
	char text[];          /* publish: the topic */
};

/* An ended connection whose rules wait for its will: those freed at the next TICK first, then
 * the others in the order the connections ended. */
struct ended {
	struct ended *next;
	const void *key;
	uint32_t seq;    /* the entry's `ended`: a newer connection at the same address is not this one */
	uint64_t at_us;
	bool until_tick; /* no will can come later (v3 clean session): free at the next TICK */
};

/* 2.1's delayed basic auth (include/mosquitto/defs.h, broker.h). */
#define MOSQ_ERR_AUTH_DELAYED_2_1 (-5)
typedef void (*complete_basic_auth_fn)(const char *clientid, int result);
typedef struct mosquitto *(*client_by_id_fn)(const char *clientid);
/* 2.1's mosquitto_client_port: the port of the listener a client connected to. The service
 * offers SCRAM -PLUS only on its TLS password listener, so it must know; 2.0 cannot say (0). */
typedef int (*client_port_fn)(const struct mosquitto *client);
/* Basic auths waiting for the service at once, at most; beyond, they wait in the callback. */
#define MAX_PENDING 4096
/* While some wait, the loop comes round at least this often: a reply's signal could land just
 * before epoll_wait (after TICK read the socket) and be lost. */
#define PENDING_WAKE_US 2000

/* A basic auth handed back to 2.1 as MOSQ_ERR_AUTH_DELAYED, waiting for its DECISION. */
struct pending {
	struct pending *next;
	const void *client;   /* a key only: the client may have left and been freed */
	uint64_t generation;  /* its connection's, in the request: its entry, if it is still there */
	uint32_t id, link;    /* the request, and the bridge connection it went out on */
	uint64_t deadline_us;
	bool answered, allowed;
	char *identity;       /* allowed: the device identity (checked) */
	struct castellan_acl *rules; /* allowed: the decoded rules */
	uint8_t *tag;         /* allowed: the session tag (NULL when empty) */
	uint16_t tag_len;
	char client_id[];     /* mosquitto completes by client id */
};

struct castellan_plugin {
	mosquitto_plugin_id_t *identifier;
	struct castellan_bridge bridge;
	struct castellan_conn_table conns;
	struct castellan_resync resync;
	struct deferred *deferred, **deferred_tail; /* FIFO, emptied at each TICK */
	unsigned deferred_publishes;
	struct ended *ended, **ended_tail;          /* FIFO */
	unsigned ended_count;
	uint32_t ended_seq;
	bool offline_registered;                    /* 2.1's CLIENT_OFFLINE */
	bool line_2_1;
	struct pending *pending, **pending_tail;     /* in sending order, so in deadline order */
	unsigned pending_count;
	complete_basic_auth_fn complete;            /* 2.1 only */
	client_by_id_fn client_by_id;
	client_port_fn client_port;                 /* 2.1 only */
	const void *completing;                     /* the client mosquitto_complete_basic_auth is deciding */
	bool completing_ended;                      /* ...and it fired DISCONNECT for it */
	bool waker;                                 /* 2.1: wake_timer and the signal are set up */
	timer_t wake_timer;
	uint64_t wake_at_us;                        /* when wake_timer fires; 0: not armed */
};

/* Events and functions of mosquitto 2.1, absent from the 2.0 headers this plugin is built
 * against: one .so serves both lines, and finds out at init which one loaded it. */
#define MOSQ_EVT_CLIENT_OFFLINE_2_1 28
/* 2.1's tick event (include/mosquitto/broker.h). 2.0's has `long next_ns` where 2.1 has
 * next_ms, and ignores it; only 2.1 gets it written. */
struct tick_event_2_1 {
	void *future;
	long now_ns;
	long next_ms;
	time_t now_s;
	time_t next_s;
	void *future2[4];
};
/* Waking 2.1. Its loop sleeps in epoll_wait until its next event (a day, idle) and runs a
 * plugin's TICK only when it comes round, and a TICK's next_ms only bounds that sleep when the
 * TICK was due (plugin_tick.c: traffic before then loses the wake-up). So the plugin wakes it
 * itself: a signal with an empty handler ends epoll_wait (EINTR; SA_RESTART spares every other
 * call), raised in the main thread by the kernel when the service writes (O_ASYNC on the
 * bridge socket) and by a one-shot timer for what is due later (reconnects, PING, deadlines).
 * TICK asks to be called at every pass (next_ms 0) and reads the socket each time. 2.0 ticks
 * every 100 ms when idle by itself and needs none of it. */
#define WAKE_SIGNAL_OFFSET 2 /* SIGRTMAX - 2: mosquitto uses SIGRTMIN (log rotation) */
#define WAKE_IDLE_US 100000
/* 2.0's mosquitto_plugin_id_t (src/mosquitto_broker_internal.h, the whole 2.0 line): only the
 * listener a plugin was loaded for, NULL for a global one. */
struct plugin_id_2_0 {
	void *listener;
};

static void log_line(enum castellan_log_level level, const char *message)
{
	int l = level == CASTELLAN_LOG_ERR ? MOSQ_LOG_ERR : level == CASTELLAN_LOG_WARNING ? MOSQ_LOG_WARNING : MOSQ_LOG_INFO;
	mosquitto_log_printf(l, "%s", message);
}

/* ---- pushes from the service ---- */

static void defer(struct castellan_plugin *p, const struct castellan_reply *push, struct castellan_bytes text, struct castellan_bytes payload)
{
	bool publish = push->type == CASTELLAN_PUBLISH;
	struct deferred *d = malloc(sizeof(*d) + text.len + 1 + payload.len);
	if(d == NULL) return;
	d->conn = push->conn;
	d->generation = push->generation;
	memcpy(d->text, text.ptr, text.len);
	d->text[text.len] = '\0';
	d->publish = publish;
	d->payload = (uint8_t *)d->text + text.len + 1;
	d->payload_len = payload.len;
	if(payload.len) memcpy(d->payload, payload.ptr, payload.len);
	d->next = NULL;
	*p->deferred_tail = d;
	p->deferred_tail = &d->next;
	if(publish) p->deferred_publishes++;
}

/* Only `$castellan/...` topic names: a compromised service still cannot speak for devices. */
static bool service_topic(struct castellan_bytes topic)
{
	size_t n = strlen(SERVICE_TOPIC_PREFIX);
	return topic.len > n && memcmp(topic.ptr, SERVICE_TOPIC_PREFIX, n) == 0
		&& !memchr(topic.ptr, '+', topic.len) && !memchr(topic.ptr, '#', topic.len);
}

static void on_push(void *ctx, const struct castellan_reply *push)
{
	struct castellan_plugin *p = ctx;
	static const struct castellan_bytes none = { (const uint8_t *)"", 0, true };
	if(push->type == CASTELLAN_KICK){
		defer(p, push, none, none);
	}else if(push->type == CASTELLAN_PUBLISH){
		if(!service_topic(push->topic)){
			mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: PUBLISH outside %s refused.", SERVICE_TOPIC_PREFIX);
		}else if(p->deferred_publishes >= MAX_DEFERRED_PUBLISHES){
			mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: %u service messages waiting for TICK; one dropped.", p->deferred_publishes);
		}else{
			defer(p, push, push->topic, push->payload);
		}
	}else if(push->type == CASTELLAN_SET_RULES){
		/* Look up, never dereference: the handle is only ever a key into our own table. And
		 * only this generation: the rules of a client gone never reach the next on its handle. */
		const void *key = (const void *)(uintptr_t)push->conn;
		struct castellan_conn *c = castellan_conn_table__match(&p->conns, key, push->generation);
		/* 2.1: an allow read but not completed yet (at the next TICK) takes the new rules with it. */
		struct pending *q = p->pending;
		while(c == NULL && q && !(q->client == key && q->generation == push->generation && q->allowed)) q = q->next;
		if(c == NULL && q == NULL) return;
		struct castellan_acl *acl = castellan_acl__decode(push->rules.ptr, push->rules.len);
		if(c){
			castellan_conn__set_rules(c, acl);
		}else{
			free(q->rules);
			q->rules = acl;
		}
		if(acl == NULL) mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: undecodable SET_RULES; that connection is now denied everything.");
		else mosquitto_log_printf(MOSQ_LOG_INFO, "castellan: rules replaced for one connection (SET_RULES).");
	}
}

/* ---- request building ---- */

static struct castellan_bytes opt_bytes(const void *s, size_t len)
{
	return (struct castellan_bytes){ s, (uint32_t)len, s != NULL };
}

static struct castellan_bytes opt_string(const char *s)
{
	return opt_bytes(s, s ? strlen(s) : 0);
}

/* The fields every auth request carries. `der` receives the certificate (OPENSSL_free it).
 * Returns -1 when a present certificate cannot be encoded: deny rather than send it empty. */
static int fill_common(const struct castellan_plugin *p, struct castellan_request *req, struct mosquitto *client, uint8_t **der)
{
	const char *address = mosquitto_client_address(client);
	int port = p->client_port ? p->client_port(client) : 0;
	req->conn = (uint64_t)(uintptr_t)client;
	req->protocol = (uint8_t)mosquitto_client_protocol_version(client);
	req->address = opt_string(address ? address : "");
	req->listener_port = port > 0 && port <= UINT16_MAX ? (uint16_t)port : 0; /* 0: unknown */
	req->client_id = opt_string(mosquitto_client_id(client));
	*der = NULL;
	req->certificate = opt_bytes("", 0);
	X509 *cert = mosquitto_client_certificate(client); /* a new reference: ours to free */
	if(cert == NULL) return 0;
	int len = i2d_X509(cert, der);
	X509_free(cert);
	if(len <= 0) return -1;
	req->certificate = opt_bytes(*der, (size_t)len);
	return 0;
}

/* An allow's rules, decoded; NULL (deny, and a warning) if the allow cannot be enforced. */
static struct castellan_acl *allowed_rules(const struct castellan_reply *r)
{
	/* Reject wildcards in the identity: the v5 plugin path lacks mosquitto's own guard
	 * (CVE-2017-7650 class), and it may be used for %u-style matching elsewhere. */
	if(r->username.len == 0 || memchr(r->username.ptr, '+', r->username.len) || memchr(r->username.ptr, '#', r->username.len)){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: allow with an empty or wildcard identity; denied.");
		return NULL;
	}
	struct castellan_acl *acl = castellan_acl__decode(r->rules.ptr, r->rules.len);
	if(acl == NULL) mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: allow with undecodable rules; denied.");
	return acl;
}

static void warn_other_generation(void)
{
	mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: an allow for another connection on this handle; denied.");
}

/* Enforces an allow: names the client after the device identity and stores its rules, client
 * id and session tag. Returns false (deny) if any part fails, or if the decision is for
 * another generation of this handle (a connection that is gone): fail closed. */
static bool accept(struct castellan_plugin *p, struct mosquitto *client, const struct castellan_reply *r)
{
	struct castellan_conn *c = castellan_conn_table__current(&p->conns, client, r->generation);
	if(c == NULL){
		warn_other_generation();
		return false;
	}
	struct castellan_acl *acl = allowed_rules(r);
	if(acl == NULL) return false;
	char *name = strndup((const char *)r->username.ptr, r->username.len);
	int rc = name ? mosquitto_set_username(client, name) : MOSQ_ERR_NOMEM;
	free(name);
	/* set_username never adds to our table, so `c` is still valid */
	if(rc != MOSQ_ERR_SUCCESS || castellan_conn__admit(c, mosquitto_client_id(client), r->tag.ptr, r->tag.len) != 0){
		free(acl);
		return false;
	}
	castellan_conn__set_rules(c, acl);
	c->authenticated = true;
	return true;
}

/* data_out must come from malloc: the broker releases it with free(). */
static bool set_data_out(struct mosquitto_evt_extended_auth *ed, struct castellan_bytes data)
{
	if(data.len == 0) return true;
	if(data.len > UINT16_MAX || (ed->data_out = malloc(data.len)) == NULL) return false;
	memcpy(ed->data_out, data.ptr, data.len);
	ed->data_out_len = (uint16_t)data.len;
	return true;
}

/* ---- waking 2.1's loop (see WAKE_SIGNAL_OFFSET) ---- */

static void on_wake_signal(int sig)
{
	(void)sig; /* its only work: ending epoll_wait */
}

/* On mosquitto's main thread, at init. False (and a warning) if the signal is taken. */
static bool waker_start(struct castellan_plugin *p)
{
	int sig = SIGRTMAX - WAKE_SIGNAL_OFFSET;
	struct sigaction old, sa = { .sa_handler = on_wake_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	if(sigaction(sig, NULL, &old) != 0 || old.sa_handler != SIG_DFL){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: signal %d is in use; pushes and replies wait for the broker's own wake-ups.", sig);
		return false;
	}
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = sig };
	ev._sigev_un._tid = gettid(); /* sigev_notify_thread_id: glibc 2.36 has no name for it */
	/* A broker may inherit a mask that blocks it (a parent's thread started it): ours to take. */
	sigset_t only;
	sigemptyset(&only);
	sigaddset(&only, sig);
	if(sigaction(sig, &sa, NULL) != 0 || pthread_sigmask(SIG_UNBLOCK, &only, NULL) != 0
			|| timer_create(CLOCK_MONOTONIC, &ev, &p->wake_timer) != 0){
		sigaction(sig, &old, NULL);
		mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: no wake-up timer; pushes and replies wait for the broker's own wake-ups.");
		return false;
	}
	p->bridge.wake_signal = sig;
	p->bridge.wake_tid = gettid();
	p->bridge.tick_every_us = 0;
	return true;
}

/* Makes sure the loop comes round within `after_us`; one timer_settime per wake at most.
 * The timer then repeats every WAKE_IDLE_US: a signal that lands after this pass's TICK and
 * before its epoll_wait ends no wait, and without a next one the loop would sleep until some
 * other event (seconds on a quiet broker). */
static void wake_within(struct castellan_plugin *p, uint64_t after_us)
{
	if(after_us == 0) after_us = 1; /* zero would disarm the timer */
	uint64_t now = castellan_now_us(), at = now + after_us;
	if(!p->waker || (p->wake_at_us > now && p->wake_at_us <= at)) return;
	struct itimerspec when = {
		.it_value = { (time_t)(after_us / 1000000u), (long)(after_us % 1000000u) * 1000 },
		.it_interval = { (time_t)(WAKE_IDLE_US / 1000000u), (long)(WAKE_IDLE_US % 1000000u) * 1000 },
	};
	if(timer_settime(p->wake_timer, 0, &when, NULL) == 0) p->wake_at_us = at;
}

/* After the bridge socket is closed. Ignored, not default: a real-time signal's default action
 * ends the process, and one may still be on its way. */
static void waker_stop(struct castellan_plugin *p)
{
	if(!p->waker) return;
	timer_delete(p->wake_timer);
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigaction(SIGRTMAX - WAKE_SIGNAL_OFFSET, &ignore, NULL);
	p->waker = false;
}

/* ---- 2.1: delayed basic auth ----
 * BASIC_AUTH makes the connection's entry (its generation goes in the request, as on 2.0),
 * sends the request and returns MOSQ_ERR_AUTH_DELAYED; the DECISION, read whenever the bridge
 * reads (TICK, or inside another client's blocking call), is only noted; TICK completes it on
 * the main thread. Until then the entry is not authenticated and has no rules: it is granted
 * nothing, reported in no SESSIONS, reached by no KICK. A client that leaves while it waits
 * gets no event from 2.1 (context.c returns early for a delayed context), so its
 * `struct mosquitto *` is never dereferenced: mosquitto_complete_basic_auth goes by client id
 * and ignores a gone one, and the username is set only once mosquitto_client(id) is that very
 * client. A new connect at the same address or with the same id means the old one left: its
 * waiting entry and its connection's entry are dropped, and the service is told with its
 * generation. */

static void tell_disconnect(struct castellan_plugin *p, const void *client, uint64_t generation)
{
	struct castellan_request req = { .type = CASTELLAN_DISCONNECT, .conn = (uint64_t)(uintptr_t)client, .generation = generation };
	castellan_bridge__notify(&p->bridge, &req);
}

/* A waiting client left: its entry goes (if still its own), and the service hears of the end
 * it never got a DISCONNECT event for. */
static void forget_left(struct castellan_plugin *p, const struct pending *q)
{
	if(castellan_conn_table__current(&p->conns, q->client, q->generation)) castellan_conn_table__remove(&p->conns, q->client);
	tell_disconnect(p, q->client, q->generation);
}

static void free_pending(struct pending *q)
{
	free(q->identity);
	free(q->rules);
	free(q->tag);
	free(q);
}

/* Drops the waiting entries of a client that left: at `client`'s address, or (id non-NULL) with
 * this client id. */
static void drop_left(struct castellan_plugin *p, const void *client, const char *client_id)
{
	struct pending **link = &p->pending;
	while(*link){
		struct pending *q = *link;
		if(q->client != client && (client_id == NULL || strcmp(q->client_id, client_id) != 0)){
			link = &q->next;
			continue;
		}
		*link = q->next;
		p->pending_count--;
		forget_left(p, q);
		free_pending(q);
	}
	p->pending_tail = link;
	while(*p->pending_tail) p->pending_tail = &(*p->pending_tail)->next;
}

static bool on_decision(void *ctx, const struct castellan_reply *r)
{
	struct castellan_plugin *p = ctx;
	struct pending *q = p->pending;
	while(q && q->id != r->id) q = q->next;
	if(q == NULL || q->answered) return false;
	q->answered = true;
	if(r->result != CASTELLAN_ALLOW) return true;
	if(r->generation != q->generation){
		warn_other_generation();
		return true;
	}
	if((q->rules = allowed_rules(r)) == NULL) return true;
	q->identity = strndup((const char *)r->username.ptr, r->username.len);
	q->tag = r->tag.len ? malloc(r->tag.len) : NULL; /* the decoder bounds it (CASTELLAN_TAG_MAX) */
	if(q->tag) memcpy(q->tag, r->tag.ptr, r->tag.len);
	q->tag_len = (uint16_t)r->tag.len;
	q->allowed = q->identity != NULL && (r->tag.len == 0 || q->tag != NULL);
	return true;
}

/* Sends the request and parks the client. MOSQ_ERR_AUTH_DELAYED, or MOSQ_ERR_AUTH. */
static int delay_basic_auth(struct castellan_plugin *p, struct castellan_request *req, struct mosquitto *client, const char *client_id)
{
	size_t id_len = strlen(client_id);
	struct pending *q = calloc(1, sizeof(*q) + id_len + 1);
	if(q == NULL) return MOSQ_ERR_AUTH;
	if(castellan_bridge__send(&p->bridge, req) != 0){
		free(q);
		return MOSQ_ERR_AUTH;
	}
	memcpy(q->client_id, client_id, id_len + 1);
	q->client = client;
	q->generation = req->generation;
	q->id = req->id;
	q->link = p->bridge.links;
	q->deadline_us = castellan_now_us() + (uint64_t)p->bridge.timeout_ms * 1000u;
	*p->pending_tail = q;
	p->pending_tail = &q->next;
	p->pending_count++;
	return MOSQ_ERR_AUTH_DELAYED_2_1;
}

/* Completes one decided (or given up) entry, which is off the list already. */
static void complete_pending(struct castellan_plugin *p, struct pending *q)
{
	/* Its entry, made with the request, gone or of another generation: this client left (and
	 * a newer connection may hold its address). */
	struct castellan_conn *c = castellan_conn_table__current(&p->conns, q->client, q->generation);
	if(c == NULL){
		tell_disconnect(p, q->client, q->generation);
		return;
	}
	/* Everything of the allow first: connecting re-checks a resumed session's queued messages
	 * against the rules. */
	bool allowed = q->allowed && castellan_conn__admit(c, q->client_id, q->tag, q->tag_len) == 0;
	if(allowed){
		castellan_conn__set_rules(c, q->rules);
		q->rules = NULL;
		c->authenticated = true;
	}
	p->completing = q->client;
	p->completing_ended = false;
	p->complete(q->client_id, allowed ? MOSQ_ERR_SUCCESS : MOSQ_ERR_AUTH);
	p->completing = NULL;
	if(p->completing_ended) return; /* its DISCONNECT told the service and settled the entry */
	struct mosquitto *live = allowed ? p->client_by_id(q->client_id) : NULL;
	if(live == q->client){
		if(mosquitto_set_username(live, q->identity) == MOSQ_ERR_SUCCESS) return;
		/* Connected, but not under its identity: grant it nothing, and end it. */
		c = castellan_conn_table__current(&p->conns, q->client, q->generation);
		if(c){
			castellan_conn__set_rules(c, NULL);
			c->authenticated = false;
		}
		mosquitto_kick_client_by_clientid(q->client_id, false);
		return;
	}
	forget_left(p, q); /* refused with no DISCONNECT, or allowed and not there: it had left */
}

/* From TICK: completes what was answered, denies what expired or lost its bridge connection,
 * in order; keeps the loop coming round while some wait. */
static void settle_pending(struct castellan_plugin *p)
{
	uint64_t now = castellan_now_us();
	struct pending **link = &p->pending;
	while(*link){
		struct pending *q = *link;
		bool orphaned = p->bridge.state != CASTELLAN_READY || p->bridge.links != q->link;
		if(!q->answered && !orphaned && now < q->deadline_us){
			link = &q->next;
			continue;
		}
		if(!q->answered && !orphaned) castellan_bridge__expired(&p->bridge);
		*link = q->next;
		p->pending_count--;
		complete_pending(p, q);
		free_pending(q);
	}
	p->pending_tail = link;
	if(p->pending){
		uint64_t left = p->pending->deadline_us > now ? p->pending->deadline_us - now : 0;
		wake_within(p, left < PENDING_WAKE_US ? left : PENDING_WAKE_US);
	}
}

/* ---- callbacks ---- */

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *ed = event_data;
	struct castellan_plugin *p = userdata;
	struct castellan_request req = { .type = CASTELLAN_BASIC_AUTH };
	struct castellan_reply r;
	uint8_t *der;
	(void)event;
	const char *client_id = mosquitto_client_id(ed->client);
	if(p->complete) drop_left(p, ed->client, client_id);
	/* BASIC_AUTH is always a connection's first authentication: nothing earlier counts, and the
	 * entry made now gives the connection its generation. */
	castellan_conn_table__remove(&p->conns, ed->client);
	struct castellan_conn *c = castellan_conn_table__add(&p->conns, ed->client);
	if(c == NULL) return MOSQ_ERR_AUTH;
	req.generation = c->generation;
	int rc = fill_common(p, &req, ed->client, &der);
	req.username = opt_string(ed->username);
	req.password = opt_string(ed->password);
	/* 2.1: the broker need not wait for the answer (only for a link not up yet). 2.0: it must. */
	if(rc == 0 && p->complete && client_id && p->pending_count < MAX_PENDING){
		rc = delay_basic_auth(p, &req, ed->client, client_id);
		OPENSSL_free(der);
		return rc;
	}
	if(rc == 0) rc = castellan_bridge__call(&p->bridge, &req, &r);
	OPENSSL_free(der);
	/* A "continue" has no meaning without enhanced auth: deny, like everything unexpected. */
	if(rc != 0 || r.result != CASTELLAN_ALLOW || !accept(p, ed->client, &r)) return MOSQ_ERR_AUTH;
	return MOSQ_ERR_SUCCESS;
}

/* START and CONTINUE. We never return MOSQ_ERR_PLUGIN_DEFER: we are the only auth plugin,
 * and even an unknown method goes to the service, which decides. */
static int on_ext_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_extended_auth *ed = event_data;
	struct castellan_plugin *p = userdata;
	struct castellan_request req = { .type = CASTELLAN_EXT_AUTH };
	struct castellan_reply r;
	struct castellan_conn *c;
	uint8_t *der;
	if(event == MOSQ_EVT_EXT_AUTH_START){
		if(p->complete) drop_left(p, ed->client, NULL);
		/* No re-auth flag in the event: our own state tells a re-auth (AUTH 0x19). */
		c = castellan_conn_table__find(&p->conns, ed->client);
		/* A new connection at an ended one's address: its own entry, and its own generation. */
		if(c && c->ended) castellan_conn_table__remove(&p->conns, ed->client);
		char *method = ed->auth_method ? strdup(ed->auth_method) : NULL;
		c = method ? castellan_conn_table__add(&p->conns, ed->client) : NULL;
		if(c == NULL){
			free(method);
			return MOSQ_ERR_AUTH;
		}
		free(c->method);
		c->method = method;
		req.step = c->authenticated ? 2 : 0;
	}else{
		/* CONTINUE arrives with auth_method NULL: use the one remembered at START. */
		c = castellan_conn_table__find(&p->conns, ed->client);
		if(c == NULL || c->method == NULL) return MOSQ_ERR_AUTH;
		req.step = 1;
	}
	req.method = opt_string(c->method); /* SET_RULES during the call never frees a method */
	req.generation = c->generation;
	req.username = opt_string(mosquitto_client_username(ed->client));
	req.data = opt_bytes(ed->data_in ? ed->data_in : "", ed->data_in_len);
	int rc = fill_common(p, &req, ed->client, &der);
	if(rc == 0) rc = castellan_bridge__call(&p->bridge, &req, &r);
	OPENSSL_free(der);
	if(rc == 0 && r.result == CASTELLAN_CONTINUE && set_data_out(ed, r.data)) return MOSQ_ERR_AUTH_CONTINUE;
	if(rc == 0 && r.result == CASTELLAN_ALLOW && accept(p, ed->client, &r) && set_data_out(ed, r.data)){
		return MOSQ_ERR_SUCCESS;
	}
	/* A failed re-auth ends the session: drop its rules so nothing more is granted. */
	c = castellan_conn_table__find(&p->conns, ed->client);
	if(c){
		castellan_conn__set_rules(c, NULL);
		c->authenticated = false;
	}
	return MOSQ_ERR_AUTH;
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_acl_check *ed = event_data;
	struct castellan_plugin *p = userdata;
	int access;
	(void)event;
	switch(ed->access){
		case MOSQ_ACL_WRITE: access = CASTELLAN_ACCESS_PUBLISH; break;
		case MOSQ_ACL_READ: access = CASTELLAN_ACCESS_RECEIVE; break;
		case MOSQ_ACL_SUBSCRIBE: access = CASTELLAN_ACCESS_SUBSCRIBE; break;
		case MOSQ_ACL_UNSUBSCRIBE: return MOSQ_ERR_SUCCESS; /* leaving grants nothing */
		default: return MOSQ_ERR_ACL_DENIED;
	}
	struct castellan_conn *c = castellan_conn_table__find(&p->conns, ed->client);
	if(c == NULL || ed->topic == NULL) return MOSQ_ERR_ACL_DENIED;
	if(c->ended){
		/* An ended connection publishes once more, its will, and receives nothing. */
		if(access != CASTELLAN_ACCESS_PUBLISH) return MOSQ_ERR_ACL_DENIED;
		bool ok = castellan_conn__allowed(c, access, (const uint8_t *)ed->topic, strlen(ed->topic));
		castellan_conn_table__remove(&p->conns, ed->client);
		return ok ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
	}
	bool ok = castellan_conn__allowed(c, access, (const uint8_t *)ed->topic, strlen(ed->topic));
	return ok ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

/* ---- ended connections and their wills ----
 * mosquitto fires DISCONNECT (and on 2.1 CLIENT_OFFLINE, for a session that outlives its
 * connection) before it publishes the client's will, and a will with a delay interval, or one
 * of a persistent session, is published later still, by the same `struct mosquitto *`. So an
 * authenticated connection's rules outlive its end: the entry is marked ended, judges the one
 * publish still to come (the will) and nothing else, and is freed at that will's ACL check, when
 * a new connection at the same address authenticates, or from TICK after ENDED_KEEP_US (or
 * when more than ENDED_MAX wait). mosquitto frees a context at the earliest after the event
 * returns, so an address seen again is a new connection. */

static int clean_session_v3(struct mosquitto *client)
{
	return mosquitto_client_protocol_version(client) < 5 && mosquitto_client_clean_session(client);
}

static void end_connection(struct castellan_plugin *p, struct mosquitto *client)
{
	struct castellan_conn *c = castellan_conn_table__find(&p->conns, client);
	if(c == NULL) return;
	/* Ended already: this address now belongs to a connection that never authenticated. Or
	 * not authenticated at all (a refused or unfinished connect): nothing to keep. */
	if(c->ended || !c->authenticated || c->rules == NULL){
		castellan_conn_table__remove(&p->conns, client);
		return;
	}
	struct ended *e = malloc(sizeof(*e));
	if(e == NULL){
		castellan_conn_table__remove(&p->conns, client);
		return;
	}
	if(++p->ended_seq == 0) p->ended_seq = 1;
	free(c->method);
	c->method = NULL;
	c->authenticated = false; /* nothing is granted to it but its will, and no re-auth */
	c->ended = p->ended_seq;
	*e = (struct ended){ .key = client, .seq = c->ended, .at_us = castellan_now_us(), .until_tick = clean_session_v3(client) };
	if(e->until_tick){ /* first, so the next TICK's sweep reaches it before any that wait long */
		e->next = p->ended;
		p->ended = e;
		if(p->ended_tail == &p->ended) p->ended_tail = &e->next;
	}else{
		*p->ended_tail = e;
		p->ended_tail = &e->next;
	}
	p->ended_count++;
}

/* From TICK: frees what waited long enough, a bounded number at a time. A v3 clean-session
 * connection's will was judged inside the event that ended it, so it need not wait. */
static void sweep_ended(struct castellan_plugin *p)
{
	uint64_t now = castellan_now_us();
	for(int n = 0; n < ENDED_SWEEP && p->ended; n++){
		struct ended *e = p->ended;
		if(!e->until_tick && p->ended_count <= ENDED_MAX && now - e->at_us < ENDED_KEEP_US) break;
		p->ended = e->next;
		if(p->ended == NULL) p->ended_tail = &p->ended;
		p->ended_count--;
		struct castellan_conn *c = castellan_conn_table__find(&p->conns, e->key);
		if(c && c->ended == e->seq) castellan_conn_table__remove(&p->conns, e->key);
		free(e);
	}
}

/* Fires for refused connects and failed TLS handshakes too, so every entry gets freed. On 2.1
 * it fires only for a session that ends with the connection; CLIENT_OFFLINE for the others
 * (same layout: future, client, reason). */
static int on_disconnect(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_disconnect *ed = event_data;
	struct castellan_plugin *p = userdata;
	struct castellan_request req = { .type = CASTELLAN_DISCONNECT, .conn = (uint64_t)(uintptr_t)ed->client };
	(void)event;
	if(ed->client == p->completing) p->completing_ended = true;
	else if(p->complete) drop_left(p, ed->client, NULL); /* the address of one that left, reused: its end first */
	const struct castellan_conn *c = castellan_conn_table__find(&p->conns, ed->client);
	/* 0: a connection that never asked anything (an ended entry at its address is an earlier one's) */
	req.generation = c && !c->ended ? c->generation : 0;
	castellan_bridge__notify(&p->bridge, &req);
	end_connection(p, ed->client);
	return MOSQ_ERR_SUCCESS;
}

static int on_tick(int event, void *event_data, void *userdata)
{
	struct castellan_plugin *p = userdata;
	(void)event;
	if(p->line_2_1){
		((struct tick_event_2_1 *)event_data)->next_ms = 0; /* every pass: we wake it ourselves */
		wake_within(p, WAKE_IDLE_US);
	}
	castellan_bridge__tick(&p->bridge);
	if(p->complete) settle_pending(p);
	sweep_ended(p);
	castellan_resync__step(&p->resync, &p->conns, &p->bridge);
	while(p->deferred){
		struct deferred *d = p->deferred;
		p->deferred = d->next;
		if(d->publish){
			/* QoS 0, not retained; each subscriber's ACL_CHECK (READ) still decides who gets it. */
			mosquitto_broker_publish_copy(NULL, d->text, (int)d->payload_len, d->payload, 0, false, NULL);
		}else{
			/* Checked now, not when the KICK arrived: the connection may have gone since, and
			 * its handle been reused. Without the will: a revoked device gets no last word. */
			const struct castellan_conn *c = castellan_conn_table__match(&p->conns, (const void *)(uintptr_t)d->conn, d->generation);
			if(c && c->client_id) mosquitto_kick_client_by_clientid(c->client_id, false);
		}
		free(d);
	}
	p->deferred_tail = &p->deferred;
	p->deferred_publishes = 0;
	return MOSQ_ERR_SUCCESS;
}

/* ---- plugin entry points ---- */

static const struct { int event; MOSQ_FUNC_generic_callback cb; } callbacks[] = {
	{ MOSQ_EVT_BASIC_AUTH, on_basic_auth },
	{ MOSQ_EVT_EXT_AUTH_START, on_ext_auth },
	{ MOSQ_EVT_EXT_AUTH_CONTINUE, on_ext_auth },
	{ MOSQ_EVT_ACL_CHECK, on_acl_check },
	{ MOSQ_EVT_DISCONNECT, on_disconnect },
	{ MOSQ_EVT_TICK, on_tick },
};
#define CALLBACK_COUNT (sizeof(callbacks) / sizeof(callbacks[0]))

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for(int i = 0; i < supported_version_count; i++){
		if(supported_versions[i] == 5) return 5;
	}
	return -1;
}

static void release(struct castellan_plugin *p, size_t registered)
{
	for(size_t i = 0; i < registered; i++){
		mosquitto_callback_unregister(p->identifier, callbacks[i].event, callbacks[i].cb, NULL);
	}
	if(p->offline_registered) mosquitto_callback_unregister(p->identifier, MOSQ_EVT_CLIENT_OFFLINE_2_1, on_disconnect, NULL);
	castellan_bridge__cleanup(&p->bridge);
	waker_stop(p);
	castellan_resync__cleanup(&p->resync);
	castellan_conn_table__free(&p->conns);
	while(p->deferred){
		struct deferred *d = p->deferred;
		p->deferred = d->next;
		free(d);
	}
	while(p->ended){
		struct ended *e = p->ended;
		p->ended = e->next;
		free(e);
	}
	while(p->pending){ /* the broker is stopping: nobody to complete */
		struct pending *q = p->pending;
		p->pending = q->next;
		free_pending(q);
	}
	free(p);
}

/* Reads the options, registers the callbacks and starts connecting. Never fails for want of
 * the service: a failing init would stop the broker from starting, and the service may well
 * start after it. */
int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	const char *socket_path = NULL, *broker_id = "mosquitto";
	long timeout_ms = 50, spin_us = CASTELLAN_DEFAULT_SPIN_US;
	size_t registered = 0;
	for(int i = 0; i < option_count; i++){
		if(!strcmp(options[i].key, "socket")) socket_path = options[i].value;
		else if(!strcmp(options[i].key, "broker_id")) broker_id = options[i].value;
		else if(!strcmp(options[i].key, "timeout_ms")){
			char *end;
			timeout_ms = strtol(options[i].value, &end, 10);
			if(*options[i].value == '\0' || *end != '\0' || timeout_ms < 1 || timeout_ms > 60000){
				mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: plugin_opt_timeout_ms must be 1…60000.");
				return MOSQ_ERR_INVAL;
			}
		}else if(!strcmp(options[i].key, "spin_us")){
			char *end;
			spin_us = strtol(options[i].value, &end, 10);
			if(*options[i].value == '\0' || *end != '\0' || spin_us < 0 || spin_us > 1000){
				mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: plugin_opt_spin_us must be 0…1000.");
				return MOSQ_ERR_INVAL;
			}
		}
	}
	/* 2.1 exports mosquitto_complete_basic_auth (the broker binary exports every plugin
	 * function); 2.0 does not. */
	bool line_2_1 = dlsym(RTLD_DEFAULT, "mosquitto_complete_basic_auth") != NULL;
	if(!line_2_1 && ((struct plugin_id_2_0 *)identifier)->listener != NULL){
		/* 2.0 calls a per-listener plugin's TICK never: no kicks on revocation, no pushed
		 * rules, no reconnects but from an auth. Refuse rather than half work. */
		mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: mosquitto 2.0 with per_listener_settings true never sends the plugin "
				"its TICK (revocations would not disconnect anyone); set per_listener_settings false.");
		return MOSQ_ERR_INVAL;
	}
	if(socket_path == NULL || *socket_path == '\0'){
		mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: plugin_opt_socket is required.");
		return MOSQ_ERR_INVAL;
	}
	struct castellan_plugin *p = calloc(1, sizeof(*p));
	if(p == NULL) return MOSQ_ERR_NOMEM;
	p->identifier = identifier;
	p->deferred_tail = &p->deferred;
	p->ended_tail = &p->ended;
	p->pending_tail = &p->pending;
	if(castellan_conn_table__init(&p->conns, 64) != 0) goto error;
	if(castellan_bridge__init(&p->bridge, socket_path, broker_id, (int)timeout_ms, on_push, log_line, p) != 0){
		mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: invalid plugin_opt_socket (too long?) or out of memory.");
		goto error;
	}
	p->bridge.spin_us = (unsigned)spin_us;
	for(; registered < CALLBACK_COUNT; registered++){
		if(mosquitto_callback_register(identifier, callbacks[registered].event, callbacks[registered].cb, NULL, p) != MOSQ_ERR_SUCCESS){
			mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: cannot register callback %d.", callbacks[registered].event);
			goto error;
		}
	}
	/* On 2.1 a session that outlives its connection reports CLIENT_OFFLINE, not DISCONNECT. */
	p->line_2_1 = line_2_1;
	if(line_2_1){
		if(mosquitto_callback_register(identifier, MOSQ_EVT_CLIENT_OFFLINE_2_1, on_disconnect, NULL, p) != MOSQ_ERR_SUCCESS){
			mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: cannot register callback %d.", MOSQ_EVT_CLIENT_OFFLINE_2_1);
			goto error;
		}
		p->offline_registered = true;
		p->client_port = (client_port_fn)dlsym(RTLD_DEFAULT, "mosquitto_client_port");
		p->waker = waker_start(p);
		/* Delayed basic auth needs both, and a loop that wakes for replies. */
		complete_basic_auth_fn complete = (complete_basic_auth_fn)dlsym(RTLD_DEFAULT, "mosquitto_complete_basic_auth");
		client_by_id_fn client_by_id = (client_by_id_fn)dlsym(RTLD_DEFAULT, "mosquitto_client");
		if(p->waker && complete && client_by_id){
			p->complete = complete;
			p->client_by_id = client_by_id;
			p->bridge.on_decision = on_decision;
		}
	}
	*userdata = p;
	mosquitto_log_printf(MOSQ_LOG_INFO, "castellan: mosquitto %s%s, service socket %s, timeout %ld ms, spin %ld µs, broker id %s.",
			line_2_1 ? "2.1" : "2.0", p->complete ? " (delayed basic auth)" : "", socket_path, timeout_ms, spin_us, broker_id);
	/* Reach the service now, so the first device need not wait for the handshake. Never fails
	 * the init: the service may start after the broker (a connect before the first link waits
	 * for it, up to its deadline). mosquitto has dropped privileges and daemonised by now. */
	castellan_bridge__start(&p->bridge);
	return MOSQ_ERR_SUCCESS;
error:
	release(p, registered);
	return MOSQ_ERR_UNKNOWN;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)options;
	(void)option_count;
	if(userdata) release(userdata, CALLBACK_COUNT);
	return MOSQ_ERR_SUCCESS;
}
