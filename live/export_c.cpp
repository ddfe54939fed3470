// SPDX-License-Identifier: GPL-2.0-only
// live/export_c.cpp — generates the C program described in export_c.h.
//
// The program is the live child's logic written out for one scenario: a worker thread per scenario
// thread, a bounded wait that turns "sleeps for ever" into "blocks", a settle pause after each
// statement, and the same rules for results (normalise) and printing as driver/backend.h.
//
// [SECTION] the C runtime every exported program carries (kRuntime)
// [SECTION] the exporter: the program, its tables, one C function per statement
#include "live/export_c.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include "live/protocol.h"
#include "sim/script/calls.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::live {
namespace {

using sim::cat;
using sim::errno_name;
using sim::mask_to_c_names;
using sim::script::Arg;
using sim::script::call_spec;
using sim::script::CallId;
using sim::script::ResultKind;
using sim::script::Scenario;
using sim::script::Statement;

// ---------------------------------------------------------------------------------------------
// [SECTION] the C runtime every exported program carries (kRuntime)
// ---------------------------------------------------------------------------------------------

const char* kRuntime = R"C(
/* The kernel's bound on maxevents (fs/eventpoll.c, EP_MAX_EVENTS): epoll_wait refuses a larger or
   non-positive one with EINVAL before it looks at the buffer. */
#define EP_MAX_EVENTS ((int)(INT_MAX / sizeof(struct epoll_event)))
/* The events buffer of an epoll_wait holds maxevents events, but at most this many (12 MiB); it
   ends at an inaccessible page, so more ready events than that stop there (a short count) as at the
   end of any buffer, instead of being written past it. */
#define EVENTS_CAP (1 << 20)
/* The buffer of a read or write of more than a page: MAX_RW_COUNT bytes and a page at
   0x200000000000, where epollscope's model and live child put it (sim::kUserBuffer), reserved
   lazily (MAP_NORESERVE: only the pages a read fills cost memory). The kernel judges a count
   against that address (access_ok: a range past the top of user space is EFAULT, (size_t)-1
   among them; otherwise at most MAX_RW_COUNT bytes move), so every count gets the answer it gets
   in the live child. */
#define USER_BUFFER ((uintptr_t)1 << 45)
#define MAX_RW_COUNT ((size_t)0x7ffff000)

struct outcome {
  long ret;
  int err;
  int nev;                 /* the events returned, */
  struct epoll_event *ev;  /* in memory of their own (malloc), owned by the outcome */
  int nfds;
  int fds[2];
  int names;                  /* how its events' masks are named: 0 epoll, 1 poll, 2 select */
  int has_counter;            /* eventfd_read of an eventfd: */
  unsigned long long counter; /* the counter value read */
};

/* What a call returns in a scenario, by the result kind of epollscope's call table. */
enum { K_NOTHING, K_STATUS, K_FD, K_FD_PAIR, K_COUNT, K_EVENTS, K_VALUE };

struct worker {
  const char *name;
  pthread_t thread;
  void (*job)(struct outcome *);
  struct outcome out;
  int has_result;
  int declared_blocked;
  int started;
  int kind; /* the result kind of the call it runs */
  int may_sleep; /* the call it runs may sleep: run() watches whether it does */
  pid_t tid;     /* the thread's id, for /proc/self/task/<tid> */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct worker workers[NTHREADS];
/* Sleeping calls that finished since the last settle: one per thread at most (a thread whose call
   sleeps is given no other: run() stops there). */
static struct { int w; struct outcome o; } finished[NTHREADS];
static int nfinished;

static void fail(const char *what) {
  fprintf(stderr, "scenario: %s: %s\n", what, strerror(errno));
  _exit(2);
}

/* Moves an outcome (and its events) into a slot, freeing what the slot held. */
static void outcome_move(struct outcome *to, struct outcome *from) {
  free(to->ev);
  *to = *from;
  from->ev = 0;
  from->nev = 0;
}

/* Every fd a name has been bound to, in order of binding: what `all r` passes to poll or select
   (a name defined in a repeat block is bound anew each time). */
struct bindings {
  int *fd;
  size_t n, cap;
};
static __attribute__((unused)) void bind_also(struct bindings *b, int fd) {
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 64;
    int *grown = realloc(b->fd, b->cap * sizeof *b->fd);
    if (!grown) {
      perror("realloc");
      _exit(2);
    }
    b->fd = grown;
  }
  b->fd[b->n++] = fd;
}

/* A value the compiler may not reason about. A scenario's sizes and buffers are for the kernel to
   judge: a compiler that sees a constant (size_t)-1 or a NULL buffer warns about the call. */
static __attribute__((unused)) long long opaque(long long v) {
  volatile long long x = v;
  return x;
}

static void set_result(struct outcome *o, long r) {
  o->ret = r < 0 ? -1 : r;
  o->err = r < 0 ? errno : 0;
}

/* Memory of `bytes` bytes that ends right before an inaccessible page (see EVENTS_CAP). Pages are
   only backed when touched. */
struct area {
  char *base;
  size_t len;
  char *start;
};
static __attribute__((unused)) struct area guarded(size_t bytes) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t span = (bytes + page - 1) / page * page;
  struct area a;
  a.len = span + page;
  a.base = mmap(0, a.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                -1, 0);
  if (a.base == MAP_FAILED) fail("mmap");
  if (mprotect(a.base + span, page, PROT_NONE) != 0) fail("mprotect");
  a.start = a.base + span - bytes;
  return a;
}

/* The bytes of write(fd, N) and send(fd, N): a page of 'x' as epollscope's live child writes
   them (an eventfd adds the first 8 to its counter), or, for more than a page, the big buffer (see
   USER_BUFFER), as the live child does. read(fd, N) and recv(fd, N) fill a page of the calling
   thread's own, or the big buffer. */
static pthread_mutex_t bytes_lock = PTHREAD_MUTEX_INITIALIZER;
static char *user_buffer(void) {
  static char *buffer;
  pthread_mutex_lock(&bytes_lock);
  if (!buffer) {
    void *p = mmap((void *)USER_BUFFER, MAX_RW_COUNT + 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != (void *)USER_BUFFER) fail("mmap of the 2 GiB buffer at 0x200000000000");
    buffer = p;
  }
  pthread_mutex_unlock(&bytes_lock);
  return buffer;
}
static __attribute__((unused)) const char *filler(size_t len) {
  static char page[4096];
  pthread_mutex_lock(&bytes_lock);
  if (!page[0]) memset(page, 'x', sizeof page);
  pthread_mutex_unlock(&bytes_lock);
  return len <= sizeof page ? page : user_buffer();
}
static __attribute__((unused)) char *read_buffer(size_t len) {
  static __thread char page[4096];
  return len <= sizeof page ? page : user_buffer();
}

/* epoll_wait into a buffer of maxevents events (bounded by EVENTS_CAP; a maxevents the kernel
   refuses gets one, which it never looks at), or into `NULL` when the scenario says so; the events
   returned are kept in the outcome. */
