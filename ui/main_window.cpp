#include "main_window.h"

#include "compare_view.h"
#include "curves_panel.h"
#include "export_dialog.h"
#include "field_view.h"
#include "latent_view.h"
#include "methods.h"
#include "run_follower.h"
#include "setup_panel.h"
#include "shipped.h"

#include <onestep/config.h>
#include <onestep/data.h>
#include <onestep/run_dir.h>
#include <onestep/runtime.h>

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QToolTip>
#include <QUrl>
#include <QVBoxLayout>

namespace {

// QSettings scope: explicit, so the window behaves the same whatever names main() set.
constexpr const char* kSettingsOrganization = "OneStep";
constexpr const char* kSettingsApplication = "OneStep Studio";
constexpr const char* kGeometryKey = "mainWindow/geometry";
constexpr const char* kStateKey = "mainWindow/state";
constexpr const char* kSetupKey = "setup/";
constexpr const char* kLayoutKey = "layout/";
// The plot toggles remembered under kLayoutKey, by object name.
constexpr const char* kLayoutChecks[] = {"logScaleCheck", "smoothCheck", "wallClockCheck"};

constexpr int kSidePanelWidth = 360;

QString threadsText(int threads) {
  return threads == 1 ? QStringLiteral("1 thread") : QStringLiteral("%1 threads").arg(threads);
}

QLabel* makeValueLabel(const QString& text, const QString& objectName) {
  auto* label = new QLabel(text);
  label->setObjectName(objectName);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return label;
}

QString durationText(double seconds) {
  const int s = static_cast<int>(seconds);
  return QStringLiteral("%1:%2:%3")
      .arg(s / 3600)
      .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
      .arg(s % 60, 2, 10, QLatin1Char('0'));
}

}  // namespace

EngineInfo EngineInfo::query() {
  EngineInfo info;
  info.version = QString::fromStdString(onestep::version());
  info.torchVersion = QString::fromStdString(onestep::torchVersion());
  info.cuda = onestep::cudaAvailable();
  info.device = QString::fromStdString(onestep::resolveDevice("auto"));
  info.threads = onestep::threads();
  return info;
}

MainWindow::MainWindow(QWidget* parent) : MainWindow(EngineInfo::query(), parent) {}

MainWindow::MainWindow(const EngineInfo& engine, QWidget* parent) : QMainWindow(parent), m_engine(engine) {
  setWindowTitle(QStringLiteral("OneStep Studio"));
  m_worker = new RunWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(this, &MainWindow::requestStart, m_worker, &RunWorker::start, Qt::QueuedConnection);
  connect(m_worker, &RunWorker::started, this, &MainWindow::onStarted);
  connect(m_worker, &RunWorker::progress, this, &MainWindow::onProgress);
  connect(m_worker, &RunWorker::previewReady, this, &MainWindow::onPreview);
  connect(m_worker, &RunWorker::evaluated, this, &MainWindow::onEvaluated);
  connect(m_worker, &RunWorker::finished, this, &MainWindow::onFinished);
  connect(m_worker, &RunWorker::failed, this, &MainWindow::reportError);
  connect(m_worker, &RunWorker::trainingFailed, this, [this](qint64 iteration) { m_failedAt = iteration; });
  connect(m_worker, &RunWorker::message, this, [this](const QString& text) {
    statusBar()->showMessage(text, 4000);
    if (text.startsWith(QLatin1String("checkpoint"))) refreshViews(true);  // the model views follow the run
  });
  connect(m_worker, &RunWorker::settingsApplied, this,
          [this](const QString& text) { statusBar()->showMessage(tr("applied %1").arg(text), 4000); });
  connect(m_worker, &RunWorker::settingsRejected, this,
          [this](const QStringList& keys) { m_setup->rejectSettings(keys); });
  m_thread.start();
  m_modelWorker = new ModelWorker;
  m_modelWorker->moveToThread(&m_modelThread);
  connect(&m_modelThread, &QThread::finished, m_modelWorker, &QObject::deleteLater);
  m_modelThread.start();

  createActions();
  setCentralWidget(createCentralArea());
  createStatusBar();
  restoreSettings();
  setRunning(false);
}

