// sim/kernel.h — the simulated kernel and the syscall layer of one simulated process.
//
// Kernel owns everything the model knows: open files (and through them pipes, sockets, eventfds
// and epoll instances), the process's fd table, its threads (tasks), a virtual clock, the global
// epoll state of fs/eventpoll.c (max_user_watches, the user's watch count, loop_check_gen,
// tfile_check_list), the slab caches of epitems and eppoll_entries, the kernel profile and the
// trace sink.
//
// Each syscall method performs the call for one task exactly as the kernel orders its checks and
// returns a SysResult (a value, or -1 and an errno, never an exception). A call that must sleep
// returns `blocked`; its result arrives later, after a wake-up or a timeout, as a Completion.
// After every syscall the Kernel runs the tasks that the call woke, in the order they were woken,
// so by the time a syscall method returns, every consequence of the call has happened.
//
// Fd numbers follow the kernel's rule: the lowest free number (files->next_fd), below
// RLIMIT_NOFILE (EMFILE above it).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sim/eventpoll.h"
#include "sim/file.h"
#include "sim/profile.h"
#include "sim/slab.h"
#include "sim/task.h"
#include "sim/trace.h"

namespace epollscope::sim {

class TcpNet;

struct SysResult {
  long ret = 0;                    // return value; -1 on error
  int err = 0;                     // errno when ret == -1
  bool blocked = false;            // the task sleeps; the result comes later as a Completion
  std::vector<EpollEvent> events;  // epoll_wait: the events copied out, in order
  uint64_t value = 0;              // eventfd_read: the value read
  int fds[2] = {-1, -1};           // pipe2 / socketpair: the two new fds

  static SysResult value_of(long v) {
    SysResult r;
    r.ret = v;
    return r;
  }
  static SysResult error(int e) {
    SysResult r;
    r.ret = -1;
    r.err = e;
    return r;
  }
  bool failed() const { return ret < 0 && !blocked; }
};

// A syscall of a sleeping task that finished after a wake-up or a timeout.
struct Completion {
  uint32_t task = 0;
  std::string call;  // what the task slept in, "epoll_wait(3, 8, -1)"
  SysResult result;
};

struct FdSlot {
  File* file = nullptr;
  bool cloexec = false;
};

class Kernel {
 public:
  explicit Kernel(const KernelProfile& profile = KernelProfile::default_profile());
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const KernelProfile& profile() const { return profile_; }

  // --- threads -----------------------------------------------------------------------------
  Task& main_task() { return *tasks_.front(); }
  Task& create_task(std::string name);
  Task* find_task(std::string_view name);
  const std::vector<std::unique_ptr<Task>>& tasks() const { return tasks_; }

  // --- syscalls ----------------------------------------------------------------------------
  SysResult epoll_create(Task& t, int size);
  SysResult epoll_create1(Task& t, int flags);
  // `event` nullopt stands for an event pointer that faults (NULL).
  SysResult epoll_ctl(Task& t, int epfd, int op, int fd, std::optional<EpollEvent> event);
  // `buffer`: a valid events buffer, NULL (faults only when an event is copied) or a kernel
  // address (refused by access_ok).
  SysResult epoll_wait(Task& t, int epfd, int maxevents, int timeout_ms,
                       UserBuffer buffer = UserBuffer::kValid);
  SysResult pipe2(Task& t, int flags);
  SysResult socketpair(Task& t, int flags);  // AF_UNIX, SOCK_STREAM | flags
  SysResult eventfd2(Task& t, unsigned initval, int flags);
  SysResult tcp_listen(Task& t, int backlog, int flags);     // socket + bind 127.0.0.1:0 + listen
  SysResult tcp_connect(Task& t, int listen_fd, int flags);  // socket + connect to that listener
  SysResult accept4(Task& t, int fd, int flags);
  SysResult read(Task& t, int fd, std::size_t count);
  // `first8`: the data's first 8 bytes as a little-endian number, which is what an eventfd adds to
  // its counter (the model keeps no other bytes); by default the scenario language's filler,
  // "xxxxxxxx".
  static constexpr uint64_t kFiller8 = 0x7878787878787878ULL;
  SysResult write(Task& t, int fd, std::size_t count, uint64_t first8 = kFiller8);
  SysResult recv(Task& t, int fd, std::size_t count, int flags);
  SysResult send(Task& t, int fd, std::size_t count, int flags);
  SysResult eventfd_read(Task& t, int fd);
  SysResult eventfd_write(Task& t, int fd, uint64_t value);
  SysResult shutdown(Task& t, int fd, int how);
  SysResult set_sndbuf(Task& t, int fd, int v);  // setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v)
  SysResult close(Task& t, int fd);
  SysResult dup(Task& t, int fd);
  SysResult dup2(Task& t, int oldfd, int newfd);
  SysResult open_regular(Task& t, std::string name);  // a file without ->poll (EPERM in epoll_ctl)
  SysResult setrlimit_nofile(Task& t, long limit);