static __attribute__((unused)) void wait_events(struct outcome *o, int ep, int null, int maxevents,
                                                int timeout) {
  maxevents = (int)opaque(maxevents);
  const int n = maxevents > 0 && maxevents <= EP_MAX_EVENTS
                    ? (maxevents < EVENTS_CAP ? maxevents : EVENTS_CAP)
                    : 1;
  if (null) {
    set_result(o, epoll_wait(ep, (struct epoll_event *)(uintptr_t)opaque(0), maxevents, timeout));
    return;
  }
  struct area a = guarded((size_t)n * sizeof(struct epoll_event));
  struct epoll_event *ev = (struct epoll_event *)a.start;
  const int r = epoll_wait(ep, ev, maxevents, timeout);
  set_result(o, r);
  if (r > 0) {
    o->nev = r < n ? r : n;
    o->ev = malloc((size_t)o->nev * sizeof *ev);
    if (!o->ev) fail("malloc");
    memcpy(o->ev, ev, (size_t)o->nev * sizeof *ev);
  }
  munmap(a.base, a.len);
}

/* epoll_pwait (which 1) or epoll_pwait2 (which 2) as wait_events does epoll_wait; the mask is
   given with the kernel's sigset size (8 bytes), the raw syscall as epollscope's live child makes
   it. */
static __attribute__((unused)) void wait_events2(struct outcome *o, int which, int ep, int null,
                                                 int maxevents, int timeout,
                                                 const struct timespec *ts, const void *mask) {
  maxevents = (int)opaque(maxevents);
  const int n = maxevents > 0 && maxevents <= EP_MAX_EVENTS
                    ? (maxevents < EVENTS_CAP ? maxevents : EVENTS_CAP)
                    : 1;
  struct area a = {0, 0, 0};
  struct epoll_event *ev = (struct epoll_event *)(uintptr_t)opaque(0);
  if (!null) {
    a = guarded((size_t)n * sizeof(struct epoll_event));
    ev = (struct epoll_event *)a.start;
  }
  const long r = which == 1 ? syscall(SYS_epoll_pwait, ep, ev, maxevents, timeout, mask, 8)
                            : syscall(SYS_epoll_pwait2, ep, ev, maxevents, ts, mask, 8);
  set_result(o, r);
  if (r > 0 && !null) {
    o->nev = r < n ? (int)r : n;
    o->ev = malloc((size_t)o->nev * sizeof *ev);
    if (!o->ev) fail("malloc");
    memcpy(o->ev, ev, (size_t)o->nev * sizeof *ev);
  }
  if (!null) munmap(a.base, a.len);
}

/* Is fd an eventfd? (eventfd_read on any other file gives the count read, as epollscope's
   backends report it.) */
