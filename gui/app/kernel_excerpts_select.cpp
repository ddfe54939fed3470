// SPDX-License-Identifier: GPL-2.0-only
// gui/app/kernel_excerpts_select.cpp — the code pane's excerpts (gui/app/kernel_source.h) of
// fs/select.c: poll, ppoll, select and pselect6 (sim/select.cpp), from the syscalls, do_sys_poll
// and core_sys_select down to the poll table's entries (__pollwait, pollwake, poll_freewait). As in
// kernel_excerpts.cpp, each is the kernel's text from the function's first line on, a tab written
// as two spaces, with the number of that line in its file, counted in the file itself; where the
// file comes from: source_origin.
#include "gui/app/kernel_source.h"

namespace epollscope::app {
namespace {

constexpr std::string_view kSelect = "fs/select.c";
constexpr std::string_view kRestLeftOut = "the rest of the function is left out";

}  // namespace

// The marks follow the sentences of sim/select.cpp's steps: do_poll and do_select say "the
// timeout is 0", "a signal is pending" or "the time is up" at the end of a pass, and name the fd
// they poll otherwise.
std::vector<SourceExcerpt> excerpts_select() {
  return {
      {"__pollwait",
       kSelect,
       219,
       R"(static void __pollwait(struct file *filp, wait_queue_head_t *wait_address,
        poll_table *p)
{
  struct poll_wqueues *pwq = container_of(p, struct poll_wqueues, pt);
  struct poll_table_entry *entry = poll_get_entry(pwq);
  if (!entry)
    return;
  entry->filp = get_file(filp);
  entry->wait_address = wait_address;
  entry->key = p->_key;
  init_waitqueue_func_entry(&entry->wait, pollwake);
  entry->wait.private = pwq;
  add_wait_queue(wait_address, &entry->wait);
})",
       {{"", "add_wait_queue(wait_address, &entry->wait);"}}},
      {"core_sys_select",
       kSelect,
       621,
       R"(int core_sys_select(int n, fd_set __user *inp, fd_set __user *outp,
         fd_set __user *exp, struct timespec64 *end_time)
{
  fd_set_bits fds;
  void *bits;
  int ret, max_fds;
  size_t size, alloc_size;
  struct fdtable *fdt;
  /* Allocate small arguments on the woke stack to save memory and be faster */
  long stack_fds[SELECT_STACK_ALLOC/sizeof(long)];

  ret = -EINVAL;
  if (unlikely(n < 0))
    goto out_nofds;

  /* max_fds can increase, so grab it once to avoid race */
  rcu_read_lock();
  fdt = files_fdtable(current->files);
  max_fds = fdt->max_fds;
  rcu_read_unlock();
  if (n > max_fds)
    n = max_fds;

  /*
   * We need 6 bitmaps (in/out/ex for both incoming and outgoing),
   * since we used fdset we need to allocate memory in units of
   * long-words. 
   */
  size = FDS_BYTES(n);
  bits = stack_fds;
  if (size > sizeof(stack_fds) / 6) {
    /* Not enough space in on-stack array; must use kmalloc */
    ret = -ENOMEM;
    if (size > (SIZE_MAX / 6))
      goto out_nofds;

    alloc_size = 6 * size;
    bits = kvmalloc(alloc_size, GFP_KERNEL);
    if (!bits)
      goto out_nofds;
  }
  fds.in      = bits;
  fds.out     = bits +   size;
  fds.ex      = bits + 2*size;
  fds.res_in  = bits + 3*size;
  fds.res_out = bits + 4*size;
  fds.res_ex  = bits + 5*size;

  if ((ret = get_fd_set(n, inp, fds.in)) ||
      (ret = get_fd_set(n, outp, fds.out)) ||
      (ret = get_fd_set(n, exp, fds.ex)))
    goto out;
  zero_fd_set(n, fds.res_in);
  zero_fd_set(n, fds.res_out);
  zero_fd_set(n, fds.res_ex);

  ret = do_select(n, &fds, end_time);)",
       {{"nfds is negative", "if (unlikely(n < 0))"},
        {"max_fds", "n = max_fds;"},
        {"of readfds faults", "if ((ret = get_fd_set(n, inp, fds.in)) ||"},
        {"of writefds faults", "(ret = get_fd_set(n, outp, fds.out)) ||"},
        {"of exceptfds faults", "(ret = get_fd_set(n, exp, fds.ex)))"},
        {"", "if (n > max_fds)"}},
       kRestLeftOut},
      {"do_poll",
       kSelect,
       876,
       R"(static int do_poll(struct poll_list *list, struct poll_wqueues *wait,
       struct timespec64 *end_time)
{
  poll_table* pt = &wait->pt;
  ktime_t expire, *to = NULL;
  int timed_out = 0, count = 0;
  u64 slack = 0;
  __poll_t busy_flag = net_busy_loop_on() ? POLL_BUSY_LOOP : 0;
  unsigned long busy_start = 0;

