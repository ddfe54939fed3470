// Kernel profiles are chosen by name; each differs from the others in a listed behaviour.
#include <gtest/gtest.h>

#include "sim/profile.h"

namespace epollscope::sim {
namespace {

TEST(Profile, DefaultIsTheKernelOfTheProjectsMachines) {
  EXPECT_EQ(KernelProfile::default_profile().name, "6.18");
  EXPECT_EQ(KernelProfile::default_profile().pipe_write_wake, PipeWriteWake::kWasEmptyOrPollUsage);
  EXPECT_EQ(KernelProfile::default_profile().pipe_read_wake_writer,
            PipeReadWakeWriter::kSlotFreedWhileFull);
  EXPECT_EQ(KernelProfile::default_profile().loop_check, LoopCheckDepth::kBothDirections);
  EXPECT_FALSE(KernelProfile::default_profile().keeps_epollwakeup);
}

TEST(Profile, ByNameFindsEachProfileAndRejectsUnknownNames) {
  ASSERT_GE(KernelProfile::all().size(), 3u);
  for (const auto& p : KernelProfile::all()) {
    EXPECT_EQ(KernelProfile::by_name(p.name), &p);
    EXPECT_FALSE(p.description.empty());
  }
  EXPECT_EQ(KernelProfile::by_name("2.6"), nullptr);
  const KernelProfile* old = KernelProfile::by_name("5.10");
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->pipe_write_wake, PipeWriteWake::kWasEmpty);
  const KernelProfile* p613 = KernelProfile::by_name("6.13");
  ASSERT_NE(p613, nullptr);
  EXPECT_EQ(p613->pipe_read_wake_writer, PipeReadWakeWriter::kFullAtStart);
  EXPECT_EQ(p613->loop_check, LoopCheckDepth::kDownwardOnly);
}

}  // namespace
}  // namespace epollscope::sim