static __attribute__((unused)) int is_eventfd(int fd) {
  char path[48], target[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* The language's rules, applied once to every call's raw result (epollscope's normalise()). */
static void normalise(struct outcome *o, int kind) {
  if (o->ret < 0) {
    free(o->ev);
    o->ev = 0;
    o->nev = 0;
    o->nfds = 0;
    return;
  }
  switch (kind) {
    case K_STATUS: o->ret = 0; break; /* eventfd_write: glibc's wrapper returns 0 */
    case K_FD: o->nfds = 1; o->fds[0] = (int)o->ret; break;
    case K_VALUE: if (o->has_counter) o->ret = (long)o->counter; break;
    default: break;
  }
}

static void print_mask(unsigned m, int names) {
  if (!m) { printf("0"); return; }
  const char *const *table = names == 1 ? poll_names : names == 2 ? set_names : mask_names;
  int first = 1;
  unsigned rest = m;
  for (int i = 0; i < 32; i++) {
    unsigned bit = 1u << (names == 2 ? set_order[i] : i);
    const int at = names == 2 ? set_order[i] : i;
    if (!(m & bit) || !table[at]) continue;
    printf("%s%s", first ? "" : "|", table[at]);
    first = 0;
    rest &= ~bit;
  }
  if (rest) printf("%s0x%x", first ? "" : "|", rest);
}

static void print_outcome(const struct outcome *o, int kind, int blocked) {
  if (blocked) { printf("blocks"); return; }
  if (kind == K_VALUE && o->err == 0) { printf("%lu", (unsigned long)o->ret); return; }
  if (o->ret < 0) {
    const char *n = errno_name(o->err);
    if (n) printf("-1 %s", n); else printf("-1 E%d", o->err);
    return;
  }
  printf("%ld", o->ret);
  if (kind == K_EVENTS) {
    printf(" [");
    for (int i = 0; i < o->nev; i++) { /* o->ev holds nev events */
      printf("%s%llu: ", i ? ", " : "", (unsigned long long)o->ev[i].data.u64);
      print_mask(o->ev[i].events, o->names);
    }
    printf("]");
  }
  if (o->nfds == 2) printf(" (fds %d, %d)", o->fds[0], o->fds[1]);
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  pthread_mutex_lock(&lock);
  w->tid = (pid_t)syscall(SYS_gettid);
  pthread_mutex_unlock(&lock);
  for (;;) {
    pthread_mutex_lock(&lock);
    while (!w->job) pthread_cond_wait(&changed, &lock);
    void (*job)(struct outcome *) = w->job;
    w->job = 0;
    pthread_mutex_unlock(&lock);
    struct outcome o;
    memset(&o, 0, sizeof o);
    job(&o);
    pthread_mutex_lock(&lock);
    if (w->declared_blocked) {
      w->declared_blocked = 0;
      if (nfinished < NTHREADS) { /* always: see finished */
        finished[nfinished].w = (int)(w - workers);
        memset(&finished[nfinished].o, 0, sizeof finished[nfinished].o);
        outcome_move(&finished[nfinished].o, &o);
        nfinished++;
      } else {
        free(o.ev);
      }
    } else {
      outcome_move(&w->out, &o);
      w->has_result = 1;
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

/* Whether a call sleeps is seen, not timed, as in epollscope's live child: a call that may sleep
   sleeps when its thread is in state S (/proc/self/task/<tid>/stat) inside a syscall that is not a
   lock's (/proc/self/task/<tid>/syscall, the same before and after), however loaded the machine.
   Reading /proc takes an fd, and the scenario's fd numbers must not move: an observer thread with
   a private copy of the fd table (unshare(CLONE_FILES)) does the reading for main. */
enum { LOOK_STAT, LOOK_SYSCALL, LOOK_WCHAN };
static pthread_mutex_t look_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t look_changed = PTHREAD_COND_INITIALIZER;
static struct { int pending; pid_t tid; int what; int ok; char text[256]; } look;
static void *observer_main(void *arg) {
  (void)arg;
  if (unshare(CLONE_FILES) != 0) fail("unshare(CLONE_FILES)");
  static const char *const names[] = {"stat", "syscall", "wchan"};
  pthread_mutex_lock(&look_lock);
  for (;;) {
    while (look.pending != 1) pthread_cond_wait(&look_changed, &look_lock);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/%s", (int)look.tid, names[look.what]);
    look.ok = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, look.text, sizeof look.text - 1);
      if (n >= 0) { look.text[n] = 0; look.ok = 1; }
      close(fd);
    }
    look.pending = 2;
    pthread_cond_broadcast(&look_changed);
  }
  return 0;
}
static void start_observer(void) {
  pthread_t t;
  if (pthread_create(&t, 0, observer_main, 0) != 0) fail("pthread_create");
  pthread_detach(t);
}
/* The text of /proc/self/task/<tid>/<what> into buf; 0 when it cannot be read. */
static int look_at(pid_t tid, int what, char *buf, size_t len) {
  pthread_mutex_lock(&look_lock);
  look.tid = tid;
  look.what = what;
  look.pending = 1;
  pthread_cond_broadcast(&look_changed);
  while (look.pending != 2) pthread_cond_wait(&look_changed, &look_lock);
  look.pending = 0;
  int ok = look.ok;
  if (ok) snprintf(buf, len, "%s", look.text);
  pthread_mutex_unlock(&look_lock);
  return ok;
}
/* The syscall the thread sleeps in: -2 running or runnable, -1 unknown. */
static long sleeping_syscall(pid_t tid) {
  char text[256];
  if (!look_at(tid, LOOK_SYSCALL, text, sizeof text)) return -1;
  if (strncmp(text, "running", 7) == 0) return -2;
  return strtol(text, 0, 10);
}
static char task_state(pid_t tid) {
  char text[256];
  if (!look_at(tid, LOOK_STAT, text, sizeof text)) return '?';
  const char *paren = strrchr(text, ')');
  return paren && paren[1] == ' ' ? paren[2] : '?';
}
/* Asleep inside a syscall that is not a lock's (a futex): the syscall, the state, the syscall. */
static int asleep_in_call(pid_t tid) {
  long before = sleeping_syscall(tid);
  if (before < 0 || before == SYS_futex) return 0;
  if (task_state(tid) != 'S') return 0;
  return sleeping_syscall(tid) == before;
}

/* Now plus ms, saturated far beyond any real wait (the exporter bounds ms by LLONG_MAX). */
static void deadline_in(struct timespec *ts, long long ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += (time_t)(ms / 1000);
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) { ts->tv_sec++; ts->tv_nsec -= 1000000000L; }
}

/* Lets wake-ups reach sleeping threads, then prints the calls that finished meanwhile. */
static void settle(int line) {
  pthread_mutex_lock(&lock);
  int sleeping = 0;
  for (int i = 0; i < NTHREADS; i++) sleeping |= workers[i].declared_blocked;
  if (USES_TCP) { /* loopback timers: a fixed wait, as the live child's */
    struct timespec ts;
    deadline_in(&ts, SETTLE_MS);
    while (pthread_cond_timedwait(&changed, &lock, &ts) == 0) {
    }
  }
  /* A wake-up sets the woken thread runnable before the waking call returns: wait until every
     thread that slept sleeps again in its call or has returned (bounded by STUCK_MS). */
  struct timespec stuck;
  deadline_in(&stuck, STUCK_MS);
  while (sleeping) {
    sleeping = 0;
    for (int i = 0; i < NTHREADS; i++) {
      if (!workers[i].declared_blocked) continue;
      pid_t tid = workers[i].tid;
      pthread_mutex_unlock(&lock);
      int asleep = asleep_in_call(tid);
      pthread_mutex_lock(&lock);
      if (workers[i].declared_blocked && !asleep) sleeping = 1;
    }
    if (!sleeping) break;
    struct timespec now, ts;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec > stuck.tv_sec || (now.tv_sec == stuck.tv_sec && now.tv_nsec >= stuck.tv_nsec)) {
      fflush(stdout);
      fprintf(stderr, "scenario: line %d: a woken thread neither returned nor slept again in %d s\n",
              line, STUCK_MS / 1000);
      _exit(1);
    }
    deadline_in(&ts, 1);
    pthread_cond_timedwait(&changed, &lock, &ts);
  }
  for (int i = 0; i < nfinished; i++) {
    struct worker *k = &workers[finished[i].w];
    printf("%d: thread %s finished: ", line, k->name);
    print_outcome(&finished[i].o, k->kind, 0);
    printf("\n");
    outcome_move(&k->out, &finished[i].o);
    k->has_result = 2; /* the thread's last result, for `thread => ...` */
  }
  nfinished = 0;
  pthread_mutex_unlock(&lock);
  fflush(stdout);
}

/* Runs a statement in thread w. A call that may sleep (may_sleep) and is seen asleep in its
   syscall "blocks"; any call gets bound_ms (its timeout or sleep plus a margin, else STUCK_MS) to
   return or sleep, after which the program stops. */
static void run(int line, int w, void (*fn)(struct outcome *), long long bound_ms, int kind,
                int may_sleep) {
  struct worker *k = &workers[w];
  pthread_mutex_lock(&lock);
  if (k->declared_blocked) { /* as epollscope's runner stops: the thread still sleeps */
    fflush(stdout);
    fprintf(stderr, "scenario: line %d: thread %s is still sleeping; it cannot make another call\n",
            line, k->name);
    _exit(1);
  }
  if (!k->started) {
    k->started = 1;
    if (pthread_create(&k->thread, 0, worker_main, k) != 0) fail("pthread_create");
    pthread_detach(k->thread);
  }
  k->has_result = 0;
  k->kind = kind;
  k->may_sleep = may_sleep;
  k->job = fn;
  pthread_cond_broadcast(&changed);
  struct timespec stuck;
  deadline_in(&stuck, bound_ms);
  while (!k->has_result) {
    struct timespec ts;
    deadline_in(&ts, 1);
    int timed_out = pthread_cond_timedwait(&changed, &lock, &ts) != 0;
    if (k->has_result) break;
    if (may_sleep && k->tid) {
      pid_t tid = k->tid;
      pthread_mutex_unlock(&lock);
      int asleep = asleep_in_call(tid);
      pthread_mutex_lock(&lock);
      if (asleep && !k->has_result) break;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (timed_out && (now.tv_sec > stuck.tv_sec ||
                      (now.tv_sec == stuck.tv_sec && now.tv_nsec >= stuck.tv_nsec))) {
      if (!may_sleep) { /* as the live child: neither returned nor slept */
        fflush(stdout);
        fprintf(stderr, "scenario: line %d: the call neither returned nor slept in time\n", line);
        _exit(1);
      }
      break;
    }
  }
  int done = k->has_result;
  if (!done) k->declared_blocked = 1;
  printf("%d: ", line);
  print_outcome(&k->out, kind, !done); /* the worker is idle when done: k->out stays */
  printf("\n");
  pthread_mutex_unlock(&lock);
  settle(line);
}

__attribute__((unused)) static void result(int line, int w) {
  struct worker *k = &workers[w];
  pthread_mutex_lock(&lock);
  printf("%d: %s => ", line, k->name);
  print_outcome(&k->out, k->kind, k->declared_blocked);
  printf("\n");
  pthread_mutex_unlock(&lock);
  settle(line);
}
)C";

// ---------------------------------------------------------------------------------------------
// [SECTION] the exporter: the program, its tables, one C function per statement
// ---------------------------------------------------------------------------------------------

// Scenario text reaches the program in three forms only: in comments (comment_text), in string
// literals (c_string) and as identifiers (var). None of them lets a byte of it act as C.

// A byte as a three-digit octal escape: unlike a hex escape, it never swallows the digits after it.
std::string octal(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\%03o", c);
  return buf;
}

// Scenario text (a title, a path, a statement, narration) inside a C block comment. Only
// printable ASCII goes through as it is: a newline, any other control byte and any non-ASCII byte
// (a Unicode direction override can make a comment look like code) become \n, \t or an octal
// escape; a backslash becomes \\ (before a newline it would continue the line); a `?` after a `?`
// becomes \? (`??/` is a backslash under -trigraphs); `*/` and `/*` get a space between them (the
// first would end the comment, the second is -Wcomment's warning). The text is always written
// between "/* " and " */", so neither end can join a `*` or `/` of it.
std::string comment_text(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      out += octal(c);
    } else {
      if (!out.empty() && ((out.back() == '*' && c == '/') || (out.back() == '/' && c == '*')))
        out += ' ';
      if (c == '?' && !out.empty() && out.back() == '?') out += '\\';
      out += ch;
    }
  }
  return out;
}

