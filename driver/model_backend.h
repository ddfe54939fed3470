// SPDX-License-Identifier: GPL-2.0-only
// driver/model_backend.h — runs scenario calls on the model (a sim::Kernel).
//
// Threads of the scenario are tasks of the kernel, created on first use. A call of the main
// thread that sleeps with a finite timeout lets the virtual clock run to its deadline (nothing
// else could happen meanwhile: the scenario is waiting for that call); `sleep(ms)` moves the clock
// on explicitly, so the timeouts of other sleeping threads expire.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "driver/backend.h"
#include "sim/kernel.h"
#include "sim/recorder.h"

namespace epollscope::driver {

using sim::EpItem;
using sim::EventPoll;
using sim::File;
using sim::Kernel;
using sim::KernelProfile;
using sim::Recorder;
using sim::Task;

class ModelBackend final : public Backend {
 public:
  // With `record`, every step is kept with a snapshot (for the terminal replay and the GUI).
  explicit ModelBackend(const KernelProfile& profile = KernelProfile::default_profile(),
                        bool record = false);
  ~ModelBackend() override;

  const char* name() const override { return "model"; }
  bool start(std::string* error) override;
  CallResult perform(const ResolvedCall& call) override;
  std::vector<ThreadResult> take_completions() override;
  std::vector<FdinfoEntry> fdinfo(int epfd) override;
  void stop() override;
  bool learns_tree_order() const override { return true; }
  void learn_tree_order(int epfd, int tfd,
                        const std::vector<FdinfoEntry>& kernel_after_add) override {
    order_like(epfd, tfd, kernel_after_add);
  }
  long epitems() const override { return k_ ? static_cast<long>(k_->epitems_in_use()) : -1; }
  // The RLIMIT_NOFILE and fs.nr_open the model's process starts with (at the next start): a real
  // backend's, when the model runs beside one.
  void set_nofile_limits(const sim::RlimitNofile& r) { nofile_ = r; }

  Kernel& kernel() { return *k_; }
  const Kernel& kernel() const { return *k_; }
  const Recorder* recorder() const { return recorder_.get(); }
  // Starts recording now when the backend was made without `record` (after a long set-up that
  // would cost a snapshot per step): the recording's initial snapshot is the state at this point.
  void start_recording();
  // Before an EPOLL_CTL_ADD of `tfd` into `epfd`: give the file behind tfd a key ("address")
  // that puts it where the kernel's fdinfo shows it after the same ADD, so that the model's tree
  // is built in the kernel's key order. A file other epolls already watch moves only within the
  // gap its items occupy in their trees; a file with a dup already in this tree keeps its key.
  void order_like(int epfd, int tfd, const std::vector<FdinfoEntry>& kernel_after_add);

 private:
  Task& task(const std::string& thread);
  // Gives `tf` a key between the keys of items[pos - 1] and items[pos] (and within the gaps its
  // items hold in other trees). False when the neighbours' keys leave no room.
  bool place_between(const EventPoll* ep, File* tf, const std::vector<const EpItem*>& items,
                     std::size_t pos);
  // Gives every file a new key so that every tree keeps its order and tf goes to `pos` of ep's.
  bool reorder_files(const EventPoll* ep, File* tf, const std::vector<const EpItem*>& items,
                     std::size_t pos);
  void rekey(const std::vector<File*>& order);
  // Spreads every file's key out evenly, keeping their order (and so every tree's shape).
  void renumber_files();

  const KernelProfile& profile_;
  bool record_;
  sim::RlimitNofile nofile_;
  std::unique_ptr<Kernel> k_;
  std::unique_ptr<Recorder> recorder_;
  std::map<uint32_t, std::string> thread_of_task_;
  // Tasks sleeping in eventfd_read on an eventfd: their result is the counter.
  std::map<uint32_t, bool> reads_counter_;
  std::set<uint32_t> reads_value_;  // tasks whose last call gave a value (FIONREAD, getsockopt)
  std::vector<ThreadResult> pending_;
  CallResult result_of(uint32_t task, const sim::SysResult& r);
  // Makes the call on the model in task t (no clock, no settling: perform's job).
  sim::SysResult dispatch(Task& t, const ResolvedCall& c);
};

}  // namespace epollscope::driver