  // --- time and sleeping tasks ---------------------------------------------------------------
  int64_t now_ns() const { return now_ns_; }
  // The earliest deadline of a sleeping task, if any.
  std::optional<int64_t> next_timer() const;
  // Moves the clock forward to `t` (never backwards), firing timers in deadline order and running
  // the tasks they wake.
  void advance_clock_to(int64_t t);
  // Results of sleeping syscalls that have finished since the last call.
  std::vector<Completion> take_completions();
  bool has_sleeping_tasks() const;

  // --- concurrency, for teaching -------------------------------------------------------------
  // Something that happens "on another CPU" while epoll_wait copies events out: `action` runs
  // once, inside the next ep_send_events of the epoll `ep_id` (0 = any), after `after_items`
  // ready items were processed. Only file events belong here (writes, reads): operations that
  // need ep->mtx would wait for the scan to end in the kernel.
  void set_scan_hook(uint32_t ep_id, int after_items, std::function<void(Kernel&)> action);
  void run_scan_hook(EventPoll* ep);

  // --- configuration -------------------------------------------------------------------------
  void set_max_user_watches(long n) { max_user_watches_ = n; }
  long max_user_watches() const { return max_user_watches_; }
  long epoll_watches() const { return epoll_watches_; }

  // --- tracing -------------------------------------------------------------------------------
  void set_trace_sink(TraceSink* sink) { sink_ = sink; }
  bool tracing() const { return sink_ != nullptr; }
  void step(StepKind kind, const char* function, std::string text,
            std::initializer_list<ObjRef> touched = {});
  void step(StepKind kind, const char* function, std::string text, std::vector<ObjRef> touched);
  uint32_t call_number() const { return call_; }
  // RAII nesting of trace steps.
  class Nest {
   public:
    explicit Nest(Kernel& k) : k_(k) { ++k_.depth_; }
    ~Nest() { --k_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Kernel& k_;
  };

  // --- state, read-only, for snapshots and the invariant checker ---------------------------
  const std::vector<FdSlot>& fd_table() const { return fds_; }
  File* file_at(int fd) const;  // fdget: nullptr when the fd is not open
  // Live files in creation order.
  std::vector<const File*> files() const;
  std::vector<File*> files();
  std::size_t epitems_in_use() const { return epi_cache_.in_use(); }
  std::size_t eppoll_entries_in_use() const { return pwq_cache_.in_use() + embedded_pwqs_; }
  // eppoll_entries stored inside their epitems (the first of each item; sim/eventpoll.h).
  std::size_t& embedded_pwqs_in_use() { return embedded_pwqs_; }

