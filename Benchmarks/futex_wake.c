// The cost of one thread waking another on this machine, for comparison with restart latency.
//
// Thread B blocks in FUTEX_WAIT; thread A notes the time and wakes it. Prints how long B
// took to run after the wake (wake → run) and how long the FUTEX_WAKE call itself held A.
// Build and run: cc -O2 -pthread Benchmarks/futex_wake.c -o /tmp/futex_wake && /tmp/futex_wake
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 20000

static _Atomic int word = 0;
static _Atomic int waiting = 0;
static _Atomic int woken = 0;
static _Atomic int64_t sent = 0;
static int64_t wake_to_run[ROUNDS], wake_call[ROUNDS];

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *waiter(void *unused) {
    (void)unused;
    for (int i = 0; i < ROUNDS; i++) {
        atomic_store(&waiting, 1);
        while (atomic_load(&word) == 0) syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        wake_to_run[i] = now_ns() - atomic_load(&sent);
        atomic_store(&word, 0);
        atomic_store(&waiting, 0);
        atomic_store(&woken, 1);
    }
    return NULL;
}

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, waiter, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        while (!atomic_load(&waiting)) {}
        struct timespec pause = {0, 20000};  // let the waiter block in the kernel
        nanosleep(&pause, NULL);
        atomic_store(&sent, now_ns());
        atomic_store(&word, 1);
        int64_t before = now_ns();
        syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        wake_call[i] = now_ns() - before;
        while (!atomic_load(&woken)) {}
        atomic_store(&woken, 0);
    }
    pthread_join(thread, NULL);
    qsort(wake_to_run, ROUNDS, sizeof wake_to_run[0], compare);
    qsort(wake_call, ROUNDS, sizeof wake_call[0], compare);
    printf("wake -> run on the other thread: p50 %.2f us  p99 %.2f us\n",
           wake_to_run[ROUNDS / 2] / 1e3, wake_to_run[ROUNDS * 99 / 100] / 1e3);
    printf("FUTEX_WAKE call on the waking thread: p50 %.2f us  p99 %.2f us\n",
           wake_call[ROUNDS / 2] / 1e3, wake_call[ROUNDS * 99 / 100] / 1e3);
    return 0;
}
