/* castellan_mosquitto.so: the mosquitto v5 plugin. It forwards every authentication step to
 * the Castellan service (bridge.c), enforces the decision, and judges ACL checks locally from
 * the rules the service sent at connect time (acl.c). Whatever goes wrong, it denies.
 *
 * mosquitto.conf:
 *   plugin /path/to/castellan_mosquitto.so
 *   plugin_opt_socket /run/castellan/bridge.sock   (required)
 *   plugin_opt_timeout_ms 10                       (per request)
 *   plugin_opt_broker_id mosquitto                 (sent in HELLO)
 * TICK only fires with `per_listener_settings false`, and KICK relies on it. */
#include "acl.h"
#include "bridge.h"
#include "conn_table.h"
#include "resync.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

/* The service may publish only into its own namespace (supervision events, docs/bridge-protocol.md). */
#define SERVICE_TOPIC_PREFIX "$castellan/"
/* Publishes waiting for TICK, at most: a broker that stops ticking must not grow without bound. */
#define MAX_DEFERRED_PUBLISHES 1024

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

struct castellan_plugin {
	mosquitto_plugin_id_t *identifier;
	struct castellan_bridge bridge;
	struct castellan_conn_table conns;
	struct castellan_resync resync;
	struct deferred *deferred, **deferred_tail; /* FIFO, emptied at each TICK */
	unsigned deferred_publishes;
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
		struct castellan_conn *c = castellan_conn_table__match(&p->conns, (const void *)(uintptr_t)push->conn, push->generation);
		if(c == NULL) return;
		struct castellan_acl *acl = castellan_acl__decode(push->rules.ptr, push->rules.len);
		castellan_conn__set_rules(c, acl);
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
static int fill_common(struct castellan_request *req, struct mosquitto *client, uint8_t **der)
{
	const char *address = mosquitto_client_address(client);
	req->conn = (uint64_t)(uintptr_t)client;
	req->protocol = (uint8_t)mosquitto_client_protocol_version(client);
	req->address = opt_string(address ? address : "");
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

/* Enforces an allow: names the client after the device identity and stores its rules, client
 * id and session tag. Returns false (deny) if any part fails, or if the decision is for
 * another generation of this handle (a connection that is gone): fail closed. */
static bool accept(struct castellan_plugin *p, struct mosquitto *client, const struct castellan_reply *r)
{
	struct castellan_conn *c = castellan_conn_table__current(&p->conns, client, r->generation);
	if(c == NULL){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: an allow for another connection on this handle; denied.");
		return false;
	}
	/* Reject wildcards in the identity: the v5 plugin path lacks mosquitto's own guard
	 * (CVE-2017-7650 class), and it may be used for %u-style matching elsewhere. */
	if(r->username.len == 0 || memchr(r->username.ptr, '+', r->username.len) || memchr(r->username.ptr, '#', r->username.len)){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: allow with an empty or wildcard identity; denied.");
		return false;
	}
	struct castellan_acl *acl = castellan_acl__decode(r->rules.ptr, r->rules.len);
	if(acl == NULL){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "Warning: castellan: allow with undecodable rules; denied.");
		return false;
	}
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

/* ---- callbacks ---- */

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *ed = event_data;
	struct castellan_plugin *p = userdata;
	struct castellan_request req = { .type = CASTELLAN_BASIC_AUTH };
	struct castellan_reply r;
	uint8_t *der;
	(void)event;
	/* BASIC_AUTH is always a connection's first authentication: nothing earlier counts, and the
	 * entry made now gives the connection its generation. */
	castellan_conn_table__remove(&p->conns, ed->client);
	struct castellan_conn *c = castellan_conn_table__add(&p->conns, ed->client);
	if(c == NULL) return MOSQ_ERR_AUTH;
	req.generation = c->generation;
	int rc = fill_common(&req, ed->client, &der);
	req.username = opt_string(ed->username);
	req.password = opt_string(ed->password);
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
		/* No re-auth flag in the event: our own state tells a re-auth (AUTH 0x19). */
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
	int rc = fill_common(&req, ed->client, &der);
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
	bool ok = castellan_conn__allowed(c, access, (const uint8_t *)ed->topic, strlen(ed->topic));
	return ok ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

/* Fires for refused connects and failed TLS handshakes too, so every entry gets freed. */
static int on_disconnect(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_disconnect *ed = event_data;
	struct castellan_plugin *p = userdata;
	struct castellan_request req = { .type = CASTELLAN_DISCONNECT, .conn = (uint64_t)(uintptr_t)ed->client };
	(void)event;
	const struct castellan_conn *c = castellan_conn_table__find(&p->conns, ed->client);
	req.generation = c ? c->generation : 0; /* 0: a connection that never asked anything */
	castellan_bridge__notify(&p->bridge, &req);
	castellan_conn_table__remove(&p->conns, ed->client);
	return MOSQ_ERR_SUCCESS;
}

static int on_tick(int event, void *event_data, void *userdata)
{
	struct castellan_plugin *p = userdata;
	(void)event;
	(void)event_data;
	castellan_bridge__tick(&p->bridge);
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
	castellan_bridge__cleanup(&p->bridge);
	castellan_resync__cleanup(&p->resync);
	castellan_conn_table__free(&p->conns);
	while(p->deferred){
		struct deferred *d = p->deferred;
		p->deferred = d->next;
		free(d);
	}
	free(p);
}

/* Reads the options and registers the callbacks. Never connects: a failing init would stop
 * the broker from starting, and the service may well start after it. */
int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	const char *socket_path = NULL, *broker_id = "mosquitto";
	long timeout_ms = 10;
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
		}
	}
	if(socket_path == NULL || *socket_path == '\0'){
		mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: plugin_opt_socket is required.");
		return MOSQ_ERR_INVAL;
	}
	struct castellan_plugin *p = calloc(1, sizeof(*p));
	if(p == NULL) return MOSQ_ERR_NOMEM;
	p->identifier = identifier;
	p->deferred_tail = &p->deferred;
	if(castellan_conn_table__init(&p->conns, 64) != 0) goto error;
	if(castellan_bridge__init(&p->bridge, socket_path, broker_id, (int)timeout_ms, on_push, log_line, p) != 0){
		mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: invalid plugin_opt_socket (too long?) or out of memory.");
		goto error;
	}
	for(; registered < CALLBACK_COUNT; registered++){
		if(mosquitto_callback_register(identifier, callbacks[registered].event, callbacks[registered].cb, NULL, p) != MOSQ_ERR_SUCCESS){
			mosquitto_log_printf(MOSQ_LOG_ERR, "Error: castellan: cannot register callback %d.", callbacks[registered].event);
			goto error;
		}
	}
	*userdata = p;
	mosquitto_log_printf(MOSQ_LOG_INFO, "castellan: service socket %s, timeout %ld ms, broker id %s.", socket_path, timeout_ms, broker_id);
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
