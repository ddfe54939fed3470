// SPDX-License-Identifier: GPL-2.0-only
// trace/tracer.cpp — ptrace and the seccomp-bpf filter. The stops, as ptrace(2) names them:
//   PTRACE_EVENT_SECCOMP   a listed call's entry (started programs)
//   syscall-stop           SIGTRAP|0x80: a call's exit (or, in `-p` mode, also its entry);
//                          PTRACE_GET_SYSCALL_INFO says which
//   PTRACE_EVENT_CLONE/FORK/VFORK  a new thread or process; PTRACE_EVENT_EXEC an execve
//   PTRACE_EVENT_STOP      a group-stop (SIGSTOP, ^Z: PTRACE_LISTEN keeps it stopped), the first
//                          stop of a new tracee, or a PTRACE_INTERRUPT of ours
//   anything else          a signal for the program: delivered as it would be untraced
#include "trace/tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "trace/syscalls.h"

namespace epollscope::trace {

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Tracer::Tracee {
  pid_t tid = 0;
  pid_t tgid = 0;
  bool seen_first_stop = false;
  bool in_syscall = false;  // between a call's entry and its exit
  bool group_stopped = false;
  bool gone = false;
  SyscallStop call;
};

namespace {

constexpr int kOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                         PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC;

// The filter: x86_64 calls of the list → SECCOMP_RET_TRACE, everything else (other ABIs too)
// → SECCOMP_RET_ALLOW.
std::vector<sock_filter> make_filter() {
  std::vector<sock_filter> f;
  f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  const auto& calls = traced_syscalls();
  const std::size_t n = calls.size();
  for (std::size_t i = 0; i < n; ++i) {
    // Equal: jump over the remaining tests and the ALLOW to the TRACE at the end.
    const auto to_trace = static_cast<unsigned char>(n - i);
    f.push_back(
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(calls[i].nr), to_trace, 0));
  }
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
  return f;
}

// PATH lookup as execvp does it, done before the fork so that "not found" is a clear error.
std::string find_program(const std::string& name, std::string* error) {
  auto usable = [](const std::string& p, int* err) {
    struct stat st {};
    if (stat(p.c_str(), &st) != 0) {
      *err = errno;
      return false;
    }
    if (!S_ISREG(st.st_mode) || access(p.c_str(), X_OK) != 0) {
      *err = EACCES;
      return false;
    }
    return true;
  };
  int err = ENOENT;
  if (name.find('/') != std::string::npos) {
    if (usable(name, &err)) return name;
    *error = name + ": " + std::strerror(err);
    return {};
  }
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  int first_err = 0;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string p = dir + "/" + name;
    if (usable(p, &err)) return p;
    if (err == EACCES && !first_err) first_err = EACCES;
    start = end + 1;
  }
  *error = first_err ? name + ": " + std::strerror(first_err) : name + ": command not found";
  return {};
}

void write_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd, c, n);
    if (w <= 0) return;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
}

int status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 0;
}

pid_t tgid_of(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  FILE* f = std::fopen(path, "r");
  if (!f) return tid;
  char line[256];
  pid_t tgid = tid;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "Tgid:", 5) == 0) {
      tgid = static_cast<pid_t>(std::atoi(line + 5));
      break;
    }
  }
  std::fclose(f);
  return tgid;
}

}  // namespace

Tracer::~Tracer() {
  finish();
}

std::unique_ptr<Tracer> Tracer::spawn(const std::vector<std::string>& argv, std::string* error) {
  if (argv.empty()) {
    *error = "no program to trace";
    return nullptr;
  }
  const std::string path = find_program(argv[0], error);
  if (path.empty()) return nullptr;

  std::vector<sock_filter> filter = make_filter();
  sock_fprog prog{static_cast<unsigned short>(filter.size()), filter.data()};
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return nullptr;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(report[0]);
    close(report[1]);
    return nullptr;
  }
  if (pid == 0) {
    // The child: dies with epollscope, waits to be seized, takes the filter, becomes PROGRAM.
    close(report[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    raise(SIGSTOP);
    auto fail = [&](const char* what) {
      int e = errno;
      write_all(report[1], &e, sizeof e);
      write_all(report[1], what, std::strlen(what));
      _exit(127);
    };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("prctl(PR_SET_NO_NEW_PRIVS)");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) fail("seccomp filter");
    execv(path.c_str(), args.data());
    fail("execve");
  }
  close(report[1]);
  std::unique_ptr<Tracer> t(new Tracer());
  t->pid_ = pid;
  t->seccomp_ = true;
  int st = 0;
  if (waitpid(pid, &st, WSTOPPED) != pid || !WIFSTOPPED(st)) {
    *error = "the program did not start";
    close(report[0]);
    t->pid_ = -1;
    return nullptr;
  }
  if (ptrace(PTRACE_SEIZE, pid, nullptr,
             reinterpret_cast<void*>(
                 static_cast<long>(kOptions | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL))) != 0) {
    *error = std::string("ptrace(PTRACE_SEIZE): ") + std::strerror(errno) +
             (errno == EPERM ? " (is ptrace forbidden here? see /proc/sys/kernel/yama/ptrace_scope)"
                             : "");
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(report[0]);
    t->pid_ = -1;
    return nullptr;
  }
  t->add(pid, pid, true);
  kill(pid, SIGCONT);
  t->report_fd_ = report[0];
  return t;
}