MainWindow::~MainWindow() {
  // Teardown: stop → quit → wait. A run in progress ends at its next iteration and writes a checkpoint.
  m_worker->setPaused(false);
  m_worker->requestStop();
  m_modelWorker->shutdown();  // a long FID-vs-NFE sweep stops at its next check instead of holding up the close
  m_thread.quit();
  m_thread.wait();
  m_modelThread.quit();
  m_modelThread.wait();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveSettings();
  event->accept();
}

void MainWindow::createActions() {
  QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
  QAction* openAction = fileMenu->addAction(tr("&Open run directory…"), this, [this] {
    if (m_running) return;
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open run directory"));
    if (!dir.isEmpty()) openRunDirectory(dir);
  });
  m_openAction = openAction;
  openAction->setObjectName(QStringLiteral("openAction"));
  openAction->setShortcut(QKeySequence::Open);
  QAction* showDir = fileMenu->addAction(tr("Show run directory"), this, [this] {
    if (!m_runDir.isEmpty()) QDesktopServices::openUrl(QUrl::fromLocalFile(m_runDir));
  });
  showDir->setObjectName(QStringLiteral("showRunDirAction"));
  QAction* exportAction = fileMenu->addAction(tr("&Export samples…"), this, &MainWindow::showExportDialog);
  exportAction->setObjectName(QStringLiteral("exportAction"));
  exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  exportAction->setStatusTip(tr("Write N samples as PNGs, a grid, an NPZ, or a timelapse of the run"));
  fileMenu->addSeparator();
  QAction* quitAction = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
  quitAction->setObjectName(QStringLiteral("quitAction"));
  quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
  quitAction->setStatusTip(tr("Close OneStep Studio"));

  QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
  m_startAction = runMenu->addAction(tr("&Start"), this, &MainWindow::startRun);
  m_startAction->setObjectName(QStringLiteral("startAction"));
  m_startAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  m_pauseAction = runMenu->addAction(tr("&Pause"), this, &MainWindow::togglePause);
  m_pauseAction->setObjectName(QStringLiteral("pauseAction"));
  m_pauseAction->setShortcut(QKeySequence(Qt::Key_Space));
  m_stepAction = runMenu->addAction(tr("Single s&tep"), this, &MainWindow::singleStep);
  m_stepAction->setObjectName(QStringLiteral("stepAction"));
  m_stepAction->setShortcut(QKeySequence(Qt::Key_Period));
  m_stopAction = runMenu->addAction(tr("St&op"), this, &MainWindow::stopRun);
  m_stopAction->setObjectName(QStringLiteral("stopAction"));
  m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  m_checkpointAction = runMenu->addAction(tr("Save &checkpoint"), this, &MainWindow::saveCheckpoint);
  m_checkpointAction->setObjectName(QStringLiteral("checkpointAction"));
  m_checkpointAction->setShortcut(QKeySequence::Save);

  QToolBar* bar = addToolBar(tr("Run"));
  bar->setObjectName(QStringLiteral("runToolBar"));
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  for (QAction* a : {m_startAction, m_pauseAction, m_stepAction, m_stopAction, m_checkpointAction}) bar->addAction(a);
  bar->addSeparator();
  bar->addAction(openAction);
  bar->addAction(exportAction);

  QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
  QAction* aboutAction = helpMenu->addAction(tr("&About OneStep Studio"), this, &MainWindow::showAbout);
  aboutAction->setObjectName(QStringLiteral("aboutAction"));
  helpMenu->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

QWidget* MainWindow::createCentralArea() {
  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->setObjectName(QStringLiteral("mainSplitter"));
  m_mainSplitter = splitter;

  auto* side = new QWidget;
  auto* sideLayout = new QVBoxLayout(side);
  sideLayout->setContentsMargins(8, 8, 4, 8);
  sideLayout->addWidget(createSetupPanel(), 1);
  sideLayout->addWidget(createEnginePanel());
  side->setMinimumWidth(kSidePanelWidth);
  side->setMaximumWidth(kSidePanelWidth + 120);

  auto* samples = new QWidget;
  auto* sampleLayout = new QVBoxLayout(samples);
  sampleLayout->setContentsMargins(4, 8, 4, 8);
  m_samples = new SampleView;
  m_samples->setObjectName(QStringLiteral("sampleHistory"));
  sampleLayout->addWidget(m_samples, 1);

  auto* plots = new QTabWidget;
  plots->setObjectName(QStringLiteral("plotTabs"));
  m_curves = new CurvesPanel;
  m_curves->setObjectName(QStringLiteral("curvesPanel"));
  connect(m_curves, &CurvesPanel::message, this, [this](const QString& text) { statusBar()->showMessage(text, 4000); });
  connect(m_curves, &CurvesPanel::failed, this, &MainWindow::reportError);
  connect(m_curves, &CurvesPanel::iterationClicked, this, [this](qint64 iteration) {
    if (m_samples->showIteration(iteration))
      statusBar()->showMessage(
          tr("samples of iteration %1 (from the history; Live returns)").arg(m_samples->shownIteration()), 4000);
  });
  plots->addTab(m_curves, tr("Curves"));

  splitter->addWidget(side);
  splitter->addWidget(samples);
  splitter->addWidget(plots);
  splitter->setStretchFactor(1, 3);
  splitter->setStretchFactor(2, 4);

  m_views = new QTabWidget;
  m_views->setObjectName(QStringLiteral("viewTabs"));
  m_views->addTab(splitter, tr("Training"));
  m_compare = new CompareView(m_modelWorker);
  m_latent = new LatentView(m_modelWorker);
  m_field = new FieldView(m_modelWorker);
  m_views->addTab(m_compare, tr("Compare"));
  m_views->addTab(m_latent, tr("Latent explorer"));
  m_views->addTab(m_field, tr("2-D view"));
  connect(m_compare, &CompareView::failed, this, &MainWindow::showErrorDialog);
  connect(m_latent, &LatentView::failed, this, &MainWindow::showErrorDialog);
  connect(m_field, &FieldView::failed, this, &MainWindow::showErrorDialog);
  connect(m_views, &QTabWidget::currentChanged, this, [this] { refreshViews(false); });
  m_followTimer = new QTimer(this);
  m_followTimer->setInterval(2000);
  connect(m_followTimer, &QTimer::timeout, this, [this] {
    if (m_running && m_views->currentIndex() > 0 && !m_worker->isPaused()) m_worker->requestCheckpoint();
  });
  m_followTimer->start();
  // An opened run that another process writes: its curves, grid and newest checkpoint, as they come.
  m_follower = new RunFollower(this);
  connect(m_follower, &RunFollower::metricsChanged, this, [this] { m_curves->loadRun(m_follower->dir()); });
  connect(m_follower, &RunFollower::snapshotsAdded, this,
          [this](qint64 after) { m_samples->loadSnapshots(m_follower->dir(), after); });
  connect(m_follower, &RunFollower::checkpointChanged, this, [this] { refreshViews(true); });
  return m_views;
}

void MainWindow::showView(const QString& name) {
  static const QStringList names = {QStringLiteral("training"), QStringLiteral("compare"), QStringLiteral("latent"),
                                    QStringLiteral("2d")};
  const int index = names.indexOf(name);
  if (index >= 0) m_views->setCurrentIndex(index);
}

QString MainWindow::viewedModel() const {
  if (!m_runDir.isEmpty() && !onestep::listCheckpoints(m_runDir.toStdString()).empty()) return m_runDir;
  return m_shownModel;  // no run with a checkpoint: the shipped model of the setup (or nothing)
}

void MainWindow::refreshViews(bool reload) {
  const QString model = viewedModel();
  if (model.isEmpty()) return;  // nothing to load yet
  QWidget* current = m_views->currentWidget();
  if (current == m_compare) m_compare->setModel(model, reload);
  if (current == m_latent) m_latent->setModel(model, reload);
  if (current == m_field) m_field->setModel(model, m_setup->data(), reload);
}

QWidget* MainWindow::createEnginePanel() {
  auto* box = new QGroupBox(tr("Engine"));
  auto* form = new QFormLayout(box);
  m_versionLabel = makeValueLabel(m_engine.version, QStringLiteral("engineVersionLabel"));
  m_torchLabel = makeValueLabel(m_engine.torchVersion, QStringLiteral("torchVersionLabel"));
  m_deviceLabel = makeValueLabel(m_engine.device, QStringLiteral("deviceLabel"));
  m_threadsLabel = makeValueLabel(QString::number(m_engine.threads), QStringLiteral("threadsLabel"));
  form->addRow(tr("Engine / LibTorch"), new QLabel(m_engine.version + QStringLiteral(" / ") + m_engine.torchVersion));
  form->addRow(tr("Device"), m_deviceLabel);
  form->addRow(tr("Threads"), m_threadsLabel);
  // Kept for copy/paste into bug reports; hidden to save room (the row above shows both).
  m_versionLabel->setParent(box);
  m_versionLabel->hide();
  m_torchLabel->setParent(box);
  m_torchLabel->hide();
  return box;
}

void MainWindow::createStatusBar() {
  m_statusLabel = new QLabel(
      tr("engine %1 · device %2 · %3").arg(m_engine.version, m_engine.device, threadsText(m_engine.threads)));
  m_statusLabel->setObjectName(QStringLiteral("statusEngineLabel"));
  m_runStatusLabel = new QLabel(tr("no run"));
  m_runStatusLabel->setObjectName(QStringLiteral("statusRunLabel"));
  statusBar()->addPermanentWidget(m_runStatusLabel);
  statusBar()->addPermanentWidget(m_statusLabel);
}

void MainWindow::startRun() {
  if (m_running) return;
  m_failedAt.reset();
  if (!m_resumeDir.isEmpty()) {
    RunRequest request;
    request.dir = m_resumeDir;
    request.resume = true;
    request.settings.append({QStringLiteral("steps"), QString::number(m_setup->steps())});
    request.settings.append({QStringLiteral("device"), m_setup->device()});
    // Rows edited since the run was opened override its config (as `--resume --set key=value`).
    request.settings += m_setup->settingsEdited();
    startRequest(request);
    return;
  }
  RunRequest request;
  request.dir = m_setup->runDir();
  const QString method = m_setup->method();
  request.settings.append({QStringLiteral("method"), method});
  request.settings.append({QStringLiteral("data"), m_setup->data()});
  request.settings.append({QStringLiteral("steps"), QString::number(m_setup->steps())});
  request.settings.append({QStringLiteral("seed"), QString::number(m_setup->seed())});
  request.settings.append({QStringLiteral("device"), m_setup->device()});
  if (methodNeedsTeacher(method)) {
    if (m_setup->teacher().isEmpty()) {
      reportError(tr("%1 needs a teacher: choose a run directory, checkpoint or TorchScript file").arg(method));
      return;
    }
    request.settings.append({QStringLiteral("teacher_model"), m_setup->teacher()});
  }
  // Rows that differ from their default.
  request.settings += m_setup->settingsChangedFromDefaults();
  startRequest(request);
}

void MainWindow::startRequest(const RunRequest& request) {
  // Two writers of one run directory would tear it: a run another process trains (the CLI followed here) holds its
  // directory's lock until that process ends.
  if (request.resume && onestep::runInUse(request.dir.toStdString())) {
    reportError(tr("'%1' is being written by another process: stop that run before resuming it here").arg(request.dir));
    return;
  }
  m_follower->stop();
  m_curves->clear();
  m_samples->clear();
  m_lastElapsed = 0;
  m_runDir = request.dir;
  setRunning(true);
  m_worker->setPaused(false);
  emit requestStart(request);
}

void MainWindow::openRunDirectory(const QString& dir) {
  if (m_running) {
    showErrorDialog(tr("Stop the run in progress before opening another run directory ('%1')").arg(dir));
    return;
  }
  onestep::RunConfig runConfig;
  try {
    runConfig = onestep::readRunConfig(dir.toStdString());
  } catch (const std::exception& e) {
    reportError(QString::fromLocal8Bit(e.what()));
    return;
  }
  setSetup(QString::fromStdString(runConfig.data), QString::fromStdString(runConfig.method),
           QString::fromStdString(runConfig.teacher_model), static_cast<int>(runConfig.steps),
           static_cast<int>(runConfig.seed), dir);
  m_setup->fillSettings(&runConfig);  // the run's own values, so that Start resumes with what the table shows
  // The run's device as it was asked for ("cuda" too, which is not one of the listed names): resume keeps it.
  m_setup->setDevice(QString::fromStdString(runConfig.device));
  // Replay the curves from metrics.jsonl and the sample history from the snapshots.
  m_curves->loadRun(dir);
  m_samples->clear();
  m_samples->loadSnapshots(dir);
  m_resumeDir = dir;
  m_runDir = dir;
  m_runStatusLabel->setText(tr("opened %1 · following it as it is written · Start resumes it").arg(dir));
  refreshViews(true);
  m_follower->follow(dir);
}

void MainWindow::addOverlay(const QString& dir) {
  QString error;
  if (!m_curves->overlayRun(dir, &error)) reportError(error);
}

void MainWindow::clearOverlays() { m_curves->clearOverlays(); }

bool MainWindow::writeCurvesImage(const QStringList& runs, const QString& path, QString* error) {
  return m_curves->writeCurvesImage(runs, path, error);
}

void MainWindow::showExportDialog() {
  if (!m_exportDialog) m_exportDialog = new ExportDialog(viewedModel(), this);
  m_exportDialog->setModel(viewedModel());
  m_exportDialog->show();
  m_exportDialog->raise();
}

void MainWindow::togglePause() {
  if (!m_running) return;
  const bool paused = !m_worker->isPaused();
  m_worker->setPaused(paused);
  m_pauseAction->setText(paused ? tr("&Resume") : tr("&Pause"));
  m_stepAction->setEnabled(paused);
}

void MainWindow::singleStep() {
  if (m_running && m_worker->isPaused()) m_worker->requestSingleStep();
}

void MainWindow::stopRun() {
  if (m_running) m_worker->requestStop();
}

void MainWindow::saveCheckpoint() {
  if (m_running) m_worker->requestCheckpoint();
}

void MainWindow::setRunning(bool running) {
  m_running = running;
  m_startAction->setEnabled(!running);
  m_pauseAction->setEnabled(running);
  m_pauseAction->setText(tr("&Pause"));
  m_stepAction->setEnabled(false);
  m_stopAction->setEnabled(running);
  m_checkpointAction->setEnabled(running);
  m_openAction->setEnabled(!running);
  m_setup->setLive(running);
}

void MainWindow::reportError(const QString& message) {
  emit runFailed(message);
  showErrorDialog(message);
}

void MainWindow::showErrorDialog(const QString& message) {
  if (m_errorReporter) {
    m_errorReporter(message);
    return;
  }
  if (m_openErrors.contains(message)) return;  // e.g. the latent explorer answering every slider move alike
  m_openErrors.append(message);
  auto* box = new QMessageBox(QMessageBox::Warning, tr("OneStep Studio"), message, QMessageBox::Ok, this);
  box->setObjectName(QStringLiteral("errorDialog"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  connect(box, &QDialog::finished, this, [this, message] { m_openErrors.removeAll(message); });
  box->open();  // not exec(): the GUI thread keeps serving the worker
}

void MainWindow::onStarted(const QString& dir, const QString& device, qint64 iteration, qint64 total) {
  m_device = device;
  // What the table shows is now in force: later edits (live, or before a resume) are measured against it.
  m_setup->markSettingsInForce();
  m_resumeDir.clear();
  m_runStatusLabel->setText(tr("%1 · iteration %2 of %3 · device %4").arg(dir).arg(iteration).arg(total).arg(device));
}

void MainWindow::onProgress(qint64 iteration, qint64 total, double itPerSec, double elapsedSec, qint64 samples,
                            const QMap<QString, double>& losses) {
  m_curves->addLosses(static_cast<double>(iteration), elapsedSec, losses);
  m_lastElapsed = elapsedSec;
  m_runStatusLabel->setText(tr("iteration %1 / %2 · %3 it/s · %4 samples seen · %5 · %6")
                                .arg(iteration)
                                .arg(total)
                                .arg(itPerSec, 0, 'f', 1)
                                .arg(samples)
                                .arg(m_device, durationText(elapsedSec)));
}

void MainWindow::onPreview(qint64 iteration, const QImage& image) {
  m_lastPreview = image;
  m_samples->addFrame(iteration, image);
}

void MainWindow::onEvaluated(qint64 iteration, const QMap<QString, double>& metrics) {
  m_curves->addEvaluation(static_cast<double>(iteration), m_lastElapsed, metrics);
}

void MainWindow::onFinished(qint64 iteration, bool stopped) {
  setRunning(false);
  if (m_failedAt && *m_failedAt < 0)
    m_runStatusLabel->setText(tr("not started (see the error)"));
  else if (m_failedAt)  // train() checkpointed what the run had reached; Start resumes it with the edited rows
    m_runStatusLabel->setText(tr("failed at iteration %1 · edit the settings, then Start continues the run · %2")
                                  .arg(*m_failedAt)
                                  .arg(m_runDir));
  else
    m_runStatusLabel->setText(
        tr("%1 at iteration %2 · %3").arg(stopped ? tr("stopped") : tr("finished")).arg(iteration).arg(m_runDir));
  if (!m_runDir.isEmpty() && onestep::isRunDirectory(m_runDir.toStdString())) m_resumeDir = m_runDir;
  refreshViews(true);
  emit runFinished(iteration, stopped);
}

void MainWindow::restoreSettings() {
  QSettings settings(QString::fromLatin1(kSettingsOrganization), QString::fromLatin1(kSettingsApplication));
  if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) resize(kDefaultSize);
  restoreState(settings.value(kStateKey).toByteArray());
  const QString layout = QString::fromLatin1(kLayoutKey);
  m_mainSplitter->restoreState(settings.value(layout + QStringLiteral("splitter")).toByteArray());
  for (const char* name : kLayoutChecks)
    if (auto* box = findChild<QCheckBox*>(QLatin1String(name)))
      box->setChecked(settings.value(layout + QLatin1String(name), false).toBool());
  const QString prefix = QString::fromLatin1(kSetupKey);
  if (settings.contains(prefix + QStringLiteral("data")))
    setSetup(settings.value(prefix + QStringLiteral("data")).toString(),
             settings.value(prefix + QStringLiteral("method")).toString(),
             settings.value(prefix + QStringLiteral("teacher")).toString(),
             settings.value(prefix + QStringLiteral("steps")).toInt(),
             settings.value(prefix + QStringLiteral("seed")).toInt(),
             settings.value(prefix + QStringLiteral("runDir")).toString());
  else  // the first start: Fashion-MNIST with SiD, its shipped generator in the model views
    setSetup(QStringLiteral("fashion-mnist"), QStringLiteral("sid"), QString(), m_setup->steps(), 0, m_setup->runDir());
  showShippedGenerator();
  const QString device = settings.value(prefix + QStringLiteral("device")).toString();
  m_setup->setDevice(device, /*addIfMissing=*/false);  // a device this machine lacks is not offered
  // The first start opens on Compare: the shipped generator beside its teacher, before any training.
  const int firstView = m_shownModel.isEmpty() ? 0 : 1;
  m_views->setCurrentIndex(
      std::clamp(settings.value(layout + QStringLiteral("view"), firstView).toInt(), 0, m_views->count() - 1));
}

void MainWindow::saveSettings() const {
  QSettings settings(QString::fromLatin1(kSettingsOrganization), QString::fromLatin1(kSettingsApplication));
  settings.setValue(kGeometryKey, saveGeometry());
  settings.setValue(kStateKey, saveState());
  const QString prefix = QString::fromLatin1(kSetupKey);
  settings.setValue(prefix + QStringLiteral("data"), m_setup->data());
  settings.setValue(prefix + QStringLiteral("method"), m_setup->method());
  settings.setValue(prefix + QStringLiteral("teacher"), m_setup->teacher());
  settings.setValue(prefix + QStringLiteral("steps"), m_setup->steps());
  settings.setValue(prefix + QStringLiteral("seed"), m_setup->seed());
  settings.setValue(prefix + QStringLiteral("runDir"), m_setup->runDir());
  settings.setValue(prefix + QStringLiteral("device"), m_setup->device());
  const QString layout = QString::fromLatin1(kLayoutKey);
  settings.setValue(layout + QStringLiteral("splitter"), m_mainSplitter->saveState());
  settings.setValue(layout + QStringLiteral("view"), m_views->currentIndex());
  for (const char* name : kLayoutChecks)
    if (auto* box = findChild<QCheckBox*>(QLatin1String(name)))
      settings.setValue(layout + QLatin1String(name), box->isChecked());
}

QString MainWindow::aboutText() const {
  return tr("<h3>OneStep Studio</h3>"
            "<p>Watch diffusion models being distilled into one-step generators, live.</p>"
            "<p>Engine %1<br>LibTorch %2<br>Qt %3<br>Device %4 · %5</p>"
            "<p>Methods: %6.</p>")
      .arg(m_engine.version.toHtmlEscaped(), m_engine.torchVersion.toHtmlEscaped(), QString::fromLatin1(qVersion()),
           m_engine.device.toHtmlEscaped(), threadsText(m_engine.threads), methodsText());
}

void MainWindow::showAbout() { QMessageBox::about(this, tr("About OneStep Studio"), aboutText()); }
