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
#include <map>
#include <set>

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
#define MAXEV 4096

struct outcome {
  long ret;
  int err;
  int nev;
  unsigned evm[MAXEV];
  unsigned long long evd[MAXEV];
  int nfds;
  int fds[2];
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
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct worker workers[NTHREADS];
static struct { int w; struct outcome o; } finished[256];
static int nfinished;

static void set_result(struct outcome *o, long r) {
  o->ret = r < 0 ? -1 : r;
  o->err = r < 0 ? errno : 0;
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

static void print_mask(unsigned m) {
  if (!m) { printf("0"); return; }
  int first = 1;
  unsigned rest = m;
  for (int i = 0; i < 32; i++) {
    unsigned bit = 1u << i;
    if (!(m & bit) || !mask_names[i]) continue;
    printf("%s%s", first ? "" : "|", mask_names[i]);
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
    for (int i = 0; i < o->nev; i++) {
      printf("%s%llu: ", i ? ", " : "", o->evd[i]);
      print_mask(o->evm[i]);
    }
    printf("]");
  }
  if (o->nfds == 2) printf(" (fds %d, %d)", o->fds[0], o->fds[1]);
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
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
      if (nfinished < 256) {
        finished[nfinished].w = (int)(w - workers);
        finished[nfinished].o = o;
        nfinished++;
      }
    } else {
      w->out = o;
      w->has_result = 1;
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

static void deadline_in(struct timespec *ts, long ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) { ts->tv_sec++; ts->tv_nsec -= 1000000000L; }
}

/* Lets wake-ups reach sleeping threads, then prints the calls that finished meanwhile. */
static void settle(int line) {
  pthread_mutex_lock(&lock);
  int sleeping = 0;
  for (int i = 0; i < NTHREADS; i++) sleeping |= workers[i].declared_blocked;
  if (sleeping || USES_TCP) {
    struct timespec ts;
    deadline_in(&ts, SETTLE_MS);
    while (pthread_cond_timedwait(&changed, &lock, &ts) == 0) {
    }
  }
  for (int i = 0; i < nfinished; i++) {
    printf("%d: thread %s finished: ", line, workers[finished[i].w].name);
    print_outcome(&finished[i].o, workers[finished[i].w].kind, 0);
    printf("\n");
    workers[finished[i].w].out = finished[i].o;
    workers[finished[i].w].has_result = 2; /* the thread's last result, for `thread => ...` */
  }
  nfinished = 0;
  pthread_mutex_unlock(&lock);
  fflush(stdout);
}

static void run(int line, int w, void (*fn)(struct outcome *), long bound_ms, int kind) {
  struct worker *k = &workers[w];
  pthread_mutex_lock(&lock);
  if (!k->started) {
    k->started = 1;
    pthread_create(&k->thread, 0, worker_main, k);
    pthread_detach(k->thread);
  }
  k->has_result = 0;
  k->kind = kind;
  k->job = fn;
  pthread_cond_broadcast(&changed);
  struct timespec ts;
  deadline_in(&ts, bound_ms);
  while (!k->has_result) {
    if (pthread_cond_timedwait(&changed, &lock, &ts) != 0) break;
  }
  int done = k->has_result;
  if (!done) k->declared_blocked = 1;
  struct outcome o = k->out;
  pthread_mutex_unlock(&lock);
  printf("%d: ", line);
  print_outcome(&o, kind, !done);
  printf("\n");
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

std::string c_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 32) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string var(const std::string& name) {
  return "v_" + name;
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
    }
  }