std::unique_ptr<Tracer> Tracer::attach(pid_t pid, std::string* error) {
  if (pid <= 0 || kill(pid, 0) != 0) {
    *error = "process " + std::to_string(pid) + ": " +
             (pid <= 0 ? std::string("not a process id") : std::strerror(errno));
    return nullptr;
  }
  if (tgid_of(pid) != pid) {
    *error = "process " + std::to_string(pid) + " is a thread of process " +
             std::to_string(tgid_of(pid)) + ": attach to the process";
    return nullptr;
  }
  if (pid == getpid()) {
    *error = "epollscope cannot trace itself";
    return nullptr;
  }
  std::unique_ptr<Tracer> t(new Tracer());
  t->pid_ = pid;
  t->attached_ = true;
  // Threads may come and go while we attach: go over the list until it stops growing.
  for (bool grew = true; grew;) {
    grew = false;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
      const pid_t tid = static_cast<pid_t>(std::atoi(e.path().filename().c_str()));
      if (tid <= 0 || t->find(tid)) continue;
      if (ptrace(PTRACE_SEIZE, tid, nullptr,
                 reinterpret_cast<void*>(static_cast<long>(kOptions))) != 0) {
        if (errno == ESRCH) continue;  // the thread ended meanwhile
        *error = "ptrace(PTRACE_SEIZE, " + std::to_string(tid) + "): " + std::strerror(errno);
        if (errno == EPERM)
          *error +=
              " (another user's process, or ptrace forbidden: /proc/sys/kernel/yama/"
              "ptrace_scope)";
        return t->find(pid) ? (t->finish(), nullptr) : nullptr;
      }
      t->add(tid, pid, true);
      ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
      grew = true;
    }
    if (ec) {
      *error = "process " + std::to_string(pid) + ": " + ec.message();
      return nullptr;
    }
  }
  return t;
}

Tracer::Tracee* Tracer::find(pid_t tid) {
  for (auto& t : tracees_)
    if (t->tid == tid && !t->gone) return t.get();
  return nullptr;
}

Tracer::Tracee& Tracer::add(pid_t tid, pid_t tgid, bool seen_first_stop) {
  auto t = std::make_unique<Tracee>();
  t->tid = tid;
  t->tgid = tgid;
  t->seen_first_stop = seen_first_stop;
  tracees_.push_back(std::move(t));
  return *tracees_.back();
}

