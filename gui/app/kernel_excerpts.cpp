// SPDX-License-Identifier: GPL-2.0-only
// gui/app/kernel_excerpts.cpp — the excerpts of the Linux source that the code pane shows, one per
// kernel function the model's trace steps name (gui/app/kernel_source.h). Each is the kernel's text
// from the function's first line on, a tab written as two spaces, with the number of that line in
// its file; its marks pick the line a step is at from the step's sentence (sim/ files say which
// sentence each step writes). Where each file comes from: the origins below (source_origin). The
// line numbers were counted in the files themselves, and each excerpt was checked to be a
// contiguous run of the file's lines starting there. The other files' excerpts are in
// kernel_excerpts_*.cpp.
//
// [SECTION] where the files come from
// [SECTION] fs/eventpoll.c
// [SECTION] fs/pipe.c
// [SECTION] fs/file.c
// [SECTION] the table
#include <algorithm>

#include "gui/app/kernel_source.h"

namespace epollscope::app {
namespace {

constexpr std::string_view kEventpoll = "fs/eventpoll.c";
constexpr std::string_view kPipe = "fs/pipe.c";
constexpr std::string_view kFile = "fs/file.c";
constexpr std::string_view kRestLeftOut = "the rest of the function is left out";

// ---------------------------------------------------------------------------------------------
// [SECTION] where the files come from
// ---------------------------------------------------------------------------------------------

struct FileOrigin {
  std::string_view file;
  std::string_view origin;  // the tree and commit its excerpts and line numbers are from
};

// Mainline's 6.18 line where the index of public trees holds it, linux-next where it holds a newer
// copy; Kingxukai/linux is a copy of mainline after 6.16 (its wait.c has
// add_wait_queue_priority_exclusive, its af_unix.c SO_INQ), the newest the index holds of those
// files. That copy's comments read "the woke" where the kernel's read "the"; its code is
// mainline's.
#define EPOLLSCOPE_KINGXUKAI(commit)                       \
  "Kingxukai/linux at " commit                             \
  " (mainline after 6.16; its comments read \"the woke\" " \
  "for \"the\")"
constexpr FileOrigin kOrigins[] = {
    {"fs/eventfd.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"fs/eventpoll.c", "gregkh/linux at 0229c2f26289 (6.18 line)"},
    {"fs/file.c", "linux-next at 06bf6ef32a83"},
    {"fs/file_table.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"fs/pipe.c", "linux-next at 01fa584d1587"},
    {"fs/select.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"include/net/sock.h", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"kernel/sched/core.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"kernel/sched/wait.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"kernel/sys.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"kernel/time/hrtimer.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"net/core/sock.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"lib/rbtree.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"net/ipv4/af_inet.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"net/ipv4/inet_connection_sock.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"net/ipv4/tcp.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"net/ipv4/tcp_input.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"net/ipv4/tcp_ipv4.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
    {"net/ipv4/tcp_output.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"net/ipv4/tcp_timer.c", EPOLLSCOPE_KINGXUKAI("0291023e7330")},
    {"net/unix/af_unix.c", EPOLLSCOPE_KINGXUKAI("9b44fff655e2")},
};
#undef EPOLLSCOPE_KINGXUKAI

// ---------------------------------------------------------------------------------------------
// [SECTION] fs/eventpoll.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> eventpoll_excerpts() {
  return {
      {"ep_find",
       kEventpoll,
       1178,
       R"(static struct epitem *ep_find(struct eventpoll *ep, struct file *file, int fd)
{
  int kcmp;
  struct rb_node *rbp;
  struct epitem *epi, *epir = NULL;
  struct epoll_filefd ffd;

  ep_set_ffd(&ffd, file, fd);
  for (rbp = ep->rbr.rb_root.rb_node; rbp; ) {
    epi = rb_entry(rbp, struct epitem, rbn);
    kcmp = ep_cmp_ffd(&ffd, &epi->ffd);
    if (kcmp > 0)
      rbp = rbp->rb_right;
    else if (kcmp < 0)
      rbp = rbp->rb_left;
    else {
      epir = epi;
      break;
    }
  }

  return epir;
})",
       {{"is empty", "for (rbp = ep->rbr.rb_root.rb_node; rbp; ) {"},
        {"found", "epir = epi;"},
        {"right", "rbp = rbp->rb_right;"},
        {"left", "rbp = rbp->rb_left;"},
        {"not registered", "return epir;"},
        {"", "kcmp = ep_cmp_ffd(&ffd, &epi->ffd);"}}},
      {"ep_poll_callback",
       kEventpoll,
       1251,
       R"(static int ep_poll_callback(wait_queue_entry_t *wait, unsigned mode, int sync, void *key)
{
  int pwake = 0;
  struct epitem *epi = ep_item_from_wait(wait);
  struct eventpoll *ep = epi->ep;
  __poll_t pollflags = key_to_poll(key);
  unsigned long flags;
  int ewake = 0;

  spin_lock_irqsave(&ep->lock, flags);

  ep_set_busy_poll_napi_id(epi);

  /*
   * If the event mask does not contain any poll(2) event, we consider the
   * descriptor to be disabled. This condition is likely the effect of the
   * EPOLLONESHOT bit that disables the descriptor when an event is received,
   * until the next EPOLL_CTL_MOD will be issued.
   */
  if (!(epi->event.events & ~EP_PRIVATE_BITS))
    goto out_unlock;

  /*
   * Check the events coming with the callback. At this stage, not
   * every device reports the events in the "key" parameter of the
   * callback. We need to be able to handle both cases here, hence the
   * test for "key" != NULL before the event match test.
   */
  if (pollflags && !(pollflags & epi->event.events))
    goto out_unlock;

  /*
   * If we are transferring events to userspace, we can hold no locks
   * (because we're accessing user memory, and because of linux f_op->poll()
   * semantics). All the events that happen during that period of time are
   * chained in ep->ovflist and requeued later on.
   */
  if (READ_ONCE(ep->ovflist) != EP_UNACTIVE_PTR) {
    if (epi->next == EP_UNACTIVE_PTR) {
      epi->next = READ_ONCE(ep->ovflist);
      WRITE_ONCE(ep->ovflist, epi);
      ep_pm_stay_awake_rcu(epi);
    }
  } else if (!ep_is_linked(epi)) {
    /* In the usual case, add event to ready list. */
    list_add_tail(&epi->rdllink, &ep->rdllist);
    ep_pm_stay_awake_rcu(epi);
  }

  /*
   * Wake up ( if active ) both the eventpoll wait list and the ->poll()
   * wait list.
   */
  if (waitqueue_active(&ep->wq)) {
    if ((epi->event.events & EPOLLEXCLUSIVE) &&
          !(pollflags & POLLFREE)) {
      switch (pollflags & EPOLLINOUT_BITS) {
      case EPOLLIN:
        if (epi->event.events & EPOLLIN)
          ewake = 1;
        break;
      case EPOLLOUT:
        if (epi->event.events & EPOLLOUT)
          ewake = 1;
        break;
      case 0:
        ewake = 1;
        break;
      }
    }
    if (sync)
      wake_up_sync(&ep->wq);
    else
      wake_up(&ep->wq);
  }
  if (waitqueue_active(&ep->poll_wait))
    pwake++;

out_unlock:
  spin_unlock_irqrestore(&ep->lock, flags);

  /* We have to call this outside the lock */
  if (pwake)
    ep_poll_safewake(ep, epi, pollflags & EPOLL_URING_WAKE);

  if (!(epi->event.events & EPOLLEXCLUSIVE))
    ewake = 1;)",
       {{"ONESHOT", "if (!(epi->event.events & ~EP_PRIVATE_BITS))"},
        {"does not intersect", "if (pollflags && !(pollflags & epi->event.events))"},
        {"already on ovflist", "if (epi->next == EP_UNACTIVE_PTR) {"},
        {"scan is running", "WRITE_ONCE(ep->ovflist, epi);"},
        {"joins the tail", "list_add_tail(&epi->rdllink, &ep->rdllist);"},
        {"already on the ready list", "} else if (!ep_is_linked(epi)) {"},
        {"exclusive", "if ((epi->event.events & EPOLLEXCLUSIVE) &&"},
        {"poll_wait", "ep_poll_safewake(ep, epi, pollflags & EPOLL_URING_WAKE);"},
        {"wake", "wake_up(&ep->wq);"}},
       kRestLeftOut},
      {"ep_ptable_queue_proc",
       kEventpoll,
       1362,
       R"(static void ep_ptable_queue_proc(struct file *file, wait_queue_head_t *whead,
         poll_table *pt)
{
  struct ep_pqueue *epq = container_of(pt, struct ep_pqueue, pt);
  struct epitem *epi = epq->epi;
  struct eppoll_entry *pwq;

  if (unlikely(!epi))  // an earlier allocation has failed
    return;

  pwq = kmem_cache_alloc(pwq_cache, GFP_KERNEL);
  if (unlikely(!pwq)) {
    epq->epi = NULL;
    return;
  }

  init_waitqueue_func_entry(&pwq->wait, ep_poll_callback);
  pwq->whead = whead;
  pwq->base = epi;
  if (epi->event.events & EPOLLEXCLUSIVE)
    add_wait_queue_exclusive(whead, &pwq->wait);
  else
    add_wait_queue(whead, &pwq->wait);
  pwq->next = epi->pwqlist;
  epi->pwqlist = pwq;
})",
       {{"exclusive", "add_wait_queue_exclusive(whead, &pwq->wait);"},
        {"", "    add_wait_queue(whead, &pwq->wait);"}}},
      {"ep_rbtree_insert",
       kEventpoll,
       1389,
       R"(static void ep_rbtree_insert(struct eventpoll *ep, struct epitem *epi)
{
  int kcmp;
  struct rb_node **p = &ep->rbr.rb_root.rb_node, *parent = NULL;
  struct epitem *epic;
  bool leftmost = true;

  while (*p) {
    parent = *p;
    epic = rb_entry(parent, struct epitem, rbn);
    kcmp = ep_cmp_ffd(&epi->ffd, &epic->ffd);
    if (kcmp > 0) {
      p = &parent->rb_right;
      leftmost = false;
    } else
      p = &parent->rb_left;
  }
  rb_link_node(&epi->rbn, parent, p);
  rb_insert_color_cached(&epi->rbn, &ep->rbr, leftmost);
})",
       {{"linked", "rb_link_node(&epi->rbn, parent, p);"},
        {"only node", "rb_link_node(&epi->rbn, parent, p);"},
        {"right", "p = &parent->rb_right;"},
        {"left", "p = &parent->rb_left;"},
        {"", "kcmp = ep_cmp_ffd(&epi->ffd, &epic->ffd);"}}},
      {"reverse_path_check",
       kEventpoll,
       1477,
       R"(static int reverse_path_check(void)
{
  struct epitems_head *p;

  for (p = tfile_check_list; p != EP_UNACTIVE_PTR; p = p->next) {
    int error;
    path_count_init();
    rcu_read_lock();
    error = reverse_path_check_proc(&p->epitems, 0);
    rcu_read_unlock();
    if (error)
      return error;
  }
  return 0;
})",
       {{"", "error = reverse_path_check_proc(&p->epitems, 0);"}}},
      {"ep_insert",
       kEventpoll,
       1568,
       R"(static int ep_insert(struct eventpoll *ep, const struct epoll_event *event,
         struct file *tfile, int fd, int full_check)
{
  int error, pwake = 0;
  __poll_t revents;
  struct epitem *epi;
  struct ep_pqueue epq;
  struct eventpoll *tep = NULL;