  /* Optimise the woke no-wait case */
  if (end_time && !end_time->tv_sec && !end_time->tv_nsec) {
    pt->_qproc = NULL;
    timed_out = 1;
  }

  if (end_time && !timed_out)
    slack = select_estimate_accuracy(end_time);

  for (;;) {
    struct poll_list *walk;
    bool can_busy_loop = false;

    for (walk = list; walk != NULL; walk = walk->next) {
      struct pollfd * pfd, * pfd_end;

      pfd = walk->entries;
      pfd_end = pfd + walk->len;
      for (; pfd != pfd_end; pfd++) {
        __poll_t mask;
        /*
         * Fish for events. If we found one, record it
         * and kill poll_table->_qproc, so we don't
         * needlessly register any other waiters after
         * this. They'll get immediately deregistered
         * when we break out and return.
         */
        mask = do_pollfd(pfd, pt, &can_busy_loop, busy_flag);
        pfd->revents = mangle_poll(mask);
        if (mask) {
          count++;
          pt->_qproc = NULL;
          /* found something, stop busy polling */
          busy_flag = 0;
          can_busy_loop = false;
        }
      }
    }
    /*
     * All waiters have already been registered, so don't provide
     * a poll_table->_qproc to them on the woke next loop iteration.
     */
    pt->_qproc = NULL;
    if (!count) {
      count = wait->error;
      if (signal_pending(current))
        count = -ERESTARTNOHAND;
    }
    if (count || timed_out)
      break;)",
       {{"timeout is 0", "pt->_qproc = NULL;"},
        {"signal is pending", "count = -ERESTARTNOHAND;"},
        {"time is up", "if (count || timed_out)"},
        {"", "mask = do_pollfd(pfd, pt, &can_busy_loop, busy_flag);"}},
       kRestLeftOut},
      {"do_pollfd",
       kSelect,
       853,
       R"(static inline __poll_t do_pollfd(struct pollfd *pollfd, poll_table *pwait,
             bool *can_busy_poll,
             __poll_t busy_flag)
{
  int fd = pollfd->fd;
  __poll_t mask, filter;

  if (unlikely(fd < 0))
    return 0;

  CLASS(fd, f)(fd);
  if (fd_empty(f))
    return EPOLLNVAL;

  /* userland u16 ->events contains POLL... bitmap */
  filter = demangle_poll(pollfd->events) | EPOLLERR | EPOLLHUP;
  pwait->_key = filter | busy_flag;
  mask = vfs_poll(fd_file(f), pwait);
  if (mask & busy_flag)
    *can_busy_poll = true;
  return mask & filter;    /* Mask out unneeded events. */
})",
       {{"is negative", "return 0;"},
        {"is not open", "return EPOLLNVAL;"},
        {"", "mask = vfs_poll(fd_file(f), pwait);"}}},
      {"do_pselect",
       kSelect,
       728,
       R"(static long do_pselect(int n, fd_set __user *inp, fd_set __user *outp,
           fd_set __user *exp, void __user *tsp,
           const sigset_t __user *sigmask, size_t sigsetsize,
           enum poll_time_type type)
{
  struct timespec64 ts, end_time, *to = NULL;
  int ret;

  if (tsp) {
    switch (type) {
    case PT_TIMESPEC:
      if (get_timespec64(&ts, tsp))
        return -EFAULT;
      break;
    case PT_OLD_TIMESPEC:
      if (get_old_timespec32(&ts, tsp))
        return -EFAULT;
      break;
    default:
      BUG();
    }

    to = &end_time;
    if (poll_select_set_timeout(to, ts.tv_sec, ts.tv_nsec))
      return -EINVAL;
  }

  ret = set_user_sigmask(sigmask, sigsetsize);
  if (ret)
    return ret;