bool Tracer::read_memory(pid_t tid, uint64_t addr, void* buf, std::size_t len) const {
  if (len == 0) return true;
  iovec local{buf, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  return process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

void Tracer::resume(Tracee& t, int sig) {
  // In a call: PTRACE_SYSCALL, to see its exit. Between calls: with the filter, run freely to
  // the next listed call; without it (-p), stop at every call.
  const auto req = (t.in_syscall || !seccomp_) ? PTRACE_SYSCALL : PTRACE_CONT;
  ptrace(req, t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
}

void Tracer::handle_stop(Handler& h, pid_t tid, int status) {
  Tracee* t = find(tid);
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    if (!t) return;
    t->gone = true;
    if (started_) h.on_thread_exit(tid, t->tgid);
    if (tid == pid_) {
      leader_gone_ = true;
      exit_status_ = status_of(status);
    }
    return;
  }
  if (!WIFSTOPPED(status)) return;
  if (!t) {
    // A new tracee whose first stop came before its parent's clone event.
    t = &add(tid, tgid_of(tid), false);
  }
  const int sig = WSTOPSIG(status);
  const int event = (status >> 16) & 0xff;
  if (sig == (SIGTRAP | 0x80) || (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP)) {
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof info), &info) <= 0) {
      resume(*t, 0);
      return;
    }
    const bool entry =
        info.op == PTRACE_SYSCALL_INFO_SECCOMP || info.op == PTRACE_SYSCALL_INFO_ENTRY;
    if (entry) {
      const uint64_t nr = info.op == PTRACE_SYSCALL_INFO_SECCOMP ? info.seccomp.nr : info.entry.nr;
      const uint64_t* args =
          info.op == PTRACE_SYSCALL_INFO_SECCOMP ? info.seccomp.args : info.entry.args;
      if (info.arch != AUDIT_ARCH_X86_64 || !find_traced(static_cast<long>(nr))) {
        t->in_syscall = info.op == PTRACE_SYSCALL_INFO_ENTRY;  // -p: its exit comes next
        t->call = SyscallStop{};
        t->call.nr = -1;
        resume(*t, 0);
        return;
      }
      t->in_syscall = true;
      t->call = SyscallStop{};
      t->call.tid = tid;
      t->call.tgid = t->tgid;
      t->call.nr = static_cast<long>(nr);
      for (int i = 0; i < 6; ++i)
        t->call.args[i] = args[i];
      t->call.entry_ns = monotonic_ns();
      if (started_) h.on_entry(t->call);
      resume(*t, 0);
      return;
    }
    // The exit.
    const bool was_listed = t->in_syscall && t->call.nr >= 0;
    t->in_syscall = false;
    if (was_listed && started_ && info.op == PTRACE_SYSCALL_INFO_EXIT) {
      t->call.ret = static_cast<long>(info.exit.rval);
      t->call.exit_ns = monotonic_ns();
      if (t->call.entry_ns) h.on_exit(t->call);
    }
    t->call.nr = -1;
    resume(*t, 0);
    return;
  }
  if (sig == SIGTRAP &&
      (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK)) {
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg);
    const auto child = static_cast<pid_t>(msg);
    Tracee* c = find(child);
    if (!c)
      c = &add(child, tgid_of(child), false);
    else
      c->tgid = tgid_of(child);
    if (started_) {
      if (c->tgid == t->tgid)
        h.on_thread(child, t->tgid);
      else
        h.on_process(child, t->tgid);
    }
    resume(*t, 0);
    return;
  }
  if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
    unsigned long former = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former);
    // The thread that called execve now has the process's id; the others are gone.
    for (auto& o : tracees_)
      if (!o->gone && o->tgid == t->tgid && o->tid != tid && o->tid != static_cast<pid_t>(former))
        o->gone = true;
    if (static_cast<pid_t>(former) != tid) {
      if (Tracee* f = find(static_cast<pid_t>(former))) {
        t->in_syscall = f->in_syscall;
        t->call = f->call;
        f->gone = true;
      }
    }
    if (!started_ && tid == pid_) {
      started_ = true;
      t->call.entry_ns = 0;  // the execve's entry was before the start: its exit is not shown
      h.on_start(pid_);
    } else if (started_) {
      h.on_exec(t->tgid);
    }
    resume(*t, 0);
    return;
  }
  if (event == PTRACE_EVENT_STOP) {
    if (!t->seen_first_stop) {
      t->seen_first_stop = true;
      resume(*t, 0);
      return;
    }
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
      // A group-stop: the program stays stopped until SIGCONT, as it would untraced.
      t->group_stopped = true;
      ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);
      return;
    }
    // Our PTRACE_INTERRUPT (attach), or the end of a group-stop.
    t->group_stopped = false;
    if (attached_ && !started_ && tid == pid_) {
      started_ = true;
      h.on_start(pid_);
    }
    resume(*t, 0);
    return;
  }
  if (sig == SIGTRAP && event != 0) {
    resume(*t, 0);  // other events (PTRACE_EVENT_EXIT): nothing to say
    return;
  }
  // A signal for the program: deliver it.
  t->seen_first_stop = true;
  resume(*t, sig);
}

bool Tracer::finished_call_exit(pid_t tid, int status) {
  const Tracee* t = find(tid);
  return t && WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80) && t->in_syscall &&
         t->call.nr >= 0;
}

bool Tracer::epoll_wait_exit(pid_t tid, int status) {
  if (!finished_call_exit(tid, status)) return false;
  const long nr = find(tid)->call.nr;
  return nr == SYS_epoll_wait || nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2;
}

