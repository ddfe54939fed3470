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
  int text_size =
      100;  // text size in percent of the scale's (UiState::text_size, View → Text size)
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
  // The same at virtual time `now` (seconds) instead of the wall clock: the controller and the
  // animations see `now`, and Dear ImGui's own clock advances by the time since the previous
  // frame_at, so frames drawn at the same times of the same moves are the same pixels
  // (export-video draws frame k at k / fps). The real pointer is ignored.
  bool frame_at(app::Controller& c, double now, bool capture = false);
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
  // The text size the fonts were last built at (percent): UiState::text_size once a frame ran.
  int text_size_built() const { return fonts_pct_; }
  const FrameReport& report() const { return report_; }

 private:
  Window() = default;
  // One frame: `build` lays the panels out and collects the commands, `apply` hands them over.
  // `virtual_clock`: `now` is frame_at's, not glfwGetTime's.
  bool frame_with(double now, const std::function<void(double, Commands&)>& build,
                  const std::function<void(const app::Command&)>& apply, bool capture,
                  bool virtual_clock = false);
  // Rebuilds the font atlas (and its GL texture) when UiState::text_size changed: between
  // frames, so glyphs are rasterised at the new size rather than stretched.
  void apply_text_size();
  float scale_ = 1;            // the UI scale the window was opened with
  int fonts_pct_ = 100;        // the text size the font atlas holds
  bool device_ready_ = false;  // the OpenGL backend made its objects (after the first NewFrame)
  void follow_scenario_glyphs(const app::Controller& c);
  GLFWwindow* window_ = nullptr;
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
  double virtual_now_ = -1;  // frame_at's previous time; -1 before the first
  std::vector<uint8_t> pixels_;
  int pixels_w_ = 0, pixels_h_ = 0;
};

// The text sizes of View → Text size (percent), which Ctrl+= and Ctrl+- step through, and the
// range --text-size accepts.
inline constexpr int kTextSizes[] = {100, 125, 150, 175, 200};
constexpr int kMinTextSize = 50, kMaxTextSize = 300;
// The next text size of kTextSizes after `pct` (direction +1) or before it (-1), kept in range.
int step_text_size(int pct, int direction);
// Reads a text size: a whole percentage within [kMinTextSize, kMaxTextSize], with or without `%`.
// False with *error ("'abc' is not a percentage", "'400' is out of range 50 to 300") otherwise.
bool parse_text_size(const std::string& text, int* pct, std::string* error);

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
