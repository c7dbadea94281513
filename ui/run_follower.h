// Follows a run directory that another process writes (a CLI run, a data-parallel group's rank 0, a run on a
// cluster's shared filesystem): polls its files' sizes and names, which works where file notifications do not (NFS),
// and says what changed. It reads listings and sizes only, and writes nothing.
#pragma once
#include <QDateTime>
#include <QObject>
#include <QString>
#include <QTimer>

class RunFollower : public QObject {
  Q_OBJECT

 public:
  static constexpr int kIntervalMs = 1000;
  explicit RunFollower(QObject* parent = nullptr);

  // Follows `dir` from its present state (the caller has loaded what is there); stop() ends it.
  void follow(const QString& dir);
  void stop();
  bool isFollowing() const { return !m_dir.isEmpty(); }
  const QString& dir() const { return m_dir; }
  // Polls now (tests; the timer polls every kIntervalMs).
  void poll();

 signals:
  void metricsChanged();                       // metrics.jsonl grew or was rewritten (a resume trims it)
  void snapshotsAdded(qint64 afterIteration);  // snapshots newer than this iteration appeared
  void checkpointChanged();                    // a newer checkpoint is the newest

 private:
  QTimer m_timer;
  QString m_dir;
  qint64 m_metricsSize = -1;
  QDateTime m_metricsTime;
  qint64 m_newestSnapshot = -1;
  QString m_newestCheckpoint;
};