  if (is_file_epoll(tfile))
    tep = tfile->private_data;

  lockdep_assert_irqs_enabled();

  if (unlikely(percpu_counter_compare(&ep->user->epoll_watches,
              max_user_watches) >= 0))
    return -ENOSPC;
  percpu_counter_inc(&ep->user->epoll_watches);

  if (!(epi = kmem_cache_zalloc(epi_cache, GFP_KERNEL))) {
    percpu_counter_dec(&ep->user->epoll_watches);
    return -ENOMEM;
  }

  /* Item initialization follow here ... */
  INIT_LIST_HEAD(&epi->rdllink);
  epi->ep = ep;
  ep_set_ffd(&epi->ffd, tfile, fd);
  epi->event = *event;
  epi->next = EP_UNACTIVE_PTR;

  if (tep)
    mutex_lock_nested(&tep->mtx, 1);
  /* Add the current item to the list of active epoll hook for this file */
  if (unlikely(attach_epitem(tfile, epi) < 0)) {
    if (tep)
      mutex_unlock(&tep->mtx);
    kmem_cache_free(epi_cache, epi);
    percpu_counter_dec(&ep->user->epoll_watches);
    return -ENOMEM;
  }

  if (full_check && !tep)
    list_file(tfile);

  /*
   * Add the current item to the RB tree. All RB tree operations are
   * protected by "mtx", and ep_insert() is called with "mtx" held.
   */
  ep_rbtree_insert(ep, epi);
  if (tep)
    mutex_unlock(&tep->mtx);

  /*
   * ep_remove_safe() calls in the later error paths can't lead to
   * ep_free() as the ep file itself still holds an ep reference.
   */
  ep_get(ep);

  /* now check if we've created too many backpaths */
  if (unlikely(full_check && reverse_path_check())) {
    ep_remove_safe(ep, epi);
    return -EINVAL;
  }

  if (epi->event.events & EPOLLWAKEUP) {
    error = ep_create_wakeup_source(epi);
    if (error) {
      ep_remove_safe(ep, epi);
      return error;
    }
  }

  /* Initialize the poll table using the queue callback */
  epq.epi = epi;
  init_poll_funcptr(&epq.pt, ep_ptable_queue_proc);

  /*
   * Attach the item to the poll hooks and get current event bits.
   * We can safely use the file* here because its usage count has
   * been increased by the caller of this function. Note that after
   * this operation completes, the poll callback can start hitting
   * the new item.
   */
  revents = ep_item_poll(epi, &epq.pt, 1);

  /*
   * We have to check if something went wrong during the poll wait queue
   * install process. Namely an allocation for a wait queue failed due
   * high memory pressure.
   */
  if (unlikely(!epq.epi)) {
    ep_remove_safe(ep, epi);
    return -ENOMEM;
  }

  /* We have to drop the new item inside our item list to keep track of it */
  spin_lock_irq(&ep->lock);

  /* record NAPI ID of new item if present */
  ep_set_busy_poll_napi_id(epi);

  /* If the file is already "ready" we drop it inside the ready list */
  if (revents && !ep_is_linked(epi)) {
    list_add_tail(&epi->rdllink, &ep->rdllist);
    ep_pm_stay_awake(epi);

    /* Notify waiting tasks that events are available */
    if (waitqueue_active(&ep->wq))
      wake_up(&ep->wq);
    if (waitqueue_active(&ep->poll_wait))
      pwake++;
  }

  spin_unlock_irq(&ep->lock);

  /* We have to call this outside the lock */
  if (pwake)
    ep_poll_safewake(ep, NULL, 0);

