// The engine on a worker thread (docs/architecture.md, Threads): a RunWorker is moved to a QThread and
// runs one training run at a time. The GUI talks to it through queued signals and a few thread-safe
// controls (stop, pause, single step, settings to apply at the next iteration); frames, losses and metric
// points come back as value types. The GUI thread never waits on it.
#pragma once

#include <QImage>
#include <QMap>
#include <QMutex>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVector>

#include <atomic>

// What to start: a new run (dir + settings) or an existing run directory to resume.
struct RunRequest {
  QString dir;                                // run directory
  bool resume = false;                        // continue the run in dir (settings then override)
  QVector<QPair<QString, QString>> settings;  // "key" → "value", as `onestep ... --set key=value`
};
Q_DECLARE_METATYPE(RunRequest)

// A picture of samples: an image grid, or a scatter plot for 2-D points (GUI-side conversion).
QImage samplesToImage(const QVector<float>& points, int dim, const QByteArray& pixels, int n, int height, int width,
                      int channels, int size = 512);

class RunWorker : public QObject {
  Q_OBJECT

 public:
  explicit RunWorker(QObject* parent = nullptr);
  ~RunWorker() override;

  // Thread-safe controls, effective at the next iteration (within one iteration's time).
  void requestStop() { m_stop.store(true); }
  void setPaused(bool paused) { m_paused.store(paused); }
  void requestSingleStep() { m_singleSteps.fetch_add(1); }
  void requestSettings(const QVector<QPair<QString, QString>>& settings);  // applied between iterations
  void requestCheckpoint() { m_checkpoint.store(true); }
  bool isPaused() const { return m_paused.load(); }

  // Minimum milliseconds between two preview frames (the grid refreshes several times a second).
  void setPreviewInterval(int ms) { m_previewMs = ms; }
  // Wall time this worker has spent making preview frames, over all its runs (thread-safe; the benchmark reads it).
  double previewSeconds() const { return static_cast<double>(m_previewNs.load()) * 1e-9; }

 public slots:
  // Creates or resumes the run and trains it until its step count, a stop request or an error.
  void start(const RunRequest& request);

 signals:
  void started(const QString& dir, const QString& device, qint64 iteration, qint64 total);
  void progress(qint64 iteration, qint64 total, double itPerSec, double elapsedSec, qint64 samplesSeen,
                const QMap<QString, double>& losses);
  void previewReady(qint64 iteration, const QImage& image);
  void evaluated(qint64 iteration, const QMap<QString, double>& metrics);
  void settingsApplied(const QString& text);
  void settingsRejected(const QStringList& keys);  // the engine refused these (the run is unchanged)
  void message(const QString& text);
  void failed(const QString& message);  // any engine error, as one readable line
  // Just before finished, when the run ended on an error: at this iteration (-1: it never started).
  void trainingFailed(qint64 iteration);
  void finished(qint64 iteration, bool stopped);

 private:
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_paused{false};
  std::atomic<int> m_singleSteps{0};
  std::atomic<bool> m_checkpoint{false};
  std::atomic<int> m_previewMs{250};
  std::atomic<qint64> m_previewNs{0};
  QMutex m_settingsMutex;
  QVector<QPair<QString, QString>> m_pendingSettings;
};
