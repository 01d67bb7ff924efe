// The floor under "added latency per connect": one request/reply round trip between two
// processes over a Unix stream socket, the way the plugin asks the service.
//
// The parent writes a 64-byte request and waits in poll() for the reply (as the plugin does);
// the child waits in epoll_wait() (as the service's event loop does) — or, with `read`, blocks
// in read() (a dedicated socket loop) — reads it, and writes 16 bytes back. Nothing else is
// done: whatever a real service decides costs on top of this. GAP µs of the parent's own work
// (a busy wait) between round trips stand for the client and broker around each connect, so the
// child really goes to sleep between requests. Prints p50/p99 of the round trip and the child's
// CPU (user + system) per request: the service's floor per connect on this machine. Build and run:
//   cc -O2 Benchmarks/unix_rtt.c -o /tmp/unix_rtt && /tmp/unix_rtt [epoll|read] [GAP]
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 20000

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int compare(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void serve_blocking(int fd)
{
	char buf[64], reply[16] = { 0 };
	for(;;){
		ssize_t n = read(fd, buf, sizeof(buf));
		if(n <= 0) exit(0);
		if(write(fd, reply, sizeof(reply)) != (ssize_t)sizeof(reply)) exit(1);
	}
}

static void serve(int fd)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	char buf[64], reply[16] = { 0 };
	for(;;){
		struct epoll_event out;
		if(epoll_wait(ep, &out, 1, -1) < 1) continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if(n <= 0) exit(0);
		if(write(fd, reply, sizeof(reply)) != (ssize_t)sizeof(reply)) exit(1);
	}
}

int main(int argc, char **argv)
{
	int blocking = argc > 1 && !strcmp(argv[1], "read");
	int64_t gap_ns = argc > 2 ? atoll(argv[2]) * 1000 : 0;
	int fds[2];
	if(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 1;
	pid_t child = fork();
	if(child == 0){
		close(fds[0]);
		if(blocking) serve_blocking(fds[1]);
		serve(fds[1]);
	}
	close(fds[1]);
	static int64_t rtt[ROUNDS];
	char request[64] = { 0 }, reply[16];
	for(int i = 0; i < ROUNDS; i++){
		for(int64_t until = now_ns() + gap_ns; now_ns() < until;){}
		int64_t start = now_ns();
		if(write(fds[0], request, sizeof(request)) != (ssize_t)sizeof(request)) return 1;
		struct pollfd p = { fds[0], POLLIN, 0 };
		poll(&p, 1, 1000);
		if(read(fds[0], reply, sizeof(reply)) != (ssize_t)sizeof(reply)) return 1;
		rtt[i] = now_ns() - start;
	}
	close(fds[0]);
	struct rusage used;
	wait4(child, NULL, 0, &used);
	double cpu_us = (used.ru_utime.tv_sec + used.ru_stime.tv_sec) * 1e6 + used.ru_utime.tv_usec + used.ru_stime.tv_usec;
	qsort(rtt, ROUNDS, sizeof(rtt[0]), compare);
	printf("unix socket request/reply between two processes (server in %s, %lld µs between), %d rounds: p50 %.1f µs  p99 %.1f µs, "
			"server CPU %.1f µs per request\n", blocking ? "read()" : "epoll_wait()", (long long)(gap_ns / 1000), ROUNDS,
			rtt[ROUNDS / 2] / 1000.0, rtt[ROUNDS * 99 / 100] / 1000.0, cpu_us / ROUNDS);
	return 0;
}
