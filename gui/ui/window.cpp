// SPDX-License-Identifier: GPL-2.0-only
#include "gui/ui/window.h"

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <vector>

#include "backends/imgui_impl_glfw.h"
#include "backends/imgui_impl_opengl3.h"
#include "imgui_internal.h"

#include "driver/i18n.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "stb_image_write.h"

namespace epollscope::ui {
namespace {

std::string g_glfw_error;

void on_glfw_error(int, const char* description) {
  g_glfw_error = description;
}

// A CJK font from Debian (fonts-wqy-microhei, or fonts-noto-cjk / fonts-wqy-zenhei), else the one
// fontconfig names for Chinese; empty when there is none.
std::string cjk_font_file() {
  for (const char* f : {"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"})
    if (std::filesystem::exists(f)) return f;
  std::string file;
  if (std::FILE* p = popen("fc-match -f '%{file}' ':lang=zh-cn' 2>/dev/null", "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p))
      file += buf;
    pclose(p);
  }
  // fc-match always names some font: only one that covers Chinese is of use.
  if (file.find("wqy") == std::string::npos && file.find("CJK") == std::string::npos &&
      file.find("Droid") == std::string::npos && file.find("uming") == std::string::npos &&
      file.find("ukai") == std::string::npos)
    return "";
  return std::filesystem::exists(file) ? file : "";
}

// DejaVu from Debian's fonts-dejavu-core; Dear ImGui's built-in font when it is missing. In
// Chinese, the CJK font is merged into both, with the glyphs of `chinese` only (the catalogue's,
// the step templates' and the scenario's text), not the whole CJK range: the atlas stays small.
void load_fonts(UiState& ui, float scale, const std::string& chinese,
                ImVector<ImWchar>* cjk_ranges) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  ui.mono = nullptr;
  const char* sans[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                        "assets/fonts/DejaVuSans.ttf"};
  const char* mono[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
                        "assets/fonts/DejaVuSansMono.ttf"};
  // Latin, plus the arrows, mathematical signs (≠) and check marks the panels use.
  // U+FFFD is the fallback: a character with no glyph shows as �, told apart from a real "?".
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2190, 0x22FF, 0x2713,
                                   0x2717, 0xFFFD, 0xFFFD, 0};
  static std::string cjk_file;
  static bool cjk_looked = false, cjk_warned = false;
  if (!chinese.empty() && !cjk_looked) {
    cjk_file = cjk_font_file();
    cjk_looked = true;
  }
  cjk_ranges->clear();
  if (!chinese.empty() && !cjk_file.empty()) {
    ImFontGlyphRangesBuilder builder;
    builder.AddText(chinese.c_str(), chinese.c_str() + chinese.size());
    builder.AddText("，。：；（）？！、“”‘’《》…—");  // full-width punctuation
    builder.BuildRanges(cjk_ranges);
  } else if (!chinese.empty() && !cjk_warned) {
    std::fprintf(stderr,
                 "epollscope: no CJK font found (looked for fonts-wqy-microhei, fonts-noto-cjk "
                 "and asked fontconfig): Chinese text shows as '?'. Install one with: apt-get "
                 "install fonts-wqy-microhei\n");
    cjk_warned = true;
  }
  // The font file (several MB) is read once and shared by both fonts and every rebuild.
  static std::vector<char> cjk_data;
  if (!cjk_ranges->empty() && cjk_data.empty()) {
    if (std::FILE* f = std::fopen(cjk_file.c_str(), "rb")) {
      char buf[1 << 16];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        cjk_data.insert(cjk_data.end(), buf, buf + n);
      std::fclose(f);
    }
    if (cjk_data.empty()) cjk_ranges->clear();
  }
  auto merge_cjk = [&](float size) {
    if (cjk_ranges->empty()) return;
    ImFontConfig cfg;
    cfg.MergeMode = true;
    cfg.FontDataOwnedByAtlas = false;
    cfg.OversampleH = 1;  // CJK glyphs are dense: no horizontal oversampling, a smaller atlas
    io.Fonts->AddFontFromMemoryTTF(cjk_data.data(), static_cast<int>(cjk_data.size()), size, &cfg,
                                   cjk_ranges->Data);
  };
  // Whole pixels: a line of 22.5 px (15 px at 150 %) makes windows sized to their text half a
  // pixel short of it (a scroll bar for nothing) and glyphs that straddle pixel rows.
  const auto pixels = [scale](float size) { return std::round(size * scale); };
  ImFont* body = nullptr;
  for (const char* f : sans)
    if (std::filesystem::exists(f) &&
        (body = io.Fonts->AddFontFromFileTTF(f, pixels(15), nullptr, ranges)))
      break;
  if (!body) {
    ImFontConfig cfg;
    cfg.SizePixels = pixels(13);
    io.Fonts->AddFontDefault(&cfg);
  }
  merge_cjk(pixels(15));
  for (const char* f : mono)
    if (std::filesystem::exists(f) &&
        (ui.mono = io.Fonts->AddFontFromFileTTF(f, pixels(14), nullptr, ranges)))
      break;
  if (ui.mono) merge_cjk(pixels(14));
  io.Fonts->Build();
}

// The code points of UTF-8 `text` beyond ASCII.
std::vector<unsigned> wide_code_points(const std::string& text) {
  std::vector<unsigned> out;
  for (const char* p = text.c_str(); *p;) {
    unsigned c = 0;
    const int n = ImTextCharFromUtf8(&c, p, nullptr);
    if (n <= 0) break;
    p += n;
    if (c >= 0x80) out.push_back(c);
  }
  return out;
}

}  // namespace