  return 0;
})",
       {{"max_user_watches", "return -ENOSPC;"},
        {"a new", "epi->event = *event;"},
        {"already ready", "list_add_tail(&epi->rdllink, &ep->rdllist);"},
        {"not queued", "if (revents && !ep_is_linked(epi)) {"},
        {"polls", "revents = ep_item_poll(epi, &epq.pt, 1);"},
        {"", "static int ep_insert"}}},
      {"ep_modify",
       kEventpoll,
       1695,
       R"(static int ep_modify(struct eventpoll *ep, struct epitem *epi,
         const struct epoll_event *event)
{
  int pwake = 0;
  poll_table pt;

  lockdep_assert_irqs_enabled();

  init_poll_funcptr(&pt, NULL);

  /*
   * Set the new event interest mask before calling f_op->poll();
   * otherwise we might miss an event that happens between the
   * f_op->poll() call and the new event set registering.
   */
  epi->event.events = event->events; /* need barrier below */
  epi->event.data = event->data; /* protected by mtx */
  if (epi->event.events & EPOLLWAKEUP) {
    if (!ep_has_wakeup_source(epi))
      ep_create_wakeup_source(epi);
  } else if (ep_has_wakeup_source(epi)) {
    ep_destroy_wakeup_source(epi);
  }

  /*
   * The following barrier has two effects:
   *
   * 1) Flush epi changes above to other CPUs.  This ensures
   *    we do not miss events from ep_poll_callback if an
   *    event occurs immediately after we call f_op->poll().
   *    We need this because we did not take ep->lock while
   *    changing epi above (but ep_poll_callback does take
   *    ep->lock).
   *
   * 2) We also need to ensure we do not miss _past_ events
   *    when calling f_op->poll().  This barrier also
   *    pairs with the barrier in wq_has_sleeper (see
   *    comments for wq_has_sleeper).
   *
   * This barrier will now guarantee ep_poll_callback or f_op->poll
   * (or both) will notice the readiness of an item.
   */
  smp_mb();

  /*
   * Get current event bits. We can safely use the file* here because
   * its usage count has been increased by the caller of this function.
   * If the item is "hot" and it is not registered inside the ready
   * list, push it inside.
   */
  if (ep_item_poll(epi, &pt, 1)) {
    spin_lock_irq(&ep->lock);
    if (!ep_is_linked(epi)) {
      list_add_tail(&epi->rdllink, &ep->rdllist);
      ep_pm_stay_awake(epi);

      /* Notify waiting tasks that events are available */
      if (waitqueue_active(&ep->wq))
        wake_up(&ep->wq);
      if (waitqueue_active(&ep->poll_wait))
        pwake++;
    }
    spin_unlock_irq(&ep->lock);
  }

  /* We have to call this outside the lock */
  if (pwake)
    ep_poll_safewake(ep, NULL, 0);

  return 0;
})",
       {{"gets mask", "epi->event.events = event->events;"},
        {"keeps its place", "if (!ep_is_linked(epi)) {"},
        {"is ready", "list_add_tail(&epi->rdllink, &ep->rdllist);"},
        {"", "if (ep_item_poll(epi, &pt, 1)) {"}}},
      {"ep_send_events",
       kEventpoll,
       1767,
       R"(static int ep_send_events(struct eventpoll *ep,
        struct epoll_event __user *events, int maxevents)
{
  struct epitem *epi, *tmp;
  LIST_HEAD(txlist);
  poll_table pt;
  int res = 0;

  /*
   * Always short-circuit for fatal signals to allow threads to make a
   * timely exit without the chance of finding more events available and
   * fetching repeatedly.
   */
  if (fatal_signal_pending(current))
    return -EINTR;

  init_poll_funcptr(&pt, NULL);

  mutex_lock(&ep->mtx);
  ep_start_scan(ep, &txlist);

  /*
   * We can loop without lock because we are passed a task private list.
   * Items cannot vanish during the loop we are holding ep->mtx.
   */
  list_for_each_entry_safe(epi, tmp, &txlist, rdllink) {
    struct wakeup_source *ws;
    __poll_t revents;

    if (res >= maxevents)
      break;

    /*
     * Activate ep->ws before deactivating epi->ws to prevent
     * triggering auto-suspend here (in case we reactive epi->ws
     * below).
     *
     * This could be rearranged to delay the deactivation of epi->ws
     * instead, but then epi->ws would temporarily be out of sync
     * with ep_is_linked().
     */
    ws = ep_wakeup_source(epi);
    if (ws) {
      if (ws->active)
        __pm_stay_awake(ep->ws);
      __pm_relax(ws);
    }

    list_del_init(&epi->rdllink);

    /*
     * If the event mask intersect the caller-requested one,
     * deliver the event to userspace. Again, we are holding ep->mtx,
     * so no operations coming from userspace can change the item.
     */
    revents = ep_item_poll(epi, &pt, 1);
    if (!revents)
      continue;

    events = epoll_put_uevent(revents, epi->event.data, events);
    if (!events) {
      list_add(&epi->rdllink, &txlist);
      ep_pm_stay_awake(epi);
      if (!res)
        res = -EFAULT;
      break;
    }
    res++;
    if (epi->event.events & EPOLLONESHOT)
      epi->event.events &= EP_PRIVATE_BITS;
    else if (!(epi->event.events & EPOLLET)) {
      /*
       * If this file has been added with Level
       * Trigger mode, we need to insert back inside
       * the ready list, so that the next call to
       * epoll_wait() will check again the events
       * availability. At this point, no one can insert
       * into ep->rdllist besides us. The epoll_ctl()
       * callers are locked out by
       * ep_send_events() holding "mtx" and the
       * poll callback will queue them in ep->ovflist.
       */
      list_add_tail(&epi->rdllink, &ep->rdllist);
      ep_pm_stay_awake(epi);
    }
  }
  ep_done_scan(ep, &txlist);
  mutex_unlock(&ep->mtx);