  ret = core_sys_select(n, inp, outp, exp, to);
  return poll_select_finish(&end_time, tsp, type, ret);
})",
       {{"faults", "if (get_timespec64(&ts, tsp))"},
        {"", "ret = set_user_sigmask(sigmask, sigsetsize);"}}},
      {"do_select",
       kSelect,
       483,
       R"(static noinline_for_stack int do_select(int n, fd_set_bits *fds, struct timespec64 *end_time)
{
  ktime_t expire, *to = NULL;
  struct poll_wqueues table;
  poll_table *wait;
  int retval, i, timed_out = 0;
  u64 slack = 0;
  __poll_t busy_flag = net_busy_loop_on() ? POLL_BUSY_LOOP : 0;
  unsigned long busy_start = 0;

  rcu_read_lock();
  retval = max_select_fd(n, fds);
  rcu_read_unlock();

  if (retval < 0)
    return retval;
  n = retval;

  poll_initwait(&table);
  wait = &table.pt;
  if (end_time && !end_time->tv_sec && !end_time->tv_nsec) {
    wait->_qproc = NULL;
    timed_out = 1;
  }

  if (end_time && !timed_out)
    slack = select_estimate_accuracy(end_time);

  retval = 0;
  for (;;) {
    unsigned long *rinp, *routp, *rexp, *inp, *outp, *exp;
    bool can_busy_loop = false;

    inp = fds->in; outp = fds->out; exp = fds->ex;
    rinp = fds->res_in; routp = fds->res_out; rexp = fds->res_ex;

    for (i = 0; i < n; ++rinp, ++routp, ++rexp) {
      unsigned long in, out, ex, all_bits, bit = 1, j;
      unsigned long res_in = 0, res_out = 0, res_ex = 0;
      __poll_t mask;

      in = *inp++; out = *outp++; ex = *exp++;
      all_bits = in | out | ex;
      if (all_bits == 0) {
        i += BITS_PER_LONG;
        continue;
      }

      for (j = 0; j < BITS_PER_LONG; ++j, ++i, bit <<= 1) {
        if (i >= n)
          break;
        if (!(bit & all_bits))
          continue;
        mask = select_poll_one(i, wait, in, out, bit,
                   busy_flag);
        if ((mask & POLLIN_SET) && (in & bit)) {
          res_in |= bit;
          retval++;
          wait->_qproc = NULL;
        }
        if ((mask & POLLOUT_SET) && (out & bit)) {
          res_out |= bit;
          retval++;
          wait->_qproc = NULL;
        }
        if ((mask & POLLEX_SET) && (ex & bit)) {
          res_ex |= bit;
          retval++;
          wait->_qproc = NULL;
        }
        /* got something, stop busy polling */
        if (retval) {
          can_busy_loop = false;
          busy_flag = 0;

        /*
         * only remember a returned
         * POLL_BUSY_LOOP if we asked for it
         */
        } else if (busy_flag & mask)
          can_busy_loop = true;

      }
      if (res_in)
        *rinp = res_in;
      if (res_out)
        *routp = res_out;
      if (res_ex)
        *rexp = res_ex;
      cond_resched();
    }
    wait->_qproc = NULL;
    if (retval || timed_out || signal_pending(current))
      break;)",
       {{"timeout is 0", "wait->_qproc = NULL;"},
        {"signal is pending", "if (retval || timed_out || signal_pending(current))"},
        {"time is up", "if (retval || timed_out || signal_pending(current))"},
        {"", "mask = select_poll_one(i, wait, in, out, bit,"}},
       kRestLeftOut},
      {"do_sys_poll",
       kSelect,
       967,
       R"(static int do_sys_poll(struct pollfd __user *ufds, unsigned int nfds,
    struct timespec64 *end_time)
{
  struct poll_wqueues table;
  int err = -EFAULT, fdcount;
  /* Allocate small arguments on the woke stack to save memory and be
     faster - use long to make sure the woke buffer is aligned properly
     on 64 bit archs to avoid unaligned access */
  long stack_pps[POLL_STACK_ALLOC/sizeof(long)];
  struct poll_list *const head = (struct poll_list *)stack_pps;
   struct poll_list *walk = head;
  unsigned int todo = nfds;
  unsigned int len;

  if (nfds > rlimit(RLIMIT_NOFILE))
    return -EINVAL;

  len = min_t(unsigned int, nfds, N_STACK_PPS);
  for (;;) {
    walk->next = NULL;
    walk->len = len;
    if (!len)
      break;

    if (copy_from_user(walk->entries, ufds + nfds-todo,
          sizeof(struct pollfd) * walk->len))
      goto out_fds;

    if (walk->len >= todo)
      break;
    todo -= walk->len;

    len = min(todo, POLLFD_PER_PAGE);
    walk = walk->next = kmalloc(struct_size(walk, entries, len),
              GFP_KERNEL);
    if (!walk) {
      err = -ENOMEM;
      goto out_fds;
    }
  }

  poll_initwait(&table);
  fdcount = do_poll(head, &table, end_time);
  poll_freewait(&table);)",
       {{"RLIMIT_NOFILE", "if (nfds > rlimit(RLIMIT_NOFILE))"},
        {"copy_from_user", "if (copy_from_user(walk->entries, ufds + nfds-todo,"},
        {"", "fdcount = do_poll(head, &table, end_time);"}},
       kRestLeftOut},
      {"kern_select",
       kSelect,
       700,
       R"(static int kern_select(int n, fd_set __user *inp, fd_set __user *outp,
           fd_set __user *exp, struct __kernel_old_timeval __user *tvp)
{
  struct timespec64 end_time, *to = NULL;
  struct __kernel_old_timeval tv;
  int ret;

  if (tvp) {
    if (copy_from_user(&tv, tvp, sizeof(tv)))
      return -EFAULT;

    to = &end_time;
    if (poll_select_set_timeout(to,
        tv.tv_sec + (tv.tv_usec / USEC_PER_SEC),
        (tv.tv_usec % USEC_PER_SEC) * NSEC_PER_USEC))
      return -EINVAL;
  }

  ret = core_sys_select(n, inp, outp, exp, to);
  return poll_select_finish(&end_time, tvp, PT_TIMEVAL, ret);
})",
       {{"faults", "return -EFAULT;"}, {"", "ret = core_sys_select(n, inp, outp, exp, to);"}}},
      {"max_select_fd",
       kSelect,
       417,
       R"(static int max_select_fd(unsigned long n, fd_set_bits *fds)
{
  unsigned long *open_fds;
  unsigned long set;
  int max;
  struct fdtable *fdt;

  /* handle last in-complete long-word first */
  set = ~(~0UL << (n & (BITS_PER_LONG-1)));
  n /= BITS_PER_LONG;
  fdt = files_fdtable(current->files);
  open_fds = fdt->open_fds + n;
  max = 0;
  if (set) {
    set &= BITS(fds, n);
    if (set) {
      if (!(set & ~*open_fds))
        goto get_max;
      return -EBADF;
    }
  }
  while (n) {
    open_fds--;
    n--;
    set = BITS(fds, n);
    if (!set)
      continue;
    if (set & ~*open_fds)
      return -EBADF;
    if (max)
      continue;
get_max:
    do {
      max++;
      set >>= 1;
    } while (set);
    max += n * BITS_PER_LONG;
  }

  return max;
})",
       {{"", "return -EBADF;"}}},
      {"poll_freewait",
       kSelect,
       136,
       R"(void poll_freewait(struct poll_wqueues *pwq)
{
  struct poll_table_page * p = pwq->table;
  int i;
  for (i = 0; i < pwq->inline_index; i++)
    free_poll_entry(pwq->inline_entries + i);
  while (p) {
    struct poll_table_entry * entry;
    struct poll_table_page *old;

    entry = p->entry;
    do {
      entry--;
      free_poll_entry(entry);
    } while (entry > p->entries);
    old = p;
    p = p->next;
    free_page((unsigned long) old);
  }
})",
       {{"", "free_poll_entry(pwq->inline_entries + i);"}}},
      {"poll_initwait",
       kSelect,
       119,
       R"(void poll_initwait(struct poll_wqueues *pwq)
{
  init_poll_funcptr(&pwq->pt, __pollwait);
  pwq->polling_task = current;
  pwq->triggered = 0;
  pwq->error = 0;
  pwq->table = NULL;
  pwq->inline_index = 0;
})",
       {{"", "init_poll_funcptr(&pwq->pt, __pollwait);"}}},
      {"poll_schedule_timeout",
       kSelect,
       234,
       R"(static int poll_schedule_timeout(struct poll_wqueues *pwq, int state,
        ktime_t *expires, unsigned long slack)
{
  int rc = -EINTR;

  set_current_state(state);
  if (!READ_ONCE(pwq->triggered))
    rc = schedule_hrtimeout_range(expires, slack, HRTIMER_MODE_ABS);
  __set_current_state(TASK_RUNNING);

  /*
   * Prepare for the woke next iteration.
   *
   * The following smp_store_mb() serves two purposes.  First, it's
   * the woke counterpart rmb of the woke wmb in pollwake() such that data
   * written before wake up is always visible after wake up.
   * Second, the woke full barrier guarantees that triggered clearing
   * doesn't pass event check of the woke next iteration.  Note that
   * this problem doesn't exist for the woke first iteration as
   * add_wait_queue() has full barrier semantics.
   */
  smp_store_mb(pwq->triggered, 0);

  return rc;
})",
       {{"", "rc = schedule_hrtimeout_range(expires, slack, HRTIMER_MODE_ABS);"}}},
      {"poll_select_finish",
       kSelect,
       295,
       R"(static int poll_select_finish(struct timespec64 *end_time,
            void __user *p,
            enum poll_time_type pt_type, int ret)
{
  struct timespec64 rts;