bool parse_scale(const std::string& text, float* scale, std::string* error) {
  char* end = nullptr;
  errno = 0;
  const double v = text.empty() ? 0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) {
    *error = "'" + text + "' is not a number";
    return false;
  }
  if (v < kMinScale || v > kMaxScale) {
    char range[64];
    std::snprintf(range, sizeof range, " is out of range %g to %g", static_cast<double>(kMinScale),
                  static_cast<double>(kMaxScale));
    *error = "'" + text + "'" + range;
    return false;
  }
  *scale = static_cast<float>(v);
  return true;
}

bool scale_from_environment(float* scale, std::string* error) {
  *scale = 0;
  const char* env = std::getenv("EPOLLSCOPE_SCALE");
  if (!env || !*env) return true;
  if (parse_scale(env, scale, error)) return true;
  *error = "EPOLLSCOPE_SCALE: " + *error;
  return false;
}

int step_text_size(int pct, int direction) {
  if (direction > 0) {
    for (const int s : kTextSizes)
      if (s > pct) return s;
    return std::max(pct, kTextSizes[std::size(kTextSizes) - 1]);
  }
  for (auto it = std::rbegin(kTextSizes); it != std::rend(kTextSizes); ++it)
    if (*it < pct) return *it;
  return std::min(pct, kTextSizes[0]);
}

bool parse_text_size(const std::string& text, int* pct, std::string* error) {
  std::string digits = text;
  if (!digits.empty() && digits.back() == '%') digits.pop_back();
  char* end = nullptr;
  errno = 0;
  const long v = digits.empty() ? 0 : std::strtol(digits.c_str(), &end, 10);
  if (digits.empty() || end != digits.c_str() + digits.size() || errno == ERANGE ||
      !std::isdigit(static_cast<unsigned char>(digits[0]))) {
    *error = "'" + text + "' is not a percentage (e.g. 150)";
    return false;
  }
  if (v < kMinTextSize || v > kMaxTextSize) {
    *error = "'" + text + "' is out of range " + std::to_string(kMinTextSize) + " to " +
             std::to_string(kMaxTextSize);
    return false;
  }
  *pct = static_cast<int>(v);
  return true;
}

bool display_available() {
  const char* x = std::getenv("DISPLAY");
  const char* w = std::getenv("WAYLAND_DISPLAY");
  return (x && *x) || (w && *w);
}