int Tracer::run(Handler& h) {
  if (attached_ && !started_) {
    // The attach interrupts arrive as PTRACE_EVENT_STOPs; the start is announced with the
    // leader's.
  }
  while (true) {
    bool any = false;
    for (auto& t : tracees_)
      any = any || !t->gone;
    if (!any) break;
    if (stop_requested_) break;
    int status = 0;
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD && attached_) {
        // An attached process is not our child: waitpid still reports its stops; ECHILD means
        // no tracee is left.
        break;
      }
      break;
    }
    if (!epoll_wait_exit(tid, status)) {
      handle_stop(h, tid, status);
    } else {
      // An epoll_wait's exit may show what another thread's call did (an eventfd write that
      // woke it), and waitpid reports waiting stops in its own order, not the kernel's. The
      // exits of other threads' calls that are waiting too had finished already: they are
      // handled first, so that the model performs a cause before the harvest that shows it.
      // Entry stops wait (their calls have not run), as do other epoll_waits' exits.
      std::vector<std::pair<pid_t, int>> after;
      int other = 0;
      for (pid_t o; (o = waitpid(-1, &other, __WALL | WNOHANG)) > 0;) {
        if (finished_call_exit(o, other) && !epoll_wait_exit(o, other))
          handle_stop(h, o, other);
        else
          after.emplace_back(o, other);
      }
      handle_stop(h, tid, status);
      for (const auto& [o, st] : after)
        handle_stop(h, o, st);
    }
    if (leader_gone_ && !attached_) {
      // The program ended: its remaining processes (children it did not wait for) go with it.
      break;
    }
  }
  if (report_fd_ >= 0) {
    // Why a started program never ran (execve failed in the child).
    int e = 0;
    char what[128] = {};
    if (!started_ && ::read(report_fd_, &e, sizeof e) == static_cast<ssize_t>(sizeof e)) {
      ssize_t n = ::read(report_fd_, what, sizeof what - 1);
      start_error_ = std::string(n > 0 ? what : "start") + ": " + std::strerror(e);
    }
    close(report_fd_);
    report_fd_ = -1;
  }
  const bool detached = attached_ && stop_requested_;
  finish();
  return detached ? -1 : exit_status_;
}

void Tracer::finish() {
  if (report_fd_ >= 0) {
    close(report_fd_);
    report_fd_ = -1;
  }
  bool any = false;
  for (auto& t : tracees_)
    any = any || !t->gone;
  if (!any) return;
  if (!attached_) {
    // A started program ends with its tracer: every process it made, then reap them. The exits
    // are taken in the order the kernel reports them (waitpid(-1)), not tracee by tracee: a
    // killed thread group's leader is reported only once its other threads are reaped, so
    // waiting for the leader first would wait forever on a zombie.
    for (auto& t : tracees_)
      if (!t->gone) kill(t->tid, SIGKILL);
    while (true) {
      bool left = false;
      for (auto& t : tracees_)
        left = left || !t->gone;
      if (!left) break;
      int st = 0;
      const pid_t w = waitpid(-1, &st, __WALL);
      // EINTR: a stop signal (a second Ctrl-C, LiveTrace's wake-up) must not cut the reaping
      // short.
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) break;  // ECHILD: nothing of ours is left to reap
      Tracee* t = find(w);
      if (!(WIFEXITED(st) || WIFSIGNALED(st))) {
        // A stop reported before the kill took effect, or the first stop of a thread or process
        // made just before it: it dies too (SIGKILL ends a ptrace-stop).
        if (!t) add(w, tgid_of(w), true);
        kill(w, SIGKILL);
        continue;
      }
      if (!t) continue;
      t->gone = true;
      if (t->tid == pid_ && !leader_gone_) {
        leader_gone_ = true;
        exit_status_ = status_of(st);
      }
    }
    return;
  }
  // Attached: stop every thread (PTRACE_INTERRUPT), then let each go where it stands.
  for (auto& t : tracees_)
    if (!t->gone) ptrace(PTRACE_INTERRUPT, t->tid, nullptr, nullptr);
  for (auto& t : tracees_) {
    if (t->gone) continue;
    for (int tries = 0; tries < 100; ++tries) {
      int st = 0;
      const pid_t w = waitpid(t->tid, &st, __WALL);
      if (w < 0 && errno == EINTR) continue;
      if (w != t->tid) break;
      if (WIFEXITED(st) || WIFSIGNALED(st)) break;
      if (!WIFSTOPPED(st)) continue;
      const int sig = WSTOPSIG(st);
      const int event = (st >> 16) & 0xff;
      const bool signal_stop = event == 0 && sig != (SIGTRAP | 0x80) && sig != SIGTRAP;
      if (ptrace(PTRACE_DETACH, t->tid, nullptr,
                 reinterpret_cast<void*>(static_cast<long>(signal_stop ? sig : 0))) == 0)
        break;
    }
    t->gone = true;
  }
}

}  // namespace epollscope::trace
