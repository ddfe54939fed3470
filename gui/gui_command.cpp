#include "gui/gui_command.h"

#include <cstdlib>
#include <filesystem>

#include "gui/ui/window.h"

namespace epollscope::app {

std::string scenario_dir() {
  if (const char* env = std::getenv("EPOLLSCOPE_SCENARIOS")) return env;
#ifdef EPOLLSCOPE_SOURCE_DIR
  if (std::filesystem::is_directory(EPOLLSCOPE_SOURCE_DIR "/scenarios"))
    return EPOLLSCOPE_SOURCE_DIR "/scenarios";
#endif
  return "scenarios";
}

std::string default_scenario() {
  return scenario_dir() + "/01-pipe-2k-1k-et.scn";
}

namespace {

ControllerOptions controller_options(const GuiOptions& g) {
  ControllerOptions o;
  o.live = g.live;
  o.profile = g.profile;
  return o;
}

}  // namespace

int gui_command(const std::string& path, const GuiOptions& options, std::ostream& err) {
  ui::WindowOptions wo;
  wo.theme = options.light ? ui::ThemeKind::kLight : ui::ThemeKind::kDark;
  wo.scale = options.scale;
  std::string error;
  auto window = ui::Window::open(wo, &error);
  if (!window) {
    err << "epollscope: cannot open the window: " << error << "; try `epollscope run " << path
        << "` for the terminal replay\n";
    return 1;
  }
  window->ui().scenario_dir = scenario_dir();
  Controller c(controller_options(options));
  c.dispatch(Command{Command::Kind::kSetCompare, 0, 0, 0, {}, options.compare});
  c.dispatch(Command{Command::Kind::kOpen, 0, 0, 0, path});
  window->run(c);
  return 0;
}

int screenshot_command(const std::string& path, const ScreenshotOptions& options, std::ostream& out,
                       std::ostream& err) {
  ui::WindowOptions wo;
  wo.width = options.width;
  wo.height = options.height;
  wo.visible = false;
  wo.scale = options.gui.scale > 0 ? options.gui.scale : 1;
  wo.theme = options.gui.light ? ui::ThemeKind::kLight : ui::ThemeKind::kDark;
  std::string error;
  auto window = ui::Window::open(wo, &error);
  if (!window) {
    err << "epollscope: cannot render: " << error << " (under CI, run it with xvfb-run)\n";
    return 1;
  }
  window->ui().animate = false;
  window->ui().scenario_dir = scenario_dir();
  Controller c(controller_options(options.gui));
  c.dispatch(Command{Command::Kind::kSetCompare, 0, 0, 0, {}, options.gui.compare});
  c.dispatch(Command{Command::Kind::kOpen, 0, 0, 0, path});
  c.dispatch(Command{Command::Kind::kSeek, options.step});
  if (options.after_line > 0 && c.left() && c.left()->ok()) {
    const auto& sts = c.left()->statements();
    std::size_t found = sts.size();
    for (std::size_t i = 0; i < sts.size() && found == sts.size(); ++i)
      if (sts[i].result.statement->loc.line == options.after_line) found = i;
    if (found == sts.size()) {
      err << "epollscope: no statement on line " << options.after_line << " of " << path << '\n';
      return 2;
    }
    c.dispatch(Command{Command::Kind::kSeekStatement, 0, found});
  }
  // The first frames build the font atlas and settle the layout.
  for (int i = 0; i < 3; ++i)
    window->frame(c, i == 2);
  if (!window->save_png(options.output)) {
    err << "epollscope: cannot write " << options.output << '\n';
    return 1;
  }
  out << "wrote " << options.output << " (step " << c.tick() << " of " << c.timeline().ticks()
      << ")\n";
  return c.error().empty() ? 0 : 1;
}

}  // namespace epollscope::app