std::unique_ptr<Window> Window::open(const WindowOptions& options, std::string* error) {
  if (!display_available()) {
    *error = "no display (DISPLAY is not set)";
    return nullptr;
  }
  float scale = options.scale;  // the option wins over $EPOLLSCOPE_SCALE
  if (scale <= 0 && !scale_from_environment(&scale, error)) return nullptr;
  // GLFW is started once per process: reconnecting to the X server after glfwTerminate fails under
  // some X servers (Xvfb), so windows come and go on one connection.
  static bool glfw_ready = false;
  if (!glfw_ready) {
    glfwSetErrorCallback(on_glfw_error);
    if (!glfwInit()) {
      *error = "cannot start GLFW: " + g_glfw_error;
      return nullptr;
    }
    // Not terminated at exit either: that unloads the GL driver, whose allocations would then
    // show up as leaks of an unknown module under LeakSanitizer.
    glfw_ready = true;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_VISIBLE, options.visible ? GLFW_TRUE : GLFW_FALSE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  auto w = std::unique_ptr<Window>(new Window());
  w->window_ = glfwCreateWindow(options.width, options.height, "epollscope", nullptr, nullptr);
  if (!w->window_) {
    *error = "cannot open an OpenGL 3.3 window: " + g_glfw_error;
    return nullptr;
  }
  glfwMakeContextCurrent(w->window_);
  glfwSwapInterval(options.visible ? 1 : 0);  // offscreen: no waiting for a vertical blank

  if (scale <= 0) {
    float xs = 1, ys = 1;
    glfwGetWindowContentScale(w->window_, &xs, &ys);
    scale = std::max(1.f, std::max(xs, ys));
  }
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; nothing to remember
  set_theme(options.theme);
  ImGui::GetStyle().ScaleAllSizes(scale);
  w->scale_ = scale;
  w->ui_.text_size = w->fonts_pct_ = options.text_size;
  if (driver::language() == driver::Lang::zh)
    w->glyph_text_ = driver::chinese_text_in_use() + options.glyph_text;
  load_fonts(w->ui_, scale * static_cast<float>(options.text_size) / 100.f, w->glyph_text_,
             &w->cjk_ranges_);
  ImGui_ImplGlfw_InitForOpenGL(w->window_, true);
  ImGui_ImplOpenGL3_Init("#version 330");
  w->imgui_ready_ = true;
  return w;
}

Window::~Window() {
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_) glfwDestroyWindow(window_);
}

std::vector<unsigned> Window::missing_glyphs(const std::string& text) const {
  std::vector<unsigned> missing;
  const ImFont* body =
      ImGui::GetIO().Fonts->Fonts.empty() ? nullptr : ImGui::GetIO().Fonts->Fonts[0];
  for (const unsigned c : wide_code_points(text))
    if (!body || !body->FindGlyphNoFallback(static_cast<ImWchar>(c))) missing.push_back(c);
  return missing;
}

bool Window::ensure_glyphs(const std::string& text) {
  if (driver::language() != driver::Lang::zh || missing_glyphs(text).empty()) return false;
  glyph_text_ += text;
  load_fonts(ui_, scale_ * static_cast<float>(fonts_pct_) / 100.f, glyph_text_, &cjk_ranges_);
  // Before the first frame the backend has made no texture yet: its first frame makes it.
  if (drawn_) {
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  }
  return true;
}

void Window::atlas_size(int* width, int* height) const {
  *width = ImGui::GetIO().Fonts->TexWidth;
  *height = ImGui::GetIO().Fonts->TexHeight;
}

// The Chinese narration of the scenario(s) shown: a scenario opened from the browser or reloaded
// may bring characters the atlas does not have yet.
void Window::follow_scenario_glyphs(const app::Controller& c) {
  const app::Session* sides[] = {c.left(), c.right()};
  for (const app::Session* s : sides) {
    if (!s) continue;
    const sim::script::Scenario* sc = &s->scenario();
    if (sc == glyphs_for_[s == c.left() ? 0 : 1]) continue;
    glyphs_for_[s == c.left() ? 0 : 1] = sc;
    std::string text = sc->title_zh;
    for (const auto& st : sc->statements)
      text += st.narration_zh;
    ensure_glyphs(text);
  }
  // What the panels drew last frame that the atlas may lack (a lesson, the browser's titles).
  if (!ui_.glyphs_wanted.empty()) {
    ensure_glyphs(ui_.glyphs_wanted);
    ui_.glyphs_wanted.clear();
  }
}

