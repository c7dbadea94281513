// A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise (logs, CI).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace onestep::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, bool enabled = true);
  // Shows `done` of total with extra text (e.g. "85.1 it/s  loss 0.41"); throttled to ~10 redraws a second.
  void update(int64_t done, const std::string& extra);
  // Ends the bar with a newline.
  void finish();

 private:
  std::string m_label;
  int64_t m_total;
  bool m_enabled, m_tty;
  int m_lastDecile = -1;
  bool m_open = false;
  std::chrono::steady_clock::time_point m_start, m_lastDraw;
};

}  // namespace onestep::cli