  // --- internals shared by the modelled kernel code ----------------------------------------
  uint32_t new_id() { return ++next_id_; }
  // "pipe#2": labels are numbered per kind, in creation order, for people to read.
  std::string new_label(const std::string& kind) {
    return kind + "#" + std::to_string(++label_counts_[kind]);
  }
  uint64_t new_file_address();
  // Gives `f` another ep_cmp_ffd key (the live backend teaches the model the kernel's order) and
  // updates its epitems. Keys stay unique among live files, as pointers are: false when `a` is
  // another live file's key.
  bool set_file_address(File* f, uint64_t a);
  SlabCache<EpItem>& epi_cache() { return epi_cache_; }
  SlabCache<EppollEntry>& pwq_cache() { return pwq_cache_; }
  long& epoll_watches_counter() { return epoll_watches_; }
  TcpNet& tcp_net();

  // Global state of fs/eventpoll.c.
  uint64_t loop_check_gen = 0;
  EventPoll* inserting_into = nullptr;
  std::vector<File*> tfile_check_list;
  int path_count[5] = {0, 0, 0, 0, 0};

  // Takes ownership of a new file (not yet in the fd table).
  template <class F, class... Args>
  F* make_file(Args&&... args) {
    auto owned = std::make_unique<F>(*this, std::forward<Args>(args)...);
    F* raw = owned.get();
    adopt_file(std::move(owned));
    return raw;
  }
  // fget/fput on behalf of a sleeping syscall.
  void get_file(File* f) { ++f->f_count; }
  void fput(File* f);

  // try_to_wake_up: makes a sleeping task runnable; false if it was not sleeping.
  bool wake_task(Task& t, bool by_timer);
  // The task sleeps (TASK_INTERRUPTIBLE) until a wake-up or its deadline. Its wait entry is already
  // on a queue if a wake-up is to reach it.
  void sleep_task(Task& t, std::optional<int64_t> deadline);

 private:
  friend class Nest;
  void adopt_file(std::unique_ptr<File> f);
  void destroy_file(File* f);
  // get_unused_fd_flags / fd_install
  int alloc_fd(int start);
  void install_fd(int fd, File* f, bool cloexec);
  void put_unused_fd(int fd);
  SysResult install_pair(File* a, File* b, bool cloexec);
  // The wrappers every syscall method goes through: numbers the call, traces entry and result,
  // then runs the tasks the call woke.
  template <class Describe>
  void begin_call(Task& t, Describe&& describe) {
    ++call_;
    if (tracing()) trace_call(t, describe());
    ++depth_;
  }
  void trace_call(Task& t, std::string text);
  SysResult do_epoll_create(int flags);
  SysResult end_call(Task& t, SysResult r);
  void run_woken_tasks();
  SysResult do_io(Task& t, int fd, const char* name, bool is_write, IoRequest io);

  const KernelProfile& profile_;
  TraceSink* sink_ = nullptr;
  uint64_t seq_ = 0;
  uint32_t call_ = 0;
  uint8_t depth_ = 0;
  uint32_t next_id_ = 0;
  std::map<std::string, uint32_t> label_counts_;
  uint64_t next_address_ = 0;
  std::unordered_set<uint64_t> used_addresses_;  // the keys of live files
  int64_t now_ns_ = 0;

  std::vector<std::unique_ptr<Task>> tasks_;
  std::deque<Task*> runqueue_;
  std::vector<Completion> completions_;

  std::vector<FdSlot> fds_;
  int next_fd_ = 0;
  long rlimit_nofile_ = 1024;

  std::map<uint32_t, std::unique_ptr<File>> file_table_;  // by id = creation order

  long max_user_watches_ =
      5491511;  // /proc/sys/fs/epoll/max_user_watches on the project's machines
  long epoll_watches_ = 0;
  SlabCache<EpItem> epi_cache_;
  SlabCache<EppollEntry> pwq_cache_;
  std::size_t embedded_pwqs_ = 0;
  std::unique_ptr<TcpNet> tcp_net_;

  struct ScanHook {
    uint32_t ep_id = 0;
    int remaining = 0;
    std::function<void(Kernel&)> action;
  };
  std::optional<ScanHook> scan_hook_;
  bool in_scan_hook_ = false;
};

}  // namespace epollscope::sim