bool Window::frame(app::Controller& c, bool capture) {
  if (glfwWindowShouldClose(window_)) return false;
  if (driver::language() == driver::Lang::zh) follow_scenario_glyphs(c);
  const double now = glfwGetTime();
  c.update(now);
  return frame_with(
      now, [&](double t, Commands& out) { draw_frame(c, ui_, t, out, report_); },
      [&](const app::Command& cmd) { c.dispatch(cmd); }, capture);
}

bool Window::frame_at(app::Controller& c, double now, bool capture) {
  if (glfwWindowShouldClose(window_)) return false;
  if (driver::language() == driver::Lang::zh) follow_scenario_glyphs(c);
  c.update(now);
  return frame_with(
      now, [&](double t, Commands& out) { draw_frame(c, ui_, t, out, report_); },
      [&](const app::Command& cmd) { c.dispatch(cmd); }, capture, true);
}

bool Window::frame(app::TraceController& c, bool capture) {
  if (glfwWindowShouldClose(window_)) return false;
  const double now = glfwGetTime();
  c.update(now);
  return frame_with(
      now, [&](double t, Commands& out) { draw_trace_frame(c, ui_, t, out, report_); },
      [&](const app::Command& cmd) { c.dispatch(cmd); }, capture);
}

void Window::apply_text_size() {
  const int pct = std::clamp(ui_.text_size, kMinTextSize, kMaxTextSize);
  ui_.text_size = pct;
  if (pct == fonts_pct_) return;
  ImGui::GetIO().Fonts->Clear();
  ui_.mono = nullptr;
  load_fonts(ui_, scale_ * static_cast<float>(pct) / 100.f, glyph_text_, &cjk_ranges_);
  // Before the first NewFrame the backend has no texture yet and makes it from the new atlas.
  if (device_ready_) {
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  }
  fonts_pct_ = pct;
  ui_.generation = 0;  // the views' cached layouts measured text at the old size
}

