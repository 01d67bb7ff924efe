// How long the plugin should spin before it sleeps in poll() while it waits for the service
// (`make plugin-spin-bench`; docs/plugin.md has the numbers and the choice).
//
// The plugin's own bridge (bridge.c, frame.c) asks a child process over a Unix socket, the way
// it asks `castellan serve` during a connect: a BASIC_AUTH request, a DECISION back. The child
// sleeps in epoll_wait() like the service's event loop and spends WORK µs (busy) on each request
// before answering, standing in for the decision. For each spin budget the bridge is given,
// prints p50/p99 of the round trip and the CPU the waiting side burnt per request.
// Usage: bridge_spin [WORK_US [pin|share]]   (pin: waiter on CPU 0, service on CPU 1 — cores to
// spare; share: both on CPU 0 — the service needs the very CPU the waiter spins on)
#include "bridge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 4000

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

static int read_all(int fd, uint8_t *buf, size_t n)
{
	for(size_t done = 0; done < n;){
		ssize_t r = read(fd, buf + done, n - done);
		if(r <= 0) return -1;
		done += (size_t)r;
	}
	return 0;
}

/* Answers HELLO with HELLO_ACK and every request with a deny, after `work_us` of busy work. */
static void serve(int listener, int work_us)
{
	int fd = accept(listener, NULL, NULL);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	uint8_t head[4], body[65536];
	for(;;){
		struct epoll_event out;
		if(epoll_wait(ep, &out, 1, -1) < 1) continue;
		if(read_all(fd, head, 4) != 0) exit(0);
		uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
		if(len > sizeof(body) || read_all(fd, body, len) != 0) exit(1);
		uint8_t reply[40] = { 0 };
		size_t n;
		if(body[0] == CASTELLAN_HELLO){
			reply[3] = 7, reply[4] = CASTELLAN_HELLO_ACK, reply[10] = CASTELLAN_PROTOCOL_VERSION;
			n = 11;
		}else{
			int64_t until = now_ns() + (int64_t)work_us * 1000;
			while(now_ns() < until){}
			/* result 0, generation 0, four empty fields (a deny: the generation is not looked at) */
			reply[3] = 30, reply[4] = CASTELLAN_DECISION;
			n = 34;
		}
		memcpy(reply + 5, body + 1, 4); /* the request's id */
		if(write(fd, reply, n) != (ssize_t)n) exit(1);
	}
}

static double cpu_us(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
	int work_us = argc > 1 ? atoi(argv[1]) : 0;
	bool pin = argc > 2 && !strcmp(argv[2], "pin");
	bool share = argc > 2 && !strcmp(argv[2], "share");
	cpu_set_t cpus;
	static const unsigned budgets[] = { 0, 25, 50, 100, 200, 400 };
	char path[] = "/tmp/castellan-spin-XXXXXX";
	if(!mkdtemp(path)) return 1;
	strcat(path, "/s");
	printf("service work %d µs; %d rounds per budget%s\n", work_us, ROUNDS,
			pin ? "; waiter on CPU 0, service on CPU 1" : share ? "; waiter and service both on CPU 0" : "");
	for(size_t k = 0; k < sizeof(budgets) / sizeof(budgets[0]); k++){
		unlink(path);
		int listener = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		strcpy(addr.sun_path, path);
		if(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(listener, 1) != 0) return 1;
		fflush(stdout);
		pid_t child = fork();
		if(child == 0){
			if(pin || share){
				CPU_ZERO(&cpus);
				CPU_SET(share ? 0 : 1, &cpus);
				sched_setaffinity(0, sizeof(cpus), &cpus);
			}
			serve(listener, work_us);
		}
		if(pin || share){
			CPU_ZERO(&cpus);
			CPU_SET(0, &cpus);
			sched_setaffinity(0, sizeof(cpus), &cpus);
		}
		close(listener);
		struct castellan_bridge b;
		if(castellan_bridge__init(&b, path, "bench", 1000, NULL, NULL, NULL) != 0) return 1;
		b.spin_us = budgets[k];
		struct castellan_request req = { .type = CASTELLAN_BASIC_AUTH, .protocol = 5, .conn = 1,
			.address = { (const uint8_t *)"127.0.0.1", 9, true }, .client_id = { (const uint8_t *)"dev1", 4, true },
			.username = { (const uint8_t *)"dev1", 4, true }, .password = { (const uint8_t *)"secret", 6, true },
			.certificate = { NULL, 0, true } };
		struct castellan_reply r;
		static int64_t rtt[ROUNDS];
		castellan_bridge__call(&b, &req, &r); /* connects and shakes hands */
		double cpu = cpu_us();
		for(int i = 0; i < ROUNDS; i++){
			int64_t start = now_ns();
			if(castellan_bridge__call(&b, &req, &r) != 0) return 2;
			rtt[i] = now_ns() - start;
		}
		cpu = cpu_us() - cpu;
		castellan_bridge__cleanup(&b);
		waitpid(child, NULL, 0);
		qsort(rtt, ROUNDS, sizeof(rtt[0]), compare);
		printf("spin %3u µs: p50 %6.1f µs  p99 %6.1f µs  waiting side CPU %5.1f µs/request\n", budgets[k],
				rtt[ROUNDS / 2] / 1000.0, rtt[ROUNDS * 99 / 100] / 1000.0, cpu / ROUNDS);
	}
	return 0;
}
