// The studio's main window. For now it shows what the engine reports about itself (version,
// LibTorch, device, threads) and an empty loss plot; the live distillation views arrive with the
// studio. GUI thread only.
#pragma once

#include <QMainWindow>
#include <QSize>
#include <QString>

class QCloseEvent;
class QCustomPlot;
class QLabel;

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

  // The engine facts shown in the window.
  const EngineInfo& engineInfo() const { return m_engine; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createActions();
  QWidget* createCentralArea();
  QWidget* createEnginePanel();
  QWidget* createNextStepsPanel();
  QCustomPlot* createLossPlot();
  void createStatusBar();
  void restoreSettings();
  void saveSettings() const;
  void showAbout();

  EngineInfo m_engine;
  QLabel* m_versionLabel = nullptr;
  QLabel* m_torchLabel = nullptr;
  QLabel* m_deviceLabel = nullptr;
  QLabel* m_threadsLabel = nullptr;
  QLabel* m_statusLabel = nullptr;
  QCustomPlot* m_lossPlot = nullptr;
};
