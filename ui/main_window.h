// The studio's main window: run setup (data, method, teacher, settings), controls (start, pause, single
// step, stop, checkpoint, open a run directory), the live sample grid, loss and FID plots, and a status bar.
// The engine runs on a RunWorker in its own thread; this class lives on the GUI thread and never waits on it.
#pragma once

#include <QElapsedTimer>
#include <QImage>
#include <QMainWindow>
#include <QMap>
#include <QPointF>
#include <QSize>
#include <QString>
#include <QThread>
#include <QVector>

#include "run_worker.h"

class QAction;
class QCloseEvent;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;
class QTimer;

// What the engine reports about itself, gathered once when the window is built.
struct EngineInfo {
  QString version;       // engine version, onestep::version()
  QString torchVersion;  // LibTorch version the engine was built against
  QString device;        // onestep::resolveDevice("auto"): "cpu" or "cuda:N"
  int threads = 0;       // LibTorch intra-op threads in force
  bool cuda = false;     // true when LibTorch can use a CUDA device

  // Queries the engine; throws std::exception (onestep::Error) when the engine cannot answer.
  static EngineInfo query();
};

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // Size of a fresh window (no saved geometry); screenshots use it for reproducible images.
  static constexpr QSize kDefaultSize{1280, 800};

  // Queries the engine (EngineInfo::query, may throw) and restores the saved window geometry.
  explicit MainWindow(QWidget* parent = nullptr);
  // Builds the window around given engine facts (tests, or a caller that queried already).
  explicit MainWindow(const EngineInfo& engine, QWidget* parent = nullptr);
  ~MainWindow() override;

  const EngineInfo& engineInfo() const { return m_engine; }
  RunWorker* worker() const { return m_worker; }
  bool isRunning() const { return m_running; }

  // Fills the setup panel (data spec, method, teacher path, steps, seed, run directory).
  void setSetup(const QString& data, const QString& method, const QString& teacher, int steps, int seed,
                const QString& runDir);
  // Sets a value in the settings table (as a user editing it); false when the method has no such row.
  bool setSettingValue(const QString& key, const QString& value);
  // When set, engine errors are reported through this callback instead of a dialog (scripted mode, tests).
  void setErrorReporter(std::function<void(const QString&)> reporter) { m_errorReporter = std::move(reporter); }

 public slots:
  void startRun();                          // from the setup panel (a new run in the run directory)
  void openRunDirectory(const QString& dir);  // replays metrics.jsonl and resumes the run on Start
  void togglePause();
  void singleStep();
  void stopRun();
  void saveCheckpoint();

 signals:
  void runFinished(qint64 iteration, bool stopped);  // the worker's run ended (after the window updated)
  void runFailed(const QString& message);
  void requestStart(const RunRequest& request);      // to the worker thread

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createActions();
  QWidget* createCentralArea();
  QWidget* createSetupPanel();
  QWidget* createEnginePanel();
  QCustomPlot* createPlot(const QString& objectName, const QString& title, const QString& yLabel);
  void createStatusBar();
  void restoreSettings();
  void saveSettings() const;
  void showAbout();
  void fillSettingsTable();
  void startRequest(const RunRequest& request);
  void setRunning(bool running);
  void reportError(const QString& message);
  void addPoint(QCustomPlot* plot, const QString& name, double x, double y);
  void rebuildGraphs();  // after the smoothing toggle: every graph again from its raw points
  void replot();

  void onStarted(const QString& dir, const QString& device, qint64 iteration, qint64 total);
  void onProgress(qint64 iteration, qint64 total, double itPerSec, double elapsedSec, qint64 samples,
                  const QMap<QString, double>& losses);
  void onPreview(qint64 iteration, const QImage& image);
  void onEvaluated(qint64 iteration, const QMap<QString, double>& metrics);
  void onFinished(qint64 iteration, bool stopped);
  void onSettingEdited(int row, int column);

  EngineInfo m_engine;
  QThread m_thread;
  RunWorker* m_worker = nullptr;
  bool m_running = false;
  bool m_fillingSettings = false;
  QString m_runDir;
  QString m_resumeDir;  // set by openRunDirectory: Start resumes it
  QString m_device;
  std::function<void(const QString&)> m_errorReporter;

  QComboBox* m_dataCombo = nullptr;
  QComboBox* m_methodCombo = nullptr;
  QLineEdit* m_teacherEdit = nullptr;
  QLineEdit* m_runDirEdit = nullptr;
  QSpinBox* m_stepsSpin = nullptr;
  QSpinBox* m_seedSpin = nullptr;
  QTableWidget* m_settingsTable = nullptr;
  QLabel* m_versionLabel = nullptr;
  QLabel* m_torchLabel = nullptr;
  QLabel* m_deviceLabel = nullptr;
  QLabel* m_threadsLabel = nullptr;
  QLabel* m_statusLabel = nullptr;
  QLabel* m_runStatusLabel = nullptr;
  QLabel* m_sampleView = nullptr;
  QLabel* m_sampleCaption = nullptr;
  QCustomPlot* m_lossPlot = nullptr;
  QCustomPlot* m_fidPlot = nullptr;
  QTimer* m_replotTimer = nullptr;
  bool m_replotPending = false;
  QAction* m_startAction = nullptr;
  QAction* m_pauseAction = nullptr;
  QAction* m_stepAction = nullptr;
  QAction* m_stopAction = nullptr;
  QAction* m_checkpointAction = nullptr;
  QImage m_lastPreview;
  bool m_smooth = false;
  // Raw points of every curve (plot → series → (x, y)), so smoothing can be switched on and off.
  QMap<QCustomPlot*, QMap<QString, QVector<QPointF>>> m_raw;
};