bool Window::frame_with(double now, const std::function<void(double, Commands&)>& build,
                        const std::function<void(const app::Command&)>& apply, bool capture,
                        bool virtual_clock) {
  apply_text_size();
  ImGui_ImplOpenGL3_NewFrame();
  device_ready_ = true;
  ImGui_ImplGlfw_NewFrame();
  if (virtual_clock) {
    // The backend set DeltaTime from glfwGetTime; Dear ImGui asserts it is positive.
    ImGui::GetIO().DeltaTime =
        static_cast<float>(virtual_now_ < 0 ? 1.0 / 60 : std::max(now - virtual_now_, 1e-4));
    virtual_now_ = now;
    ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    for (bool& down : ImGui::GetIO().MouseDown)
      down = false;
  }
  if (test_pointer_) {
    ImGui::GetIO().MousePos = test_pointer_pos_;
    ImGui::GetIO().MouseDown[0] = test_pointer_down_;
  }
  ImGui::NewFrame();
  Commands commands;
  const auto t0 = std::chrono::steady_clock::now();
  build(now, commands);
  ImGui::Render();
  const auto t1 = std::chrono::steady_clock::now();
  report_.build_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  if (const ImDrawData* dd = ImGui::GetDrawData()) {
    report_.vertices = dd->TotalVtxCount;
    report_.triangles = dd->TotalIdxCount / 3;
    for (int i = 0; i < dd->CmdListsCount; ++i)
      report_.draw_calls += dd->CmdLists[i]->CmdBuffer.Size;
  }
  int fw, fh;
  glfwGetFramebufferSize(window_, &fw, &fh);
  glViewport(0, 0, fw, fh);
  const ImVec4 bg = ImGui::ColorConvertU32ToFloat4(palette().background);
  glClearColor(bg.x, bg.y, bg.z, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  // The fixed panels' backgrounds, as scissored clears (see begin_fixed in frame.cpp).
  const ImVec2 fb_scale = ImGui::GetIO().DisplayFramebufferScale;
  glEnable(GL_SCISSOR_TEST);
  for (const auto& b : report_.backgrounds) {
    const int x0 = static_cast<int>(b.min.x * fb_scale.x),
              x1 = static_cast<int>(b.max.x * fb_scale.x);
    const int y0 = static_cast<int>(b.min.y * fb_scale.y),
              y1 = static_cast<int>(b.max.y * fb_scale.y);
    glScissor(x0, fh - y1, std::max(0, x1 - x0), std::max(0, y1 - y0));
    const ImVec4 c = ImGui::ColorConvertU32ToFloat4(b.colour);
    glClearColor(c.x, c.y, c.z, 1);
    glClear(GL_COLOR_BUFFER_BIT);
  }
  glDisable(GL_SCISSOR_TEST);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  drawn_ = true;
  if (capture) {
    std::vector<uint8_t> flipped(static_cast<std::size_t>(fw) * static_cast<std::size_t>(fh) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, fw, fh, GL_RGBA, GL_UNSIGNED_BYTE, flipped.data());
    pixels_.resize(flipped.size());
    const std::size_t row = static_cast<std::size_t>(fw) * 4;
    for (int y = 0; y < fh; ++y)
      std::memcpy(pixels_.data() + static_cast<std::size_t>(y) * row,
                  flipped.data() + static_cast<std::size_t>(fh - 1 - y) * row, row);
    pixels_w_ = fw;
    pixels_h_ = fh;
  }
  glfwSwapBuffers(window_);
  report_.render_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  for (const auto& cmd : commands)
    apply(cmd);
  return true;
}

void Window::run(app::Controller& c) {
  while (true) {
    // Sleep while nothing moves; wake for input, playback and animations.
    const bool busy =
        c.playing() || (ui_.animate && glfwGetTime() - c.moved_at() < ui_.animation_seconds + 0.1);
    if (busy)
      glfwPollEvents();
    else
      glfwWaitEventsTimeout(0.5);
    if (!frame(c)) break;
  }
}

void Window::request_close() {
  glfwSetWindowShouldClose(window_, GLFW_TRUE);
}

void Window::run(app::TraceController& c, const std::function<bool()>& quit) {
  double last_frame = -1;
  int after_input = 0;
  while (!quit()) {
    // New steps are looked for every 50 ms; a frame is drawn when they came, on input, while an
    // animation plays, and twice a second at rest (a software renderer pays for every frame).
    const bool busy = ui_.animate && glfwGetTime() - c.moved_at() < ui_.animation_seconds + 0.1;
    bool woken = busy;
    if (busy) {
      glfwPollEvents();
    } else {
      constexpr double kLook = 0.05;
      const double before = glfwGetTime();
      glfwWaitEventsTimeout(kLook);
      woken = glfwGetTime() - before < kLook * 0.9;  // an event ended the wait early
    }
    // Input is answered in the frame after it (the commands are applied after drawing): a couple
    // of frames follow every event.
    if (woken) after_input = 2;
    if (after_input == 0 && !c.behind() && glfwGetTime() - last_frame < 0.5 &&
        !glfwWindowShouldClose(window_))
      continue;
    if (after_input > 0) --after_input;
    last_frame = glfwGetTime();
    if (!frame(c)) break;
  }
}

const std::vector<uint8_t>& Window::pixels(int* width, int* height) const {
  *width = pixels_w_;
  *height = pixels_h_;
  return pixels_;
}

bool Window::save_png(const std::string& path) const {
  if (pixels_.empty()) return false;
  // Encoded in memory, then written with every error checked: stbi_write_png ignores failed
  // writes (a full disk gave a truncated PNG and success). On failure errno says why.
  std::string png;
  auto append = [](void* to, void* data, int size) {
    static_cast<std::string*>(to)->append(static_cast<const char*>(data),
                                          static_cast<std::size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &png, pixels_w_, pixels_h_, 4, pixels_.data(),
                              pixels_w_ * 4)) {
    errno = ENOMEM;
    return false;
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool wrote = std::fwrite(png.data(), 1, png.size(), f) == png.size();
  const int write_errno = errno;
  if (std::fclose(f) != 0) return false;
  errno = write_errno;
  return wrote;
}

}  // namespace epollscope::ui
