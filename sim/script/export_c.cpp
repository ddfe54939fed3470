// sim/script/export_c.cpp — generates the C program described in export_c.h.
//
// The program is the live child's logic written out for one scenario: a worker thread per scenario
// thread, a bounded wait that turns "sleeps for ever" into "blocks", a settle pause after each
// statement, and the same printing of outcomes as describe_outcome().
#include "sim/script/export_c.h"

#include <algorithm>
#include <map>
#include <set>

#include "sim/script/calls.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::sim::script {
namespace {

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
};

struct worker {
  const char *name;
  pthread_t thread;
  void (*job)(struct outcome *);
  struct outcome out;
  int has_result;
  int declared_blocked;
  int started;
  const char *call;
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

static void set_fd(struct outcome *o, long r, int *var) {
  set_result(o, r);
  if (r >= 0) {
    o->nfds = 1;
    o->fds[0] = (int)r;
    *var = (int)r;
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

static void print_outcome(const struct outcome *o, const char *call, int blocked) {
  if (blocked) { printf("blocks"); return; }
  if (!strcmp(call, "eventfd_read") && o->err == 0) { printf("%lu", (unsigned long)o->ret); return; }
  if (o->ret < 0) {
    const char *n = errno_name(o->err);
    if (n) printf("-1 %s", n); else printf("-1 E%d", o->err);
    return;
  }
  printf("%ld", o->ret);
  if (!strcmp(call, "epoll_wait")) {
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
    print_outcome(&finished[i].o, workers[finished[i].w].call, 0);
    printf("\n");
    workers[finished[i].w].out = finished[i].o;
    workers[finished[i].w].has_result = 2; /* the thread's last result, for `thread => ...` */
  }
  nfinished = 0;
  pthread_mutex_unlock(&lock);
  fflush(stdout);
}

static void run(int line, int w, void (*fn)(struct outcome *), long bound_ms, const char *call) {
  struct worker *k = &workers[w];
  pthread_mutex_lock(&lock);
  if (!k->started) {
    k->started = 1;
    pthread_create(&k->thread, 0, worker_main, k);
    pthread_detach(k->thread);
  }
  k->has_result = 0;
  k->call = call;
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
  print_outcome(&o, call, !done);
  printf("\n");
  settle(line);
}

__attribute__((unused)) static void result(int line, int w) {
  struct worker *k = &workers[w];
  pthread_mutex_lock(&lock);
  printf("%d: %s => ", line, k->name);
  print_outcome(&k->out, k->call ? k->call : "", k->declared_blocked);
  printf("\n");
  pthread_mutex_unlock(&lock);
  settle(line);
}
)C";

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
      if (st.call.rfind("tcp_", 0) == 0 || st.call == "accept") uses_tcp_ = true;
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
    out += "  /* Only 0, 1 and 2 open, as in the model: the fds created get the model's numbers. */\n"
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
                   bound_ms(st), ", ", c_string(st.call), ");\n");
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