  std::string program() {
    std::string out;
    out += cat("/* Generated by `epollscope export-c` from ", sc_.path,
               sc_.title.empty() ? "" : ": " + sc_.title, ".\n");
    out += " * Performs the scenario with real syscalls and prints one line per statement.\n";
    out +=
        " * Build: cc -O1 -pthread -o scenario scenario.c   Run it with only fds 0, 1, 2 open.\n "
        "*/\n";
    // The generated program's headers (text written out; the model itself includes none of them).
    out += "#define _GNU_SOURCE\n";
    for (const char* header :
         {"arpa/inet.h", "errno.h", "fcntl.h", "netinet/in.h", "pthread.h", "signal.h", "stdint.h",
          "stdio.h", "stdlib.h", "string.h", "sys/epoll.h", "sys/eventfd.h", "sys/resource.h",
          "sys/socket.h", "time.h", "unistd.h"})
      out += cat("#include <", header, ">\n");
    out += "\n";
    out += cat("#define NTHREADS ", threads_.size(), "\n#define USES_TCP ", uses_tcp_ ? 1 : 0,
               "\n#define SETTLE_MS 20\n\n");
    out += errno_table();
    out += mask_table();
    out += kRuntime;
    out += "\n/* The scenario's fds, by name. */\n";
    for (const auto& st : sc_.statements) {
      if (!st.assign.empty()) declare(st.assign);
      for (const auto& a : st.args)
        if (a.kind == Arg::Kind::kName && a.name != "events") declare(a.name);
    }
    out += declarations_;
    out += "\n";
    for (std::size_t i = 0; i < sc_.statements.size(); ++i)
      if (sc_.statements[i].kind == Statement::Kind::kCall) out += statement_function(i);
    out += "\nint main(void) {\n  signal(SIGPIPE, SIG_IGN);\n";
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
      out += cat("  /* line ", st.loc.line, ": ", comment_safe(st.source), " */\n");
      if (st.kind == Statement::Kind::kThreadResult) {
        out += cat("  result(", st.loc.line, ", ", thread_index(st.thread), ");\n");
      } else {
        out += cat("  run(", st.loc.line, ", ", thread_index(st.thread), ", stmt_", i, ", ",
                   bound_ms(st), ", ", kind_name(call_spec(st.call).result), ");\n");
      }
    }
    out += "  fflush(stdout);\n  _exit(0);\n}\n";
    return out;
  }

 private:
  static std::string comment_safe(std::string s) {
    for (std::size_t p; (p = s.find("*/")) != std::string::npos;)
      s.replace(p, 2, "* /");
    return s;
  }

  void declare(const std::string& name) {
    if (declared_.insert(name).second) declarations_ += cat("static int ", var(name), " = -1;\n");
  }

  int thread_index(const std::string& t) const {
    return static_cast<int>(std::find(threads_.begin(), threads_.end(), t) - threads_.begin());
  }

  // How long a call may take before it counts as sleeping (as in the live child).
  static long long bound_ms(const Statement& st) {
    const int timeout_arg = call_spec(st.call).timeout_arg;
    const int at = timeout_arg < 0 ? -1 : st.placed[static_cast<std::size_t>(timeout_arg)];
    const long long timeout = at < 0 ? 0 : st.args[static_cast<std::size_t>(at)].number;
    if (st.call == CallId::kSleep) return std::max(timeout, 0LL) + 1000;
    if (st.thread == "main" && timeout > 0) return timeout + 1000;
    return st.thread == "main" ? 150 : 60;
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
    std::string out = "static const char *mask_names[32] = {\n";
    for (int i = 0; i < 32; ++i) {
      std::string n = mask_to_c_names(1u << i);
      out += (n.rfind("0x", 0) == 0) ? "  0,\n" : cat("  \"", n, "\",\n");
    }
    return out + "};\n";
  }

  // The C expression of argument i.
  static std::string value(const Arg& a) {
    switch (a.kind) {
      case Arg::Kind::kNumber:
        return cat("(long long)", a.number, "LL");
      case Arg::Kind::kName:
        return var(a.name);
      case Arg::Kind::kString:
        return cat("(long long)", a.name.size());
      case Arg::Kind::kNull:
        return "0";
    }
    return "0";
  }

  // The C expression of the call's argument i (in its spec's order): the argument as written, or
  // the fallback of an omitted one.
  std::string arg(const Statement& st, std::size_t i) const {
    const int at = st.placed[i];
    if (at >= 0) return value(st.args[static_cast<std::size_t>(at)]);
    const sim::script::ArgSpec& spec = call_spec(st.call).args[i];
    if (spec.fallback_from_arg >= 0)
      return arg(st, static_cast<std::size_t>(spec.fallback_from_arg));
    return cat("(long long)", spec.fallback, "LL");
  }
  static const Arg* written(const Statement& st, std::size_t i) {
    return st.placed[i] < 0 ? nullptr : &st.args[static_cast<std::size_t>(st.placed[i])];
  }

  // The statement's call with real syscalls: the raw result into `o`, then the language's rules
  // (normalise), then the names it defines.
  std::string statement_function(std::size_t index) {
    const Statement& st = sc_.statements[index];
    auto v = [&](std::size_t i) { return arg(st, i); };
    auto is_null = [&](std::size_t i) {
      const Arg* a = written(st, i);
      return a && a->kind == Arg::Kind::kNull;
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
      case CallId::kEpollWait: {
        const bool null = is_null(1);
        body =
            cat("  static struct epoll_event ev[MAXEV];\n  int r = epoll_wait((int)", v(0), ", ",
                null ? "NULL" : "ev", ", (int)", v(2), ", (int)", v(3), ");\n  set_result(o, r);\n",
                null ? ""
                     : "  for (int i = 0; i < r && i < MAXEV; i++) { o->evm[i] = ev[i].events; "
                       "o->evd[i] = ev[i].data.u64; }\n",
                null ? "" : "  o->nev = r > 0 ? r : 0;\n");
        break;
      }
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
        const Arg* bytes = written(st, 1);
        const bool text = bytes && bytes->kind == Arg::Kind::kString;
        const std::string data = text ? c_string(bytes->name) : std::string("buf");
        const std::string prep =
            text ? std::string()
                 : cat("  static char buf[1 << 24];\n  long long len = ", v(1),
                       ";\n  if (len > (long long)sizeof buf) len = sizeof buf;\n",
                       "  memset(buf, 'x', (size_t)len);  /* the filler bytes */\n");
        const std::string len = text ? cat(bytes->name.size()) : std::string("(size_t)len");
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
        body = cat("  static char buf[1 << 24];\n  long long len = ", v(1),
                   ";\n  if (len > (long long)sizeof buf) len = sizeof buf;\n", "  set_result(o, ",
                   st.call == CallId::kRead
                       ? cat("read((int)", v(0), ", buf, (size_t)len)")
                       : cat("recv((int)", v(0), ", buf, (size_t)len, (int)", v(2), ")"),
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
      case CallId::kSleep: {
        const long long ms = st.args.empty() ? 0 : st.args[0].number;
        body = cat("  struct timespec ts = {", ms / 1000, ", ", (ms % 1000) * 1000000,
                   "L};\n  nanosleep(&ts, NULL);\n  set_result(o, 0);\n");
        break;
      }
    }
    body += cat("  normalise(o, ", kind_name(call_spec(st.call).result), ");\n");
    // The names the call defines: its output arguments (pipe), or `name = call(...)`.
    std::size_t next_fd = 0;
    const sim::script::CallSpec& spec = call_spec(st.call);
    for (std::size_t i = 0; i < spec.args.size(); ++i)
      if (spec.args[i].kind == sim::script::ArgKind::kNewFd && written(st, i)) {
        body += cat("  if (o->ret >= 0 && o->nfds > ", next_fd, ") ", var(written(st, i)->name),
                    " = o->fds[", next_fd, "];\n");
        ++next_fd;
      }
    if (!st.assign.empty())
      body += cat("  if (o->ret >= 0 && o->nfds > 0) ", var(st.assign), " = o->fds[0];\n");
    return cat("/* line ", st.loc.line, ": ", comment_safe(st.source), " */\nstatic void stmt_",
               index, "(struct outcome *o) {\n", body, "}\n\n");
  }

  const Scenario& sc_;
  std::vector<std::string> threads_;
  bool uses_tcp_ = false;
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