  return res;
})",
       {{"polls 0", "if (!revents)"},
        {"copying", "if (!events) {"},
        {"ONESHOT", "epi->event.events &= EP_PRIVATE_BITS;"},
        {"back on", "list_add_tail(&epi->rdllink, &ep->rdllist);"},
        {"level", "list_add_tail(&epi->rdllink, &ep->rdllist);"},
        {"LT", "list_add_tail(&epi->rdllink, &ep->rdllist);"},
        {"reports", "res++;"},
        {"maxevents", "if (res >= maxevents)"},
        {"", "list_for_each_entry_safe(epi, tmp, &txlist, rdllink) {"}}},
      {"ep_poll",
       kEventpoll,
       1940,
       R"(static int ep_poll(struct eventpoll *ep, struct epoll_event __user *events,
       int maxevents, struct timespec64 *timeout)
{
  int res, eavail, timed_out = 0;
  u64 slack = 0;
  wait_queue_entry_t wait;
  ktime_t expires, *to = NULL;

  lockdep_assert_irqs_enabled();

  if (timeout && (timeout->tv_sec | timeout->tv_nsec)) {
    slack = select_estimate_accuracy(timeout);
    to = &expires;
    *to = timespec64_to_ktime(*timeout);
  } else if (timeout) {
    /*
     * Avoid the unnecessary trip to the wait queue loop, if the
     * caller specified a non blocking operation.
     */
    timed_out = 1;
  }

  /*
   * This call is racy: We may or may not see events that are being added
   * to the ready list under the lock (e.g., in IRQ callbacks). For cases
   * with a non-zero timeout, this thread will check the ready list under
   * lock and will add to the wait queue.  For cases with a zero
   * timeout, the user by definition should not care and will have to
   * recheck again.
   */
  eavail = ep_events_available(ep);

  while (1) {
    if (eavail) {
      res = ep_try_send_events(ep, events, maxevents);
      if (res)
        return res;
    }

    if (timed_out)
      return 0;

    eavail = ep_busy_loop(ep);
    if (eavail)
      continue;

    if (signal_pending(current))
      return -EINTR;

    /*
     * Internally init_wait() uses autoremove_wake_function(),
     * thus wait entry is removed from the wait queue on each
     * wakeup. Why it is important? In case of several waiters
     * each new wakeup will hit the next waiter, giving it the
     * chance to harvest new event. Otherwise wakeup can be
     * lost. This is also good performance-wise, because on
     * normal wakeup path no need to call __remove_wait_queue()
     * explicitly, thus ep->lock is not taken, which halts the
     * event delivery.
     *
     * In fact, we now use an even more aggressive function that
     * unconditionally removes, because we don't reuse the wait
     * entry between loop iterations. This lets us also avoid the
     * performance issue if a process is killed, causing all of its
     * threads to wake up without being removed normally.
     */
    init_wait(&wait);
    wait.func = ep_autoremove_wake_function;

    spin_lock_irq(&ep->lock);
    /*
     * Barrierless variant, waitqueue_active() is called under
     * the same lock on wakeup ep_poll_callback() side, so it
     * is safe to avoid an explicit barrier.
     */
    __set_current_state(TASK_INTERRUPTIBLE);

    /*
     * Do the final check under the lock. ep_start/done_scan()
     * plays with two lists (->rdllist and ->ovflist) and there
     * is always a race when both lists are empty for short
     * period of time although events are pending, so lock is
     * important.
     */
    eavail = ep_events_available(ep);
    if (!eavail)
      __add_wait_queue_exclusive(&ep->wq, &wait);

    spin_unlock_irq(&ep->lock);

    if (!eavail)
      timed_out = !ep_schedule_timeout(to) ||
        !schedule_hrtimeout_range(to, slack,
                HRTIMER_MODE_ABS);
    __set_current_state(TASK_RUNNING);

    /*
     * We were woken up, thus go and try to harvest some events.
     * If timed out and still on the wait queue, recheck eavail
     * carefully under lock, below.
     */
    eavail = 1;)",
       {{"harvest", "res = ep_try_send_events(ep, events, maxevents);"},
        {"signal", "return -EINTR;"},
        {"queues itself", "__add_wait_queue_exclusive(&ep->wq, &wait);"},
        {"ready list is empty", "if (timed_out)"},
        {"nothing could be reported", "if (timed_out)"},
        {"woken", "eavail = 1;"},
        {"timed out", "timed_out = !ep_schedule_timeout(to) ||"},
        {"", "eavail = ep_events_available(ep);"}},
       kRestLeftOut},
      {"ep_loop_check",
       kEventpoll,
       2137,
       R"(static int ep_loop_check(struct eventpoll *ep, struct eventpoll *to)
{
  int depth, upwards_depth;

  inserting_into = ep;
  /*
   * Check how deep down we can get from @to, and whether it is possible
   * to loop up to @ep.
   */
  depth = ep_loop_check_proc(to, 0);
  if (depth > EP_MAX_NESTS)
    return -1;
  /* Check how far up we can go from @ep. */
  rcu_read_lock();
  upwards_depth = ep_get_upwards_depth_proc(ep, 0);
  rcu_read_unlock();

  return (depth+1+upwards_depth > EP_MAX_NESTS) ? -1 : 0;
})",
       {{"loop", "if (depth > EP_MAX_NESTS)"},
        {"", "return (depth+1+upwards_depth > EP_MAX_NESTS) ? -1 : 0;"}}},
      {"ep_alloc",
       kEventpoll,
       1150,
       R"(static int ep_alloc(struct eventpoll **pep)
{
  struct eventpoll *ep;

  ep = kzalloc_obj(*ep);
  if (unlikely(!ep))
    return -ENOMEM;

  mutex_init(&ep->mtx);
  spin_lock_init(&ep->lock);
  init_waitqueue_head(&ep->wq);
  init_waitqueue_head(&ep->poll_wait);
  INIT_LIST_HEAD(&ep->rdllist);
  ep->rbr = RB_ROOT_CACHED;
  ep->ovflist = EP_UNACTIVE_PTR;
  ep->user = get_current_user();
  refcount_set(&ep->refcount, 1);

  *pep = ep;

  return 0;
})",
       {{"", "ep->ovflist = EP_UNACTIVE_PTR;"}}},
      {"do_epoll_create",
       kEventpoll,
       2171,
       R"(static int do_epoll_create(int flags)
{
  int error;
  struct eventpoll *ep;

  /* Check the EPOLL_* constant for consistency.  */
  BUILD_BUG_ON(EPOLL_CLOEXEC != O_CLOEXEC);

  if (flags & ~EPOLL_CLOEXEC)
    return -EINVAL;
  /*
   * Create the internal data structure ("struct eventpoll").
   */
  error = ep_alloc(&ep);
  if (error < 0)
    return error;
  /*
   * Creates all the items needed to setup an eventpoll file. That is,
   * a file structure and a free file descriptor.
   */
  FD_PREPARE(fdf, O_RDWR | (flags & O_CLOEXEC),
       anon_inode_getfile("[eventpoll]", &eventpoll_fops, ep,
              O_RDWR | (flags & O_CLOEXEC)));
  if (fdf.err) {
    ep_clear_and_put(ep);
    return fdf.err;
  }
  ep->file = fd_prepare_file(fdf);
  return fd_publish(fdf);
})",
       {{"EPOLL_CLOEXEC", "if (flags & ~EPOLL_CLOEXEC)"},
        {"file", "anon_inode_getfile(\"[eventpoll]\", &eventpoll_fops, ep,"},
        {"", "error = ep_alloc(&ep);"}}},
      {"epoll_create",
       kEventpoll,
       2207,
       R"(SYSCALL_DEFINE1(epoll_create, int, size)
{
  if (size <= 0)
    return -EINVAL;

  return do_epoll_create(0);
})",
       {{"", "if (size <= 0)"}}},
      {"ep_take_care_of_epollwakeup",
       kEventpoll,
       2216,
       R"(static inline void ep_take_care_of_epollwakeup(struct epoll_event *epev)
{
  if ((epev->events & EPOLLWAKEUP) && !capable(CAP_BLOCK_SUSPEND))
    epev->events &= ~EPOLLWAKEUP;
})",
       {{"", "epev->events &= ~EPOLLWAKEUP;"}}},
      {"do_epoll_ctl",
       kEventpoll,
       2240,
       R"(int do_epoll_ctl(int epfd, int op, int fd, struct epoll_event *epds,
     bool nonblock)
{
  int error;
  int full_check = 0;
  struct eventpoll *ep;
  struct epitem *epi;
  struct eventpoll *tep = NULL;

  CLASS(fd, f)(epfd);
  if (fd_empty(f))
    return -EBADF;

  /* Get the "struct file *" for the target file */
  CLASS(fd, tf)(fd);
  if (fd_empty(tf))
    return -EBADF;

  /* The target file descriptor must support poll */
  if (!file_can_poll(fd_file(tf)))
    return -EPERM;

  /* Check if EPOLLWAKEUP is allowed */
  if (ep_op_has_event(op))
    ep_take_care_of_epollwakeup(epds);

  /*
   * We have to check that the file structure underneath the file descriptor
   * the user passed to us _is_ an eventpoll file. And also we do not permit
   * adding an epoll file descriptor inside itself.
   */
  error = -EINVAL;
  if (fd_file(f) == fd_file(tf) || !is_file_epoll(fd_file(f)))
    goto error_tgt_fput;

  /*
   * epoll adds to the wakeup queue at EPOLL_CTL_ADD time only,
   * so EPOLLEXCLUSIVE is not allowed for a EPOLL_CTL_MOD operation.
   * Also, we do not currently supported nested exclusive wakeups.
   */
  if (ep_op_has_event(op) && (epds->events & EPOLLEXCLUSIVE)) {
    if (op == EPOLL_CTL_MOD)
      goto error_tgt_fput;
    if (op == EPOLL_CTL_ADD && (is_file_epoll(fd_file(tf)) ||
        (epds->events & ~EPOLLEXCLUSIVE_OK_BITS)))
      goto error_tgt_fput;
  }

  /*
   * At this point it is safe to assume that the "private_data" contains
   * our own data structure.
   */
  ep = fd_file(f)->private_data;

  /*
   * When we insert an epoll file descriptor inside another epoll file
   * descriptor, there is the chance of creating closed loops, which are
   * better be handled here, than in more critical paths. While we are
   * checking for loops we also determine the list of files reachable
   * and hang them on the tfile_check_list, so we can check that we
   * haven't created too many possible wakeup paths.
   *
   * We do not need to take the global 'epumutex' on EPOLL_CTL_ADD when
   * the epoll file descriptor is attaching directly to a wakeup source,
   * unless the epoll file descriptor is nested. The purpose of taking the
   * 'epnested_mutex' on add is to prevent complex toplogies such as loops and
   * deep wakeup paths from forming in parallel through multiple
   * EPOLL_CTL_ADD operations.
   */
  error = epoll_mutex_lock(&ep->mtx, 0, nonblock);
  if (error)
    goto error_tgt_fput;
  if (op == EPOLL_CTL_ADD) {
    if (READ_ONCE(fd_file(f)->f_ep) || ep->gen == loop_check_gen ||
        is_file_epoll(fd_file(tf))) {
      mutex_unlock(&ep->mtx);
      error = epoll_mutex_lock(&epnested_mutex, 0, nonblock);
      if (error)
        goto error_tgt_fput;
      loop_check_gen++;
      full_check = 1;
      if (is_file_epoll(fd_file(tf))) {
        tep = fd_file(tf)->private_data;
        error = -ELOOP;
        if (ep_loop_check(ep, tep) != 0)
          goto error_tgt_fput;
      }
      error = epoll_mutex_lock(&ep->mtx, 0, nonblock);
      if (error)
        goto error_tgt_fput;
    }
  }

  /*
   * Try to lookup the file inside our RB tree. Since we grabbed "mtx"
   * above, we can be sure to be able to use the item looked up by
   * ep_find() till we release the mutex.
   */
  epi = ep_find(ep, fd_file(tf), fd);

  error = -EINVAL;
  switch (op) {
  case EPOLL_CTL_ADD:
    if (!epi) {
      epds->events |= EPOLLERR | EPOLLHUP;
      error = ep_insert(ep, epds, fd_file(tf), fd, full_check);
    } else
      error = -EEXIST;
    break;
  case EPOLL_CTL_DEL:
    if (epi) {
      /*
       * The eventpoll itself is still alive: the refcount
       * can't go to zero here.
       */
      ep_remove_safe(ep, epi);
      error = 0;
    } else {
      error = -ENOENT;
    }
    break;
  case EPOLL_CTL_MOD:
    if (epi) {
      if (!(epi->event.events & EPOLLEXCLUSIVE)) {
        epds->events |= EPOLLERR | EPOLLHUP;
        error = ep_modify(ep, epi, epds);
      }
    } else
      error = -ENOENT;
    break;
  }
  mutex_unlock(&ep->mtx);

error_tgt_fput:
  if (full_check) {
    clear_tfile_check_list();
    loop_check_gen++;
    mutex_unlock(&epnested_mutex);
  }
  return error;
})",
       {{"cannot watch itself", "if (fd_file(f) == fd_file(tf) || !is_file_epoll(fd_file(f)))"},
        {"not an epoll", "if (fd_file(f) == fd_file(tf) || !is_file_epoll(fd_file(f)))"},
        {"EPOLLEXCLUSIVE", "if (ep_op_has_event(op) && (epds->events & EPOLLEXCLUSIVE)) {"},
        {"already registered", "error = -EEXIST;"},
        {"no item is registered", "error = -ENOENT;"},
        {"support poll", "return -EPERM;"},
        {"poll", "if (!file_can_poll(fd_file(tf)))"},
        {"EBADF", "return -EBADF;"},
        {"not ADD, DEL or MOD", "error = -EINVAL;"},
        {"", "epi = ep_find(ep, fd_file(tf), fd);"}}},
      {"epoll_ctl",
       kEventpoll,
       2387,
       R"(SYSCALL_DEFINE4(epoll_ctl, int, epfd, int, op, int, fd,
    struct epoll_event __user *, event)
{
  struct epoll_event epds;