  static long long bound_ms(const Statement& st) {
    if (st.call == "sleep" && !st.args.empty()) return st.args[0].number + 1000;
    if (st.thread == "main" && st.call == "epoll_wait" && !st.args.empty() &&
        st.args.back().number > 0)
      return st.args.back().number + 1000;
    return st.thread == "main" ? 150 : 60;
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

  std::string statement_function(std::size_t index) {
    const Statement& st = sc_.statements[index];
    const auto& a = st.args;
    auto v = [&](std::size_t i) { return i < a.size() ? value(a[i]) : std::string("0"); };
    std::string target = st.assign.empty() ? std::string("dummy") : var(st.assign);
    std::string body;
    const std::string& n = st.call;
    auto fd_call = [&](const std::string& expr) {
      return cat("  int dummy = -1;\n  set_fd(o, ", expr, ", &", target, ");\n  (void)dummy;\n");
    };
    if (n == "epoll_create") {
      body = fd_call(cat("epoll_create((int)", v(0), ")"));
    } else if (n == "epoll_create1") {
      body = fd_call(cat("epoll_create1((int)", v(0), ")"));
    } else if (n == "epoll_ctl") {
      body = cat("  struct epoll_event ev;\n  memset(&ev, 0, sizeof ev);\n  ev.events = (uint32_t)",
                 v(3), ";\n", "  ev.data.u64 = (uint64_t)", a.size() > 4 ? v(4) : v(2), ";\n",
                 "  set_result(o, epoll_ctl((int)", v(0), ", (int)", v(1), ", (int)", v(2), ", ",
                 a[3].kind == Arg::Kind::kNull ? "NULL" : "&ev", "));\n");
    } else if (n == "epoll_wait") {
      const bool with_buffer = a.size() == 4;
      const std::string maxevents = v(with_buffer ? 2 : 1), timeout = v(with_buffer ? 3 : 2);
      const bool null = with_buffer && a[1].kind == Arg::Kind::kNull;
      body = cat("  static struct epoll_event ev[MAXEV];\n  int r = epoll_wait((int)", v(0), ", ",
                 null ? "NULL" : "ev", ", (int)", maxevents, ", (int)", timeout,
                 ");\n  set_result(o, r);\n",
                 null ? ""
                      : "  for (int i = 0; i < r && i < MAXEV; i++) { o->evm[i] = ev[i].events; "
                        "o->evd[i] = ev[i].data.u64; }\n",
                 null ? "" : "  o->nev = r > 0 ? r : 0;\n");
    } else if (n == "pipe" || n == "pipe2" || n == "socketpair") {
      std::string call =
          n == "socketpair"
              ? "socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p)"
              : cat("pipe2(p, ", n == "pipe2" ? cat("(int)", v(2)) : std::string("0"), ")");
      body = cat("  int p[2];\n  set_result(o, ", call,
                 ");\n  if (o->ret == 0) {\n    o->nfds = 2;\n", "    o->fds[0] = ", var(a[0].name),
                 " = p[0];\n    o->fds[1] = ", var(a[1].name), " = p[1];\n  }\n");
    } else if (n == "eventfd") {
      body = fd_call(cat("eventfd((unsigned)", v(0), ", (int)", v(1), ")"));
    } else if (n == "tcp_listen") {
      body = cat("  int dummy = -1;\n  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);\n",
                 "  if (fd >= 0) {\n    struct sockaddr_in s;\n    memset(&s, 0, sizeof s);\n",
                 "    s.sin_family = AF_INET;\n    s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);\n",
                 "    if (bind(fd, (struct sockaddr *)&s, sizeof s) || listen(fd, (int)",
                 a.empty() ? "128" : v(0),
                 ")) { int e = errno; close(fd); errno = e; fd = -1; }\n  }\n  set_fd(o, fd, &",
                 target, ");\n  (void)dummy;\n");
    } else if (n == "tcp_connect") {
      body =
          cat("  int dummy = -1;\n  struct sockaddr_in s;\n  socklen_t len = sizeof s;\n  long r = "
              "-1;\n",
              "  if (getsockname((int)", v(0), ", (struct sockaddr *)&s, &len) == 0) {\n",
              "    if (s.sin_family != AF_INET) { errno = ENOTSOCK; }\n",
              "    else { r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);\n",
              "      if (r >= 0) (void)connect((int)r, (struct sockaddr *)&s, sizeof s); }\n  }\n",
              "  set_fd(o, r, &", target, ");\n  (void)dummy;\n");
    } else if (n == "accept") {
      body = fd_call(cat("accept4((int)", v(0), ", NULL, NULL, SOCK_NONBLOCK)"));
    } else if (n == "write" || n == "send") {
      std::string data = a[1].kind == Arg::Kind::kString ? c_string(a[1].name) : std::string("buf");
      std::string prep = a[1].kind == Arg::Kind::kString
                             ? std::string()
                             : cat("  static char buf[1 << 24];\n  long long len = ", v(1),
                                   ";\n  if (len > (long long)sizeof buf) len = sizeof buf;\n",
                                   "  memset(buf, 'x', (size_t)len);  /* the filler bytes */\n");
      std::string len =
          a[1].kind == Arg::Kind::kString ? cat(a[1].name.size()) : std::string("(size_t)len");
      body = prep + cat("  set_result(o, ",
                        n == "write"
                            ? cat("write((int)", v(0), ", ", data, ", ", len, ")")
                            : cat("send((int)", v(0), ", ", data, ", ", len, ", (int)", v(2), ")"),
                        ");\n");
    } else if (n == "read" || n == "recv") {
      body = cat("  static char buf[1 << 24];\n  long long len = ", v(1),
                 ";\n  if (len > (long long)sizeof buf) len = sizeof buf;\n", "  set_result(o, ",
                 n == "read" ? cat("read((int)", v(0), ", buf, (size_t)len)")
                             : cat("recv((int)", v(0), ", buf, (size_t)len, (int)", v(2), ")"),
                 ");\n");
    } else if (n == "eventfd_write") {
      body = cat("  uint64_t value = (uint64_t)", v(1), ";\n  long r = write((int)", v(0),
                 ", &value, sizeof value);\n  set_result(o, r == 8 ? 0 : r);\n");
    } else if (n == "eventfd_read") {
      body = cat("  uint64_t value = 0;\n  long r = read((int)", v(0), ", &value, sizeof value);\n",
                 "  if (r == 8 && is_eventfd((int)", v(0), ")) { o->ret = (long)value; o->err = 0; }\n",
                 "  else set_result(o, r);\n");
    } else if (n == "shutdown") {
      body = cat("  set_result(o, shutdown((int)", v(0), ", (int)", v(1), "));\n");
    } else if (n == "close") {
      body = cat("  set_result(o, close((int)", v(0), "));\n");
    } else if (n == "dup") {
      body = fd_call(cat("dup((int)", v(0), ")"));
    } else if (n == "dup2") {
      body = fd_call(cat("dup2((int)", v(0), ", (int)", v(1), ")"));
    } else if (n == "open_regular") {
      body = cat("  int dummy = -1;\n  int fd = open(\"/tmp\", O_TMPFILE | O_RDWR, 0600);\n",
                 "  if (fd < 0) { char path[] = \"/tmp/epollscope-regular-XXXXXX\"; fd = "
                 "mkstemp(path); if (fd >= 0) unlink(path); }\n",
                 "  set_fd(o, fd, &", target, ");\n  (void)dummy;\n");
    } else if (n == "setrlimit_nofile") {
      body = cat("  struct rlimit rl;\n  getrlimit(RLIMIT_NOFILE, &rl);\n  rl.rlim_cur = (rlim_t)",
                 v(0), ";\n  set_result(o, setrlimit(RLIMIT_NOFILE, &rl));\n");
    } else if (n == "sleep") {
      body =
          cat("  struct timespec ts = {", a[0].number / 1000, ", ", (a[0].number % 1000) * 1000000,
              "L};\n  nanosleep(&ts, NULL);\n  set_result(o, 0);\n");
    }
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

std::string transcript_line(int line, const Outcome& o, const std::string& call) {
  return cat(line, ": ", describe_outcome(o, call));
}

}  // namespace epollscope::sim::script
