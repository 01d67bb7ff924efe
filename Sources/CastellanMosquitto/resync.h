/* After every handshake with the service, the plugin reports its live admitted connections
 * (docs/bridge-protocol.md, SESSIONS), so a restarted service, or one whose link dropped,
 * knows every session again: it re-checks each against the store and kicks or pushes rules.
 *
 * The report is a snapshot of (handle, generation) taken at the first TICK after the
 * handshake, sent from TICK a few batches (frames of about RESYNC_BATCH_BYTES of entries) at a
 * time, so a broker with many clients never stalls its loop on it. Each entry is read from the
 * table when its batch is built: a connection gone (or reused) since the snapshot is skipped,
 * and one that disconnects after being reported is followed by its DISCONNECT on the same
 * stream, in order. Connections admitted after the handshake reach the service through their
 * own decisions. If the link drops mid-report, the next handshake starts a new one. */
#ifndef CASTELLAN_RESYNC_H
#define CASTELLAN_RESYNC_H

#include "bridge.h"
#include "conn_table.h"

#include <stddef.h>
#include <stdint.h>

/* Entries per SESSIONS frame stop once this many bytes are filled (one entry always fits). */
#define RESYNC_BATCH_BYTES 65536u
/* Batches sent per TICK at most: ~128 KiB, well within what a Unix socket buffers (~208 KiB
 * by default), so the sends do not wait while the service reads along. A service that stops
 * reading mid-report makes a send miss its deadline and the link drop, as for any frame; the
 * next handshake reports again. */
#define RESYNC_BATCHES_PER_TICK 2

struct castellan_resync_item {
	const void *key;
	uint64_t generation;
};

struct castellan_resync {
	uint64_t handshake;                  /* the bridge handshake reported (or being reported) */
	struct castellan_resync_item *items; /* the snapshot; NULL when no report is in progress */
	size_t count, next, reported;
	uint8_t *entries;                    /* one batch of encoded entries */
};

/* From TICK, after castellan_bridge__tick: starts a report after a new handshake, and sends
 * its next batches (at most RESYNC_BATCHES_PER_TICK per call). */
void castellan_resync__step(struct castellan_resync *r, const struct castellan_conn_table *t, struct castellan_bridge *b);
void castellan_resync__cleanup(struct castellan_resync *r);

#endif