// Scenario text as a C string literal: `"` and `\` escaped, every `?` written \? (no trigraph can
// form), \n and \t, and every other control or non-ASCII byte as an octal escape.
std::string c_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c == '?') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += octal(c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// A scenario's fd name as a C identifier: v_<name> for a name made of ASCII letters, digits and
// `_` (every name the parser accepts), w_<its bytes in hex> for anything else. Distinct names stay
// distinct (the two prefixes never meet), and nothing but [A-Za-z0-9_] reaches the program.
std::string var(const std::string& name) {
  const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
  if (plain) return "v_" + name;
  std::string out = "w_";
  for (const char ch : name) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned char>(ch));
    out += buf;
  }
  return out;
}

// An int64_t as a C expression of type long long. INT64_MIN has no literal: 9223372036854775808
// does not fit a long long, and C would read it as unsigned.
std::string c_number(int64_t n) {
  if (n == INT64_MIN) return "(-9223372036854775807LL - 1)";
  return cat("(", n, "LL)");
}

class Exporter {
 public:
  explicit Exporter(const Scenario& sc) : sc_(sc) {
    threads_.push_back("main");
    for (const auto& st : sc.statements) {
      if (std::find(threads_.begin(), threads_.end(), st.thread) == threads_.end())
        threads_.push_back(st.thread);
      if (st.kind == Statement::Kind::kCall &&
          (st.call == CallId::kTcpListen || st.call == CallId::kTcpConnect ||
           st.call == CallId::kAccept))
        uses_tcp_ = true;
      if (st.lists)
        for (const auto& list : *st.lists)
          for (const auto& item : list)
            if (item.all) all_names_.insert(item.name);
    }
  }

  std::string program() {
    std::string out;
    // Everything from the scenario is escaped (comment_text): see the helpers above.
    out += cat("/* Generated by `epollscope export-c` from ", comment_text(sc_.path),
               sc_.title.empty() ? "" : ": " + comment_text(sc_.title), " */\n");
    out += "/* Performs the scenario with real syscalls and prints one line per statement.\n";
    out +=
        " * Build: cc -O1 -pthread -o scenario scenario.c   Run it with only fds 0, 1, 2 open.\n "
        "*/\n";
    // The generated program's headers (text written out; the model itself includes none of them).
    out += "#define _GNU_SOURCE\n";
    for (const char* header :
         {"arpa/inet.h",    "errno.h",      "fcntl.h",       "limits.h",    "netinet/in.h",
          "pthread.h",      "signal.h",     "stdint.h",      "stdio.h",     "stdlib.h",
          "string.h",       "sys/epoll.h",  "sys/eventfd.h", "sys/ioctl.h", "sys/mman.h",
          "sys/resource.h", "sys/socket.h", "sys/syscall.h", "time.h",      "unistd.h",
          "poll.h",         "sys/select.h", "sys/time.h"})
      out += cat("#include <", header, ">\n");
    out += "\n";
    out += cat("#define NTHREADS ", threads_.size(), "\n#define USES_TCP ", uses_tcp_ ? 1 : 0,
               "\n#define SETTLE_MS 20\n#define STUCK_MS ", epollscope::live::kStuckMs, "\n\n");
    out += errno_table();
    out += mask_table();
    out += kRuntime;
    out += "\n/* The scenario's fds, by name. */\n";
    for (const auto& st : sc_.statements) {
      if (!st.assign.empty()) declare(st.assign);
      for (const auto& a : st.args)
        if (a.kind == Arg::Kind::kName && a.name != "events") declare(a.name);
    }
    for (const auto& name : all_names_)
      out += cat("static struct bindings ", all_var(name), ";\n");
    out += declarations_;
    out += "\n";
    // One function per distinct body: the iterations of a repeat block share theirs, so that a
    // block of 100,000 iterations is 100,000 calls in main, not 100,000 functions.
    std::map<std::string, std::size_t> function_of_body;
    std::vector<std::size_t> function(sc_.statements.size());
    for (std::size_t i = 0; i < sc_.statements.size(); ++i) {
      if (sc_.statements[i].kind != Statement::Kind::kCall) continue;
      std::string body = statement_body(sc_.statements[i]);
      const auto [it, added] = function_of_body.emplace(std::move(body), i);
      function[i] = it->second;
      if (added)
        out += cat("/* line ", sc_.statements[i].loc.line, ": ",
                   comment_text(sc_.statements[i].source), " */\nstatic void stmt_", i,
                   "(struct outcome *o) {\n", it->first, "}\n\n");
    }
    out += "\nint main(void) {\n  signal(SIGPIPE, SIG_IGN);\n  start_observer();\n";
    // fds inherited from the shell would shift every fd number the scenario creates.
    out +=
        "  /* Only 0, 1 and 2 open, as in the model: the fds created get the model's numbers. */\n"
        "  for (int fd = 3; fd < 4096; fd++) close(fd);\n";
    out +=
        "  struct rlimit rl;\n  getrlimit(RLIMIT_NOFILE, &rl);\n  rl.rlim_cur = rl.rlim_max < 1024 "
        "? rl.rlim_max : 1024;\n";
    out += "  setrlimit(RLIMIT_NOFILE, &rl);\n";
    for (std::size_t t = 0; t < threads_.size(); ++t)
      out += cat("  workers[", t, "].name = ", c_string(threads_[t]), ";\n");
    for (std::size_t i = 0; i < sc_.statements.size(); ++i) {
      const Statement& st = sc_.statements[i];
      if (!st.narration.empty()) out += narration_comment(st.narration);
      out += cat("  /* line ", st.loc.line, ": ", comment_text(st.source), " */\n");
      if (st.kind == Statement::Kind::kThreadResult) {
        out += cat("  result(", st.loc.line, ", ", thread_index(st.thread), ");\n");
      } else {
        out += cat("  run(", st.loc.line, ", ", thread_index(st.thread), ", stmt_", function[i],
                   ", ", bound_ms(st), "LL, ", kind_name(call_spec(st.call).result), ", ",
                   may_sleep(st) ? 1 : 0, ");\n");
      }
    }
    out += "  fflush(stdout);\n  _exit(0);\n}\n";
    return out;
  }