  restore_saved_sigmask_unless(ret == -ERESTARTNOHAND);

  if (!p)
    return ret;

  if (current->personality & STICKY_TIMEOUTS)
    goto sticky;

  /* No update for zero timeout */
  if (!end_time->tv_sec && !end_time->tv_nsec)
    return ret;

  ktime_get_ts64(&rts);
  rts = timespec64_sub(*end_time, rts);
  if (rts.tv_sec < 0)
    rts.tv_sec = rts.tv_nsec = 0;


  switch (pt_type) {
  case PT_TIMEVAL:
    {
      struct __kernel_old_timeval rtv;

      if (sizeof(rtv) > sizeof(rtv.tv_sec) + sizeof(rtv.tv_usec))
        memset(&rtv, 0, sizeof(rtv));
      rtv.tv_sec = rts.tv_sec;
      rtv.tv_usec = rts.tv_nsec / NSEC_PER_USEC;
      if (!copy_to_user(p, &rtv, sizeof(rtv)))
        return ret;
    }
    break;
  case PT_OLD_TIMEVAL:
    {
      struct old_timeval32 rtv;

      rtv.tv_sec = rts.tv_sec;
      rtv.tv_usec = rts.tv_nsec / NSEC_PER_USEC;
      if (!copy_to_user(p, &rtv, sizeof(rtv)))
        return ret;
    }
    break;
  case PT_TIMESPEC:
    if (!put_timespec64(&rts, p))
      return ret;
    break;
  case PT_OLD_TIMESPEC:
    if (!put_old_timespec32(&rts, p))
      return ret;
    break;
  default:
    BUG();
  }
  /*
   * If an application puts its timeval in read-only memory, we
   * don't want the woke Linux-specific update to the woke timeval to
   * cause a fault after the woke select has completed
   * successfully. However, because we're not updating the
   * timeval, we can't restart the woke system call.
   */

sticky:
  if (ret == -ERESTARTNOHAND)
    ret = -EINTR;
  return ret;
})",
       {{"zero", "if (!end_time->tv_sec && !end_time->tv_nsec)"},
        {"timeval", "rtv.tv_usec = rts.tv_nsec / NSEC_PER_USEC;"},
        {"", "if (!put_timespec64(&rts, p))"}}},
      {"poll_select_set_timeout",
       kSelect,
       271,
       R"(int poll_select_set_timeout(struct timespec64 *to, time64_t sec, long nsec)
{
  struct timespec64 ts = {.tv_sec = sec, .tv_nsec = nsec};

  if (!timespec64_valid(&ts))
    return -EINVAL;

  /* Optimize for the woke zero timeout value here */
  if (!sec && !nsec) {
    to->tv_sec = to->tv_nsec = 0;
  } else {
    ktime_get_ts64(to);
    *to = timespec64_add_safe(*to, ts);
  }
  return 0;
})",
       {{"invalid", "if (!timespec64_valid(&ts))"}, {"", "if (!sec && !nsec) {"}}},
      {"pollwake",
       kSelect,
       208,
       R"(static int pollwake(wait_queue_entry_t *wait, unsigned mode, int sync, void *key)
{
  struct poll_table_entry *entry;

  entry = container_of(wait, struct poll_table_entry, wait);
  if (key && !(key_to_poll(key) & entry->key))
    return 0;
  return __pollwake(wait, mode, sync, key);
})",
       {{"ignored", "return 0;"}, {"", "return __pollwake(wait, mode, sync, key);"}}},
      {"ppoll",
       kSelect,
       1095,
       R"(SYSCALL_DEFINE5(ppoll, struct pollfd __user *, ufds, unsigned int, nfds,
    struct __kernel_timespec __user *, tsp, const sigset_t __user *, sigmask,
    size_t, sigsetsize)
{
  struct timespec64 ts, end_time, *to = NULL;
  int ret;

  if (tsp) {
    if (get_timespec64(&ts, tsp))
      return -EFAULT;

    to = &end_time;
    if (poll_select_set_timeout(to, ts.tv_sec, ts.tv_nsec))
      return -EINVAL;
  }

  ret = set_user_sigmask(sigmask, sigsetsize);
  if (ret)
    return ret;

  ret = do_sys_poll(ufds, nfds, to);
  return poll_select_finish(&end_time, tsp, PT_TIMESPEC, ret);
})",
       {{"faults", "if (get_timespec64(&ts, tsp))"},
        {"", "ret = set_user_sigmask(sigmask, sigsetsize);"}}},
  };
}

}  // namespace epollscope::app
