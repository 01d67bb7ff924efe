// Keeps one CPU from going idle without taking time from anything else: pinned to CPU N, at
// SCHED_IDLE (the scheduler runs it only when nothing else wants that CPU and preempts it for
// anything that does), spinning until killed. Start one per CPU to see what the wake-up of a
// halted vCPU costs the other benchmarks (Benchmarks/README.md, "Keeping the cores awake"):
//   cc -O2 Benchmarks/idle_spin.c -o /tmp/idle_spin
//   /tmp/idle_spin 0 & /tmp/idle_spin 1 & /tmp/unix_rtt epoll 200; kill %1 %2
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if(argc != 2){
		fprintf(stderr, "usage: idle_spin CPU\n");
		return 2;
	}
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(atoi(argv[1]), &one);
	struct sched_param idle = { 0 };
	if(sched_setaffinity(0, sizeof one, &one) != 0 || sched_setscheduler(0, SCHED_IDLE, &idle) != 0){
		perror("idle_spin");
		return 1;
	}
	for(volatile unsigned long n = 0;; n++){
	}
}