 private:
  // The narration before a statement, one comment line per line of it.
  static std::string narration_comment(const std::string& narration) {
    std::string out = "  /*";
    std::size_t start = 0;
    for (std::size_t nl; (nl = narration.find('\n', start)) != std::string::npos; start = nl + 1)
      out += cat(" ", comment_text(narration.substr(start, nl - start)), "\n   *");
    return out + cat(" ", comment_text(narration.substr(start)), " */\n");
  }

  void declare(const std::string& name) {
    if (declared_.insert(name).second) declarations_ += cat("static int ", var(name), " = -1;\n");
  }

  int thread_index(const std::string& t) const {
    return static_cast<int>(std::find(threads_.begin(), threads_.end(), t) - threads_.begin());
  }

  // How long a call may take before it counts as sleeping (as in the live child): a sleep, or a
  // main-thread call with a timeout, gets its time plus a margin, saturated at LLONG_MAX rather
  // than overflowing; C's deadline arithmetic takes any value up to that.
  static long long bound_ms(const Statement& st) {
    const int timeout_arg = call_spec(st.call).timeout_arg;
    const int at = timeout_arg < 0 ? -1 : st.placed[static_cast<std::size_t>(timeout_arg)];
    const int64_t timeout =
        at < 0 ? 0
               : sim::script::timeout_ms(
                     st.call, st.args[static_cast<std::size_t>(at)].number,
                     st.args[static_cast<std::size_t>(at)].kind == Arg::Kind::kNull ||
                         st.args[static_cast<std::size_t>(at)].kind == Arg::Kind::kBadPtr);
    constexpr int64_t kMargin = 1000;
    auto plus_margin = [](int64_t t) { return t > INT64_MAX - kMargin ? INT64_MAX : t + kMargin; };
    if (st.call == CallId::kSleep) return plus_margin(std::max<int64_t>(timeout, 0));
    if (st.thread == "main" && timeout > 0) return plus_margin(timeout);
    return epollscope::live::kStuckMs;
  }

  // Whether run() watches the call for sleep (as the live child): a call that may sleep, unless it
  // waits its time out (a sleep, or main's epoll_wait, epoll_pwait or epoll_pwait2 with a positive
  // timeout).
  static bool may_sleep(const Statement& st) {
    const sim::script::CallSpec& spec = call_spec(st.call);
    if (!spec.may_sleep || st.call == CallId::kSleep) return false;
    const int at =
        spec.timeout_arg < 0 ? -1 : st.placed[static_cast<std::size_t>(spec.timeout_arg)];
    const int64_t timeout =
        at < 0 ? 0
               : sim::script::timeout_ms(
                     st.call, st.args[static_cast<std::size_t>(at)].number,
                     st.args[static_cast<std::size_t>(at)].kind == Arg::Kind::kNull ||
                         st.args[static_cast<std::size_t>(at)].kind == Arg::Kind::kBadPtr);
    const bool positive = (st.call == CallId::kEpollPwait2 || st.call == CallId::kSelect ||
                                   st.call == CallId::kPpoll || st.call == CallId::kPselect6
                               ? timeout
                               : static_cast<int>(timeout)) > 0;
    return !(st.thread == "main" && sim::script::waits_for_events(st.call) && positive);
  }

  static const char* kind_name(ResultKind kind) {
    switch (kind) {
      case ResultKind::kNothing:
        return "K_NOTHING";
      case ResultKind::kStatus:
        return "K_STATUS";
      case ResultKind::kFd:
        return "K_FD";
      case ResultKind::kFdPair:
        return "K_FD_PAIR";
      case ResultKind::kCount:
        return "K_COUNT";
      case ResultKind::kEvents:
        return "K_EVENTS";
      case ResultKind::kValue:
        return "K_VALUE";
    }
    return "K_NOTHING";
  }

  static std::string errno_table() {
    std::string out = "static const char *errno_name(int e) {\n  switch (e) {\n";
    for (int e = 1; e < 200; ++e) {
      std::string n = errno_name(e);
      if (n != cat("E", e)) out += cat("    case ", e, ": return \"", n, "\";\n");
    }
    return out + "  }\n  return 0;\n}\n\n";
  }

  static std::string mask_table() {
    std::string out;
    // The epoll calls' names, poll's, and select's result sets (in the order epollscope prints
    // them: readfds, writefds, exceptfds), as sim::script::event_mask_names writes them.
    for (const auto& [name, call] :
         {std::pair<const char*, CallId>{"mask_names", CallId::kEpollWait},
          {"poll_names", CallId::kPoll},
          {"set_names", CallId::kSelect}}) {
      out += cat("static const char *", name, "[32] = {\n");
      for (int i = 0; i < 32; ++i) {
        std::string n = sim::script::event_mask_names(call, 1u << i);
        out += (n.rfind("0x", 0) == 0) ? "  0,\n" : cat("  \"", n, "\",\n");
      }
      out += "};\n";
    }
    out += "static const int set_order[32] = {0, 2, 1";
    for (int i = 3; i < 32; ++i)
      out += cat(", ", i);
    return out + "};\n";
  }

  // The C expression of argument i.
  static std::string value(const Arg& a) {
    switch (a.kind) {
      case Arg::Kind::kNumber:
        return c_number(a.number);
      case Arg::Kind::kName:
        return var(a.name);
      case Arg::Kind::kString:
        return cat("(", a.name.size(), "LL)");
      case Arg::Kind::kNull:
        return "0";
      case Arg::Kind::kBadPtr:
        return cat("(", sim::script::kBadPointer, "LL)");
      case Arg::Kind::kList:
        return "0";  // poll's array, select's sets: the statement's body writes them out
    }
    return "0";
  }

  // The C expression of an item's fd in a list argument (not of an `all` item).
  static std::string item_fd(const sim::script::ListItem& item) {
    return item.name.empty() ? c_number(item.fd) : var(item.name);
  }
  // The bindings of a name that an `all` item passes: all_v_r (never a name's own variable, whose
  // prefix is v_ or w_).
  static std::string all_var(const std::string& name) { return "all_" + var(name); }

