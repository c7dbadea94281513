// Follows a run directory another process writes (run_follower.h).
#include "run_follower.h"

#include <onestep/run_dir.h>

#include <QFileInfo>

namespace {

qint64 newestSnapshot(const QString& dir) {
  const auto all = onestep::listSnapshots(dir.toStdString());
  return all.empty() ? -1 : static_cast<qint64>(all.back().iteration);
}

QString newestCheckpoint(const QString& dir) {
  const auto all = onestep::listCheckpoints(dir.toStdString());
  return all.empty() ? QString() : QString::fromStdString(all.back());
}

}  // namespace

RunFollower::RunFollower(QObject* parent) : QObject(parent) {
  m_timer.setInterval(kIntervalMs);
  connect(&m_timer, &QTimer::timeout, this, &RunFollower::poll);
}

void RunFollower::follow(const QString& dir) {
  m_dir = dir;
  const QFileInfo metrics(dir + QStringLiteral("/metrics.jsonl"));
  m_metricsSize = metrics.exists() ? metrics.size() : -1;
  m_metricsTime = metrics.exists() ? metrics.lastModified() : QDateTime();
  m_newestSnapshot = newestSnapshot(dir);
  m_newestCheckpoint = newestCheckpoint(dir);
  m_timer.start();
}

void RunFollower::stop() {
  m_timer.stop();
  m_dir.clear();
}

void RunFollower::poll() {
  if (m_dir.isEmpty()) return;
  const QFileInfo metrics(m_dir + QStringLiteral("/metrics.jsonl"));
  const qint64 size = metrics.exists() ? metrics.size() : -1;
  const QDateTime time = metrics.exists() ? metrics.lastModified() : QDateTime();
  if (size != m_metricsSize || time != m_metricsTime) {
    m_metricsSize = size;
    m_metricsTime = time;
    emit metricsChanged();
  }
  const qint64 snapshot = newestSnapshot(m_dir);
  if (snapshot != m_newestSnapshot) {
    const qint64 after = snapshot > m_newestSnapshot ? m_newestSnapshot : -1;  // fewer: the run restarted
    m_newestSnapshot = snapshot;
    emit snapshotsAdded(after);
  }
  const QString checkpoint = newestCheckpoint(m_dir);
  if (checkpoint != m_newestCheckpoint) {
    m_newestCheckpoint = checkpoint;
    emit checkpointChanged();
  }
}