  if (ep_op_has_event(op) &&
      copy_from_user(&epds, event, sizeof(struct epoll_event)))
    return -EFAULT;

  return do_epoll_ctl(epfd, op, fd, &epds, false);
})",
       {{"returns -1, errno EFAULT", "return -EFAULT;"},
        {"returns", "return do_epoll_ctl(epfd, op, fd, &epds, false);"},
        {"", "SYSCALL_DEFINE4(epoll_ctl"}}},
      {"epoll_create1",
       kEventpoll,
       2202,
       R"(SYSCALL_DEFINE1(epoll_create1, int, flags)
{
  return do_epoll_create(flags);
})",
       {{"", "return do_epoll_create(flags);"}}},
      {"epoll_wait",
       kEventpoll,
       2469,
       R"(SYSCALL_DEFINE4(epoll_wait, int, epfd, struct epoll_event __user *, events,
    int, maxevents, int, timeout)
{
  struct timespec64 to;

  return do_epoll_wait(epfd, events, maxevents,
           ep_timeout_to_timespec(&to, timeout));
})",
       {{"returns", "return do_epoll_wait(epfd, events, maxevents,"},
        {"sleeps", "return do_epoll_wait(epfd, events, maxevents,"},
        {"", "SYSCALL_DEFINE4(epoll_wait"}}},
      {"epoll_pwait",
       kEventpoll,
       2503,
       R"(SYSCALL_DEFINE6(epoll_pwait, int, epfd, struct epoll_event __user *, events,
    int, maxevents, int, timeout, const sigset_t __user *, sigmask,
    size_t, sigsetsize)
{
  struct timespec64 to;

  return do_epoll_pwait(epfd, events, maxevents,
            ep_timeout_to_timespec(&to, timeout),
            sigmask, sigsetsize);
})",
       {{"returns", "return do_epoll_pwait(epfd, events, maxevents,"},
        {"sleeps", "return do_epoll_pwait(epfd, events, maxevents,"},
        {"", "SYSCALL_DEFINE6(epoll_pwait"}}},
      {"ep_check_params",
       kEventpoll,
       2399,
       R"(static int ep_check_params(struct file *file, struct epoll_event __user *evs,
         int maxevents)
{
  /* The maximum number of event must be greater than zero */
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
    return -EINVAL;

  /* Verify that the area passed by the user is writeable */
  if (!access_ok(evs, maxevents * sizeof(struct epoll_event)))
    return -EFAULT;

  /*
   * We have to check that the file structure underneath the fd
   * the user passed to us _is_ an eventpoll file.
   */
  if (!is_file_epoll(file))
    return -EINVAL;

  return 0;
})",
       {{"maxevents", "if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)"},
        {"writ", "if (!access_ok(evs, maxevents * sizeof(struct epoll_event)))"},
        {"EFAULT", "if (!access_ok(evs, maxevents * sizeof(struct epoll_event)))"},
        {"not an epoll", "if (!is_file_epoll(file))"},
        {"", "if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)"}}},
      {"do_epoll_pwait",
       kEventpoll,
       2482,
       R"(static int do_epoll_pwait(int epfd, struct epoll_event __user *events,
        int maxevents, struct timespec64 *to,
        const sigset_t __user *sigmask, size_t sigsetsize)
{
  int error;

  /*
   * If the caller wants a certain signal mask to be set during the wait,
   * we apply it here.
   */
  error = set_user_sigmask(sigmask, sigsetsize);
  if (error)
    return error;

  error = do_epoll_wait(epfd, events, maxevents, to);

  restore_saved_sigmask_unless(error == -EINTR);

  return error;
})",
       {{"restore", "restore_saved_sigmask_unless(error == -EINTR);"},
        {"", "error = set_user_sigmask(sigmask, sigsetsize);"}}},
      {"ep_start_scan",
       kEventpoll,
       736,
       R"(static void ep_start_scan(struct eventpoll *ep, struct list_head *txlist)
{
  /*
   * Steal the ready list, and re-init the original one to the
   * empty list. Also, set ep->ovflist to NULL so that events
   * happening while looping w/out locks, are not lost. We cannot
   * have the poll callback to queue directly on ep->rdllist,
   * because we want the "sproc" callback to be able to do it
   * in a lockless way.
   */
  lockdep_assert_irqs_enabled();
  spin_lock_irq(&ep->lock);
  list_splice_init(&ep->rdllist, txlist);
  WRITE_ONCE(ep->ovflist, NULL);
  spin_unlock_irq(&ep->lock);
})",
       {{"", "list_splice_init(&ep->rdllist, txlist);"}}},
      {"ep_done_scan",
       kEventpoll,
       753,
       R"(static void ep_done_scan(struct eventpoll *ep,
       struct list_head *txlist)
{
  struct epitem *epi, *nepi;

  spin_lock_irq(&ep->lock);
  /*
   * During the time we spent inside the "sproc" callback, some
   * other events might have been queued by the poll callback.
   * We re-insert them inside the main ready-list here.
   */
  for (nepi = READ_ONCE(ep->ovflist); (epi = nepi) != NULL;
       nepi = epi->next, epi->next = EP_UNACTIVE_PTR) {
    /*
     * We need to check if the item is already in the list.
     * During the "sproc" callback execution time, items are
     * queued into ->ovflist but the "txlist" might already
     * contain them, and the list_splice() below takes care of them.
     */
    if (!ep_is_linked(epi)) {
      /*
       * ->ovflist is LIFO, so we have to reverse it in order
       * to keep in FIFO.
       */
      list_add(&epi->rdllink, &ep->rdllist);
      ep_pm_stay_awake(epi);
    }
  }
  /*
   * We need to set back ep->ovflist to EP_UNACTIVE_PTR, so that after
   * releasing the lock, events will be queued in the normal way inside
   * ep->rdllist.
   */
  WRITE_ONCE(ep->ovflist, EP_UNACTIVE_PTR);