  // C statements binding `name` to `fd` when the call succeeded (and remembering the fd when an
  // `all` item passes every fd of the name).
  std::string bind(const std::string& name, const std::string& condition,
                   const std::string& fd) const {
    if (!all_names_.count(name)) return cat("  if (", condition, ") ", var(name), " = ", fd, ";\n");
    return cat("  if (", condition, ") {\n    ", var(name), " = ", fd, ";\n    bind_also(&",
               all_var(name), ", ", var(name), ");\n  }\n");
  }

  // The C expression of the call's argument i (in its spec's order): the argument as written, or
  // the fallback of an omitted one.
  std::string arg(const Statement& st, std::size_t i) const {
    const int at = st.placed[i];
    if (at >= 0) return value(st.args[static_cast<std::size_t>(at)]);
    const sim::script::ArgSpec& spec = call_spec(st.call).args[i];
    if (spec.fallback_from_arg >= 0)
      return arg(st, static_cast<std::size_t>(spec.fallback_from_arg));
    return c_number(spec.fallback);
  }
  static const Arg* written(const Statement& st, std::size_t i) {
    return st.placed[i] < 0 ? nullptr : &st.args[static_cast<std::size_t>(st.placed[i])];
  }

  // The body of the statement's function: its call with real syscalls, the raw result into `o`,
  // then the language's rules (normalise), then the names it defines.
  std::string statement_body(const Statement& st) const {
    auto v = [&](std::size_t i) { return arg(st, i); };
    auto is_null = [&](std::size_t i) {
      const Arg* a = written(st, i);
      return a && a->kind == Arg::Kind::kNull;
    };
    // BADPTR: an address that is never mapped, hidden from the compiler as NULL is.
    auto is_bad = [&](std::size_t i) {
      const Arg* a = written(st, i);
      return a && a->kind == Arg::Kind::kBadPtr;
    };
    const std::string bad_pointer =
        cat("(void *)(uintptr_t)opaque(", sim::script::kBadPointer, ")");
    // A struct timespec `ts` of the argument's ns (tv_sec rounded down, tv_nsec the rest) and the
    // pointer passed for it: &ts, NULL or BADPTR.
    auto timespec_of = [&](std::size_t i, std::string* pointer) {
      *pointer = is_null(i) ? "NULL" : is_bad(i) ? bad_pointer : "&ts";
      std::string out = "  struct timespec ts;\n  memset(&ts, 0, sizeof ts);\n";
      if (!is_null(i) && !is_bad(i))
        out += cat("  const long long ns = ", v(i), ";\n",
                   "  ts.tv_sec = (time_t)(ns / 1000000000 - (ns % 1000000000 != 0 && ns < 0));\n",
                   "  ts.tv_nsec = (long)(ns - (long long)ts.tv_sec * 1000000000);\n");
      return out;
    };
    // The signal mask: signals 1-32 as bits of a whole kernel sigset (8 bytes), or NULL.
    auto sigmask_of = [&](std::size_t i) {
      return cat("  uint64_t sigset = (uint32_t)", v(i),
                 ";\n  const void *mask = ", is_null(i) ? "NULL" : "&sigset",
                 ";\n  (void)sigset;\n");
    };
    std::string body;
    switch (st.call) {
      case CallId::kEpollCreate:
        body = cat("  set_result(o, epoll_create((int)", v(0), "));\n");
        break;
      case CallId::kEpollCreate1:
        body = cat("  set_result(o, epoll_create1((int)", v(0), "));\n");
        break;
      case CallId::kEpollCtl:
        body =
            cat("  struct epoll_event ev;\n  memset(&ev, 0, sizeof ev);\n  ev.events = (uint32_t)",
                v(3), ";\n", "  ev.data.u64 = (uint64_t)", v(4), ";\n",
                "  set_result(o, epoll_ctl((int)", v(0), ", (int)", v(1), ", (int)", v(2), ", ",
                is_null(3) ? "NULL" : "&ev", "));\n");
        break;
      case CallId::kEpollWait:
        body = cat("  wait_events(o, (int)", v(0), ", ", is_null(1) ? 1 : 0, ", (int)", v(2),
                   ", (int)", v(3), ");\n");
        break;
      case CallId::kPipe:
      case CallId::kPipe2:
      case CallId::kSocketpair: {
        const std::string call =
            st.call == CallId::kSocketpair
                ? "socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p)"
                : cat("pipe2(p, ",
                      st.call == CallId::kPipe2 ? cat("(int)", v(2)) : std::string("0"), ")");
        body = cat("  int p[2];\n  set_result(o, ", call,
                   ");\n  if (o->ret == 0) {\n    o->nfds = 2;\n    o->fds[0] = p[0];\n"
                   "    o->fds[1] = p[1];\n  }\n");
        break;
      }
      case CallId::kEventfd:
        body = cat("  set_result(o, eventfd((unsigned)", v(0), ", (int)", v(1), "));\n");
        break;
      case CallId::kTcpListen:
        body = cat("  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);\n",
                   "  if (fd >= 0) {\n    struct sockaddr_in s;\n    memset(&s, 0, sizeof s);\n",
                   "    s.sin_family = AF_INET;\n    s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);\n",
                   "    if (bind(fd, (struct sockaddr *)&s, sizeof s) || listen(fd, (int)", v(0),
                   ")) { int e = errno; close(fd); errno = e; fd = -1; }\n  }\n",
                   "  set_result(o, fd);\n");
        break;
      case CallId::kTcpConnect:
        body = cat(
            "  struct sockaddr_in s;\n  socklen_t len = sizeof s;\n  long r = -1;\n",
            "  if (getsockname((int)", v(0), ", (struct sockaddr *)&s, &len) == 0) {\n",
            "    if (s.sin_family != AF_INET) { errno = ENOTSOCK; }\n",
            "    else { r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);\n",
            "      if (r >= 0) (void)connect((int)r, (struct sockaddr *)&s, sizeof s); }\n  }\n",
            "  set_result(o, r);\n");
        break;
      case CallId::kAccept:
        body = cat("  set_result(o, accept4((int)", v(0), ", NULL, NULL, SOCK_NONBLOCK));\n");
        break;
      case CallId::kWrite:
      case CallId::kSend: {
        // A count is converted to size_t as the live child converts it: -1 is SIZE_MAX. Its
        // buffer is the live child's (filler(), USER_BUFFER); the kernel judges the count.
        const Arg* bytes = written(st, 1);
        const bool text = bytes && bytes->kind == Arg::Kind::kString;
        const std::string prep =
            text ? std::string() : cat("  const size_t len = (size_t)opaque(", v(1), ");\n");
        const std::string data = text ? c_string(bytes->name) : std::string("filler(len)");
        const std::string len = text ? cat(bytes->name.size(), "u") : std::string("len");
        body =
            prep + cat("  set_result(o, ",
                       st.call == CallId::kWrite
                           ? cat("write((int)", v(0), ", ", data, ", ", len, ")")
                           : cat("send((int)", v(0), ", ", data, ", ", len, ", (int)", v(2), ")"),
                       ");\n");
        break;
      }
      case CallId::kRead:
      case CallId::kRecv:
        body = cat("  const size_t len = (size_t)opaque(", v(1), ");\n  set_result(o, ",
                   st.call == CallId::kRead
                       ? cat("read((int)", v(0), ", read_buffer(len), len)")
                       : cat("recv((int)", v(0), ", read_buffer(len), len, (int)", v(2), ")"),
                   ");\n");
        break;
      case CallId::kEventfdWrite:
        body = cat("  uint64_t value = (uint64_t)", v(1), ";\n  set_result(o, write((int)", v(0),
                   ", &value, sizeof value));\n");
        break;
      case CallId::kEventfdRead:
        body = cat("  uint64_t value = 0;\n  set_result(o, read((int)", v(0),
                   ", &value, sizeof value));\n", "  if (o->ret == 8 && is_eventfd((int)", v(0),
                   ")) { o->has_counter = 1; o->counter = value; }\n");
        break;
      case CallId::kShutdown:
        body = cat("  set_result(o, shutdown((int)", v(0), ", (int)", v(1), "));\n");
        break;
      case CallId::kSetsockopt:
        body = cat("  int value = (int)", v(3), ";\n  set_result(o, setsockopt((int)", v(0),
                   ", (int)", v(1), ", (int)", v(2), ", &value, sizeof value));\n");
        break;
      case CallId::kGetsockopt:
        body = cat(
            "  int value = 0;\n  socklen_t len = sizeof value;\n  set_result(o, getsockopt((int)",
            v(0), ", (int)", v(1), ", (int)", v(2), ", &value, &len));\n",
            "  if (o->ret == 0) { o->has_counter = 1; o->counter = (uint64_t)(int64_t)value; }\n");
        break;
      case CallId::kClose:
        body = cat("  set_result(o, close((int)", v(0), "));\n");
        break;
      case CallId::kDup:
        body = cat("  set_result(o, dup((int)", v(0), "));\n");
        break;
      case CallId::kDup2:
        body = cat("  set_result(o, dup2((int)", v(0), ", (int)", v(1), "));\n");
        break;
      case CallId::kOpenRegular:
        body = cat("  int fd = open(\"/tmp\", O_TMPFILE | O_RDWR, 0600);\n",
                   "  if (fd < 0) { char path[] = \"/tmp/epollscope-regular-XXXXXX\"; fd = "
                   "mkstemp(path); if (fd >= 0) unlink(path); }\n",
                   "  set_result(o, fd);\n");
        break;
      case CallId::kSetrlimitNofile:
        body =
            cat("  struct rlimit rl;\n  getrlimit(RLIMIT_NOFILE, &rl);\n  rl.rlim_cur = (rlim_t)",
                v(0), ";\n  set_result(o, setrlimit(RLIMIT_NOFILE, &rl));\n");
        break;
      case CallId::kFcntl:
        body = cat("  set_result(o, fcntl((int)", v(0), ", (int)", v(1), ", (unsigned long)", v(2),
                   "));\n");
        break;
      case CallId::kAccept4:
        body = cat("  set_result(o, accept4((int)", v(0), ", NULL, NULL, (int)", v(1), "));\n");
        break;
      case CallId::kEpollPwait:
      case CallId::kEpollPwait2: {
        // The signal mask: signals 1-32 as bits of a whole kernel sigset (8 bytes); the timespec
        // of epoll_pwait2: tv_sec = ns / 10^9 rounded down, tv_nsec the rest.
        const bool pwait = st.call == CallId::kEpollPwait;
        body = cat("  uint64_t set = (uint32_t)", v(4),
                   ";\n  const void *mask = ", is_null(4) ? "NULL" : "&set",
                   ";\n  (void)set;\n  struct timespec ts;\n", "  memset(&ts, 0, sizeof ts);\n");
        if (!pwait && !is_null(3))
          body +=
              cat("  const long long ns = ", v(3), ";\n",
                  "  ts.tv_sec = (time_t)(ns / 1000000000 - (ns % 1000000000 != 0 && ns < 0));\n",
                  "  ts.tv_nsec = (long)(ns - (long long)ts.tv_sec * 1000000000);\n");
        body += cat("  wait_events2(o, ", pwait ? 1 : 2, ", (int)", v(0), ", ", is_null(1) ? 1 : 0,
                    ", (int)", v(2), ", ", pwait ? cat("(int)", v(3)) : std::string("0"), ", ",
                    !pwait && !is_null(3) ? "&ts" : "NULL", ", mask);\n");
        break;
      }
      case CallId::kIoctl:
        body =
            cat("  int value = (int)", v(2), ";\n  set_result(o, ioctl((int)", v(0),
                ", (unsigned long)(uint32_t)", v(1), ", ",
                is_null(2) ? "(int *)(uintptr_t)opaque(0)" : "&value", "));\n",
                "  if (o->ret == 0 && (uint32_t)", v(1),
                " == FIONREAD) { o->has_counter = 1; o->counter = (unsigned long long)value; }\n");
        break;
      case CallId::kPoll:
      case CallId::kPpoll: {
        // poll(2) or ppoll(2) itself (the raw call, as the live child makes it); the entries whose
        // revents are not 0 become the outcome's events, {revents, fd}, in array order. NULL as
        // the array is passed with the nfds written. An `all r` item is every fd r was bound to so
        // far: the array's length is known only when the statement runs.
        const bool pp = st.call == CallId::kPpoll;
        const Arg* list = written(st, 0);
        const bool null_array = list && list->kind == Arg::Kind::kNull;
        const std::vector<sim::script::ListItem> none;
        const auto& items = list && list->kind == Arg::Kind::kList ? st.items(*list) : none;
        std::string n = "0";
        for (const auto& item : items)
          n += item.all ? cat(" + ", all_var(item.name), ".n") : std::string(" + 1");
        body = cat("  o->names = 1;\n  const size_t n = ", n, ";\n",
                   "  struct pollfd *fds = calloc(n ? n : 1, sizeof *fds);\n",
                   "  if (!fds) fail(\"calloc\");\n");
        if (!items.empty()) body += "  size_t k = 0;\n";
        for (const auto& item : items)
          body += item.all ? cat("  for (size_t j = 0; j < ", all_var(item.name), ".n; ++j) {\n",
                                 "    fds[k].fd = ", all_var(item.name), ".fd[j];\n",
                                 "    fds[k++].events = (short)", c_number(item.events), ";\n  }\n")
                           : cat("  fds[k].fd = (int)", item_fd(item),
                                 ";\n  fds[k++].events = (short)", c_number(item.events), ";\n");
        const std::string array = null_array ? "(struct pollfd *)(uintptr_t)opaque(0)" : "fds";
        const std::string nfds = null_array ? cat("(nfds_t)(uint32_t)", v(1)) : "(nfds_t)n";
        if (pp) {
          std::string tsp;
          body += timespec_of(2, &tsp) + sigmask_of(3);
          body += cat("  const long r = syscall(SYS_ppoll, ", array, ", ", nfds, ", ", tsp,
                      ", mask, (size_t)8);\n");
        } else {
          body += cat("  const long r = syscall(SYS_poll, ", array, ", ", nfds, ", (int)", v(2),
                      ");\n");
        }
        body +=
            cat("  set_result(o, r);\n", "  if (r > 0) {\n    o->ev = malloc(n * sizeof *o->ev);\n",
                "    if (!o->ev) fail(\"malloc\");\n",
                "    for (size_t i = 0; i < n; ++i)\n      if (fds[i].revents) {\n",
                "        o->ev[o->nev].events = (uint16_t)fds[i].revents;\n",
                "        o->ev[o->nev++].data.u64 = (uint64_t)fds[i].fd;\n      }\n  }\n",
                "  free(fds);\n");
        break;
      }
      case CallId::kSelect:
      case CallId::kPselect6: {
        // select(2) or pselect6(2) itself with bit arrays as long as nfds (a glibc fd_set has
        // FD_SETSIZE = 1024 bits; the kernel reads nfds of them, up to its fd table's size); the
        // fds in a result set become the outcome's events, {readfds 1 | exceptfds 2 | writefds 4,
        // fd}, in fd order: the first r bits, as the kernel leaves bits above its table's size as
        // they were. A BADPTR set is passed as that address and never read back.
        const bool ps = st.call == CallId::kPselect6;
        const int64_t cap = sim::script::kMaxSelectFd + 64;
        body = cat("  o->names = 2;\n  const int nfds = (int)", v(0), ";\n",
                   "  const long long bits = nfds < 0 ? 0 : (nfds > ", cap, "LL ? ", cap,
                   "LL : nfds);\n", "  const size_t words = (size_t)((bits + 63) / 64) + 1;\n",
                   "  unsigned long *set[3] = {0, 0, 0};\n  void *arg[3] = {0, 0, 0};\n",
                   "  long long f;\n  (void)f;\n  (void)words;\n");
        for (std::size_t s = 0; s < 3; ++s) {
          if (is_bad(s + 1)) body += cat("  arg[", s, "] = ", bad_pointer, ";\n");
          if (is_null(s + 1) || is_bad(s + 1)) continue;
          body += cat("  set[", s, "] = calloc(words, sizeof(unsigned long));\n  if (!set[", s,
                      "]) fail(\"calloc\");\n  arg[", s, "] = set[", s, "];\n");
          if (const Arg* list = written(st, s + 1))
            for (const auto& item : st.items(*list))
              body += item.all ? cat("  for (size_t j = 0; j < ", all_var(item.name),
                                     ".n; ++j) {\n", "    f = ", all_var(item.name), ".fd[j];\n",
                                     "    if (f >= 0 && f < bits) set[", s,
                                     "][f / 64] |= 1UL << (f % 64);\n  }\n")
                               : cat("  f = (long long)", item_fd(item),
                                     ";\n  if (f >= 0 && f < bits) set[", s,
                                     "][f / 64] |= 1UL << (f % 64);\n");
        }
        if (ps) {
          // pselect6's sixth argument: the mask's address and size, packed.
          std::string tsp;
          body += timespec_of(4, &tsp) + sigmask_of(5);
          body += cat("  struct { const void *ss; size_t len; } pack = {mask, 8};\n",
                      "  const long r = syscall(SYS_pselect6, nfds, arg[0], arg[1], arg[2], ", tsp,
                      ", &pack);\n");
        } else {
          body += "  struct timeval tv;\n  memset(&tv, 0, sizeof tv);\n";
          if (!is_null(4) && !is_bad(4))
            body += cat("  const long long ms = ", v(4), ";\n",
                        "  tv.tv_sec = (time_t)(ms / 1000 - (ms % 1000 != 0 && ms < 0));\n",
                        "  tv.tv_usec = (long)((ms - (long long)tv.tv_sec * 1000) * 1000);\n");
          body += cat("  const long r = syscall(SYS_select, nfds, arg[0], arg[1], arg[2], ",
                      is_null(4)  ? "NULL"
                      : is_bad(4) ? bad_pointer
                                  : "&tv",
                      ");\n");
        }
        body += cat("  set_result(o, r);\n", "  long seen = 0;\n",
                    "  for (long long fd = 0; r > 0 && seen < r && fd < bits; ++fd) {\n",
                    "    const unsigned long bit = 1UL << (fd % 64);\n    uint32_t in = 0;\n",
                    "    if (set[0] && (set[0][fd / 64] & bit)) in |= 1;\n",
                    "    if (set[1] && (set[1][fd / 64] & bit)) in |= 4;\n",
                    "    if (set[2] && (set[2][fd / 64] & bit)) in |= 2;\n",
                    "    if (!in) continue;\n", "    seen += __builtin_popcount(in);\n",
                    "    struct epoll_event *grown = realloc(o->ev, (size_t)(o->nev + 1) * sizeof "
                    "*o->ev);\n",
                    "    if (!grown) fail(\"realloc\");\n    o->ev = grown;\n",
                    "    o->ev[o->nev].events = in;\n",
                    "    o->ev[o->nev++].data.u64 = (uint64_t)fd;\n  }\n",
                    "  free(set[0]);\n  free(set[1]);\n  free(set[2]);\n");
        break;
      }
      case CallId::kSleep: {
        // Whole seconds and the rest (both fit their fields for any int64_t); a negative time is
        // nanosleep's EINVAL at once, as a negative sleep_for returns at once in the live child.
        const int64_t ms = st.args.empty() ? 0 : st.args[0].number;
        body = cat("  struct timespec ts = {(time_t)", c_number(ms / 1000), ", ",
                   (ms % 1000) * 1000000, "L};\n  nanosleep(&ts, NULL);\n  set_result(o, 0);\n");
        break;
      }
    }
    body += cat("  normalise(o, ", kind_name(call_spec(st.call).result), ");\n");
    // The names the call defines: its output arguments (pipe), or `name = call(...)`.
    std::size_t next_fd = 0;
    const sim::script::CallSpec& spec = call_spec(st.call);
    for (std::size_t i = 0; i < spec.args.size(); ++i)
      if (spec.args[i].kind == sim::script::ArgKind::kNewFd && written(st, i)) {
        body += bind(written(st, i)->name, cat("o->ret >= 0 && o->nfds > ", next_fd),
                     cat("o->fds[", next_fd, "]"));
        ++next_fd;
      }
    if (!st.assign.empty()) body += bind(st.assign, "o->ret >= 0 && o->nfds > 0", "o->fds[0]");
    return body;
  }

  const Scenario& sc_;
  std::vector<std::string> threads_;
  bool uses_tcp_ = false;
  std::set<std::string> all_names_;  // the names an `all` item passes every fd of
  std::set<std::string> declared_;
  std::string declarations_;
};

}  // namespace

std::string export_c(const Scenario& scenario) {
  return Exporter(scenario).program();
}

std::string transcript_line(int line, const driver::Outcome& o, driver::CallId call) {
  return cat(line, ": ", driver::describe_outcome(o, call));
}

}  // namespace epollscope::live
