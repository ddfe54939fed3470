// SPDX-License-Identifier: GPL-2.0-only
// tests/gui/window_on_scenario.h — what the window tests under xvfb-run start from: a fixture that
// skips them without a display, an invisible window of a given size at scale 1 with its animations
// off, and a controller with a scenario of the library open (the pipe example,
// scenarios/01-pipe-2k-1k-et.scn, unless told another), alone or in compare mode.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "gui/app/controller.h"
#include "gui/ui/window.h"

namespace epollscope::test {

// The tests of a real window: skipped, and said why, without a display (in SetUp: a skip in
// SetUpTestSuite would not stop this version of GoogleTest from running the tests).
class WindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ui::display_available()) GTEST_SKIP() << "no display: run this test under xvfb-run";
  }
};

inline std::string library_scenario(const std::string& name) {
  return std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/" + name;
}

// An invisible window of width × height at scale 1, its animations off; nullptr with *error.
inline std::unique_ptr<ui::Window> open_invisible_window(int width, int height,
                                                         std::string* error) {
  ui::WindowOptions o;
  o.width = width;
  o.height = height;
  o.visible = false;
  o.scale = 1;
  auto window = ui::Window::open(o, error);
  if (window) window->ui().animate = false;
  return window;
}

struct WindowOnScenario {
  std::unique_ptr<ui::Window> window;
  app::Controller controller{app::ControllerOptions{}};
  std::string error;  // why the window did not open or the scenario did not load; empty if they did
};

inline std::unique_ptr<WindowOnScenario> open_window_on(
    int width, int height, const std::string& path = library_scenario("01-pipe-2k-1k-et.scn"),
    app::CompareMode compare = app::CompareMode::kOff) {
  auto w = std::make_unique<WindowOnScenario>();
  w->window = open_invisible_window(width, height, &w->error);
  if (!w->window) return w;
  if (compare != app::CompareMode::kOff)
    w->controller.dispatch(app::Command{app::Command::Kind::kSetCompare, 0, 0, 0, {}, compare});
  w->controller.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
  w->error = w->controller.error();
  return w;
}

}  // namespace epollscope::test
