/* The process pool. Each helper is a fork of the server talking over its own
 * SOCK_SEQPACKET socket pair, which keeps a request and an answer whole in
 * one send and one receive. A caller takes a free helper under the mutex,
 * then talks to it without the lock: the helper is its alone until it gives
 * it back. A helper that is gone shows as a failed send or an end of file,
 * and is forked again in place. */
#include "core/procpool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"

struct helper {
	pid_t pid; /* 0: none runs */
	int fd;	   /* our end of its socket pair */
	bool busy; /* a caller talks to it */
	char *buf; /* the answer as it arrives: a status byte, then the answer */
};

struct procpool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct procpool_config cfg;
	struct helper *helpers;
	int nice; /* the helpers' nice value */
	unsigned long restarts;
};

/* The helper's life: a request in, an answer out, until the socket closes. */
static _Noreturn void helper_main(const struct procpool_config *cfg, int fd, pid_t parent, int nice)
{
	/* Ends with the thread that forked it, even if the server is killed
	 * outright; and at once if that has happened already. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	prctl(PR_SET_NAME, "yz-helper");
	/* The server's sockets, database files and the other helpers' pipes
	 * stay the server's: a helper holding them would keep a peer from
	 * seeing them close. */
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	/* A Ctrl-C or a service manager's TERM is for the server, which ends
	 * its helpers itself once the requests in flight have their answers. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Lower, not idle (SCHED_IDLE): a request thread still wins a core
	 * from a helper at once, but a helper is not starved while the machine
	 * is busy, and a caller may hold a database lock while it waits. Set
	 * whole, not added: a helper forked again inherits the nice value of
	 * the thread that forks it, a work thread's own lowered one. */
	setpriority(PRIO_PROCESS, 0, nice);
	/* A session of its own. Where the kernel shares the cores fairly
	 * between sessions first (autogroup, on in many distributions), a
	 * helper's hashing would count against the server's session, and on
	 * a busy machine the request threads would get less of the cores for
	 * as long as a flood of sign-ins lasts: /healthz's p99 rose by up to
	 * 36 ms at load 5 on two cores, and by 1.1 ms at most with this. */
	setsid();
	size_t max = cfg->msg_max_bytes;
	char *req = xmalloc(max);
	char *resp = xmalloc(max + 1);
	for (;;) {
		ssize_t n = recv(fd, req, max, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		resp[0] = 1;
		size_t len = cfg->fn(req, (size_t)n, resp + 1, max);
		send(fd, resp, len + 1, MSG_NOSIGNAL);
		/* A request may hold a password. */
		explicit_bzero(req, (size_t)n);
		explicit_bzero(resp, len + 1);
	}
	_exit(0);
}

static bool helper_start(struct procpool *pp, struct helper *h)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return false;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		helper_main(&pp->cfg, sv[1], parent, pp->nice);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return false;
	}
	h->pid = pid;
	h->fd = sv[0];
	return true;
}

static void helper_end(struct helper *h)
{
	if (!h->pid)
		return;
	close(h->fd);
	kill(h->pid, SIGKILL);
	while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
		;
	h->pid = 0;
	h->fd = -1;
}

struct procpool *procpool_new(const struct procpool_config *cfg)
{
	struct procpool *pp = xcalloc(1, sizeof(*pp));
	pp->cfg = *cfg;
	if (!pp->cfg.procs)
		pp->cfg.procs = 1;
	/* The calling thread's nice value, at start the process's. */
	errno = 0;
	int base = getpriority(PRIO_PROCESS, 0);
	if (base == -1 && errno)
		base = 0;
	pp->nice = base + cfg->nice > 19 ? 19 : base + cfg->nice;
	pthread_mutex_init(&pp->mu, NULL);
	pthread_cond_init(&pp->freed, NULL);
	pp->helpers = xcalloc(pp->cfg.procs, sizeof(*pp->helpers));
	for (unsigned i = 0; i < pp->cfg.procs; i++) {
		struct helper *h = &pp->helpers[i];
		h->fd = -1;
		h->buf = xmalloc(pp->cfg.msg_max_bytes + 1);
		if (!helper_start(pp, h)) {
			procpool_free(pp);
			return NULL;
		}
	}
	return pp;
}

void procpool_free(struct procpool *pp)
{
	if (!pp)
		return;
	for (unsigned i = 0; i < pp->cfg.procs; i++) {
		helper_end(&pp->helpers[i]);
		free(pp->helpers[i].buf);
	}
	free(pp->helpers);
	pthread_cond_destroy(&pp->freed);
	pthread_mutex_destroy(&pp->mu);
	free(pp);
}

/* One request and its answer: the answer's length with its status byte, or
 * -1 if the helper is gone (or never answers in one piece). */
static ssize_t exchange(struct procpool *pp, struct helper *h, const char *req, size_t len)
{
	if (send(h->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	ssize_t n;
	do
		n = recv(h->fd, h->buf, pp->cfg.msg_max_bytes + 1, 0);
	while (n < 0 && errno == EINTR);
	return n > 0 && h->buf[0] == 1 ? n : -1;
}

ssize_t procpool_call(struct procpool *pp, const char *req, size_t req_len, char *resp,
		      size_t resp_cap)
{
	if (req_len > pp->cfg.msg_max_bytes || !req_len)
		return -1;
	pthread_mutex_lock(&pp->mu);
	struct helper *h = NULL;
	for (;;) {
		for (unsigned i = 0; i < pp->cfg.procs && !h; i++)
			if (!pp->helpers[i].busy)
				h = &pp->helpers[i];
		if (h)
			break;
		pthread_cond_wait(&pp->freed, &pp->mu);
	}
	h->busy = true;
	pthread_mutex_unlock(&pp->mu);

	ssize_t n = -1;
	for (int attempt = 0; attempt < 2 && n < 0; attempt++) {
		if (!h->pid && !helper_start(pp, h))
			break;
		n = exchange(pp, h, req, req_len);
		if (n < 0) {
			/* Killed (the OOM killer, an operator) or crashed: a new
			 * fork takes its place. */
			helper_end(h);
			log_warn(NULL, "procpool", "a helper process ended: starting another");
			pthread_mutex_lock(&pp->mu);
			pp->restarts++;
			pthread_mutex_unlock(&pp->mu);
		}
	}
	ssize_t len = -1;
	if (n > 0 && (size_t)n - 1 <= resp_cap) {
		len = n - 1;
		memcpy(resp, h->buf + 1, (size_t)len);
	}
	if (n > 0)
		explicit_bzero(h->buf, (size_t)n);

	pthread_mutex_lock(&pp->mu);
	h->busy = false;
	pthread_cond_signal(&pp->freed);
	pthread_mutex_unlock(&pp->mu);
	return len;
}

unsigned long procpool_restarts(struct procpool *pp)
{
	pthread_mutex_lock(&pp->mu);
	unsigned long n = pp->restarts;
	pthread_mutex_unlock(&pp->mu);
	return n;
}