  /*
   * Quickly re-inject items left on "txlist".
   */
  list_splice(txlist, &ep->rdllist);
  __pm_relax(ep->ws);

  if (!list_empty(&ep->rdllist)) {
    if (waitqueue_active(&ep->wq))
      wake_up(&ep->wq);
  }

  spin_unlock_irq(&ep->lock);
})",
       {{"from ovflist", "list_add(&epi->rdllink, &ep->rdllist);"},
        {"did not reach", "list_splice(txlist, &ep->rdllist);"},
        {"wake", "wake_up(&ep->wq);"},
        {"", "WRITE_ONCE(ep->ovflist, EP_UNACTIVE_PTR);"}}},
      {"ep_unregister_pollwait",
       kEventpoll,
       687,
       R"(static void ep_unregister_pollwait(struct eventpoll *ep, struct epitem *epi)
{
  struct eppoll_entry **p = &epi->pwqlist;
  struct eppoll_entry *pwq;

  while ((pwq = *p) != NULL) {
    *p = pwq->next;
    ep_remove_wait_queue(pwq);
    kmem_cache_free(pwq_cache, pwq);
  }
})",
       {{"", "ep_remove_wait_queue(pwq);"}}},
      {"__ep_remove",
       kEventpoll,
       837,
       R"(static bool __ep_remove(struct eventpoll *ep, struct epitem *epi, bool force)
{
  struct file *file = epi->ffd.file;
  struct epitems_head *to_free;
  struct hlist_head *head;

  lockdep_assert_irqs_enabled();

  /*
   * Removes poll wait queue hooks.
   */
  ep_unregister_pollwait(ep, epi);

  /* Remove the current item from the list of epoll hooks */
  spin_lock(&file->f_lock);
  if (epi->dying && !force) {
    spin_unlock(&file->f_lock);
    return false;
  }

  to_free = NULL;
  head = file->f_ep;
  if (hlist_is_singular_node(&epi->fllink, head)) {
    /* See eventpoll_release() for details. */
    WRITE_ONCE(file->f_ep, NULL);
    if (!is_file_epoll(file)) {
      struct epitems_head *v;
      v = container_of(head, struct epitems_head, epitems);
      if (!smp_load_acquire(&v->next))
        to_free = v;
    }
  }
  hlist_del_rcu(&epi->fllink);
  spin_unlock(&file->f_lock);
  free_ephead(to_free);

  rb_erase_cached(&epi->rbn, &ep->rbr);

  spin_lock_irq(&ep->lock);
  if (ep_is_linked(epi))
    list_del_init(&epi->rdllink);
  spin_unlock_irq(&ep->lock);

  wakeup_source_unregister(ep_wakeup_source(epi));
  /*
   * At this point it is safe to free the eventpoll item. Use the union
   * field epi->rcu, since we are trying to minimize the size of
   * 'struct epitem'. The 'rbn' field is no longer in use. Protected by
   * ep->mtx. The rcu read side, reverse_path_check_proc(), does not make
   * use of the rbn field.
   */
  kfree_rcu(epi, rcu);

  percpu_counter_dec(&ep->user->epoll_watches);
  return true;
})",
       {{"leaves the ready list", "list_del_init(&epi->rdllink);"},
        {"freed", "kfree_rcu(epi, rcu);"},
        {"", "rb_erase_cached(&epi->rbn, &ep->rbr);"}}},
      {"ep_eventpoll_release",
       kEventpoll,
       965,
       R"(static int ep_eventpoll_release(struct inode *inode, struct file *file)
{
  struct eventpoll *ep = file->private_data;

  if (ep)
    ep_clear_and_put(ep);

  return 0;
})",
       {{"", "ep_clear_and_put(ep);"}}},
      {"__ep_eventpoll_poll",
       kEventpoll,
       977,
       R"(static __poll_t __ep_eventpoll_poll(struct file *file, poll_table *wait, int depth)
{
  struct eventpoll *ep = file->private_data;
  LIST_HEAD(txlist);
  struct epitem *epi, *tmp;
  poll_table pt;
  __poll_t res = 0;

  init_poll_funcptr(&pt, NULL);

  /* Insert inside our poll wait queue */
  poll_wait(file, &ep->poll_wait, wait);

  /*
   * Proceed to find out if wanted events are really available inside
   * the ready list.
   */
  mutex_lock_nested(&ep->mtx, depth);
  ep_start_scan(ep, &txlist);
  list_for_each_entry_safe(epi, tmp, &txlist, rdllink) {
    if (ep_item_poll(epi, &pt, depth + 1)) {
      res = EPOLLIN | EPOLLRDNORM;
      break;
    } else {
      /*
       * Item has been dropped into the ready list by the poll
       * callback, but it's not actually ready, as far as
       * caller requested events goes. We can remove it here.
       */
      __pm_relax(ep_wakeup_source(epi));
      list_del_init(&epi->rdllink);
    }
  }
  ep_done_scan(ep, &txlist);
  mutex_unlock(&ep->mtx);
  return res;
})",
       {{"not ready: dropped", "list_del_init(&epi->rdllink);"},
        {"is readable", "res = EPOLLIN | EPOLLRDNORM;"},
        {"not readable", "return res;"},
        {"poll_wait", "poll_wait(file, &ep->poll_wait, wait);"},
        {"", "if (ep_item_poll(epi, &pt, depth + 1)) {"}}},
      {"eventpoll_release_file",
       kEventpoll,
       1116,
       R"(void eventpoll_release_file(struct file *file)
{
  struct eventpoll *ep;
  struct epitem *epi;
  bool dispose;

  /*
   * Use the 'dying' flag to prevent a concurrent ep_clear_and_put() from
   * touching the epitems list before eventpoll_release_file() can access
   * the ep->mtx.
   */
again:
  spin_lock(&file->f_lock);
  if (file->f_ep && file->f_ep->first) {
    epi = hlist_entry(file->f_ep->first, struct epitem, fllink);
    epi->dying = true;
    spin_unlock(&file->f_lock);

    /*
     * ep access is safe as we still own a reference to the ep
     * struct
     */
    ep = epi->ep;
    mutex_lock(&ep->mtx);
    dispose = __ep_remove(ep, epi, true);
    mutex_unlock(&ep->mtx);

    if (dispose && ep_refcount_dec_and_test(ep))
      ep_free(ep);
    goto again;
  }
  spin_unlock(&file->f_lock);
})",
       {{"", "dispose = __ep_remove(ep, epi, true);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] fs/pipe.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> pipe_excerpts() {
  return {
      {"anon_pipe_read",
       kPipe,
       250,
       R"(static ssize_t
anon_pipe_read(struct kiocb *iocb, struct iov_iter *to)
{
  size_t total_len = iov_iter_count(to);
  struct file *filp = iocb->ki_filp;
  struct pipe_inode_info *pipe = filp->private_data;
  bool wake_writer = false, wake_next_reader = false;
  ssize_t ret;

  /* Null read succeeds. */
  if (unlikely(total_len == 0))
    return 0;

  ret = 0;
  mutex_lock(&pipe->mutex);

  /*
   * We only wake up writers if the pipe was full when we started reading
   * and it is no longer full after reading to avoid unnecessary wakeups.
   *
   * But when we do wake up writers, we do so using a sync wakeup
   * (WF_SYNC), because we want them to get going and generate more
   * data for us.
   */
  for (;;) {
    /* Read ->head with a barrier vs post_one_notification() */
    unsigned int head = smp_load_acquire(&pipe->head);
    unsigned int tail = pipe->tail;
    unsigned int mask = pipe->ring_size - 1;

#ifdef CONFIG_WATCH_QUEUE
    if (pipe->note_loss) {
      struct watch_notification n;

      if (total_len < 8) {
        if (ret == 0)
          ret = -ENOBUFS;
        break;
      }

      n.type = WATCH_TYPE_META;
      n.subtype = WATCH_META_LOSS_NOTIFICATION;
      n.info = watch_sizeof(n);
      if (copy_to_iter(&n, sizeof(n), to) != sizeof(n)) {
        if (ret == 0)
          ret = -EFAULT;
        break;
      }
      ret += sizeof(n);
      total_len -= sizeof(n);
      pipe->note_loss = false;
    }
#endif

    if (!pipe_empty(head, tail)) {
      struct pipe_buffer *buf = &pipe->bufs[tail & mask];
      size_t chars = buf->len;
      size_t written;
      int error;

      if (chars > total_len) {
        if (buf->flags & PIPE_BUF_FLAG_WHOLE) {
          if (ret == 0)
            ret = -ENOBUFS;
          break;
        }
        chars = total_len;
      }

      error = pipe_buf_confirm(pipe, buf);
      if (error) {
        if (!ret)
          ret = error;
        break;
      }

      written = copy_page_to_iter(buf->page, buf->offset, chars, to);
      if (unlikely(written < chars)) {
        if (!ret)
          ret = -EFAULT;
        break;
      }
      ret += chars;
      buf->offset += chars;
      buf->len -= chars;

      /* Was it a packet buffer? Clean up and exit */
      if (buf->flags & PIPE_BUF_FLAG_PACKET) {
        total_len = chars;
        buf->len = 0;
      }

      if (!buf->len) {
        wake_writer |= pipe_full(head, tail, pipe->max_usage);
        tail = pipe_update_tail(pipe, buf, tail);
      }
      total_len -= chars;
      if (!total_len)
        break;  /* common path: read succeeded */
      if (!pipe_empty(head, tail))  /* More to do? */
        continue;
    }

    if (!pipe->writers)
      break;
    if (ret)
      break;
    if ((filp->f_flags & O_NONBLOCK) ||
        (iocb->ki_flags & IOCB_NOWAIT)) {
      ret = -EAGAIN;
      break;
    }
    mutex_unlock(&pipe->mutex);)",
       {{"signal", "mutex_unlock(&pipe->mutex);"},
        {"is freed", "wake_writer |= pipe_full(head, tail, pipe->max_usage);"},
        {"read from", "ret += chars;"},
        {"waits on rd_wait", "mutex_unlock(&pipe->mutex);"},
        {"EAGAIN", "ret = -EAGAIN;"},
        {"empty", "ret = -EAGAIN;"},
        {"", "if (!pipe_empty(head, tail)) {"}},
       "the rest of the function (the sleep on rd_wait and the wake-ups after) is left out"},
      {"anon_pipe_write",
       kPipe,
       435,
       R"(static ssize_t
anon_pipe_write(struct kiocb *iocb, struct iov_iter *from)
{
  struct file *filp = iocb->ki_filp;
  struct pipe_inode_info *pipe = filp->private_data;
  unsigned int head;
  ssize_t ret = 0;
  size_t total_len = iov_iter_count(from);
  ssize_t chars;
  bool was_empty = false;
  bool wake_next_writer = false;

  /*
   * Reject writing to watch queue pipes before the point where we lock
   * the pipe.
   * Otherwise, lockdep would be unhappy if the caller already has another
   * pipe locked.
   * If we had to support locking a normal pipe and a notification pipe at
   * the same time, we could set up lockdep annotations for that, but
   * since we don't actually need that, it's simpler to just bail here.
   */
  if (pipe_has_watch_queue(pipe))
    return -EXDEV;

  /* Null write succeeds. */
  if (unlikely(total_len == 0))
    return 0;

  mutex_lock(&pipe->mutex);

  if (!pipe->readers) {
    send_sig(SIGPIPE, current, 0);
    ret = -EPIPE;
    goto out;
  }

  /*
   * If it wasn't empty we try to merge new data into
   * the last buffer.
   *
   * That naturally merges small writes, but it also
   * page-aligns the rest of the writes for large writes
   * spanning multiple pages.
   */
  head = pipe->head;
  was_empty = pipe_empty(head, pipe->tail);
  chars = total_len & (PAGE_SIZE-1);
  if (chars && !was_empty) {
    unsigned int mask = pipe->ring_size - 1;
    struct pipe_buffer *buf = &pipe->bufs[(head - 1) & mask];
    int offset = buf->offset + buf->len;

    if ((buf->flags & PIPE_BUF_FLAG_CAN_MERGE) &&
        offset + chars <= PAGE_SIZE) {
      ret = pipe_buf_confirm(pipe, buf);
      if (ret)
        goto out;

      ret = copy_page_from_iter(buf->page, offset, chars, from);
      if (unlikely(ret < chars)) {
        ret = -EFAULT;
        goto out;
      }

      buf->len += ret;
      if (!iov_iter_count(from))
        goto out;
    }
  }

  for (;;) {
    if (!pipe->readers) {
      send_sig(SIGPIPE, current, 0);
      if (!ret)
        ret = -EPIPE;
      break;
    }

    head = pipe->head;
    if (!pipe_full(head, pipe->tail, pipe->max_usage)) {
      unsigned int mask = pipe->ring_size - 1;
      struct pipe_buffer *buf;
      struct page *page = pipe->tmp_page;
      int copied;

      if (!page) {
        page = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT);
        if (unlikely(!page)) {
          ret = ret ? : -ENOMEM;
          break;
        }
        pipe->tmp_page = page;
      }

      /* Allocate a slot in the ring in advance and attach an
       * empty buffer.  If we fault or otherwise fail to use
       * it, either the reader will consume it or it'll still
       * be there for the next write.
       */
      pipe->head = head + 1;

      /* Insert it into the buffer array */
      buf = &pipe->bufs[head & mask];
      buf->page = page;
      buf->ops = &anon_pipe_buf_ops;
      buf->offset = 0;
      buf->len = 0;
      if (is_packetized(filp))
        buf->flags = PIPE_BUF_FLAG_PACKET;
      else
        buf->flags = PIPE_BUF_FLAG_CAN_MERGE;
      pipe->tmp_page = NULL;

      copied = copy_page_from_iter(page, 0, PAGE_SIZE, from);
      if (unlikely(copied < PAGE_SIZE && iov_iter_count(from))) {
        if (!ret)
          ret = -EFAULT;
        break;
      }
      ret += copied;
      buf->len = copied;

      if (!iov_iter_count(from))
        break;
    }

    if (!pipe_full(head, pipe->tail, pipe->max_usage))
      continue;

    /* Wait for buffer space to become available. */
    if ((filp->f_flags & O_NONBLOCK) ||
        (iocb->ki_flags & IOCB_NOWAIT)) {
      if (!ret)
        ret = -EAGAIN;
      break;
    }
    if (signal_pending(current)) {
      if (!ret)
        ret = -ERESTARTSYS;
      break;
    }

    /*
     * We're going to release the pipe lock and wait for more
     * space. We wake up any readers if necessary, and then
     * after waiting we need to re-check whether the pipe
     * become empty while we dropped the lock.
     */
    mutex_unlock(&pipe->mutex);
    if (was_empty)
      wake_up_interruptible_sync_poll(&pipe->rd_wait, EPOLLIN | EPOLLRDNORM);
    kill_fasync(&pipe->fasync_readers, SIGIO, POLL_IN);
    wait_event_interruptible_exclusive(pipe->wr_wait, pipe_writable(pipe));
    mutex_lock(&pipe->mutex);
    was_empty = pipe_empty(pipe->head, pipe->tail);
    wake_next_writer = true;
  }
out:
  if (pipe_full(pipe->head, pipe->tail, pipe->max_usage))
    wake_next_writer = false;
  mutex_unlock(&pipe->mutex);

  /*
   * If we do do a wakeup event, we do a 'sync' wakeup, because we
   * want the reader to start processing things asap, rather than
   * leave the data pending.
   *
   * This is particularly important for small writes, because of
   * how (for example) the GNU make jobserver uses small writes to
   * wake up pending jobs
   *
   * Epoll nonsensically wants a wakeup whether the pipe
   * was already empty or not.
   */
  if (was_empty || pipe->poll_usage)
    wake_up_interruptible_sync_poll(&pipe->rd_wait, EPOLLIN | EPOLLRDNORM);
  kill_fasync(&pipe->fasync_readers, SIGIO, POLL_IN);
  if (wake_next_writer)
    wake_up_interruptible_sync_poll(&pipe->wr_wait, EPOLLOUT | EPOLLWRNORM);
  return ret;
})",
       {{"merged into", "buf->len += ret;"},
        {"go into slot", "buf->len = copied;"},
        {"non-blocking", "ret = -EAGAIN;"},
        {"signal", "ret = -ERESTARTSYS;"},
        {"waits on wr_wait",
         "wait_event_interruptible_exclusive(pipe->wr_wait, pipe_writable(pipe));"},
        {"poll_usage", "if (was_empty || pipe->poll_usage)"},
        {"no wake-up", "if (was_empty || pipe->poll_usage)"},
        {"wake", "if (was_empty || pipe->poll_usage)"},
        {"EPIPE", "ret = -EPIPE;"},
        {"", "for (;;) {"}}},
      {"pipe_poll",
       kPipe,
       674,
       R"(static __poll_t
pipe_poll(struct file *filp, poll_table *wait)
{
  __poll_t mask;
  struct pipe_inode_info *pipe = filp->private_data;
  unsigned int head, tail;

  /* Epoll has some historical nasty semantics, this enables them */
  WRITE_ONCE(pipe->poll_usage, true);

  /*
   * Reading pipe state only -- no need for acquiring the semaphore.
   *
   * But because this is racy, the code has to add the
   * entry to the poll table _first_ ..
   */
  if (filp->f_mode & FMODE_READ)
    poll_wait(filp, &pipe->rd_wait, wait);
  if (filp->f_mode & FMODE_WRITE)
    poll_wait(filp, &pipe->wr_wait, wait);

  /*
   * .. and only then can you do the racy tests. That way,
   * if something changes and you got it wrong, the poll
   * table entry will wake you up and fix it.
   */
  head = READ_ONCE(pipe->head);
  tail = READ_ONCE(pipe->tail);

  mask = 0;
  if (filp->f_mode & FMODE_READ) {
    if (!pipe_empty(head, tail))
      mask |= EPOLLIN | EPOLLRDNORM;
    if (!pipe->writers && filp->f_pipe != pipe->w_counter)
      mask |= EPOLLHUP;
  }

  if (filp->f_mode & FMODE_WRITE) {
    if (!pipe_full(head, tail, pipe->max_usage))
      mask |= EPOLLOUT | EPOLLWRNORM;
    /*
     * Most Unices do not set EPOLLERR for FIFOs but on Linux they
     * behave exactly like pipes for poll().
     */
    if (!pipe->readers)
      mask |= EPOLLERR;
  }

  return mask;
})",
       {{"poll_usage", "WRITE_ONCE(pipe->poll_usage, true);"}, {"", "return mask;"}}},
      {"pipe_release",
       kPipe,
       740,
       R"(static int
pipe_release(struct inode *inode, struct file *file)
{
  struct pipe_inode_info *pipe = file->private_data;

  mutex_lock(&pipe->mutex);
  if (file->f_mode & FMODE_READ)
    pipe->readers--;
  if (file->f_mode & FMODE_WRITE)
    pipe->writers--;

  /* Was that the last reader or writer, but not the other side? */
  if (!pipe->readers != !pipe->writers) {
    wake_up_interruptible_all(&pipe->rd_wait);
    wake_up_interruptible_all(&pipe->wr_wait);
    kill_fasync(&pipe->fasync_readers, SIGIO, POLL_IN);
    kill_fasync(&pipe->fasync_writers, SIGIO, POLL_OUT);
  }
  mutex_unlock(&pipe->mutex);

  put_pipe_info(inode, pipe);
  return 0;
})",
       {{"wake", "if (!pipe->readers != !pipe->writers) {"},
        {"", "if (!pipe->readers != !pipe->writers) {"}}},
      {"create_pipe_files",
       kPipe,
       940,
       R"(int create_pipe_files(struct file **res, int flags)
{
  struct inode *inode = get_pipe_inode();
  struct file *f;
  int error;

  if (!inode)
    return -ENFILE;

  if (flags & O_NOTIFICATION_PIPE) {
    error = watch_queue_init(inode->i_pipe);
    if (error) {
      free_pipe_info(inode->i_pipe);
      iput(inode);
      return error;
    }
  }

  f = alloc_file_pseudo(inode, pipe_mnt, "",
        O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)),
        &pipeanon_fops);
  if (IS_ERR(f)) {
    free_pipe_info(inode->i_pipe);
    iput(inode);
    return PTR_ERR(f);
  }

  f->private_data = inode->i_pipe;
  f->f_pipe = 0;

  res[0] = alloc_file_clone(f, O_RDONLY | (flags & O_NONBLOCK),
          &pipeanon_fops);
  if (IS_ERR(res[0])) {
    put_pipe_info(inode, inode->i_pipe);
    fput(f);
    return PTR_ERR(res[0]);
  }
  res[0]->private_data = inode->i_pipe;
  res[0]->f_pipe = 0;
  res[1] = f;
  stream_open(inode, res[0]);
  stream_open(inode, res[1]);
  /*
   * Disable permission and pre-content events, but enable legacy
   * inotify events for legacy users.
   */
  file_set_fsnotify_mode(res[0], FMODE_NONOTIFY_PERM);
  file_set_fsnotify_mode(res[1], FMODE_NONOTIFY_PERM);
  return 0;
})",
       {{"", "struct inode *inode = get_pipe_inode();"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] fs/file.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> file_excerpts() {
  return {
      {"fd_install",
       kFile,
       645,
       R"(void fd_install(unsigned int fd, struct file *file)
{
  struct files_struct *files = current->files;
  struct fdtable *fdt;

  if (WARN_ON_ONCE(unlikely(file->f_mode & FMODE_BACKING)))
    return;

  rcu_read_lock_sched();

  if (unlikely(files->resize_in_progress)) {
    rcu_read_unlock_sched();
    spin_lock(&files->file_lock);
    fdt = files_fdtable(files);
    VFS_BUG_ON(rcu_access_pointer(fdt->fd[fd]) != NULL);
    rcu_assign_pointer(fdt->fd[fd], file);
    spin_unlock(&files->file_lock);
    return;
  }
  /* coupled with smp_wmb() in expand_fdtable() */
  smp_rmb();
  fdt = rcu_dereference_sched(files->fdt);
  VFS_BUG_ON(rcu_access_pointer(fdt->fd[fd]) != NULL);
  rcu_assign_pointer(fdt->fd[fd], file);
  rcu_read_unlock_sched();
})",
       {{"", "fdt = rcu_dereference_sched(files->fdt);"}}},
      {"file_close_fd",
       kFile,
       843,
       R"(struct file *file_close_fd(unsigned int fd)
{
  struct files_struct *files = current->files;
  struct file *file;

  spin_lock(&files->file_lock);
  file = file_close_fd_locked(files, fd);
  spin_unlock(&files->file_lock);

  return file;
})",
       {{"", "file = file_close_fd_locked(files, fd);"}}},
  };
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] the table
// ---------------------------------------------------------------------------------------------

std::string_view source_origin(std::string_view file) {
  for (const FileOrigin& o : kOrigins)
    if (o.file == file) return o.origin;
  return {};
}

const std::vector<SourceExcerpt>& kernel_excerpts() {
  static const std::vector<SourceExcerpt> all = [] {
    std::vector<SourceExcerpt> v;
    for (auto part : {eventpoll_excerpts,  pipe_excerpts,
                      file_excerpts,       excerpts_rbtree,
                      excerpts_eventfd,    excerpts_wait,
                      excerpts_file_table, excerpts_sys,
                      excerpts_hrtimer,    excerpts_af_unix,
                      excerpts_tcp_timer,  excerpts_af_inet,
                      excerpts_tcp_ipv4,   excerpts_inet_connection_sock,
                      excerpts_tcp_output, excerpts_sock,
                      excerpts_tcp,        excerpts_tcp_input,
                      excerpts_sock_h,     excerpts_sched_core,
                      excerpts_select})
      for (SourceExcerpt& e : part())
        v.push_back(std::move(e));
    std::sort(v.begin(), v.end(), [](const SourceExcerpt& a, const SourceExcerpt& b) {
      return a.function < b.function;
    });
    return v;
  }();
  return all;
}

}  // namespace epollscope::app
