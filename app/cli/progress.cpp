#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace onestep::cli {

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : m_label(std::move(label)),
      m_total(total),
      m_enabled(enabled),
      m_tty(isatty(2) != 0),
      m_start(std::chrono::steady_clock::now()),
      m_lastDraw(m_start - std::chrono::seconds(1)) {}

void ProgressBar::update(int64_t done, const std::string& extra) {
  if (!m_enabled || m_total <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - m_start).count();
  const double frac = std::min(1.0, static_cast<double>(done) / m_total);
  const double eta = done > 0 ? elapsed * (m_total - done) / done : 0;
  char times[64];
  std::snprintf(times, sizeof times, "%d:%02d<%d:%02d", static_cast<int>(elapsed) / 60, static_cast<int>(elapsed) % 60,
                static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  if (m_tty) {
    if (done < m_total && now - m_lastDraw < std::chrono::milliseconds(100)) return;
    m_lastDraw = now;
    constexpr int kWidth = 28;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar += std::string(static_cast<std::size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %lld/%lld %s  %s\x1b[K", m_label.c_str(), bar.c_str(), static_cast<long long>(done),
                 static_cast<long long>(m_total), times, extra.c_str());
    m_open = true;
  } else {
    const int decile = static_cast<int>(frac * 10);
    if (decile == m_lastDecile) return;
    m_lastDecile = decile;
    std::fprintf(stderr, "%s %3d%% %lld/%lld %s  %s\n", m_label.c_str(), decile * 10, static_cast<long long>(done),
                 static_cast<long long>(m_total), times, extra.c_str());
  }
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (m_open) std::fprintf(stderr, "\n");
  m_open = false;
}

}  // namespace onestep::cli
