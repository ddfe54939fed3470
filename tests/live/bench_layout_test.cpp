// SPDX-License-Identifier: GPL-2.0-only
// tests/live/bench_layout_test.cpp — the benchmark's item layout (bench/bench_model.h): which items
// it registers, and in what order, in every world alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_model.h"
#include "sim/uapi.h"

namespace {

using epollscope::bench::EpollWorld;
using epollscope::bench::ItemLayout;
using epollscope::bench::RegisterOrder;

// A world that only writes down what it is asked to do: which file each fd number holds, and
// every EPOLL_CTL_ADD as (file, fd, data).
class RecordingWorld final : public EpollWorld {
 public:
  struct Add {
    int file;
    int fd;
    uint64_t data;
    bool operator==(const Add&) const = default;
  };
  const char* name() const override { return "recording"; }
  long open_fd_limit() override { return 20000; }
  int epoll() override { return 3; }
  int eventfd() override {
    const int fd = next_fd_++;
    file_of_[fd] = fd;  // an eventfd's file is named by the fd it was created under
    return fd;
  }
  void dup2(int from, int to) override { file_of_[to] = file_of_.at(from); }
  void close(int fd) override { file_of_.erase(fd); }
  int ctl(int op, int fd, uint32_t, uint64_t data) override {
    if (op == epollscope::sim::kEPOLL_CTL_ADD) adds.push_back({file_of_.at(fd), fd, data});
    return 0;
  }
  void eventfd_write(int) override {}
  int wait(int) override { return 0; }

  std::vector<Add> adds;

 private:
  int next_fd_ = 4;
  std::map<int, int> file_of_;
};

std::vector<RecordingWorld::Add> sorted(std::vector<RecordingWorld::Add> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.file, a.fd) < std::make_pair(b.file, b.fd);
  });
  return v;
}

TEST(BenchLayout, BothOrdersRegisterTheSameItemsAndOnlyTheKeyOrderIsSorted) {
  const long n = 30000;  // more than the fd budget: several files, each under many fd numbers
  RecordingWorld by_key, random1, random2;
  ItemLayout layout_key, layout_1, layout_2;
  std::string error;
  ASSERT_TRUE(layout_key.build(by_key, n, 20000, &error, RegisterOrder::kKeyOrder)) << error;
  ASSERT_TRUE(layout_1.build(random1, n, 20000, &error, RegisterOrder::kRandom)) << error;
  ASSERT_TRUE(layout_2.build(random2, n, 20000, &error)) << error;  // kRandom is the default
  ASSERT_EQ(by_key.adds.size(), static_cast<std::size_t>(n));

  // Every item once, as (the file of base_of(i), fd_of(i)) with data i.
  std::set<std::pair<int, int>> keys;
  for (const auto& a : by_key.adds) {
    const long i = static_cast<long>(a.data);
    EXPECT_EQ(a.fd, layout_key.fd_of(i));
    EXPECT_EQ(a.file, layout_key.base_of(i));
    keys.insert({a.file, a.fd});
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(n));
  EXPECT_GT(layout_key.base_of(1), layout_key.base_of(0));  // several files in use

  // Key order: item 0, 1, 2, ... — within each file the fd numbers ascend.
  for (long i = 0; i < n; ++i)
    ASSERT_EQ(by_key.adds[static_cast<std::size_t>(i)].data, static_cast<uint64_t>(i));

  // Random order: the same items, not in key order, and the same permutation in every world
  // (the model and the kernel are built alike).
  EXPECT_EQ(sorted(random1.adds), sorted(by_key.adds));
  EXPECT_EQ(random1.adds, random2.adds);
  long ascending = 0;
  for (std::size_t j = 1; j < random1.adds.size(); ++j)
    ascending += random1.adds[j].data > random1.adds[j - 1].data;
  EXPECT_GT(ascending, n * 4 / 10);
  EXPECT_LT(ascending, n * 6 / 10);
}

}  // namespace
