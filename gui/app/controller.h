// SPDX-License-Identifier: GPL-2.0-only
// gui/app/controller.h — the one object that owns what the GUI shows: the loaded scenario as one
// or two Sessions, the timeline position, playback and reloading. Panels read it and send it
// Commands (values); they never touch a model.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "gui/app/session.h"
#include "gui/app/timeline.h"

namespace epollscope::app {

enum class CompareMode {
  kOff,       // one model
  kTrigger,   // the scenario as written beside it with EPOLLET flipped (ET vs LT)
  kProfiles,  // the scenario on two kernel profiles (this kernel's and an older one)
};

struct Command {
  enum class Kind {
    kStepForward,
    kStepBack,
    kFirst,
    kLast,
    kSeek,           // to `tick`
    kSeekStatement,  // to the end of statement `index`
    kPlay,
    kPause,
    kTogglePlay,
    kSetSpeed,  // `speed` ticks per second
    kOpen,      // `path`
    kReload,
    kSetCompare,  // `compare`
    kFollowLive,  // a live trace: follow the newest step again (a scenario: the same as kLast)
    // Predict mode: no move goes past `tick` (kNoStop: none) until it is set again; playback
    // pauses there. The window sets it before each frame's other commands.
    kSetStop,
  };
  static constexpr std::size_t kNoStop = static_cast<std::size_t>(-1);
  Kind kind;
  std::size_t tick = 0;
  std::size_t index = 0;
  double speed = 0;
  std::string path;
  CompareMode compare = CompareMode::kOff;

  Command(Kind k, std::size_t tick_ = 0, std::size_t index_ = 0, double speed_ = 0,
          std::string path_ = {}, CompareMode compare_ = CompareMode::kOff)
      : kind(k),
        tick(tick_),
        index(index_),
        speed(speed_),
        path(std::move(path_)),
        compare(compare_) {}
};

struct ControllerOptions {
  driver::KernelFactory kernel;  // asks the real kernel too; empty: the model alone
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  const sim::KernelProfile* other_profile = nullptr;  // for kProfiles (default: the next one)
  std::size_t record_from = 0;                        // see SessionOptions::record_from
  sim::script::ParseLimits limits;                    // see SessionOptions::limits
};

class Controller {
 public:
  explicit Controller(ControllerOptions options = {});

  void dispatch(const Command& c);
  // Opens a scenario given as text (`name` stands for its path in messages and the title bar):
  // what a program generates needs no temporary file. Reloading parses the same text again.
  void open_text(std::string text, const std::string& name);
  // Called every frame with the time in seconds: playback, and reloading the file when it changed
  // on disk (checked at most twice a second).
  void update(double now);

  const std::string& path() const { return path_; }
  // A parse error of the current file (shown in the window instead of the views); "" if none.
  const std::string& error() const;
  const Session* left() const { return left_.get(); }
  const Session* right() const { return right_.get(); }
  CompareMode compare() const { return compare_; }
  const Timeline& timeline() const { return timeline_; }
  std::size_t tick() const { return tick_; }
  // The tick shown before the last move (for animations) and when the move happened.
  std::size_t previous_tick() const { return previous_tick_; }
  double moved_at() const { return moved_at_; }
  bool playing() const { return playing_; }
  // The last tick a move may reach (Command::kSetStop; kNoStop when any).
  std::size_t stop() const { return stop_; }
  double speed() const { return speed_; }
  int reloads() const { return reloads_; }
  // Changes every time a scenario is (re)loaded, unique in the process: views cached by snapshot
  // address are stale then.
  std::size_t generation() const { return generation_; }

 private:
  void load(const std::string& path);
  std::unique_ptr<Session> session(const SessionOptions& o) const;
  void move_to(std::size_t tick);

  ControllerOptions options_;
  std::string path_;
  std::optional<std::string> text_;  // open_text: the scenario's text, not read from path_
  std::unique_ptr<Session> left_, right_;
  CompareMode compare_ = CompareMode::kOff;
  Timeline timeline_;
  std::size_t tick_ = 0;
  std::size_t previous_tick_ = 0;
  double now_ = 0;
  double moved_at_ = -1;
  bool playing_ = false;
  std::size_t stop_ = Command::kNoStop;
  double speed_ = 4;  // ticks per second
  double play_accumulator_ = 0;
  double last_update_ = -1;
  double last_reload_check_ = -1;
  std::filesystem::file_time_type mtime_{};
  int reloads_ = 0;
  std::size_t generation_ = 0;
};

}  // namespace epollscope::app
