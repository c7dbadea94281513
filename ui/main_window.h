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

#include <optional>

#include "model_worker.h"
#include "run_worker.h"
#include "sample_view.h"
#include "shipped.h"

class CompareView;
class CurvesPanel;
class SetupPanel;
class ExportDialog;
class FieldView;
class LatentView;
class QSplitter;
class QTabWidget;
namespace onestep {
struct RunConfig;
}
class QAction;
class QCloseEvent;
class QComboBox;
class QLabel;
class QLineEdit;
class QMouseEvent;
class QSpinBox;
class QTableWidget;
class QTimer;
class RunFollower;

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
  // The About box's text (HTML): versions, device and every method with the paper it follows.
  QString aboutText() const;

 public slots:
  void startRun();  // from the setup panel (a new run in the run directory)
  // Replays metrics.jsonl and the snapshots, then follows the directory: the curves, the grid and the model views
  // update as another process (a CLI run) writes it. Start resumes it, unless that process is still writing.
  void openRunDirectory(const QString& dir);
  void togglePause();
  void singleStep();
  void stopRun();
  void saveCheckpoint();
  void showExportDialog();  // Ctrl+E: samples of the current run (or any model) to files
  // Draws another run's curves (dashed) beside the current run's; clearOverlays removes them.
  void addOverlay(const QString& dir);
  void clearOverlays();
  // Scripted --plot: the runs' FID curves (log scale) against iterations and against wall time, side by side, drawn
  // by this window's plot, as one PNG. False with *error naming the run or file that failed.
  bool writeCurvesImage(const QStringList& runs, const QString& path, QString* error);
  SampleView* sampleView() const { return m_samples; }
  // The views: "training", "compare", "latent", "2d". Showing one loads the current run's latest checkpoint.
  void showView(const QString& name);
  // Opens a shipped model: a teacher fills the data and teacher fields; a generator fills the setup that made it
  // and is shown in the model views (until a run has a checkpoint of its own).
  void openShipped(const ShippedEntry& model);
  // The model the views show: the run's (its directory) once it has a checkpoint, else the shipped one shown.
  QString viewedModel() const;
  CompareView* compareView() const { return m_compare; }
  LatentView* latentView() const { return m_latent; }
  FieldView* fieldView() const { return m_field; }
  ModelWorker* modelWorker() const { return m_modelWorker; }
  RunFollower* follower() const { return m_follower; }

 signals:
  void runFinished(qint64 iteration, bool stopped);  // the worker's run ended (after the window updated)
  void runFailed(const QString& message);
  void requestStart(const RunRequest& request);  // to the worker thread

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createActions();
  QWidget* createCentralArea();
  QWidget* createSetupPanel();
  QWidget* createEnginePanel();
  void createStatusBar();
  void refreshViews(bool reload);  // the visible model view follows the run's newest checkpoint
  void showShippedGenerator();     // no run open: the views show the shipped model of the data and method
  void restoreSettings();
  void saveSettings() const;
  void showAbout();
  // A dialog for an engine error that is not the run's own (views); one per message while it is open.
  void showErrorDialog(const QString& message);
  void startRequest(const RunRequest& request);
  void setRunning(bool running);
  void reportError(const QString& message);
  void onStarted(const QString& dir, const QString& device, qint64 iteration, qint64 total);
  void onProgress(qint64 iteration, qint64 total, double itPerSec, double elapsedSec, qint64 samples,
                  const QMap<QString, double>& losses);
  void onPreview(qint64 iteration, const QImage& image);
  void onEvaluated(qint64 iteration, const QMap<QString, double>& metrics);
  void onFinished(qint64 iteration, bool stopped);

  EngineInfo m_engine;
  QThread m_thread;
  RunWorker* m_worker = nullptr;
  QThread m_modelThread;
  ModelWorker* m_modelWorker = nullptr;
  QTabWidget* m_views = nullptr;
  CompareView* m_compare = nullptr;
  LatentView* m_latent = nullptr;
  FieldView* m_field = nullptr;
  QTimer* m_followTimer = nullptr;    // while a model view is shown during a run: a checkpoint every 2 s
  RunFollower* m_follower = nullptr;  // an opened run directory that another process may be writing
  bool m_running = false;
  QString m_runDir;
  QString m_resumeDir;               // set by openRunDirectory: Start resumes it
  QString m_shownModel;              // the shipped generator (or teacher) of the setup, shown while there is no run
  std::optional<qint64> m_failedAt;  // the run ended on an error at this iteration (-1: never started)
  QString m_device;
  std::function<void(const QString&)> m_errorReporter;

  SetupPanel* m_setup = nullptr;
  QAction* m_openAction = nullptr;
  QSplitter* m_mainSplitter = nullptr;
  QStringList m_openErrors;  // messages whose dialog is showing
  QLabel* m_versionLabel = nullptr;
  QLabel* m_torchLabel = nullptr;
  QLabel* m_deviceLabel = nullptr;
  QLabel* m_threadsLabel = nullptr;
  QLabel* m_statusLabel = nullptr;
  QLabel* m_runStatusLabel = nullptr;
  SampleView* m_samples = nullptr;
  CurvesPanel* m_curves = nullptr;
  QAction* m_startAction = nullptr;
  QAction* m_pauseAction = nullptr;
  QAction* m_stepAction = nullptr;
  QAction* m_stopAction = nullptr;
  QAction* m_checkpointAction = nullptr;
  ExportDialog* m_exportDialog = nullptr;
  QImage m_lastPreview;
  double m_lastElapsed = 0;  // the run's wall time at its latest progress report
};
