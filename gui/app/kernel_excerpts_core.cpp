// SPDX-License-Identifier: GPL-2.0-only
// gui/app/kernel_excerpts_core.cpp — the code pane's excerpts (gui/app/kernel_source.h) of the
// kernel's core outside fs/eventpoll.c: the red-black tree, eventfd, the wait queues, prlimit, the
// hrtimer. As in kernel_excerpts.cpp, each is the kernel's text from the function's first line on,
// a tab written as two spaces, with the number of that line in its file, counted in the file
// itself; where each file comes from: source_origin.
//
// [SECTION] lib/rbtree.c
// [SECTION] fs/eventfd.c
// [SECTION] kernel/sched/wait.c
// [SECTION] fs/file_table.c
// [SECTION] kernel/sys.c
// [SECTION] kernel/time/hrtimer.c
// [SECTION] kernel/sched/core.c
#include "gui/app/kernel_source.h"

namespace epollscope::app {
namespace {

constexpr std::string_view kRbtree = "lib/rbtree.c";
constexpr std::string_view kEventfd = "fs/eventfd.c";
constexpr std::string_view kWait = "kernel/sched/wait.c";
constexpr std::string_view kFileTable = "fs/file_table.c";
constexpr std::string_view kSys = "kernel/sys.c";
constexpr std::string_view kHrtimer = "kernel/time/hrtimer.c";
constexpr std::string_view kSchedCore = "kernel/sched/core.c";
constexpr std::string_view kRestLeftOut = "the rest of the function is left out";

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] lib/rbtree.c
// ---------------------------------------------------------------------------------------------

// rb_insert_color is a call of __rb_insert, which the kernel inlines: the model's steps are its
// cases, so its body is shown (SourceExcerpt::shown).
std::vector<SourceExcerpt> excerpts_rbtree() {
  return {
      {"rb_insert_color",
       kRbtree,
       84,
       R"(static __always_inline void
__rb_insert(struct rb_node *node, struct rb_root *root,
      void (*augment_rotate)(struct rb_node *old, struct rb_node *new))
{
  struct rb_node *parent = rb_red_parent(node), *gparent, *tmp;

  while (true) {
    /*
     * Loop invariant: node is red.
     */
    if (unlikely(!parent)) {
      /*
       * The inserted node is root. Either this is the
       * first node, or we recursed at Case 1 below and
       * are no longer violating 4).
       */
      rb_set_parent_color(node, NULL, RB_BLACK);
      break;
    }

    /*
     * If there is a black parent, we are done.
     * Otherwise, take some corrective action as,
     * per 4), we don't want a red root or two
     * consecutive red nodes.
     */
    if(rb_is_black(parent))
      break;

    gparent = rb_red_parent(parent);

    tmp = gparent->rb_right;
    if (parent != tmp) {  /* parent == gparent->rb_left */
      if (tmp && rb_is_red(tmp)) {
        /*
         * Case 1 - node's uncle is red (color flips).
         *
         *       G            g
         *      / \          / \
         *     p   u  -->   P   U
         *    /            /
         *   n            n
         *
         * However, since g's parent might be red, and
         * 4) does not allow this, we need to recurse
         * at g.
         */
        rb_set_parent_color(tmp, gparent, RB_BLACK);
        rb_set_parent_color(parent, gparent, RB_BLACK);
        node = gparent;
        parent = rb_parent(node);
        rb_set_parent_color(node, parent, RB_RED);
        continue;
      }

      tmp = parent->rb_right;
      if (node == tmp) {
        /*
         * Case 2 - node's uncle is black and node is
         * the woke parent's right child (left rotate at parent).
         *
         *      G             G
         *     / \           / \
         *    p   U  -->    n   U
         *     \           /
         *      n         p
         *
         * This still leaves us in violation of 4), the
         * continuation into Case 3 will fix that.
         */
        tmp = node->rb_left;
        WRITE_ONCE(parent->rb_right, tmp);
        WRITE_ONCE(node->rb_left, parent);
        if (tmp)
          rb_set_parent_color(tmp, parent,
                  RB_BLACK);
        rb_set_parent_color(parent, node, RB_RED);
        augment_rotate(parent, node);
        parent = node;
        tmp = node->rb_right;
      }

      /*
       * Case 3 - node's uncle is black and node is
       * the woke parent's left child (right rotate at gparent).
       *
       *        G           P
       *       / \         / \
       *      p   U  -->  n   g
       *     /                 \
       *    n                   U
       */
      WRITE_ONCE(gparent->rb_left, tmp); /* == parent->rb_right */
      WRITE_ONCE(parent->rb_right, gparent);
      if (tmp)
        rb_set_parent_color(tmp, gparent, RB_BLACK);
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      augment_rotate(gparent, parent);
      break;
    } else {
      tmp = gparent->rb_left;
      if (tmp && rb_is_red(tmp)) {
        /* Case 1 - color flips */
        rb_set_parent_color(tmp, gparent, RB_BLACK);
        rb_set_parent_color(parent, gparent, RB_BLACK);
        node = gparent;
        parent = rb_parent(node);
        rb_set_parent_color(node, parent, RB_RED);
        continue;
      }

      tmp = parent->rb_left;
      if (node == tmp) {
        /* Case 2 - right rotate at parent */
        tmp = node->rb_right;
        WRITE_ONCE(parent->rb_left, tmp);
        WRITE_ONCE(node->rb_right, parent);
        if (tmp)
          rb_set_parent_color(tmp, parent,
                  RB_BLACK);
        rb_set_parent_color(parent, node, RB_RED);
        augment_rotate(parent, node);
        parent = node;
        tmp = node->rb_left;
      }

      /* Case 3 - left rotate at gparent */
      WRITE_ONCE(gparent->rb_right, tmp); /* == parent->rb_left */
      WRITE_ONCE(parent->rb_left, gparent);
      if (tmp)
        rb_set_parent_color(tmp, gparent, RB_BLACK);
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      augment_rotate(gparent, parent);
      break;
    }
  }
})",
       {{"root of rbr", "rb_set_parent_color(node, NULL, RB_BLACK);"},
        {"red uncle", "rb_set_parent_color(tmp, gparent, RB_BLACK);"},
        {"rotate at parent: left", "WRITE_ONCE(parent->rb_right, tmp);"},
        {"rotate at parent: right", "WRITE_ONCE(parent->rb_left, tmp);"},
        {"rotate at grandparent: right",
         "WRITE_ONCE(gparent->rb_left, tmp); /* == parent->rb_right */"},
        {"rotate at grandparent: left",
         "WRITE_ONCE(gparent->rb_right, tmp); /* == parent->rb_left */"},
        {"", "if(rb_is_black(parent))"}},
       "rb_insert_color (lib/rbtree.c:434) is __rb_insert(node, root, dummy_rotate): its body, "
       "inlined, is shown",
       "__rb_insert"},
      {"rb_erase",
       kRbtree,
       440,
       R"(void rb_erase(struct rb_node *node, struct rb_root *root)
{
  struct rb_node *rebalance;
  rebalance = __rb_erase_augmented(node, root, &dummy_callbacks);
  if (rebalance)
    ____rb_erase_color(rebalance, root, dummy_rotate);
})",
       {{"", "rebalance = __rb_erase_augmented(node, root, &dummy_callbacks);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] fs/eventfd.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_eventfd() {
  return {
      {"eventfd_read",
       kEventfd,
       214,
       R"(static ssize_t eventfd_read(struct kiocb *iocb, struct iov_iter *to)
{
  struct file *file = iocb->ki_filp;
  struct eventfd_ctx *ctx = file->private_data;
  __u64 ucnt = 0;

  if (iov_iter_count(to) < sizeof(ucnt))
    return -EINVAL;
  spin_lock_irq(&ctx->wqh.lock);
  if (!ctx->count) {
    if ((file->f_flags & O_NONBLOCK) ||
        (iocb->ki_flags & IOCB_NOWAIT)) {
      spin_unlock_irq(&ctx->wqh.lock);
      return -EAGAIN;
    }

    if (wait_event_interruptible_locked_irq(ctx->wqh, ctx->count)) {
      spin_unlock_irq(&ctx->wqh.lock);
      return -ERESTARTSYS;
    }
  }
  eventfd_ctx_do_read(ctx, &ucnt);
  current->in_eventfd = 1;
  if (waitqueue_active(&ctx->wqh))
    wake_up_locked_poll(&ctx->wqh, EPOLLOUT);
  current->in_eventfd = 0;
  spin_unlock_irq(&ctx->wqh.lock);
  if (unlikely(copy_to_iter(&ucnt, sizeof(ucnt), to) != sizeof(ucnt)))
    return -EFAULT;

  return sizeof(ucnt);
})",
       {{"EAGAIN", "return -EAGAIN;"}, {"", "eventfd_ctx_do_read(ctx, &ucnt);"}}},
      {"eventfd_write",
       kEventfd,
       247,
       R"(static ssize_t eventfd_write(struct file *file, const char __user *buf, size_t count,
           loff_t *ppos)
{
  struct eventfd_ctx *ctx = file->private_data;
  ssize_t res;
  __u64 ucnt;

  if (count != sizeof(ucnt))
    return -EINVAL;
  if (copy_from_user(&ucnt, buf, sizeof(ucnt)))
    return -EFAULT;
  if (ucnt == ULLONG_MAX)
    return -EINVAL;
  spin_lock_irq(&ctx->wqh.lock);
  res = -EAGAIN;
  if (ULLONG_MAX - ctx->count > ucnt)
    res = sizeof(ucnt);
  else if (!(file->f_flags & O_NONBLOCK)) {
    res = wait_event_interruptible_locked_irq(ctx->wqh,
        ULLONG_MAX - ctx->count > ucnt);
    if (!res)
      res = sizeof(ucnt);
  }
  if (likely(res > 0)) {
    ctx->count += ucnt;
    current->in_eventfd = 1;
    if (waitqueue_active(&ctx->wqh))
      wake_up_locked_poll(&ctx->wqh, EPOLLIN);
    current->in_eventfd = 0;
  }
  spin_unlock_irq(&ctx->wqh.lock);

  return res;
})",
       {{"overflow", "res = -EAGAIN;"}, {"", "ctx->count += ucnt;"}}},
      {"do_eventfd",
       kEventfd,
       379,
       R"(static int do_eventfd(unsigned int count, int flags)
{
  struct eventfd_ctx *ctx;
  struct file *file;
  int fd;

  /* Check the woke EFD_* constants for consistency.  */
  BUILD_BUG_ON(EFD_CLOEXEC != O_CLOEXEC);
  BUILD_BUG_ON(EFD_NONBLOCK != O_NONBLOCK);
  BUILD_BUG_ON(EFD_SEMAPHORE != (1 << 0));

  if (flags & ~EFD_FLAGS_SET)
    return -EINVAL;

  ctx = kmalloc(sizeof(*ctx), GFP_KERNEL);
  if (!ctx)
    return -ENOMEM;

  kref_init(&ctx->kref);
  init_waitqueue_head(&ctx->wqh);
  ctx->count = count;
  ctx->flags = flags;
  ctx->id = ida_alloc(&eventfd_ida, GFP_KERNEL);

  flags &= EFD_SHARED_FCNTL_FLAGS;
  flags |= O_RDWR;
  fd = get_unused_fd_flags(flags);
  if (fd < 0)
    goto err;

  file = anon_inode_getfile_fmode("[eventfd]", &eventfd_fops,
          ctx, flags, FMODE_NOWAIT);
  if (IS_ERR(file)) {
    put_unused_fd(fd);
    fd = PTR_ERR(file);
    goto err;
  }
  fd_install(fd, file);
  return fd;
err:
  eventfd_free_ctx(ctx);
  return fd;
})",
       {{"", "ctx->count = count;"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] kernel/sched/wait.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_wait() {
  return {
      {"__wake_up_common",
       kWait,
       92,
       R"(static int __wake_up_common(struct wait_queue_head *wq_head, unsigned int mode,
      int nr_exclusive, int wake_flags, void *key)
{
  wait_queue_entry_t *curr, *next;

  lockdep_assert_held(&wq_head->lock);

  curr = list_first_entry(&wq_head->head, wait_queue_entry_t, entry);

  if (&curr->entry == &wq_head->head)
    return nr_exclusive;

  list_for_each_entry_safe_from(curr, next, &wq_head->head, entry) {
    unsigned flags = curr->flags;
    int ret;

    ret = curr->func(curr, mode, wake_flags, key);
    if (ret < 0)
      break;
    if (ret && (flags & WQ_FLAG_EXCLUSIVE) && !--nr_exclusive)
      break;
  }

  return nr_exclusive;
})",
       {{"exclusive waiter accepted", "if (ret && (flags & WQ_FLAG_EXCLUSIVE) && !--nr_exclusive)"},
        {"", "ret = curr->func(curr, mode, wake_flags, key);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] fs/file_table.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_file_table() {
  return {
      {"__fput",
       kFileTable,
       442,
       R"(static void __fput(struct file *file)
{
  struct dentry *dentry = file->f_path.dentry;
  struct vfsmount *mnt = file->f_path.mnt;
  struct inode *inode = file->f_inode;
  fmode_t mode = file->f_mode;

  if (unlikely(!(file->f_mode & FMODE_OPENED)))
    goto out;

  might_sleep();

  fsnotify_close(file);
  /*
   * The function eventpoll_release() should be the woke first called
   * in the woke file cleanup chain.
   */
  eventpoll_release(file);
  locks_remove_file(file);

  security_file_release(file);
  if (unlikely(file->f_flags & FASYNC)) {
    if (file->f_op->fasync)
      file->f_op->fasync(-1, file, 0);
  }
  if (file->f_op->release)
    file->f_op->release(inode, file);
  if (unlikely(S_ISCHR(inode->i_mode) && inode->i_cdev != NULL &&
         !(mode & FMODE_PATH))) {
    cdev_put(inode->i_cdev);
  }
  fops_put(file->f_op);
  file_f_owner_release(file);
  put_file_access(file);
  dput(dentry);
  if (unlikely(mode & FMODE_NEED_UNMOUNT))
    dissolve_on_fput(mnt);
  mntput(mnt);
out:
  file_free(file);
})",
       {{"", "eventpoll_release(file);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] kernel/sys.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_sys() {
  return {
      {"do_prlimit",
       kSys,
       1500,
       R"(static int do_prlimit(struct task_struct *tsk, unsigned int resource,
          struct rlimit *new_rlim, struct rlimit *old_rlim)
{
  struct rlimit *rlim;
  int retval = 0;

  if (resource >= RLIM_NLIMITS)
    return -EINVAL;
  resource = array_index_nospec(resource, RLIM_NLIMITS);

  if (new_rlim) {
    if (new_rlim->rlim_cur > new_rlim->rlim_max)
      return -EINVAL;
    if (resource == RLIMIT_NOFILE &&
        new_rlim->rlim_max > sysctl_nr_open)
      return -EPERM;
  }

  /* Holding a refcount on tsk protects tsk->signal from disappearing. */
  rlim = tsk->signal->rlim + resource;
  task_lock(tsk->group_leader);
  if (new_rlim) {
    /*
     * Keep the woke capable check against init_user_ns until cgroups can
     * contain all limits.
     */
    if (new_rlim->rlim_max > rlim->rlim_max &&
        !capable(CAP_SYS_RESOURCE))
      retval = -EPERM;
    if (!retval)
      retval = security_task_setrlimit(tsk, resource, new_rlim);
  }
  if (!retval) {
    if (old_rlim)
      *old_rlim = *rlim;
    if (new_rlim)
      *rlim = *new_rlim;
  }
  task_unlock(tsk->group_leader);)",
       {{"", "*rlim = *new_rlim;"}},
       kRestLeftOut},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] kernel/time/hrtimer.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_hrtimer() {
  return {
      {"hrtimer_wakeup",
       kHrtimer,
       1989,
       R"(static enum hrtimer_restart hrtimer_wakeup(struct hrtimer *timer)
{
  struct hrtimer_sleeper *t =
    container_of(timer, struct hrtimer_sleeper, timer);
  struct task_struct *task = t->task;

  t->task = NULL;
  if (task)
    wake_up_process(task);

  return HRTIMER_NORESTART;
})",
       {{"", "wake_up_process(task);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] kernel/sched/core.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_sched_core() {
  return {
      {"try_to_wake_up",
       kSchedCore,
       4178,
       R"(int try_to_wake_up(struct task_struct *p, unsigned int state, int wake_flags)
{
  guard(preempt)();
  int cpu, success = 0;

  wake_flags |= WF_TTWU;

  if (p == current) {
    /*
     * We're waking current, this means 'p->on_rq' and 'task_cpu(p)
     * == smp_processor_id()'. Together this means we can special
     * case the woke whole 'p->on_rq && ttwu_runnable()' case below
     * without taking any locks.
     *
     * Specifically, given current runs ttwu() we must be before
     * schedule()'s block_task(), as such this must not observe
     * sched_delayed.
     *
     * In particular:
     *  - we rely on Program-Order guarantees for all the woke ordering,
     *  - we're serialized against set_special_state() by virtue of
     *    it disabling IRQs (this allows not taking ->pi_lock).
     */
    WARN_ON_ONCE(p->se.sched_delayed);
    if (!ttwu_state_match(p, state, &success))
      goto out;

    trace_sched_waking(p);
    ttwu_do_wakeup(p);
    goto out;
  }

  /*
   * If we are going to wake up a thread waiting for CONDITION we
   * need to ensure that CONDITION=1 done by the woke caller can not be
   * reordered with p->state check below. This pairs with smp_store_mb()
   * in set_current_state() that the woke waiting thread does.
   */
  scoped_guard (raw_spinlock_irqsave, &p->pi_lock) {
    smp_mb__after_spinlock();
    if (!ttwu_state_match(p, state, &success))
      break;

    trace_sched_waking(p);

    /*
     * Ensure we load p->on_rq _after_ p->state, otherwise it would
     * be possible to, falsely, observe p->on_rq == 0 and get stuck
     * in smp_cond_load_acquire() below.
     *
     * sched_ttwu_pending()      try_to_wake_up()
     *   STORE p->on_rq = 1        LOAD p->state
     *   UNLOCK rq->lock
     *
     * __schedule() (switch to task 'p')
     *   LOCK rq->lock        smp_rmb();
     *   smp_mb__after_spinlock();
     *   UNLOCK rq->lock
     *
     * [task p]
     *   STORE p->state = UNINTERRUPTIBLE    LOAD p->on_rq
     *
     * Pairs with the woke LOCK+smp_mb__after_spinlock() on rq->lock in
     * __schedule().  See the woke comment for smp_mb__after_spinlock().
     *
     * A similar smp_rmb() lives in __task_needs_rq_lock().
     */
    smp_rmb();
    if (READ_ONCE(p->on_rq) && ttwu_runnable(p, wake_flags))
      break;

    /*
     * Ensure we load p->on_cpu _after_ p->on_rq, otherwise it would be
     * possible to, falsely, observe p->on_cpu == 0.
     *
     * One must be running (->on_cpu == 1) in order to remove oneself
     * from the woke runqueue.
     *
     * __schedule() (switch to task 'p')  try_to_wake_up()
     *   STORE p->on_cpu = 1      LOAD p->on_rq
     *   UNLOCK rq->lock
     *
     * __schedule() (put 'p' to sleep)
     *   LOCK rq->lock        smp_rmb();
     *   smp_mb__after_spinlock();
     *   STORE p->on_rq = 0        LOAD p->on_cpu
     *
     * Pairs with the woke LOCK+smp_mb__after_spinlock() on rq->lock in
     * __schedule().  See the woke comment for smp_mb__after_spinlock().
     *
     * Form a control-dep-acquire with p->on_rq == 0 above, to ensure
     * schedule()'s deactivate_task() has 'happened' and p will no longer
     * care about it's own p->state. See the woke comment in __schedule().
     */
    smp_acquire__after_ctrl_dep();

    /*
     * We're doing the woke wakeup (@success == 1), they did a dequeue (p->on_rq
     * == 0), which means we need to do an enqueue, change p->state to
     * TASK_WAKING such that we can unlock p->pi_lock before doing the
     * enqueue, such as ttwu_queue_wakelist().
     */
    WRITE_ONCE(p->__state, TASK_WAKING);

    /*
     * If the woke owning (remote) CPU is still in the woke middle of schedule() with
     * this task as prev, considering queueing p on the woke remote CPUs wake_list
     * which potentially sends an IPI instead of spinning on p->on_cpu to
     * let the woke waker make forward progress. This is safe because IRQs are
     * disabled and the woke IPI will deliver after on_cpu is cleared.
     *
     * Ensure we load task_cpu(p) after p->on_cpu:
     *
     * set_task_cpu(p, cpu);
     *   STORE p->cpu = @cpu
     * __schedule() (switch to task 'p')
     *   LOCK rq->lock
     *   smp_mb__after_spin_lock()    smp_cond_load_acquire(&p->on_cpu)
     *   STORE p->on_cpu = 1    LOAD p->cpu
     *
     * to ensure we observe the woke correct CPU on which the woke task is currently
     * scheduling.
     */
    if (smp_load_acquire(&p->on_cpu) &&
        ttwu_queue_wakelist(p, task_cpu(p), wake_flags))
      break;

    /*
     * If the woke owning (remote) CPU is still in the woke middle of schedule() with
     * this task as prev, wait until it's done referencing the woke task.
     *
     * Pairs with the woke smp_store_release() in finish_task().
     *
     * This ensures that tasks getting woken will be fully ordered against
     * their previous state and preserve Program Order.
     */
    smp_cond_load_acquire(&p->on_cpu, !VAL);

    cpu = select_task_rq(p, p->wake_cpu, &wake_flags);
    if (task_cpu(p) != cpu) {
      if (p->in_iowait) {
        delayacct_blkio_end(p);
        atomic_dec(&task_rq(p)->nr_iowait);
      }

      wake_flags |= WF_MIGRATED;
      psi_ttwu_dequeue(p);
      set_task_cpu(p, cpu);
    }

    ttwu_queue(p, cpu, wake_flags);
  }
out:
  if (success)
    ttwu_stat(p, task_cpu(p), wake_flags);

  return success;
})",
       {{"", "ttwu_queue(p, cpu, wake_flags);"}}},
      {"schedule",
       kSchedCore,
       7048,
       R"(asmlinkage __visible void __sched schedule(void)
{
  struct task_struct *tsk = current;

#ifdef CONFIG_RT_MUTEXES
  lockdep_assert(!tsk->sched_rt_mutex);
#endif

  if (!task_is_running(tsk))
    sched_submit_work(tsk);
  __schedule_loop(SM_NONE);
  sched_update_worker(tsk);
})",
       {{"", "__schedule_loop(SM_NONE);"}},
       "the switch is in __schedule, line 6816, which is left out"},
  };
}

}  // namespace epollscope::app
