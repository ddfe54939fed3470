// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/window.h — the desktop window (GLFW + OpenGL 3.3 core + Dear ImGui), its main loop, and
// offscreen capture for screenshots and tests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gui/app/controller.h"
#include "gui/app/trace_controller.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"

struct GLFWwindow;

namespace epollscope::ui {

struct WindowOptions {
  int width = 1600;
  int height = 1000;
  bool visible = true;  // false: an invisible window, for screenshots under Xvfb
  float scale = 0;      // UI scale; 0 = $EPOLLSCOPE_SCALE, else the monitor's content scale (HiDPI)
  ThemeKind theme = ThemeKind::kDark;
  // In Chinese (driver::language()), text whose glyphs the font atlas gets beyond the catalogue's
  // and the step templates' (the scenario's `#zh` narration, say).
  std::string glyph_text;
};

class Window {
 public:
  // Opens the window; nullptr with a one-line reason when there is no display or no OpenGL 3.3.
  static std::unique_ptr<Window> open(const WindowOptions& options, std::string* error);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // Draws one frame and hands the panels' commands to the controller. With `capture`, the frame's
  // pixels are kept for read_pixels(). False once the user closed the window.
  bool frame(app::Controller& c, bool capture = false);
  // Runs frames until the window is closed.
  void run(app::Controller& c);
  // The same for a live trace: the feed is copied once per frame.
  bool frame(app::TraceController& c, bool capture = false);
  // Runs frames until the window is closed or `quit` says so (asked a few times a second); the
  // window wakes up to follow the trace as it runs.
  void run(app::TraceController& c, const std::function<bool()>& quit);
  // As if the user closed the window: the next frame() returns false.
  void request_close();
  // The last captured frame's pixels, RGBA, top row first.
  const std::vector<uint8_t>& pixels(int* width, int* height) const;
  // Writes the last captured frame as a PNG; false (errno says why) when it cannot.
  bool save_png(const std::string& path) const;

  // For tests: the pointer at `pos` (window pixels) with its left button `down`, in place of the
  // real one, from the next frame on.
  void set_test_pointer(ImVec2 pos, bool down) {
    test_pointer_ = true;
    test_pointer_pos_ = pos;
    test_pointer_down_ = down;
  }

  // The code points of `text` beyond ASCII that the body font has no glyph for (they would be
  // drawn as '?').
  std::vector<unsigned> missing_glyphs(const std::string& text) const;
  // In Chinese: rebuilds the font atlas with `text`'s glyphs when some are missing (true then).
  bool ensure_glyphs(const std::string& text);
  // The font atlas's texture size in pixels.
  void atlas_size(int* width, int* height) const;

  UiState& ui() { return ui_; }
  const FrameReport& report() const { return report_; }

 private:
  Window() = default;
  // One frame: `build` lays the panels out and collects the commands, `apply` hands them over.
  bool frame_with(double now, const std::function<void(double, Commands&)>& build,
                  const std::function<void(const app::Command&)>& apply, bool capture);
  void follow_scenario_glyphs(const app::Controller& c);
  GLFWwindow* window_ = nullptr;
  float scale_ = 1;
  bool drawn_ = false;              // a frame was drawn: the backend has made its font texture
  std::string glyph_text_;          // the Chinese text whose glyphs the atlas holds
  ImVector<ImWchar> cjk_ranges_;    // its ranges: the atlas reads them until it is rebuilt
  const void* glyphs_for_[2] = {};  // the scenarios whose narration was looked at
  UiState ui_;
  FrameReport report_;
  bool imgui_ready_ = false;
  bool test_pointer_ = false;
  ImVec2 test_pointer_pos_;
  bool test_pointer_down_ = false;
  std::vector<uint8_t> pixels_;
  int pixels_w_ = 0, pixels_h_ = 0;
};

// True when a display is reachable ($DISPLAY or $WAYLAND_DISPLAY set).
bool display_available();

// The UI scales the window accepts (--scale, $EPOLLSCOPE_SCALE): 2 is a projector's.
constexpr float kMinScale = 0.5f, kMaxScale = 4.f;
// Reads a UI scale from `text`: a number within [kMinScale, kMaxScale]. False with *error
// ("'abc' is not a number", "'9' is out of range 0.5 to 4") otherwise.
bool parse_scale(const std::string& text, float* scale, std::string* error);
// The scale $EPOLLSCOPE_SCALE asks for: 0 when it is unset or empty; false with *error (naming the
// variable) when it is not a scale.
bool scale_from_environment(float* scale, std::string* error);

}  // namespace epollscope::ui
