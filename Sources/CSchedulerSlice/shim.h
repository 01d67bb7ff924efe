// Linux's per-thread scheduler slice (sched_setattr(2)'s sched_runtime for SCHED_NORMAL, honoured
// by the EEVDF scheduler since Linux 6.12): a thread with a shorter slice gets an earlier
// deadline, so when it wakes it runs ahead of threads that are busy computing instead of
// waiting for one of their slices to end. glibc 2.36 has no wrapper and Swift cannot call the
// variadic syscall(2), hence these two functions.
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/sched.h>
#include <linux/sched/types.h>

// The calling thread's slice in nanoseconds (Linux 6.12 and later report the default one too;
// earlier kernels report 0), UINT64_MAX when the thread's policy is not SCHED_NORMAL or its
// attributes cannot be read.
static inline uint64_t castellan_scheduler_slice(void)
{
	struct sched_attr attr;
	memset(&attr, 0, sizeof attr);
	if(syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return UINT64_MAX;
	return attr.sched_policy == SCHED_NORMAL ? attr.sched_runtime : UINT64_MAX;
}

// Asks for a slice of `nanoseconds` (0: the kernel's default) for the calling thread, keeping its
// nice value. Only a SCHED_NORMAL thread is changed: a policy an operator chose (SCHED_FIFO,
// SCHED_BATCH…) is left alone (EPERM). 0, or the errno.
static inline int castellan_set_scheduler_slice(uint64_t nanoseconds)
{
	struct sched_attr attr;
	memset(&attr, 0, sizeof attr);
	if(syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return errno;
	if(attr.sched_policy != SCHED_NORMAL) return EPERM;
	attr.size = sizeof attr;
	attr.sched_flags = 0;
	attr.sched_runtime = nanoseconds;
	return syscall(SYS_sched_setattr, 0, &attr, 0) == 0 ? 0 : errno;
}
